//! One sync pass: open (or create) the vault, push this device's new files, pull and apply the
//! other devices' files, publish this device's `info`. The database is held only for each local
//! step, never across a network call; every step can be cut short and redone.

use crate::advice::Advice;
use crate::error::{Error, ErrorKind, Result};
use crate::faults;
use crate::store::{self, Store, StoreAccess};

use super::apply;
use super::batch::Kind;
use super::binding;
use super::heads;
use super::names::{self, DEVICES_DIR, INFO_FILE};
use super::outgoing;
use super::pull::{self, fetch, DeviceInfo};
use super::report::remote;
pub use super::report::Report;
use super::settings;
use super::transport::Transport;
use super::vault::{self, VaultError, VaultInfo, VaultKey, KEY_FILE, VAULT_FILE};

pub(crate) const LAST_OK_KEY: &str = "sync_last_ok_at";
pub(crate) const LAST_ERROR_KEY: &str = "sync_last_error";
pub(crate) const LAST_ATTEMPT_KEY: &str = "sync_last_attempt_at";

/// Runs one pass and records its outcome (shown by `devices status` and the app), so a failing
/// sync is never silent.
pub async fn pass<A: StoreAccess, T: Transport>(
    access: &A,
    transport: &T,
    passphrase: &str,
    device_name: &str,
) -> Result<Report> {
    access.with(|s| {
        let now = s.now().millis().to_string();
        store::set_meta(s.connection(), LAST_ATTEMPT_KEY, &now)
    })?;
    let mut result = run(access, transport, passphrase, device_name).await;
    access.with(|s| {
        let conn = s.connection();
        match &result {
            Ok(_) => {
                store::set_meta(conn, LAST_OK_KEY, &s.now().millis().to_string())?;
                conn.execute("DELETE FROM meta WHERE key = ?1", [LAST_ERROR_KEY])?;
            }
            Err(e) => store::set_meta(conn, LAST_ERROR_KEY, &e.to_string())?,
        }
        Ok(())
    })?;
    if let Ok(report) = &mut result {
        // Said on every pass, not only one that read files: they wait until this app is updated.
        report.applied.waiting_for_update = access.with(|s| apply::waiting_for_update(s))?;
    }
    result
}

/// Records a pass that could not even start (a target that cannot be opened), like a failed one.
pub fn record_failure(store: &Store, message: &str) -> Result<()> {
    let conn = store.connection();
    store::set_meta(conn, LAST_ATTEMPT_KEY, &store.now().millis().to_string())?;
    store::set_meta(conn, LAST_ERROR_KEY, message)
}

async fn run<A: StoreAccess, T: Transport>(
    access: &A,
    transport: &T,
    passphrase: &str,
    device_name: &str,
) -> Result<Report> {
    let mut report = Report::default();
    let me = access.with(|s| Ok(s.device_id().to_owned()))?;
    let (info, key) = open_vault(access, transport, passphrase, &mut report).await?;

    // Push.
    adopt_own_files(access, transport, &info, &key, &me, &mut report).await?;
    let files = access.with(outgoing::prepare)?;
    faults::point("sync.after_local_commit");
    for (n, file) in files.iter().enumerate() {
        if n > 0 {
            faults::point("sync.mid_upload");
        }
        let name = file.name();
        let sealed = vault::seal(&key, &info.vault_id, &me, &name, &file.body);
        report.pushed_bytes += sealed.len();
        transport
            .put(&format!("{}{name}", names::device_dir(&me)), sealed)
            .await
            .map_err(remote)?;
        faults::point("sync.before_mark_sent");
        access.with(|s| outgoing::mark_sent(s, file.seq))?;
        report.pushed_files += 1;
    }
    prune_own_files(access, transport, &me).await?;

    // Pull.
    report.devices = pull::pull(access, transport, &info, &key, &me, &mut report).await?;

    // A device alone on the target forwards email and SMS unless the rider chose otherwise
    // (the vault's creator sets this; a creator cut short before it could must still do it).
    if report.devices == 0 {
        access.with(|s| {
            if settings::forwarding_device(s)?.is_none() {
                let me = s.device_id().to_owned();
                settings::set_forwarding_device(s, &me)?;
            }
            Ok(())
        })?;
    }

    // Tell the other devices who this is and that it is alive.
    faults::point("sync.mid_upload");
    let (now, heads, snapshots_asked) = access.with(|s| {
        let own = outgoing::last_sent_seq(s)?;
        Ok((
            s.now(),
            heads::published(s.connection(), &me, own)?,
            heads::snapshots_asked(s.connection())?,
        ))
    })?;
    // A map of strings and numbers always encodes.
    let body = serde_json::to_vec(&DeviceInfo {
        name: device_name.to_owned(),
        synced_at: now,
        heads,
        snapshots_asked,
    })
    .unwrap_or_default();
    let sealed = vault::seal(&key, &info.vault_id, &me, INFO_FILE, &body);
    transport
        .put(&format!("{}{INFO_FILE}", names::device_dir(&me)), sealed)
        .await
        .map_err(remote)?;
    // The pass went through: this garage syncs with this vault from now on (a set-up cut short
    // before here binds nothing).
    access.with(|s| binding::bind(s.connection(), &info.vault_id))?;
    Ok(report)
}

