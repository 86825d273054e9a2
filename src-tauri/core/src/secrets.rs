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

/// `secrets.json` in the data folder, mode 0600, written atomically (a temporary file renamed
/// over it), so a crash never leaves half a token.
pub struct SecretsFile {
    path: PathBuf,
    lock: Mutex<()>,
}

impl SecretsFile {
    pub fn new(data_dir: &Path) -> SecretsFile {
        SecretsFile {
            path: data_dir.join(FILE),
            lock: Mutex::new(()),
        }
    }

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

    fn write(&self, all: &BTreeMap<String, String>) -> Result<()> {
        let io = |source| Error::Io {
            action: "write the secrets file",
            path: self.path.clone(),
            source,
        };
        let tmp = self.path.with_extension("json.tmp");
        let text = serde_json::to_vec_pretty(all)
            .map_err(|e| Error::Secrets(format!("could not encode the secrets: {e}")))?;
        {
            use std::io::Write;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut f = options.open(&tmp).map_err(io)?;
            f.write_all(&text).map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        std::fs::rename(&tmp, &self.path).map_err(io)
    }
}

impl SecretStore for SecretsFile {
    fn get(&self, key: &str) -> Result<Option<String>> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        Ok(self.read()?.remove(key))
    }

    fn set(&self, key: &str, value: &str) -> Result<()> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut all = self.read()?;
        all.insert(key.to_owned(), value.to_owned());
        self.write(&all)
    }

    fn delete(&self, key: &str) -> Result<()> {
        let _guard = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut all = self.read()?;
        if all.remove(key).is_some() {
            self.write(&all)?;
        }
        Ok(())
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
}
