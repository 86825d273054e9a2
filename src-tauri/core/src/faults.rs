//! Deterministic fault injection for crash tests. A debug build reads [`crate::env::ABORT_AT`]
//! (`NAME` or `NAME:N`) and aborts the process the N-th time (default: the first time) it passes
//! the point of that name, after printing `pedalwrencher: abort at NAME:N` to stderr so a test
//! can assert that the kill landed exactly there. Release builds compile every point to nothing.
//!
//! Points (see each call site):
//! - `store.before_commit` — a write transaction has done all its work and is about to commit;
//! - `migration.step_applied` — an upgrade has run one version's SQL; nothing is committed yet
//!   (all pending versions commit together);
//! - `rides.import.after_ride` — an import has written one more ride, not yet committed;
//! - `demo.before_commit` — the demo garage is written and about to commit;
//! - `delivery.before_send` — an outbox delivery is claimed (committed) and not yet sent;
//! - `delivery.after_send` — the channel accepted it and it is not yet marked sent (the one
//!   place a crash can cause a duplicate);
//! - `delivery.mid_batch` — a delivery is done and marked; the next is not claimed yet.

/// The variable's name, for the crash tests that set it on a child process.
pub use crate::env::ABORT_AT as ENV;

/// Marks a point a crash test may stop the process at.
#[inline]
pub fn point(name: &str) {
    #[cfg(debug_assertions)]
    armed::hit(name);
    #[cfg(not(debug_assertions))]
    let _ = name;
}

#[cfg(debug_assertions)]
mod armed {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::OnceLock;

    struct Target {
        name: String,
        nth: u64,
        seen: AtomicU64,
    }

    fn target() -> Option<&'static Target> {
        static TARGET: OnceLock<Option<Target>> = OnceLock::new();
        TARGET
            .get_or_init(|| {
                let spec = crate::env::env().abort_at()?;
                let (name, nth) = match spec.rsplit_once(':') {
                    Some((name, n)) => (name, n.trim().parse().ok()?),
                    None => (spec, 1),
                };
                Some(Target {
                    name: name.trim().to_owned(),
                    nth,
                    seen: AtomicU64::new(0),
                })
            })
            .as_ref()
    }

    pub(super) fn hit(name: &str) {
        let Some(t) = target() else { return };
        if t.name != name {
            return;
        }
        let seen = t.seen.fetch_add(1, Ordering::SeqCst) + 1;
        if seen == t.nth {
            eprintln!("pedalwrencher: abort at {name}:{seen}");
            std::process::abort();
        }
    }
}
