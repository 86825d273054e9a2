//! Schema versions and upgrading a file to the latest one, safely when several processes open an
//! old file at once (the app at login and a cron job right after an update).

use std::sync::LazyLock;

use rusqlite::Connection;
use rusqlite_migration::{HookError, Migrations, M};

use crate::error::{Error, Result};
use crate::faults;

use super::capture;

/// Every schema version, oldest first. Never edit a shipped migration: add a new one.
pub const MIGRATION_SQL: &[&str] = &[
    include_str!("migrations/0001_garage.sql"),
    include_str!("migrations/0002_usage_and_delivery.sql"),
    include_str!("migrations/0003_service_epoch.sql"),
    include_str!("migrations/0004_strava.sql"),
    include_str!("migrations/0005_delivery.sql"),
    include_str!("migrations/0006_watchdog.sql"),
    include_str!("migrations/0007_sync.sql"),
    include_str!("migrations/0008_sync_unknown.sql"),
    include_str!("migrations/0010_parts_on_parts.sql"),
    include_str!("migrations/0011_ride_files.sql"),
    include_str!("migrations/0012_ride_review.sql"),
    include_str!("migrations/0013_bike_totals.sql"),
];

/// The first version with device sync (`0007_sync.sql`): from it on, every upgrade rebuilds the
/// capture triggers from the tables' columns.
const SYNC_VERSION: usize = 7;

static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(
        MIGRATION_SQL
            .iter()
            .enumerate()
            .map(|(index, sql)| {
                M::up_with_hook(sql, move |tx: &rusqlite::Transaction<'_>| {
                    not_applied_yet(tx, index)?;
                    if index + 1 >= SYNC_VERSION {
                        capture::install_triggers(tx)
                            .map_err(|e| HookError::Hook(e.to_string()))?;
                    }
                    if index + 1 == SYNC_VERSION {
                        capture::capture_existing_rows(tx)
                            .map_err(|e| HookError::Hook(e.to_string()))?;
                    }
                    faults::point("migration.step_applied");
                    Ok(())
                })
            })
            .collect(),
    )
});

/// Runs inside the upgrade's transaction, which holds the write lock, right after version
/// `index + 1`'s SQL. rusqlite_migration reads the version before it takes the lock, so a process
/// that lost the race to another may be replaying a version the file already has; a replay that
/// happens to succeed (an UPDATE, an IF NOT EXISTS) would apply it twice. The version read here is
/// current, so a replay is refused and rolled back, and [`to_latest`] sees the upgraded file.
fn not_applied_yet(tx: &rusqlite::Transaction<'_>, index: usize) -> rusqlite_migration::HookResult {
    let found = schema_version(tx).map_err(|e| HookError::Hook(e.to_string()))?;
    if found > index {
        return Err(HookError::Hook(format!(
            "schema v{} is already applied (the file is at v{found}): another process upgraded it",
            index + 1
        )));
    }
    Ok(())
}

/// The latest schema version this build knows.
pub fn latest_version() -> usize {
    MIGRATION_SQL.len()
}

pub(crate) fn schema_version(conn: &Connection) -> Result<usize> {
    let v: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    Ok(usize::try_from(v).unwrap_or(0))
}

/// How many times an upgrade that lost a race is retried: each loser waits for the winner's
/// write lock (busy timeout), sees the new version and stops, so two rounds are plenty.
const UPGRADE_ATTEMPTS: usize = 3;

/// Brings the file to the latest schema. rusqlite_migration reads `user_version` before it takes
/// the write lock, so two processes may both decide to upgrade; the loser's attempt fails inside
/// its own (rolled back) transaction. The version is therefore checked again after a failure:
/// if another process finished the upgrade, the file is current and the open succeeds.
pub(crate) fn to_latest(conn: &mut Connection) -> Result<()> {
    let mut last_error = None;
    for _ in 0..UPGRADE_ATTEMPTS {
        let found = schema_version(conn)?;
        if found > latest_version() {
            return Err(Error::TooNew {
                found,
                supported: latest_version(),
            });
        }
        if found == latest_version() {
            return Ok(());
        }
        match MIGRATIONS.to_latest(conn) {
            Ok(()) => return Ok(()),
            Err(e) => {
                tracing::debug!("schema upgrade attempt failed, checking whether another process finished it: {e}");
                last_error = Some(e);
            }
        }
    }
    match last_error {
        Some(e) if schema_version(conn)? < latest_version() => Err(Error::Migration(e)),
        _ => Ok(()),
    }
}

/// Migrates to exactly `version`: lets tests build databases of older schema versions.
pub(crate) fn to_version(conn: &mut Connection, version: usize) -> Result<()> {
    MIGRATIONS.to_version(conn, version)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert!(MIGRATIONS.validate().is_ok());
    }

    #[test]
    fn replaying_a_version_the_file_already_has_is_refused_and_rolled_back() {
        let mut conn = Connection::open_in_memory().unwrap();
        to_latest(&mut conn).unwrap();
        conn.execute("INSERT INTO meta (key, value) VALUES ('probe', 'kept')", [])
            .unwrap();
        // What a process that read the version before another upgraded the file would do:
        // step from v2 while the file is already at the latest version.
        let tx = conn.transaction().unwrap();
        assert!(not_applied_yet(&tx, 1).is_err(), "v2 is already applied");
        assert!(
            not_applied_yet(&tx, latest_version()).is_ok(),
            "a newer one is not"
        );
        drop(tx);
        assert_eq!(schema_version(&conn).unwrap(), latest_version());
    }
}
