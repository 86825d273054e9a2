//! Shared helpers for the tests.

use std::path::{Path, PathBuf};

pub mod fake_strava;
pub mod fake_twilio;
pub mod fixtures;
pub mod garages;
pub mod smtp_server;
pub mod sql;
pub mod sync_servers;

/// `target/<profile>/pedalwrencher-cli`, next to the `deps/` folder the calling test runs from.
/// The binary belongs to another package, so `cargo test` does not build it: the Makefile does
/// (`cargo build -p pedalwrencher-cli`), and this fails loudly when it is missing.
///
/// `PEDALWRENCHER_TEST_CLI` points the tests at another build instead (an older commit's, to see
/// a test fail before its fix).
pub fn cli_path() -> PathBuf {
    if let Some(other) = std::env::var_os("PEDALWRENCHER_TEST_CLI") {
        return PathBuf::from(other);
    }
    let exe = std::env::current_exe().expect("the test knows its own path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("the test executable lives in target/<profile>/deps");
    let path = profile_dir.join(format!("pedalwrencher-cli{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "the CLI binary is missing at {}.\nIt belongs to another package, so `cargo test` does not build it: \
         run `cargo build -p pedalwrencher-cli` and then run the tests again.",
        path.display()
    );
    path
}
