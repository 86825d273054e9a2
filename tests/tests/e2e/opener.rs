//! The test's web browser: an `xdg-open` on PATH (the opener plugin runs `xdg-open URL` on Linux)
//! that does what a browser would with Strava's page: fetch it and follow its redirect to the
//! app's listener on 127.0.0.1 (the fake approves at once).

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Writes the `xdg-open` into `dir`, logging every page it opens to `log`; returns the PATH that
/// finds it first.
pub fn fake_browser(dir: &Path, log: &Path) -> OsString {
    let script = dir.join("xdg-open");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n# The test's browser: follows Strava's authorize page to the app's listener.\n\
             echo \"opened $1\" >> '{log}'\n\
             exec curl -sS -L --noproxy '*' --max-time 30 -o /dev/null -w '%{{http_code}} %{{url_effective}}\\n' \"$1\" >> '{log}' 2>&1\n",
            log = log.display()
        ),
    )
    .expect("write the fake xdg-open");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
        .expect("make it executable");
    let mut path = dir.as_os_str().to_owned();
    if let Some(rest) = std::env::var_os("PATH") {
        path.push(":");
        path.push(rest);
    }
    path
}
