//! The vault: everything a device writes to the sync target is encrypted to one random vault key,
//! and the vault key is stored there wrapped under the rider's passphrase. The storage sees file
//! names, sizes and times, never a bike, a ride or a name.
//!
//! On the target:
//! - `vault.json` — plaintext `{"format":1,"vault_id":"<uuid>"}`: which vault this is, no secrets;
//! - `key` — JSON: Argon2id parameters and salt, and the vault key sealed with
//!   XChaCha20-Poly1305 under the key Argon2id derives from the passphrase (the vault id bound as
//!   associated data, so a `key` file copied from another vault is refused);
//! - every other file — `PWV1`, a 24-byte random nonce, then XChaCha20-Poly1305 ciphertext of an
//!   envelope naming the vault, the device and the file name before the content. The same three are
//!   the associated data, so a file copied under another name, into another device's folder or
//!   from another vault does not open.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::{Aead, KeyInit, OsRng, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};

/// Plaintext: the vault's format and id.
pub const VAULT_FILE: &str = "vault.json";
/// The vault key wrapped under the passphrase.
pub const KEY_FILE: &str = "key";

/// The vault format this build writes and reads.
pub const FORMAT: u32 = 1;
/// Passphrases shorter than this are refused when a vault is made.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

const MAGIC: &[u8; 4] = b"PWV1";
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Associated data of the wrapped key, before the vault id.
const KEY_AAD: &[u8] = b"pedalwrencher vault key v1\0";

/// The contents of `vault.json`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct VaultInfo {
    pub format: u32,
    pub vault_id: String,
}

impl VaultInfo {
    /// `vault.json`'s bytes.
    pub fn to_json(&self) -> Vec<u8> {
        // A struct of a number and a string always serialises.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads `vault.json`, refusing a format this build does not know.
    pub fn from_json(bytes: &[u8]) -> Result<VaultInfo, VaultError> {
        let info: VaultInfo = serde_json::from_slice(bytes)
            .map_err(|e| VaultError::Corrupt(format!("{VAULT_FILE} is not readable ({e})")))?;
        if info.format > FORMAT {
            return Err(VaultError::TooNew(info.format));
        }
        if info.format == 0 || uuid::Uuid::parse_str(&info.vault_id).is_err() {
            return Err(VaultError::Corrupt(format!(
                "{VAULT_FILE} names no valid vault"
            )));
        }
        Ok(info)
    }
}

/// The 32-byte vault key. `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct VaultKey([u8; 32]);

impl std::fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VaultKey(..)")
    }
}

impl VaultKey {
    fn cipher(&self) -> XChaCha20Poly1305 {
        XChaCha20Poly1305::new(&self.0.into())
    }
}

/// Why the vault or one of its files could not be used. Messages are for the rider.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VaultError {
    #[error("the passphrase is not the one this sync vault was made with; try again")]
    WrongPassphrase,
    #[error("the passphrase is too short: use at least {MIN_PASSPHRASE_CHARS} characters (a few words are easier to type and harder to guess)")]
    WeakPassphrase,
    /// `vault.json` or `key` on the target is damaged.
    #[error("the sync vault on the storage is damaged: {0}. Restore it from another device or start a new sync target")]
    Corrupt(String),
    /// One file does not open with this vault's key: damaged, truncated, renamed or from another
    /// vault. The engine skips it.
    #[error("a sync file could not be decrypted ({0}); it is skipped")]
    Undecryptable(String),
    #[error("this sync vault was made by a newer Pedalwrencher (format {0}; this one knows up to {FORMAT}). Update Pedalwrencher on this device")]
    TooNew(u32),
}

/// The Argon2id cost of unwrapping the key: memory in KiB, passes, lanes.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KdfParams {
    pub m_kib: u32,
    pub t: u32,
    pub p: u32,
}

impl KdfParams {
    /// What new vaults use: 64 MiB, 3 passes, 1 lane. The wrapped key sits on storage others
    /// run, so a guess should cost what a rider's device can bear once per unlock: about 0.17 s
    /// on one core of a 2020s x86 server, so roughly 0.5 to 1 s on a mid-range phone, and 64 MiB
    /// is well within what a phone app may allocate. (Vaults made before used OWASP's floor,
    /// 19 MiB and 2 passes, about 0.03 s there; each `key` file records its own parameters, so
    /// those still open with theirs.)
    pub(crate) const DEFAULT: KdfParams = KdfParams {
        m_kib: 64 * 1024,
        t: 3,
        p: 1,
    };
    /// Beyond these a `key` file is refused as damaged rather than allowed to exhaust memory.
    const MAX: KdfParams = KdfParams {
        m_kib: 1024 * 1024,
        t: 16,
        p: 16,
    };
}

