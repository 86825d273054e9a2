//! Secrets (the Strava client secret and tokens, the SMTP password and the Twilio token) live in
//! the OS keyring: the Secret Service on Linux, Keychain on macOS, Credential Manager on Windows.
//! Where there is none (a headless server), they live in `secrets.json` in the data folder,
//! readable only by its owner (0600). Never in SQLite, settings, logs or error messages.
//!
//! Entries are named per garage (a random id kept in the database), so two garages on one
//! machine (profiles, tests) never share a token.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::env::{self, SecretsBackend};
use crate::error::{Error, Result};
use crate::locked_file::{self, Access, FileLock, LockActions};
use crate::paths::APP_IDENTIFIER;

pub const FILE: &str = "secrets.json";

/// A password or token: shown as `•••` by `Debug`, so it cannot slip into a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(•••)")
    }
}

/// The SMTP login's password (settings hold the server and the user).
pub const SMTP_PASSWORD: &str = "smtp_password";
/// The Twilio auth token (settings hold the Account SID).
pub const TWILIO_AUTH_TOKEN: &str = "twilio_auth_token";

/// Where this garage's secrets are kept.
pub trait SecretStore: Send + Sync {
    fn get(&self, key: &str) -> Result<Option<String>>;
    fn set(&self, key: &str, value: &str) -> Result<()>;
    fn delete(&self, key: &str) -> Result<()>;
    /// For the rider: "the OS keyring" or the file's path.
    fn describe(&self) -> String;
}

/// The OS keyring, entries named `<garage id>/<key>` under the app's identifier.
pub struct Keyring {
    garage: String,
}

fn keyring_error(what: &str, e: keyring::Error) -> Error {
    // The keyring's error text names the entry, never its value.
    Error::Secrets(format!("the OS keyring could not {what}: {e}"))
}

impl Keyring {
    /// The keyring, if this machine has one that answers.
    pub fn open(garage: &str) -> Option<Keyring> {
        let store = Keyring {
            garage: garage.to_owned(),
        };
        // A probe read: `NoEntry` means it works; no store or no access means there is none.
        match store.entry("probe").and_then(|e| match e.get_password() {
            Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error("be read", e)),
        }) {
            Ok(()) => Some(store),
            Err(e) => {
                tracing::info!("no usable OS keyring ({e}); secrets go to a private file");
                None
            }
        }
    }

    fn entry(&self, key: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(APP_IDENTIFIER, &format!("{}/{key}", self.garage))
            .map_err(|e| keyring_error("be opened", e))
    }
}

impl SecretStore for Keyring {
    fn get(&self, key: &str) -> Result<Option<String>> {
        match self.entry(key)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error("read a secret", e)),
        }
    }

    fn set(&self, key: &str, value: &str) -> Result<()> {
        self.entry(key)?
            .set_password(value)
            .map_err(|e| keyring_error("save a secret", e))
    }

    fn delete(&self, key: &str) -> Result<()> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error("delete a secret", e)),
        }
    }

    fn describe(&self) -> String {
        "the OS keyring".to_owned()
    }
}

/// `secrets.json` in the data folder, mode 0600. Each change takes the file's lock
/// (`secrets.json.lock`, between processes and threads: the app, `serve` and the CLI may each
/// have several instances open), reads the file again, changes one key and writes a temporary file
/// of its own that is renamed over it (`locked_file`). So two writers changing different keys
/// both land, a refresh token Strava rotated is never put back by a stale copy, and a crash never
/// leaves half a token.
pub struct SecretsFile {
    path: PathBuf,
    lock_path: PathBuf,
}

/// Beside the secrets file; held while a change is under way.
pub const LOCK_FILE: &str = "secrets.json.lock";

impl SecretsFile {
    pub fn new(data_dir: &Path) -> SecretsFile {
        SecretsFile {
            path: data_dir.join(FILE),
            lock_path: data_dir.join(LOCK_FILE),
        }
    }

    /// The whole file; readers need no lock, since every write renames a whole file in place.
    fn read(&self) -> Result<BTreeMap<String, String>> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                Error::Secrets(format!(
                    "{} is damaged ({e}); delete it and connect again",
                    self.path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(source) => Err(Error::Io {
                action: "read the secrets file",
                path: self.path.clone(),
                source,
            }),
        }
    }

    /// Changes the file as it is now, holding its lock; writes only when `change` says so.
    fn change(&self, change: impl FnOnce(&mut BTreeMap<String, String>) -> bool) -> Result<()> {
        let _lock = FileLock::take(
            &self.lock_path,
            Access::OwnerOnly,
            LockActions {
                open: "open the secrets lock file",
                lock: "lock the secrets file",
            },
        )?;
        let mut all = self.read()?;
        if !change(&mut all) {
            return Ok(());
        }
        let text = serde_json::to_vec_pretty(&all)
            .map_err(|e| Error::Secrets(format!("could not encode the secrets: {e}")))?;
        locked_file::replace(
            &self.path,
            &text,
            Access::OwnerOnly,
            "write the secrets file",
        )
    }
}

