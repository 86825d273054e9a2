-- Remote fields this version cannot use (see sync/apply/unknown.rs): a table or a column a newer
-- version added, or a value a newer version allows (a new metric). Kept as received, the greatest
-- stamp per field, and merged like fresh fields once an update makes them known. Device-local.
CREATE TABLE sync_unknown (
    tbl    TEXT NOT NULL,
    id     TEXT NOT NULL,
    col    TEXT NOT NULL,
    value  ANY,
    hlc    INTEGER NOT NULL,
    dev    INTEGER NOT NULL,
    -- The schema version of the device that wrote it (0: not said, before format versioning).
    schema INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tbl, id, col)
) WITHOUT ROWID;
