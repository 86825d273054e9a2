//! One rig for every test that drives `pedalwrencher-cli`: a [`Garage`] is a data folder of its
//! own and the environment its CLI runs in (hermetic: none of the developer's `PEDALWRENCHER_*`
//! variables, metric units, UTC, the private secrets file, no proxy for loopback), plus what the
//! test configures (fake servers' URLs, logins, timings). Every run is a real process of the
//! real binary; what it printed is kept, to check that no secret ever appears in it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Mutex, MutexGuard};

use pedalwrencher_core::store::DB_FILE;
use rusqlite::Connection;
use serde_json::Value;
use tempfile::TempDir;

use crate::process::Running;

mod config;
mod reminders;
mod steps;
mod views;

pub use steps::{id_of, num, str_of};

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

/// The environment every run starts from, whatever the developer's own.
const BASE_ENV: &[(&str, &str)] = &[
    ("PEDALWRENCHER_UNITS", "metric"),
    // Dates are typed and shown in local time; pin it so messages are the same everywhere.
    ("TZ", "UTC"),
    // Never the developer's keyring: the private secrets file in the data folder.
    ("PEDALWRENCHER_SECRETS", "file"),
    ("NO_PROXY", "127.0.0.1"),
];

/// The CLI in the hermetic environment, with no data folder (for tests of where it goes).
pub fn command() -> Command {
    hermetic(Command::new(cli_path()))
}

/// `cmd` with none of the developer's `PEDALWRENCHER_*` variables and the base environment.
fn hermetic(mut cmd: Command) -> Command {
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("PEDALWRENCHER_") {
            cmd.env_remove(key);
        }
    }
    cmd.envs(BASE_ENV.iter().copied());
    cmd
}

/// One garage in its own temporary folder, and how its CLI is configured.
pub struct Garage {
    dir: TempDir,
    env: Vec<(String, String)>,
    /// A program the CLI runs under, with its arguments (`faketime -f +365d`); empty for none.
    wrapper: Vec<String>,
    /// Everything the CLI printed (behind a lock: runs may come from several threads).
    transcript: Mutex<String>,
}

impl Default for Garage {
    fn default() -> Self {
        Garage::new()
    }
}

impl Garage {
    pub fn new() -> Garage {
        Garage {
            dir: tempfile::tempdir().expect("a temporary folder"),
            env: Vec::new(),
            wrapper: Vec::new(),
            transcript: Mutex::default(),
        }
    }

    /// A garage with the demo loaded.
    pub fn with_demo() -> Garage {
        let g = Garage::new();
        g.ok(&["demo"]);
        g
    }