/// The `key` file.
#[derive(Serialize, Deserialize)]
struct KeyFile {
    format: u32,
    kdf: String,
    #[serde(flatten)]
    params: KdfParams,
    salt: String,
    nonce: String,
    wrapped: String,
}

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    OsRng.fill_bytes(&mut b);
    b
}

fn derive(passphrase: &str, salt: &[u8], p: KdfParams) -> Result<VaultKey, VaultError> {
    let params = Params::new(p.m_kib, p.t, p.p, Some(32))
        .map_err(|e| VaultError::Corrupt(format!("the key file's parameters are invalid ({e})")))?;
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, &mut out)
        .map_err(|e| VaultError::Corrupt(format!("the key file's parameters are invalid ({e})")))?;
    Ok(VaultKey(out))
}

fn key_aad(vault_id: &str, p: KdfParams) -> Vec<u8> {
    let mut aad = KEY_AAD.to_vec();
    aad.extend_from_slice(vault_id.as_bytes());
    for n in [p.m_kib, p.t, p.p] {
        aad.extend_from_slice(&n.to_be_bytes());
    }
    aad
}

/// Makes a new vault: its id, the `key` file's bytes and the key.
pub fn create(passphrase: &str) -> Result<(VaultInfo, Vec<u8>, VaultKey), VaultError> {
    create_with(passphrase, KdfParams::DEFAULT)
}

pub(crate) fn create_with(
    passphrase: &str,
    params: KdfParams,
) -> Result<(VaultInfo, Vec<u8>, VaultKey), VaultError> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(VaultError::WeakPassphrase);
    }
    let info = VaultInfo {
        format: FORMAT,
        vault_id: uuid::Uuid::now_v7().to_string(),
    };
    let key = VaultKey(random::<32>());
    let bytes = wrap(&key, &info.vault_id, passphrase, params)?;
    Ok((info, bytes, key))
}

/// The `key` file's bytes: `key` sealed under a key derived from the passphrase at `params`.
fn wrap(
    key: &VaultKey,
    vault_id: &str,
    passphrase: &str,
    params: KdfParams,
) -> Result<Vec<u8>, VaultError> {
    let salt = random::<16>();
    let nonce = random::<NONCE_LEN>();
    let wrapping = derive(passphrase, &salt, params)?;
    let wrapped = wrapping
        .cipher()
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &key.0,
                aad: &key_aad(vault_id, params),
            },
        )
        .map_err(|_| VaultError::Corrupt("the vault key could not be sealed".to_owned()))?;
    let file = KeyFile {
        format: FORMAT,
        kdf: "argon2id".to_owned(),
        params,
        salt: B64.encode(salt),
        nonce: B64.encode(nonce),
        wrapped: B64.encode(wrapped),
    };
    serde_json::to_vec_pretty(&file)
        .map_err(|e| VaultError::Corrupt(format!("the key file could not be written ({e})")))
}

/// A `key` file for the same vault key at today's cost ([`KdfParams::DEFAULT`]), when
/// `key_file` (just unlocked with `passphrase` to `key`) was wrapped at a lower one by an earlier
/// build; `None` when it is at today's cost or above. The vault key itself never changes, so
/// every sealed file and every other device's copy stay valid, and a device that reads the old
/// or the new `key` file unlocks the same vault.
pub fn rewrapped(
    info: &VaultInfo,
    key_file: &[u8],
    passphrase: &str,
    key: &VaultKey,
) -> Result<Option<Vec<u8>>, VaultError> {
    let file: KeyFile = serde_json::from_slice(key_file)
        .map_err(|e| VaultError::Corrupt(format!("the {KEY_FILE} file is not readable ({e})")))?;
    let (p, today) = (file.params, KdfParams::DEFAULT);
    if p.m_kib >= today.m_kib && p.t >= today.t {
        return Ok(None);
    }
    wrap(key, &info.vault_id, passphrase, today).map(Some)
}

