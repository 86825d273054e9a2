//! A WebDAV login sent over plain http (`dav://`) to a server off the rider's own network is
//! warned about on stderr by `devices setup` and `devices sync`; one on loopback or a private
//! range is not. Only loopback is ever contacted: the public name is under `.invalid`, which never
//! resolves, so those passes fail at once (unreachable) after the warning.

use std::process::Output;

use pedalwrencher_tests::sync_servers::WebDav;

use super::{Device, Target};

const PUBLIC: &str = "dav://rider:hunter2@sync.example.invalid/bikes";

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_plain_http_login_to_a_public_server_is_warned_about_before_the_pass() {
    let d = Device::new();
    let public = [("PEDALWRENCHER_SYNC_URL", PUBLIC)];
    for out in [
        d.g.run(&["devices", "setup", PUBLIC]),
        d.g.run_with(&["devices", "sync"], &public),
        d.g.run_with(&["--json", "devices", "sync"], &public),
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
    let dav = Target::Dav(WebDav::start());
    let d = Device::new();
    let setup = d.g.run(&["devices", "setup", &dav.url()]);
    assert!(setup.status.success(), "{}", stderr(&setup));
    let sync = d.output(&dav, &["--json", "devices", "sync"]);
    assert!(sync.status.success(), "{}", stderr(&sync));
    for out in [setup, sync] {
        assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
    }
}
