//! Reminders and their deliveries as the CLI reports them (`notify`, `status`) and as the
//! database holds them (the outbox).

use std::collections::BTreeSet;

use serde_json::Value;

use super::Garage;

impl Garage {
    /// `notify --json`: its exit code, its report and its stderr.
    pub fn notify(&self) -> (Option<i32>, Value, String) {
        let out = self.run(&["--json", "notify"]);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "notify printed no JSON ({e}): {}{stderr}",
                String::from_utf8_lossy(&out.stdout)
            )
        });
        (out.status.code(), report, stderr)
    }

    /// `notify --json`, which must succeed; its report.
    pub fn notify_ok(&self) -> Value {
        let (code, report, stderr) = self.notify();
        assert_eq!(code, Some(0), "notify failed: {stderr}\n{report:#}");
        report
    }

    /// `status --json`: its exit code (1 while unhealthy) and its report.
    pub fn status(&self) -> (Option<i32>, Value) {
        let out = self.run(&["--json", "status"]);
        let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "status printed no JSON ({e}): {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code(), report)
    }

    /// The id of every reminder written.
    pub fn reminder_ids(&self) -> BTreeSet<String> {
        let conn = self.db();
        let mut stmt = conn
            .prepare("SELECT id FROM reminders")
            .expect("select reminders");
        let ids = stmt
            .query_map([], |r| r.get(0))
            .and_then(|rows| rows.collect())
            .expect("read reminders");
        ids
    }

    /// (state, attempts) of every delivery on `channel`, in the order they were queued.
    pub fn outbox(&self, channel: &str) -> Vec<(String, i64)> {
        let conn = self.db();
        let mut stmt = conn
            .prepare("SELECT state, attempts FROM outbox WHERE channel = ?1 ORDER BY id")
            .expect("select the outbox");
        let rows = stmt
            .query_map([channel], |r| Ok((r.get(0)?, r.get(1)?)))
            .and_then(|rows| rows.collect())
            .expect("read the outbox");
        rows
    }
}
