//! Leases: work that must run in one process at a time, across every process sharing the file
//! (the app, the CLI, `serve`). A process-local mutex cannot see the others; a row can. A lease
//! expires on its own, and one whose holder is provably gone (a process of this machine's current
//! boot that no longer runs, e.g. killed mid-sync) is taken over at once: a dead process must
//! never stall the others, the failure peers' lock files are known for.

use rusqlite::{params, OptionalExtension};

use crate::error::Result;
use crate::store::Store;
use crate::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lease {
    /// This holder has it until the given instant.
    Held(Timestamp),
    /// Someone else has it.
    Busy { holder: String, until: Timestamp },
}

/// A name for this process that no other process shares: its pid and this boot's id (where the
/// system has one), and a random part.
pub fn holder_id() -> String {
    format!(
        "pid {} boot {} ({})",
        std::process::id(),
        boot_id().unwrap_or_else(|| "unknown".to_owned()),
        uuid::Uuid::now_v7()
    )
}

/// Linux's id for the current boot; pids are only meaningful within one.
fn boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .ok()
        .map(|s| s.trim().to_owned())
}

/// True when `holder` was a process of this boot that is no longer running. Unknown cases (other
/// systems, another machine sharing the file) are not "gone": their lease simply expires.
pub(crate) fn holder_is_gone(holder: &str) -> bool {
    let mut words = holder.split_whitespace();
    let (Some("pid"), Some(pid), Some("boot"), Some(boot)) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return false;
    };
    match boot_id() {
        Some(ours) if ours == boot && pid.parse::<u32>().is_ok() => {
            !std::path::Path::new(&format!("/proc/{pid}")).exists()
        }
        _ => false,
    }
}

/// Takes (or renews) the lease `name` for `ttl_ms` unless another holder's has not expired.
pub fn acquire(store: &mut Store, name: &str, holder: &str, ttl_ms: i64) -> Result<Lease> {
    let now = store.now();
    store.atomically(|store| {
        let current: Option<(String, Timestamp)> = store
            .conn
            .query_row(
                "SELECT holder, expires_at FROM leases WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((other, until)) = current {
            if other != holder && until > now && !holder_is_gone(&other) {
                return Ok(Lease::Busy {
                    holder: other,
                    until,
                });
            }
        }
        let until = Timestamp(now.millis() + ttl_ms);
        store.conn.execute(
            "INSERT INTO leases (name, holder, expires_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at",
            params![name, holder, until],
        )?;
        Ok(Lease::Held(until))
    })
}

/// Gives the lease back (only if this holder has it).
pub fn release(store: &mut Store, name: &str, holder: &str) -> Result<()> {
    store.conn.execute(
        "DELETE FROM leases WHERE name = ?1 AND holder = ?2",
        params![name, holder],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::ManualClock;

    #[test]
    fn a_lease_excludes_other_holders_until_it_expires_or_is_released() {
        let clock = Arc::new(ManualClock::new(Timestamp(1_000_000)));
        let mut store = Store::open_in_memory().unwrap().with_clock(clock.clone());
        assert_eq!(
            acquire(&mut store, "sync", "a", 60_000).unwrap(),
            Lease::Held(Timestamp(1_060_000))
        );
        assert!(matches!(
            acquire(&mut store, "sync", "b", 60_000).unwrap(),
            Lease::Busy { ref holder, .. } if holder == "a"
        ));
        // The holder renews its own.
        clock.advance_ms(30_000);
        assert_eq!(
            acquire(&mut store, "sync", "a", 60_000).unwrap(),
            Lease::Held(Timestamp(1_090_000))
        );
        // A holder that died stops blocking once its lease runs out.
        clock.advance_ms(60_001);
        assert!(matches!(
            acquire(&mut store, "sync", "b", 60_000).unwrap(),
            Lease::Held(_)
        ));
        release(&mut store, "sync", "b").unwrap();
        // A holder whose process is gone is taken over before its lease runs out.
        if let Some(boot) = boot_id() {
            let dead = format!("pid {} boot {boot} (x)", u32::MAX - 1);
            assert!(holder_is_gone(&dead));
            acquire(&mut store, "sync", &dead, 60_000).unwrap();
            assert!(matches!(
                acquire(&mut store, "sync", "c", 60_000).unwrap(),
                Lease::Held(_)
            ));
            release(&mut store, "sync", "c").unwrap();
            assert!(!holder_is_gone(&holder_id()), "this process is alive");
        }
        assert!(matches!(
            acquire(&mut store, "sync", "c", 60_000).unwrap(),
            Lease::Held(_)
        ));
    }
}
