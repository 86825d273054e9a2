//! Where output goes: a reader that goes away, a full disk.

use pedalwrencher_tests::cli::Garage;

use super::text;

#[test]
fn a_reader_that_goes_away_is_not_a_panic() {
    let g = Garage::new();
    g.ok(&["bike", "add", "Road"]);
    let mut child = g
        .command()
        .arg("presets")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the CLI starts");
    // Like `pedalwrencher-cli presets | head -0`: the read end closes before the CLI writes
    // (it opens the database first). Were it to write first, the pipe buffer takes it: also fine.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("the CLI finishes");
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_on_stdout_is_an_error_not_a_panic() {
    let g = Garage::new();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full exists on Linux");
    let out = g
        .command()
        .arg("bikes")
        .stdout(full)
        .output()
        .expect("the CLI runs");
    let stderr = text(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("error: could not write the output"),
        "{stderr}"
    );
    assert_eq!(out.status.code(), Some(1), "{stderr}");
}