/// Deletes this device's files that its second-newest snapshot holds (see
/// [`outgoing::prunable_below`]), once per new snapshot, oldest first. Only ever this device's
/// own folder. Housekeeping: if the target will not list or delete, it is tried again next pass
/// and the sync goes on.
async fn prune_own_files<A: StoreAccess, T: Transport>(
    access: &A,
    transport: &T,
    me: &str,
) -> Result<()> {
    let Some(below) = access.with(|s| outgoing::prunable_below(s, outgoing::PRUNE_GRACE_MS))?
    else {
        return Ok(());
    };
    let done: i64 = access
        .with(|s| s.meta(outgoing::PRUNED_KEY))?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if below <= done {
        return Ok(());
    }
    let dir = names::device_dir(me);
    let listed = match transport.list(&dir).await {
        Ok(listed) => listed,
        Err(e) => {
            tracing::warn!(
                "could not list {dir} on the sync target to tidy it ({e}); trying again next sync"
            );
            return Ok(());
        }
    };
    let mut old: Vec<(Kind, i64)> = listed
        .iter()
        .filter_map(|n| names::parse_file(n))
        .filter(|f| f.1 < below)
        .collect();
    old.sort_by_key(|f| f.1);
    for (kind, seq) in old {
        let name = format!("{dir}{}-{seq}", kind.prefix());
        if let Err(e) = transport.delete(&name).await {
            tracing::warn!(
                "could not delete {name} from the sync target ({e}); trying again next sync"
            );
            return Ok(());
        }
    }
    access.with(|s| store::set_meta(s.connection(), outgoing::PRUNED_KEY, &below.to_string()))
}

/// A database rolled back on this device (an older copy put back over it) knows fewer of its own
/// files than the target holds. Those files carry edits made here since that copy: they are read
/// back, and numbering goes on after them, instead of writing new files over ones the other
/// devices may have read already.
async fn adopt_own_files<A: StoreAccess, T: Transport>(
    access: &A,
    transport: &T,
    info: &VaultInfo,
    key: &VaultKey,
    me: &str,
    report: &mut Report,
) -> Result<()> {
    let mut on_target: Vec<(Kind, i64)> = transport
        .list(&names::device_dir(me))
        .await
        .map_err(remote)?
        .iter()
        .filter_map(|n| names::parse_file(n))
        .collect();
    on_target.sort_by_key(|f| f.1);
    let known = access.with(|s| outgoing::last_seq(s))?;
    let Some(&(_, newest)) = on_target.last() else {
        return Ok(());
    };
    if newest <= known {
        return Ok(());
    }
    tracing::warn!("this device's garage is older than its own files on the target (file {known} here, {newest} there): reading them back");
    let mut batches = Vec::new();
    for &(kind, seq) in on_target.iter().filter(|f| f.1 > known) {
        let name = format!("{}-{seq}", kind.prefix());
        let batch = fetch(transport, info, key, me, &name)
            .await
            .map_err(|why| {
                refused(&format!(
                    "this device's own file {name} on the sync target cannot be read ({why}); \
                 nothing was changed. Check the target, then sync again"
                ))
            })?;
        batches.push(batch);
    }
    let applied = access.with(|s| apply::apply(s, &batches, &[]))?;
    pull::merge(&mut report.applied, applied);
    access.with(|s| outgoing::adopt(s, newest))
}