impl SecretStore for SecretsFile {
    fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self.read()?.remove(key))
    }

    fn set(&self, key: &str, value: &str) -> Result<()> {
        self.change(|all| {
            all.insert(key.to_owned(), value.to_owned());
            true
        })
    }

    fn delete(&self, key: &str) -> Result<()> {
        self.change(|all| all.remove(key).is_some())
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

/// Secrets held in memory only (tests).
#[derive(Default)]
pub struct MemorySecrets(Mutex<BTreeMap<String, String>>);

impl SecretStore for MemorySecrets {
    fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .cloned())
    }
    fn set(&self, key: &str, value: &str) -> Result<()> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.to_owned(), value.to_owned());
        Ok(())
    }
    fn delete(&self, key: &str) -> Result<()> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
        Ok(())
    }
    fn describe(&self) -> String {
        "memory".to_owned()
    }
}

/// Which store to use: [`env::SECRETS`] (`keyring` or `file`) forces one; otherwise the OS
/// keyring when it answers, else the private file.
pub fn open(data_dir: &Path, garage: &str) -> Result<Box<dyn SecretStore>> {
    match env::env().secrets_backend() {
        Some(SecretsBackend::File) => Ok(Box::new(SecretsFile::new(data_dir))),
        Some(SecretsBackend::Keyring) => Keyring::open(garage)
            .map(|k| Box::new(k) as Box<dyn SecretStore>)
            .ok_or_else(|| {
                Error::Secrets(format!(
                    "{}=keyring, but the OS keyring does not answer; unlock it or unset the variable",
                    env::SECRETS
                ))
            }),
        None => Ok(match Keyring::open(garage) {
            Some(k) => Box::new(k),
            None => Box::new(SecretsFile::new(data_dir)),
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn the_secrets_file_is_private_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let f = SecretsFile::new(dir.path());
        assert_eq!(f.get("a").unwrap(), None);
        f.set("a", "one").unwrap();
        f.set("b", "two").unwrap();
        f.delete("a").unwrap();
        assert_eq!(f.get("a").unwrap(), None);
        assert_eq!(f.get("b").unwrap().as_deref(), Some("two"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    /// How many times each concurrent writer changes its key.
    const ROUNDS: u32 = 100;
    /// The two writers' keys: a refresh token Strava rotates, and the sync passphrase.
    const KEYS: [&str; 2] = ["strava_refresh_token", "sync_passphrase"];
    /// A spawned copy of this test binary runs [`writer_process`] with `<key>:<data dir>`.
    const WRITER_ENV: &str = crate::env::TEST_SECRETS_WRITER;

    fn value(key: &str, round: u32) -> String {
        format!("{key}-{round}")
    }

    /// Sets `key` ROUNDS times through a store of its own (as the app opens a new one in more
    /// than one place), reading it back each time: a writer that put back a stale copy of the
    /// file would show an older value here, or the other writer's would go back.
    fn write_rounds(dir: &Path, key: &str) {
        let store = SecretsFile::new(dir);
        for i in 1..=ROUNDS {
            store.set(key, &value(key, i)).unwrap();
            assert_eq!(
                store.get(key).unwrap(),
                Some(value(key, i)),
                "{key} round {i}"
            );
        }
    }

    fn start_file(dir: &Path) {
        SecretsFile::new(dir).set(SMTP_PASSWORD, "kept").unwrap();
    }

    /// Both keys at their last value, the untouched key kept, no temporary file left behind.
    fn assert_nothing_lost(dir: &Path) {
        let store = SecretsFile::new(dir);
        for key in KEYS {
            assert_eq!(store.get(key).unwrap(), Some(value(key, ROUNDS)), "{key}");
        }
        assert_eq!(store.get(SMTP_PASSWORD).unwrap().as_deref(), Some("kept"));
        let temporary: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert_eq!(temporary, Vec::<String>::new());
    }

    /// The file as it is now parses (a damaged file is an error from `get`).
    fn assert_whole(dir: &Path) {
        SecretsFile::new(dir).get(SMTP_PASSWORD).unwrap();
    }

    #[test]
    fn two_threads_writing_different_keys_lose_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        start_file(dir);
        std::thread::scope(|scope| {
            let writers = KEYS.map(|key| scope.spawn(move || write_rounds(dir, key)));
            while !writers.iter().all(|w| w.is_finished()) {
                assert_whole(dir);
            }
            for w in writers {
                w.join().unwrap();
            }
        });
        assert_nothing_lost(dir);
    }

    #[test]
    fn two_processes_writing_different_keys_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        start_file(dir.path());
        let exe = std::env::current_exe().unwrap();
        let mut children: Vec<_> = KEYS
            .iter()
            .map(|key| {
                Command::new(&exe)
                    .args([
                        "secrets::tests::writer_process",
                        "--exact",
                        "--test-threads=1",
                    ])
                    .env(WRITER_ENV, format!("{key}:{}", dir.path().display()))
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        let deadline = Instant::now() + Duration::from_secs(120);
        while children.iter_mut().any(|c| c.try_wait().unwrap().is_none()) {
            assert_whole(dir.path());
            if Instant::now() > deadline {
                for c in &mut children {
                    let _ = c.kill();
                }
                panic!("the writer processes did not finish in two minutes");
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        for c in children {
            let out = c.wait_with_output().unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "a writer process failed: {stdout}{}",
                String::from_utf8_lossy(&out.stderr)
            );
            // The child ran its one test (a filter that matched nothing would pass too).
            assert!(stdout.contains("1 passed"), "{stdout}");
        }
        assert_nothing_lost(dir.path());
    }

    /// The child side of the test above; does nothing in an ordinary test run.
    #[test]
    fn writer_process() {
        let Ok(spec) = std::env::var(WRITER_ENV) else {
            return;
        };
        let (key, dir) = spec.split_once(':').unwrap();
        write_rounds(Path::new(dir), key);
    }
}
