//! Leases: work that must run in one process at a time, across every process sharing the file
//! (the app, the CLI, `serve`). A process-local mutex cannot see the others; a row can. A lease
//! expires on its own, and one whose holder is provably gone (a process of this machine's current
//! boot and of this PID namespace that no longer runs, e.g. killed mid-sync) is taken over at
//! once: a dead process must never stall the others, the failure peers' lock files are known for.
//! A holder in another container or sandbox is not visible here, so it is never taken for gone.

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

/// A name for this process that no other process shares: its pid, its PID namespace and this
/// boot's id (where the system has them), and a random part:
/// `pid 4242 pidns 4026531836 boot 9f1c… (0190…)`.
///
/// The namespace comes before the boot id on purpose: builds from before it was recorded read
/// `pid … boot …` only, so they see this form as unknown and never take its lease over early.
pub fn holder_id() -> String {
    let unknown = || "unknown".to_owned();
    format!(
        "pid {} pidns {} boot {} ({})",
        std::process::id(),
        pid_namespace().map_or_else(unknown, |ns| ns.to_string()),
        boot_id().unwrap_or_else(unknown),
        uuid::Uuid::now_v7()
    )
}

/// Linux's id for the current boot; pids are only meaningful within one.
fn boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .ok()
        .map(|s| s.trim().to_owned())
}

/// The inode of this process's PID namespace (`/proc/self/ns/pid` reads `pid:[4026531836]`);
/// pids are only meaningful within one. A container or a Flatpak sandbox has its own: its
/// processes share the boot id but are not visible in this `/proc`.
fn pid_namespace() -> Option<u64> {
    let link = std::fs::read_link("/proc/self/ns/pid").ok()?;
    link.to_str()?
        .strip_prefix("pid:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// What a holder string says about where its process ran.
#[derive(Debug, PartialEq, Eq)]
struct Holder<'a> {
    pid: u32,
    /// None in strings from builds before the namespace was recorded, or where it is unknown.
    pidns: Option<u64>,
    boot: &'a str,
}

impl<'a> Holder<'a> {
    /// `pid P pidns N boot B (…)`, or the older `pid P boot B (…)`; None for anything else
    /// (test names, hand-made holders).
    fn parse(holder: &'a str) -> Option<Holder<'a>> {
        let mut words = holder.split_whitespace();
        let (Some("pid"), Some(pid)) = (words.next(), words.next()) else {
            return None;
        };
        let pid = pid.parse().ok()?;
        let pidns = match words.next()? {
            "pidns" => {
                let ns = words.next()?.parse().ok();
                if words.next()? != "boot" {
                    return None;
                }
                ns
            }
            "boot" => None,
            _ => return None,
        };
        let boot = words.next()?;
        Some(Holder { pid, pidns, boot })
    }
}

/// True when `holder` was a process of this boot and this PID namespace that is no longer
/// running. Unknown cases (another namespace, a holder that did not record its namespace, other
/// systems, another machine sharing the file) are never "gone": their lease simply expires. A
/// holder taken for gone while alive would be sending the same email as its successor.
pub(crate) fn holder_is_gone(holder: &str) -> bool {
    let Some(h) = Holder::parse(holder) else {
        return false;
    };
    let same_boot = boot_id().is_some_and(|ours| ours == h.boot);
    let same_namespace = h.pidns.is_some() && h.pidns == pid_namespace();
    same_boot && same_namespace && !std::path::Path::new(&format!("/proc/{}", h.pid)).exists()
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
        if let (Some(boot), Some(ns)) = (boot_id(), pid_namespace()) {
            let dead = format!("pid {} pidns {ns} boot {boot} (x)", u32::MAX - 1);
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

    #[test]
    fn a_holder_in_another_pid_namespace_keeps_its_lease_until_it_expires() {
        let (Some(boot), Some(ns)) = (boot_id(), pid_namespace()) else {
            return; // not Linux: every other holder is unknown anyway
        };
        // No process here has this pid; in another container or sandbox one may.
        let pid = u32::MAX - 1;
        let here = format!("pid {pid} pidns {ns} boot {boot} (x)");
        let elsewhere = format!("pid {pid} pidns {} boot {boot} (y)", ns + 1);
        // Before the namespace was recorded (older builds): where it ran is unknown too.
        let older = format!("pid {pid} boot {boot} (z)");
        assert!(holder_is_gone(&here), "a dead process of this namespace");
        assert!(
            !holder_is_gone(&elsewhere),
            "it may be alive in its own namespace"
        );
        assert!(!holder_is_gone(&older), "its namespace is unknown");

        for holder in [&elsewhere, &older] {
            let clock = Arc::new(ManualClock::new(Timestamp(1_000_000)));
            let mut store = Store::open_in_memory().unwrap().with_clock(clock.clone());
            acquire(&mut store, "outbox", holder, 60_000).unwrap();
            clock.advance_ms(59_999);
            assert!(
                matches!(
                    acquire(&mut store, "outbox", "c", 60_000).unwrap(),
                    Lease::Busy { holder: ref h, .. } if h == holder
                ),
                "{holder} was taken over mid-send"
            );
            // Its lease simply runs out.
            clock.advance_ms(2);
            assert!(matches!(
                acquire(&mut store, "outbox", "c", 60_000).unwrap(),
                Lease::Held(_)
            ));
        }
    }

    #[test]
    fn holder_strings_old_and_new_parse() {
        assert_eq!(
            Holder::parse("pid 42 pidns 4026531836 boot b00t (0190)"),
            Some(Holder {
                pid: 42,
                pidns: Some(4026531836),
                boot: "b00t"
            })
        );
        assert_eq!(
            Holder::parse("pid 42 boot b00t (0190)"),
            Some(Holder {
                pid: 42,
                pidns: None,
                boot: "b00t"
            })
        );
        assert_eq!(
            Holder::parse("pid 42 pidns unknown boot unknown (0190)").map(|h| h.pidns),
            Some(None)
        );
        for other in [
            "a",
            "",
            "pid",
            "pid x boot b",
            "pid 42 pidns 7",
            "pid 42 pidns 7 rest",
        ] {
            assert_eq!(Holder::parse(other), None, "{other}");
        }
        assert!(Holder::parse(&holder_id()).is_some());
    }
}