/// Unwraps the vault key with the passphrase.
pub fn unlock(info: &VaultInfo, key_file: &[u8], passphrase: &str) -> Result<VaultKey, VaultError> {
    if info.format > FORMAT {
        return Err(VaultError::TooNew(info.format));
    }
    let corrupt = |what: &str| VaultError::Corrupt(format!("the {KEY_FILE} file {what}"));
    let file: KeyFile =
        serde_json::from_slice(key_file).map_err(|e| corrupt(&format!("is not readable ({e})")))?;
    if file.format > FORMAT {
        return Err(VaultError::TooNew(file.format));
    }
    if file.kdf != "argon2id" {
        return Err(corrupt(&format!("uses an unknown method '{}'", file.kdf)));
    }
    let p = file.params;
    if p.m_kib > KdfParams::MAX.m_kib || p.t > KdfParams::MAX.t || p.p > KdfParams::MAX.p {
        return Err(corrupt(
            "asks for more memory or time than any Pedalwrencher uses",
        ));
    }
    let decode = |s: &str| B64.decode(s).map_err(|_| corrupt("is not valid base64"));
    let salt = decode(&file.salt)?;
    let nonce = decode(&file.nonce)?;
    let wrapped = decode(&file.wrapped)?;
    if nonce.len() != NONCE_LEN || salt.len() < 8 || wrapped.len() != 32 + TAG_LEN {
        return Err(corrupt("has fields of the wrong length"));
    }
    let wrapping = derive(passphrase, &salt, p)?;
    let plain = wrapping
        .cipher()
        .decrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &wrapped,
                aad: &key_aad(&info.vault_id, p),
            },
        )
        // The tag fails for a wrong passphrase, and equally for a key file from another vault or
        // a flipped bit; the passphrase is by far the likeliest.
        .map_err(|_| VaultError::WrongPassphrase)?;
    let key: [u8; 32] = plain
        .try_into()
        .map_err(|_| corrupt("holds a key of the wrong length"))?;
    Ok(VaultKey(key))
}

/// Length-prefixed, so ("ab","c") and ("a","bc") differ.
fn envelope_header(vault_id: &str, device: &str, name: &str) -> Vec<u8> {
    let mut h = Vec::with_capacity(6 + vault_id.len() + device.len() + name.len());
    for part in [vault_id, device, name] {
        let len = u16::try_from(part.len()).unwrap_or(u16::MAX);
        h.extend_from_slice(&len.to_be_bytes());
        h.extend_from_slice(&part.as_bytes()[..usize::from(len)]);
    }
    h
}

fn aad(vault_id: &str, device: &str, name: &str) -> Vec<u8> {
    let mut a = MAGIC.to_vec();
    a.extend(envelope_header(vault_id, device, name));
    a
}

/// Encrypts one file of device `device` named `name` ("seg-12", "snap-3", "info").
pub fn seal(key: &VaultKey, vault_id: &str, device: &str, name: &str, plaintext: &[u8]) -> Vec<u8> {
    let nonce = random::<NONCE_LEN>();
    let mut envelope = envelope_header(vault_id, device, name);
    envelope.extend_from_slice(plaintext);
    // XChaCha20-Poly1305 fails only past 256 GiB per message.
    let ciphertext = key
        .cipher()
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &envelope,
                aad: &aad(vault_id, device, name),
            },
        )
        .unwrap_or_default();
    let mut out = Vec::with_capacity(MAGIC.len() + NONCE_LEN + ciphertext.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ciphertext);
    out
}

