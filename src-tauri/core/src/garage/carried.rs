//! Wear carried over from rides that had to be deleted: disconnecting Strava deletes its rides
//! (Strava's API agreement), but the chain they wore is still worn. Per rule, the amount counts
//! while the rule's latest service is the one it was carried under; a service starts afresh.

use rusqlite::{params, Connection};

use crate::error::Result;
use crate::garage::services;
use crate::ids::RuleId;
use crate::time::Timestamp;

/// Adds `amount` (in the rule's metric) under its current latest service.
pub(crate) fn add(
    tx: &Connection,
    rule: &RuleId,
    source: &str,
    account: Option<&str>,
    amount: f64,
    now: Timestamp,
) -> Result<()> {
    let anchor = services::latest(tx, rule)?;
    tx.execute(
        "INSERT INTO carried_usage (id, rule_id, anchor_service_id, source, source_account, amount, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        params![uuid::Uuid::now_v7().to_string(), rule, anchor, source, account, amount, now],
    )?;
    Ok(())
}

/// Ends the carry for an account whose rides are back (its first complete import after
/// reconnecting); another account's carried wear stays.
pub(crate) fn clear(tx: &Connection, source: &str, account: &str, now: Timestamp) -> Result<usize> {
    Ok(tx.execute(
        "UPDATE carried_usage SET deleted_at = ?3, updated_at = ?3
         WHERE source = ?1 AND source_account = ?2 AND deleted_at IS NULL",
        params![source, account, now],
    )?)
}
