//! Settings that follow the rider to every device (rows of `synced_settings`, synced like any
//! garage table). Today: which device forwards reminders by email and SMS, so two devices never
//! both send the same email.

use rusqlite::OptionalExtension;

use crate::error::Result;
use crate::store::Store;

const FORWARDING_DEVICE: &str = "forwarding_device";

/// The device chosen to forward email and SMS, if any.
pub fn forwarding_device(store: &Store) -> Result<Option<String>> {
    Ok(store
        .connection()
        .query_row(
            "SELECT value FROM synced_settings WHERE id = ?1 AND deleted_at IS NULL",
            [FORWARDING_DEVICE],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

pub fn set_forwarding_device(store: &mut Store, device_id: &str) -> Result<()> {
    let now = store.now().millis();
    let tx = store.write()?;
    tx.execute(
        "INSERT INTO synced_settings (id, value, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
         ON CONFLICT (id) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at,
           deleted_at = NULL",
        (FORWARDING_DEVICE, device_id, now),
    )?;
    tx.commit()
}

/// Whether this device sends email and SMS: always when the garage does not sync, else only the
/// chosen device (or, before one is chosen, only a device that has seen no other).
pub fn this_device_forwards(store: &Store) -> Result<bool> {
    let me = store.device_id();
    match forwarding_device(store)? {
        Some(chosen) => Ok(chosen == me),
        None => {
            let others: i64 = store.connection().query_row(
                "SELECT COUNT(*) FROM sync_devices WHERE device_id != ?1 AND read_seq > 0",
                [me],
                |r| r.get(0),
            )?;
            Ok(others == 0)
        }
    }
}