    /// The data folder.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A file in the data folder.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Sets a variable for every later run.
    pub fn set(&mut self, key: &str, value: &str) -> &mut Garage {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// Forgets a variable set with [`Garage::set`].
    pub fn unset(&mut self, key: &str) -> &mut Garage {
        self.env.retain(|(k, _)| k != key);
        self
    }

    /// Runs every later CLI under `wrapper`, a program and its arguments that then run the CLI
    /// (`&["faketime", "-f", "+365d"]`, for a device whose clock is wrong); `&[]` for none.
    pub fn run_under(&mut self, wrapper: &[&str]) -> &mut Garage {
        self.wrapper = wrapper.iter().map(|w| w.to_string()).collect();
        self
    }

    /// Every variable a run sets: the hermetic base and those set with [`Garage::set`] (to
    /// start the app configured alike).
    pub fn env(&self) -> Vec<(String, String)> {
        let base = BASE_ENV.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        base.chain(self.env.iter().cloned()).collect()
    }

    /// The CLI on this garage, not yet run: for a test that needs its own stdio or variables.
    /// It runs in the data folder, where an aborted process leaves its core file.
    pub fn command(&self) -> Command {
        let mut cmd = match self.wrapper.split_first() {
            Some((program, args)) => {
                let mut wrapped = Command::new(program);
                wrapped.args(args).arg(cli_path());
                hermetic(wrapped)
            }
            None => command(),
        };
        cmd.current_dir(self.path())
            .arg("--data-dir")
            .arg(self.path())
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// Runs the CLI with `args` and returns what it did, whatever that was.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with(args, &[])
    }

    /// [`Garage::run`] with more variables for this run only.
    pub fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let out = self
            .command()
            .envs(env.iter().copied())
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("run the CLI{}: {e}", self.under()));
        self.record(&out);
        out
    }

    /// Runs a command that must succeed without a panic.
    pub fn ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "`{}` failed ({}): {}{stderr}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout),
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        out
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn stdout(&self, args: &[&str]) -> String {
        String::from_utf8(self.ok(args).stdout).expect("the CLI writes UTF-8")
    }

    /// Runs a command with `--json` that must succeed; returns what it printed.
    pub fn json(&self, args: &[&str]) -> Value {
        let out = self.stdout(&[&["--json"], args].concat());
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("`{}` did not print JSON ({e}):\n{out}", args.join(" ")))
    }

    /// Runs a command that must fail with `code`, saying `needle` on stderr and nothing on
    /// stdout, without a panic; returns its stderr.
    pub fn fails_with(&self, args: &[&str], code: i32, needle: &str) -> String {
        let out = self.run(args);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8(out.stderr).expect("the CLI writes UTF-8");
        assert_eq!(
            out.status.code(),
            Some(code),
            "`{}`: {stdout}{stderr}",
            args.join(" ")
        );
        assert!(stdout.is_empty(), "`{}` printed {stdout}", args.join(" "));
        assert!(
            stderr.contains(needle) && !stderr.contains("panicked"),
            "`{}` should say {needle:?}: {stderr}",
            args.join(" ")
        );
        stderr
    }

    /// Starts the CLI with `args` in the background (`serve`, or runs meant to overlap), its
    /// output piped; killed if the test ends first.
    pub fn spawn(&self, args: &[&str]) -> Running {
        let child = self
            .command()
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start the CLI{}: {e}", self.under()));
        Running::new(child, &format!("`pedalwrencher-cli {}`", args.join(" ")))
    }

    /// Says which wrapper a run failed to start under, if any (`faketime` is Debian's
    /// `faketime` package).
    fn under(&self) -> String {
        if self.wrapper.is_empty() {
            String::new()
        } else {
            format!(" under `{}`", self.wrapper.join(" "))
        }
    }

    /// Keeps what a run printed in the transcript (runs made through [`Garage::command`]).
    pub fn record(&self, out: &Output) {
        let mut t = self.lock_transcript();
        t.push_str(&String::from_utf8_lossy(&out.stdout));
        t.push_str(&String::from_utf8_lossy(&out.stderr));
    }

    /// Everything the CLI printed so far.
    pub fn transcript(&self) -> String {
        self.lock_transcript().clone()
    }

    fn lock_transcript(&self) -> MutexGuard<'_, String> {
        self.transcript.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// None of `secrets` is in anything the CLI printed or in any file of the data folder (the
    /// private secrets file aside, where they belong when there is no keyring).
    pub fn assert_no_secret(&self, secrets: &[&str]) {
        let mut places = vec![(
            "the CLI's output".to_owned(),
            self.transcript().into_bytes(),
        )];
        for entry in std::fs::read_dir(self.path()).expect("read the data folder") {
            let path = entry.expect("a data folder entry").path();
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            // A core file of a process a test aborted holds its memory, secrets and all.
            if name == "secrets.json" || name.starts_with("core") || !path.is_file() {
                continue;
            }
            let bytes = std::fs::read(&path).expect("read a data folder file");
            places.push((name.into_owned(), bytes));
        }
        for (place, bytes) in &places {
            for secret in secrets {
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                    "a secret appears in {place}"
                );
            }
        }
    }

    /// The garage database, opened straight with SQLite.
    pub fn db(&self) -> Connection {
        let path = self.file(DB_FILE);
        assert!(path.is_file(), "no database at {}", path.display());
        Connection::open(path).expect("the garage database opens")
    }

    /// Runs SQL on the database straight, to set up a state the CLI cannot make.
    pub fn exec(&self, sql: &str) {
        self.db().execute_batch(sql).expect("run the SQL");
    }

    /// Writes the device's `settings.json`, as the app would.
    pub fn write_settings(&self, json: Value) {
        std::fs::write(
            self.file("settings.json"),
            serde_json::to_vec_pretty(&json).expect("settings as JSON"),
        )
        .expect("write settings.json");
    }
}
