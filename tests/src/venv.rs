//! The tests' Python virtualenv, `tests/.venv` (git-ignored), made by `make py-venv` (a
//! prerequisite of `make test-unit`): the real SMTP, WebDAV and S3 servers come from PyPI there.

use std::path::{Path, PathBuf};

/// A program of the virtualenv; fails saying how to make it when it is missing.
pub fn bin(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".venv/bin")
        .join(name);
    assert!(
        path.is_file(),
        "the tests need {name} in the virtualenv at {}: run `make py-venv` \
         (it installs aiosmtpd, wsgidav, cheroot and moto[server] there), then run the tests again",
        path.display()
    );
    path
}

/// The virtualenv's Python (with aiosmtpd); `PEDALWRENCHER_TEST_PYTHON` points elsewhere.
pub fn python() -> PathBuf {
    match std::env::var_os("PEDALWRENCHER_TEST_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => bin("python"),
    }
}
