-- Device-to-device sync (see sync/ and its README.md). Everything here is device-local: none of
-- these tables is itself synced.

-- Settings that follow the rider to every device (which device forwards email and SMS, …). A row
-- per setting, synced like any garage table.
CREATE TABLE synced_settings (
    id         TEXT PRIMARY KEY NOT NULL,
    value      TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
);

-- Devices this garage has heard of, this one included. `idx` keeps the per-field clock small;
-- every comparison uses `device_id`, the same string on every device.
CREATE TABLE sync_devices (
    idx          INTEGER PRIMARY KEY,
    device_id    TEXT NOT NULL UNIQUE,
    name         TEXT,
    -- The newest of this device's files read here, and when (this device's clock).
    read_seq     INTEGER NOT NULL DEFAULT 0,
    last_seen_at INTEGER,
    -- When that device says it last synced (its own clock), from its `info` file.
    reported_at  INTEGER
);

-- Who last wrote each field of each synced row, and when: a hybrid logical clock (wall ms << 16 |
-- counter) and the device. The capture triggers clear `dev` for every field a local write
-- changes (keeping the stamp it replaces); the store stamps them when the transaction commits.
-- `lseq` numbers this device's own commits, in order: what is sent next is what is newer than
-- the last file sent.
CREATE TABLE sync_clock (
    tbl  TEXT NOT NULL,
    id   TEXT NOT NULL,
    col  TEXT NOT NULL,
    hlc  INTEGER,
    dev  INTEGER,
    lseq INTEGER,
    PRIMARY KEY (tbl, id, col)
) WITHOUT ROWID;
CREATE INDEX sync_clock_pending ON sync_clock (tbl) WHERE dev IS NULL;
CREATE INDEX sync_clock_by_device ON sync_clock (dev, lseq);

-- Present (one row) only while remote changes are being applied: the capture triggers stay
-- silent then, so a remote change never echoes back as a local one.
CREATE TABLE sync_applying (one INTEGER PRIMARY KEY CHECK (one = 1));

-- Remote fields of rows this device cannot create yet (the creating device's file is not read
-- yet): kept with their stamps until the row is complete.
CREATE TABLE sync_inbox (
    tbl   TEXT NOT NULL,
    id    TEXT NOT NULL,
    col   TEXT NOT NULL,
    value ANY,
    hlc   INTEGER NOT NULL,
    dev   INTEGER NOT NULL,
    PRIMARY KEY (tbl, id, col)
) WITHOUT ROWID;

-- Remote changes stamped more than a day ahead of this device's clock: not applied, kept so the
-- rider can be told which device's clock is wrong.
CREATE TABLE sync_quarantine (
    tbl   TEXT NOT NULL,
    id    TEXT NOT NULL,
    col   TEXT NOT NULL,
    value ANY,
    hlc   INTEGER NOT NULL,
    dev   INTEGER NOT NULL,
    PRIMARY KEY (tbl, id, col, dev)
) WITHOUT ROWID;

-- This device's files, numbered in a transaction before they are uploaded; `body` is the
-- plaintext, so an upload cut short is repeated with the same content. Sent ones lose their body.
CREATE TABLE sync_outgoing (
    seq        INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('seg', 'snap')),
    upto_lseq  INTEGER NOT NULL,
    cells      INTEGER NOT NULL,
    body       BLOB,
    created_at INTEGER NOT NULL,
    sent_at    INTEGER
);

-- What sync tells the rider: repaired installations, a device whose clock is wrong.
CREATE TABLE sync_notices (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('repair', 'clock')),
    message    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    dismissed_at INTEGER
);
