//! Which vault this garage syncs with, and the sync state that belongs to one vault.
//!
//! Two records, because they answer two questions:
//! - the **bound** vault (`sync_vault_id`): the one this garage syncs with. A pass refuses a
//!   target holding another vault, or one that lost its `vault.json`, so a mistyped address or an
//!   unmounted folder never merges or starts a second garage. It is written only when a pass
//!   succeeds (a set-up that failed half-way binds nothing), and stopping sync releases it, so the
//!   rider can move the garage to another target.
//! - the vault the **state** belongs to (`sync_state_vault`): how far this device has read each
//!   other device, its own file numbering, whether it joined, the heads it remembers. All of it
//!   counts files of one vault; entering another vault starts it afresh, so this device's first
//!   file there is a snapshot of its whole garage (every row, every field with its stamp) and it
//!   reads the other devices there from their beginning. Entering the same vault again (sync
//!   stopped, then set up again with the same target) keeps it.

use rusqlite::Connection;

use crate::error::Result;
use crate::store;

use super::{heads, outgoing};

/// The vault this garage syncs with.
pub(crate) const VAULT_ID_KEY: &str = "sync_vault_id";
/// The vault this device's read positions and own numbering count files of.
const STATE_VAULT_KEY: &str = "sync_state_vault";
/// This device has read the target's most complete snapshot once (in the state's vault).
pub(crate) const JOINED_KEY: &str = "sync_joined";

/// The vault this garage syncs with, if it is bound to one.
pub(crate) fn bound(conn: &Connection) -> Result<Option<String>> {
    store::meta(conn, VAULT_ID_KEY)
}

/// A pass with `vault_id` succeeded: this garage syncs with that vault from now on.
pub(crate) fn bind(conn: &Connection, vault_id: &str) -> Result<()> {
    store::set_meta(conn, VAULT_ID_KEY, vault_id)
}

/// This device stops syncing: any target may be set up next. The state stays, for the same
/// vault set up again.
pub(crate) fn release(conn: &Connection) -> Result<()> {
    if let Some(bound) = bound(conn)? {
        store::set_meta(conn, STATE_VAULT_KEY, &bound)?;
    }
    conn.execute("DELETE FROM meta WHERE key = ?1", [VAULT_ID_KEY])?;
    Ok(())
}

/// A pass opened `vault_id`: the state is that vault's from now on. When it belonged to another
/// vault it starts afresh (see the module doc); returns whether it did. Garages from before this
/// record have their state in the bound vault.
pub(crate) fn enter(conn: &Connection, vault_id: &str) -> Result<bool> {
    let state = match store::meta(conn, STATE_VAULT_KEY)? {
        Some(v) => Some(v),
        None => bound(conn)?,
    };
    let other = state.as_deref().is_some_and(|v| v != vault_id);
    if other {
        tracing::info!("syncing with another vault than before: reading and numbering anew");
        outgoing::number_anew(conn)?;
        conn.execute("UPDATE sync_devices SET read_seq = 0", [])?;
        conn.execute("DELETE FROM meta WHERE key = ?1", [JOINED_KEY])?;
        heads::forget_all(conn)?;
    }
    store::set_meta(conn, STATE_VAULT_KEY, vault_id)?;
    Ok(other)
}