/// The vault on the target, unlocked; made first if the target is empty. Nothing is written
/// locally before the passphrase is known to be right.
async fn open_vault<A: StoreAccess, T: Transport>(
    access: &A,
    transport: &T,
    passphrase: &str,
    report: &mut Report,
) -> Result<(VaultInfo, VaultKey)> {
    let ours = access.with(|s| binding::bound(s.connection()))?;
    // The key file as read, when the vault was there already (a new one is at today's cost).
    let (info, key, read_key_file) = match transport.get(VAULT_FILE).await.map_err(remote)? {
        Some(bytes) => {
            let (info, key, key_file) = unlock(transport, &bytes, passphrase).await?;
            (info, key, Some(key_file))
        }
        None => {
            if ours.is_some() {
                return Err(move_first(
                    "the sync target no longer holds this garage's vault (vault.json is missing). \
                     Nothing was changed or deleted here. Check the target address; if this garage \
                     is to sync through this target from now on, stop syncing here, then set it up \
                     with this target",
                ));
            }
            let root = transport.list("").await.map_err(remote)?;
            if root
                .iter()
                .any(|n| n == DEVICES_DIR || n.starts_with(KEY_FILE))
            {
                return Err(refused(
                    "the sync target has device folders but no vault.json: another device may be \
                     setting it up right now. Try again in a minute",
                ));
            }
            let (info, key_file, key) = vault::create(passphrase).map_err(vault_error)?;
            transport
                .put(&key_name(&info.vault_id), key_file)
                .await
                .map_err(remote)?;
            let text = serde_json::to_vec_pretty(&info).expect("vault info encodes");
            transport.put(VAULT_FILE, text).await.map_err(remote)?;
            // Two devices making a vault at once: whichever vault.json stands is the vault.
            let stored = transport
                .get(VAULT_FILE)
                .await
                .map_err(remote)?
                .unwrap_or_default();
            if serde_json::from_slice::<VaultInfo>(&stored).ok().as_ref() == Some(&info) {
                report.vault_created = true;
                (info, key, None)
            } else {
                let (info, key, key_file) = unlock(transport, &stored, passphrase).await?;
                (info, key, Some(key_file))
            }
        }
    };
    if let Some(ours) = ours.filter(|o| *o != info.vault_id) {
        return Err(move_first(&format!(
            "the sync target holds another garage (vault {}), not the one this garage syncs with \
             (vault {ours}). Nothing was changed. Choose the target this garage syncs with; to move \
             this garage to this target instead, stop syncing here, then set it up with this target",
            info.vault_id
        )));
    }
    if let Some(key_file) = &read_key_file {
        rewrap_if_weaker(transport, &info, key_file, passphrase, &key).await;
    }
    access.with(|s| {
        s.atomically(|s| {
            binding::enter(s.connection(), &info.vault_id)?;
            if report.vault_created {
                // The first device forwards email and SMS until the rider picks another.
                let me = s.device_id().to_owned();
                if settings::forwarding_device(s)?.is_none() {
                    settings::set_forwarding_device(s, &me)?;
                }
            }
            Ok(())
        })
    })?;
    Ok((info, key))
}

/// The vault key's file is named after its vault: two devices creating a vault at the same moment
/// each write their own, so whichever `vault.json` stands always has its key beside it.
fn key_name(vault_id: &str) -> String {
    format!("{KEY_FILE}-{vault_id}")
}

async fn unlock<T: Transport>(
    transport: &T,
    vault_json: &[u8],
    passphrase: &str,
) -> Result<(VaultInfo, VaultKey, Vec<u8>)> {
    let info: VaultInfo = serde_json::from_slice(vault_json).map_err(|e| {
        refused(&format!(
            "the sync target's vault.json is damaged ({e}). Nothing was changed here"
        ))
    })?;
    let get_key_file = || async {
        transport
            .get(&key_name(&info.vault_id))
            .await
            .map_err(remote)?
            .ok_or_else(|| {
                refused(
                    "the sync target has a vault.json but no key file. Nothing was changed here",
                )
            })
    };
    let mut key_file = get_key_file().await?;
    let key = match vault::unlock(&info, &key_file, passphrase) {
        Ok(key) => key,
        Err(first) => {
            // Another device may have been rewrapping the key file (below) as it was read, on a
            // storage whose writes are not atomic: a file that has changed since is read again,
            // once, before the passphrase is called wrong.
            let again = get_key_file().await?;
            if again == key_file {
                return Err(vault_error(first));
            }
            key_file = again;
            vault::unlock(&info, &key_file, passphrase).map_err(vault_error)?
        }
    };
    Ok((info, key, key_file))
}

/// A key file an earlier build wrapped at a lower Argon2id cost is wrapped again at today's,
/// around the same key: a guess at the passphrase then costs what it costs for new vaults. Only
/// on the vault this garage syncs with (checked before). Best effort: the old file still unlocks,
/// so a failed write only waits for the next sync.
async fn rewrap_if_weaker<T: Transport>(
    transport: &T,
    info: &VaultInfo,
    key_file: &[u8],
    passphrase: &str,
    key: &VaultKey,
) {
    if let Ok(Some(stronger)) = vault::rewrapped(info, key_file, passphrase, key) {
        match transport.put(&key_name(&info.vault_id), stronger).await {
            Ok(()) => tracing::info!("the vault key is wrapped again at today's cost"),
            Err(e) => tracing::warn!("could not rewrap the vault key at today's cost: {e}"),
        }
    }
}

fn refused(message: &str) -> Error {
    Error::Remote {
        kind: ErrorKind::Remote,
        message: message.to_owned(),
    }
}

/// A target this garage is not bound to: the rider moves the garage by stopping sync first.
fn move_first(message: &str) -> Error {
    Error::NeedsAction {
        kind: ErrorKind::Remote,
        message: message.to_owned(),
        advice: Advice::MoveSyncTarget,
    }
}

fn vault_error(e: VaultError) -> Error {
    match e {
        VaultError::WeakPassphrase => Error::Invalid(e.to_string()),
        other => refused(&other.to_string()),
    }
}
