//! A WebDAV login sent over plain http (`dav://`) to a server off the rider's own network is
//! warned about on stderr by `devices setup` and `devices sync`; one on loopback or a private
//! range is not. Only loopback is ever contacted: the public name is under `.invalid`, which never
//! resolves, so those passes fail at once (unreachable) after the warning.

use std::process::{Command, Output};

use pedalwrencher_core::faults;
use pedalwrencher_tests::cli_path;
use pedalwrencher_tests::sync_servers::WebDav;
use tempfile::TempDir;

const PASSPHRASE: &str = "a long sync passphrase";
const PUBLIC: &str = "dav://rider:hunter2@sync.example.invalid/bikes";

/// The CLI on a fresh data folder, secrets in its file, `url` as the sync target (environment).
fn cli(dir: &TempDir, url: Option<&str>, args: &[&str]) -> Output {
    let mut c = Command::new(cli_path());
    c.env_remove("PEDALWRENCHER_DATA_DIR")
        .env_remove("PEDALWRENCHER_SYNC_URL")
        .env_remove(faults::ENV)
        .env("PEDALWRENCHER_SECRETS", "file")
        .env("PEDALWRENCHER_SYNC_PASSPHRASE", PASSPHRASE)
        .env("NO_PROXY", "127.0.0.1")
        .arg("--data-dir")
        .arg(dir.path())
        .args(args);
    if let Some(url) = url {
        c.env("PEDALWRENCHER_SYNC_URL", url);
    }
    c.output().expect("run the CLI")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_plain_http_login_to_a_public_server_is_warned_about_before_the_pass() {
    let dir = tempfile::tempdir().unwrap();
    for out in [
        cli(&dir, None, &["devices", "setup", PUBLIC]),
        cli(&dir, Some(PUBLIC), &["devices", "sync"]),
        cli(&dir, Some(PUBLIC), &["--json", "devices", "sync"]),
    ] {
        let err = stderr(&out);
        // The pass itself fails: that server does not exist.
        assert_eq!(out.status.code(), Some(1), "{err}");
        let warning = err
            .lines()
            .find(|l| l.starts_with("warning: "))
            .unwrap_or_else(|| panic!("no warning: {err}"));
        assert!(warning.contains("plain http"), "{warning}");
        assert!(warning.contains("davs://"), "{warning}");
        assert!(!err.contains("hunter2"), "{err}");
        assert!(out.stdout.is_empty(), "nothing on stdout for a failed pass");
    }
}

#[test]
fn a_plain_http_login_on_loopback_is_not_warned_about() {
    let dav = WebDav::start();
    let dir = tempfile::tempdir().unwrap();
    let setup = cli(&dir, None, &["devices", "setup", &dav.url()]);
    assert!(setup.status.success(), "{}", stderr(&setup));
    let sync = cli(&dir, Some(&dav.url()), &["--json", "devices", "sync"]);
    assert!(sync.status.success(), "{}", stderr(&sync));
    for out in [setup, sync] {
        assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    }
}
