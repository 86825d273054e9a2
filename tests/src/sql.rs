//! Reading a garage database straight from SQLite, to check what the code under test wrote.

use rusqlite::Connection;

pub fn count(conn: &Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT COUNT(*) FROM \"{table}\""), [], |r| {
        r.get(0)
    })
    .expect("count rows")
}

/// `PRAGMA integrity_check`: "ok" for a sound file.
pub fn integrity(conn: &Connection) -> String {
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity check")
}

pub fn tables(conn: &Connection) -> Vec<String> {
    conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("list tables")
}

/// The column names of `table`, in order.
pub fn columns(conn: &Connection, table: &str) -> Vec<String> {
    conn.prepare(&format!(
        "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
    ))
    .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
    .expect("list columns")
}

/// Every row of `table`, each as its cells' exact values in text, in rowid (or key) order.
pub fn rows(conn: &Connection, table: &str) -> Vec<String> {
    rows_of(conn, table, &columns(conn, table))
}

/// Like [`rows`], reading only `cols` (the columns an older schema version had).
pub fn rows_of(conn: &Connection, table: &str, cols: &[String]) -> Vec<String> {
    let list = cols
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    // A WITHOUT ROWID table (the sync clock) is ordered by its primary key instead.
    let without_rowid: bool = conn
        .query_row(
            "SELECT wr FROM pragma_table_list WHERE name = ?1",
            [table],
            |r| r.get(0),
        )
        .unwrap_or(false);
    let order = if without_rowid { "1, 2, 3, 4" } else { "rowid" };
    let mut stmt = conn
        .prepare(&format!("SELECT {list} FROM \"{table}\" ORDER BY {order}"))
        .expect("select");
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        let cells: Vec<String> = (0..n)
            .map(|i| r.get_ref(i).map(|v| format!("{v:?}")))
            .collect::<rusqlite::Result<_>>()?;
        Ok(cells.join(" | "))
    })
    .and_then(|rows| rows.collect())
    .expect("read rows")
}
