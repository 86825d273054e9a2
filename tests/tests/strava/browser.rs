//! Connecting through the browser flow: `strava connect` prints Strava's address, the test plays
//! the browser through the fake's consent page back to the CLI's loopback listener.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Output, Stdio};
use std::time::Duration;

use super::{expected, fake_with, history, Rig, DAY};

/// A minimal HTTP GET on loopback: status, the Location header, the body.
fn http_get(url: &str) -> (u16, Option<String>, String) {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let mut s = TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).unwrap();
    let status = text.split_whitespace().nth(1).unwrap().parse().unwrap();
    let location = text
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("location:"))
        .map(|l| l[9..].trim().to_owned());
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, location, body)
}

/// Runs `strava connect`, plays the browser (follows the printed address through the fake's
/// consent redirect back to the CLI's loopback listener), and returns the CLI's output.
fn connect_through_browser(rig: &Rig) -> Output {
    let mut child = rig
        .g
        .command()
        .env_remove("PEDALWRENCHER_STRAVA_REFRESH_TOKEN")
        .args(["strava", "connect", "--timeout", "1"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut url = None;
    let mut seen = String::new();
    for _ in 0..20 {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 {
            break;
        }
        seen.push_str(&line);
        if let Some(u) = line.trim().strip_prefix("http://") {
            url = Some(format!("http://{u}"));
            break;
        }
    }
    let url = url.unwrap_or_else(|| panic!("no address printed: {seen}"));
    assert!(
        url.contains("scope=read%2Cactivity%3Aread_all%2Cprofile%3Aread_all"),
        "{url}"
    );
    let (status, location, _) = http_get(&url);
    assert_eq!(status, 303, "the fake's consent page redirects back");
    let (status, _, body) = http_get(&location.unwrap());
    assert_eq!(status, 200);
    // The browser is told the outcome, after every check.
    assert!(
        body.contains("Connected to Strava as") || body.contains("could not connect"),
        "{body}"
    );
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    let mut out = child.wait_with_output().unwrap();
    out.stderr = format!("{seen}{rest}").into_bytes();
    out
}

#[test]
fn connecting_through_the_loopback_flow_stores_the_tokens_and_a_sync_follows() {
    let rig = Rig::new(fake_with(history(10, DAY)));
    let out = connect_through_browser(&rig);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = rig.g.json(&["strava", "status"]);
    assert_eq!(status["athlete_name"], "Marianne Vos", "{status}");
    let mut c = rig.g.command();
    c.env_remove("PEDALWRENCHER_STRAVA_REFRESH_TOKEN")
        .env_remove("PEDALWRENCHER_STRAVA_CLIENT_SECRET");
    let sync = c.args(["sync"]).output().unwrap();
    assert!(
        sync.status.success(),
        "{}",
        String::from_utf8_lossy(&sync.stderr)
    );
    assert_eq!(rig.totals(), expected(&history(10, DAY)));
    rig.assert_no_secret_leaked();
}

#[test]
fn declining_on_stravas_page_or_unticking_a_scope_is_explained() {
    let rig = Rig::new(fake_with(history(3, DAY)));
    rig.fake.state().deny_consent = true;
    let out = connect_through_browser(&rig);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("you declined"));

    let rig = Rig::new(fake_with(history(3, DAY)));
    rig.fake.state().granted_scopes = "read,activity:read_all".into();
    let out = connect_through_browser(&rig);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("View your complete Strava profile"),
        "{stderr}"
    );
}