/// Decrypts a file [`seal`]ed for exactly this vault, device and name.
pub fn open(
    key: &VaultKey,
    vault_id: &str,
    device: &str,
    name: &str,
    bytes: &[u8],
) -> Result<Vec<u8>, VaultError> {
    let what = || format!("{device}/{name}");
    let rest = bytes.strip_prefix(MAGIC.as_slice()).ok_or_else(|| {
        VaultError::Undecryptable(format!("{} is not a Pedalwrencher sync file", what()))
    })?;
    if rest.len() < NONCE_LEN + TAG_LEN {
        return Err(VaultError::Undecryptable(format!(
            "{} is truncated",
            what()
        )));
    }
    let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
    let envelope = key
        .cipher()
        .decrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad: &aad(vault_id, device, name),
            },
        )
        .map_err(|_| {
            VaultError::Undecryptable(format!(
                "{} is damaged, renamed, or from another vault",
                what()
            ))
        })?;
    let header = envelope_header(vault_id, device, name);
    match envelope.strip_prefix(header.as_slice()) {
        Some(plain) => Ok(plain.to_vec()),
        None => Err(VaultError::Undecryptable(format!(
            "{} names another vault, device or file inside",
            what()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cheap parameters: these tests are about the format, not the cost.
    const FAST: KdfParams = KdfParams {
        m_kib: 64,
        t: 1,
        p: 1,
    };

    fn vault() -> (VaultInfo, Vec<u8>, VaultKey) {
        create_with("correct horse battery", FAST).unwrap()
    }

    #[test]
    fn a_new_vault_unlocks_with_its_passphrase_at_the_default_cost() {
        let (info, key_file, key) = create("correct horse battery").unwrap();
        assert_eq!(info.format, FORMAT);
        assert_eq!(VaultInfo::from_json(&info.to_json()).unwrap(), info);
        let text = String::from_utf8(key_file.clone()).unwrap();
        assert!(text.contains("\"m_kib\": 65536"), "{text}");
        assert!(text.contains("\"t\": 3"), "{text}");
        assert!(!text.contains("correct horse"));
        assert_eq!(
            unlock(&info, &key_file, "correct horse battery").unwrap(),
            key
        );
        assert_eq!(format!("{key:?}"), "VaultKey(..)");
    }

    /// A vault made by an earlier build, at the cost it used (19 MiB, 2 passes): its `vault.json`,
    /// `key` file and one sealed file, with the passphrase and that file's plaintext.
    const OLD_VAULT: &str = include_str!("fixtures/vault-v1-argon2id-19mib-t2.json");

    #[test]
    fn a_vault_made_at_the_old_cost_still_opens() {
        let fixture: serde_json::Value = serde_json::from_str(OLD_VAULT).unwrap();
        let field = |name: &str| fixture[name].as_str().unwrap().to_owned();
        let info = VaultInfo::from_json(field("vault.json").as_bytes()).unwrap();
        let key_file = field("key");
        assert!(key_file.contains("\"m_kib\": 19456"), "{key_file}");
        let key = unlock(&info, key_file.as_bytes(), &field("passphrase")).unwrap();
        let sealed = B64.decode(field("seg-1")).unwrap();
        assert_eq!(
            open(&key, &info.vault_id, &field("device"), "seg-1", &sealed).unwrap(),
            field("seg-1 plaintext").as_bytes()
        );
        assert_eq!(
            unlock(&info, key_file.as_bytes(), "correct horse battery?"),
            Err(VaultError::WrongPassphrase)
        );
    }

    #[test]
    fn an_old_cost_key_file_is_rewrapped_at_today_s_cost_around_the_same_key() {
        let fixture: serde_json::Value = serde_json::from_str(OLD_VAULT).unwrap();
        let field = |name: &str| fixture[name].as_str().unwrap().to_owned();
        let info = VaultInfo::from_json(field("vault.json").as_bytes()).unwrap();
        let (old, passphrase) = (field("key"), field("passphrase"));
        let key = unlock(&info, old.as_bytes(), &passphrase).unwrap();

        let new = rewrapped(&info, old.as_bytes(), &passphrase, &key)
            .unwrap()
            .expect("19 MiB and 2 passes are below today's cost");
        let text = String::from_utf8(new.clone()).unwrap();
        assert!(
            text.contains("\"m_kib\": 65536") && text.contains("\"t\": 3"),
            "{text}"
        );
        assert_eq!(
            unlock(&info, &new, &passphrase).unwrap(),
            key,
            "the same key"
        );
        assert_eq!(
            unlock(&info, &new, "correct horse battery?"),
            Err(VaultError::WrongPassphrase)
        );
        // At today's cost it is left alone.
        assert_eq!(rewrapped(&info, &new, &passphrase, &key).unwrap(), None);
    }

    #[test]
    fn a_wrong_passphrase_is_told_apart_from_damage() {
        let (info, key_file, _) = vault();
        assert_eq!(
            unlock(&info, &key_file, "correct horse battery!"),
            Err(VaultError::WrongPassphrase)
        );
        assert!(matches!(
            unlock(
                &info,
                &key_file[..key_file.len() / 2],
                "correct horse battery"
            ),
            Err(VaultError::Corrupt(_))
        ));
    }

    #[test]
    fn short_passphrases_are_refused() {
        assert_eq!(create("seven77").unwrap_err(), VaultError::WeakPassphrase);
        assert!(create_with("eight888", FAST).is_ok());
    }

    #[test]
    fn a_key_file_from_another_vault_does_not_unlock() {
        let (info, _, _) = vault();
        let (_, other_key_file, _) = vault();
        assert_eq!(
            unlock(&info, &other_key_file, "correct horse battery"),
            Err(VaultError::WrongPassphrase)
        );
    }

    #[test]
    fn a_newer_format_is_refused() {
        let (mut info, key_file, _) = vault();
        info.format = 2;
        assert_eq!(
            unlock(&info, &key_file, "correct horse battery"),
            Err(VaultError::TooNew(2))
        );
        assert_eq!(
            VaultInfo::from_json(br#"{"format":3,"vault_id":"x"}"#),
            Err(VaultError::TooNew(3))
        );
        assert!(matches!(
            VaultInfo::from_json(b"garbage"),
            Err(VaultError::Corrupt(_))
        ));
    }

    #[test]
    fn a_key_file_asking_for_huge_memory_is_refused() {
        let (info, key_file, _) = vault();
        let text = String::from_utf8(key_file)
            .unwrap()
            .replace("\"m_kib\": 64", "\"m_kib\": 4000000000");
        assert!(matches!(
            unlock(&info, text.as_bytes(), "correct horse battery"),
            Err(VaultError::Corrupt(_))
        ));
    }

    #[test]
    fn sealed_files_round_trip() {
        let (info, _, key) = vault();
        for plain in [&b""[..], b"x", &[0u8; 100_000][..]] {
            let sealed = seal(&key, &info.vault_id, "dev-a", "seg-12", plain);
            assert!(sealed.starts_with(b"PWV1"));
            assert_eq!(
                open(&key, &info.vault_id, "dev-a", "seg-12", &sealed).unwrap(),
                plain
            );
        }
        // A fresh nonce each time.
        assert_ne!(
            seal(&key, &info.vault_id, "dev-a", "seg-1", b"same"),
            seal(&key, &info.vault_id, "dev-a", "seg-1", b"same")
        );
    }

    fn undecryptable(r: Result<Vec<u8>, VaultError>) -> bool {
        matches!(r, Err(VaultError::Undecryptable(_)))
    }

    #[test]
    fn truncated_garbage_and_flipped_files_are_undecryptable() {
        let (info, _, key) = vault();
        let id = &info.vault_id;
        let sealed = seal(&key, id, "dev-a", "seg-1", b"front derailleur cable");
        for cut in [0, 3, 4, 20, 28, 44, sealed.len() - 1] {
            assert!(
                undecryptable(open(&key, id, "dev-a", "seg-1", &sealed[..cut])),
                "cut at {cut}"
            );
        }
        assert!(undecryptable(open(
            &key,
            id,
            "dev-a",
            "seg-1",
            b"not a sync file at all, no"
        )));
        for i in 0..sealed.len() {
            let mut flipped = sealed.clone();
            flipped[i] ^= 0x01;
            assert!(
                undecryptable(open(&key, id, "dev-a", "seg-1", &flipped)),
                "byte {i}"
            );
        }
    }

    #[test]
    fn a_renamed_or_moved_file_is_refused() {
        let (info, _, key) = vault();
        let id = &info.vault_id;
        let sealed = seal(&key, id, "dev-a", "seg-1", b"chain 0.5%");
        assert!(undecryptable(open(&key, id, "dev-a", "seg-2", &sealed)));
        assert!(undecryptable(open(&key, id, "dev-b", "seg-1", &sealed)));
        // Parts that concatenate the same are still different names.
        let tricky = seal(&key, id, "dev-a", "seg-1", b"x");
        assert!(undecryptable(open(&key, id, "dev-as", "eg-1", &tricky)));
    }

    #[test]
    fn another_vaults_key_or_id_does_not_open_a_file() {
        let (info, _, key) = vault();
        let (other, _, other_key) = vault();
        let sealed = seal(&key, &info.vault_id, "dev-a", "seg-1", b"tyre pressure");
        assert!(undecryptable(open(
            &other_key,
            &info.vault_id,
            "dev-a",
            "seg-1",
            &sealed
        )));
        assert!(undecryptable(open(
            &key,
            &other.vault_id,
            "dev-a",
            "seg-1",
            &sealed
        )));
    }

    #[test]
    fn sealed_bytes_do_not_contain_the_plaintext() {
        let (info, key_file, key) = vault();
        let plain = b"Brompton chain replaced at 3,000 km by Alice Example";
        let sealed = seal(&key, &info.vault_id, "dev-a", "snap-3", plain);
        let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
        assert!(!contains(&sealed, b"Brompton"));
        assert!(!contains(&sealed, b"Alice"));
        assert!(!contains(&sealed, b"snap-3"));
        assert!(!contains(&sealed, info.vault_id.as_bytes()));
        assert!(!contains(&key_file, &key.0));
    }
}
