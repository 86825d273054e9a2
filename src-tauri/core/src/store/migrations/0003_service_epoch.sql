-- A per-rule service epoch: a counter that moves on every service and on the undo of the latest
-- one. Reminders are keyed on (rule, epoch, level, cycle), which stays put when an installation is
-- back-dated (the old key, the anchor instant, moved with it).
ALTER TABLE rules ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0 CHECK (epoch >= 0);

-- Existing rules start at the number of services they have had, so the epoch only ever grows.
UPDATE rules SET epoch = (SELECT COUNT(*) FROM services s WHERE s.rule_id = rules.id AND s.deleted_at IS NULL);

-- No release wrote reminders or outbox rows yet: re-create them keyed on the epoch.
DROP TABLE outbox;
DROP TABLE reminders;

CREATE TABLE reminders (
    id         TEXT PRIMARY KEY NOT NULL,
    rule_id    TEXT NOT NULL REFERENCES rules (id),
    epoch      INTEGER NOT NULL CHECK (epoch >= 0),
    level      TEXT NOT NULL CHECK (level IN ('due_soon', 'due')),
    cycle      INTEGER NOT NULL CHECK (cycle >= 0),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER,
    UNIQUE (rule_id, epoch, level, cycle)
);

CREATE TABLE outbox (
    id              TEXT PRIMARY KEY NOT NULL,
    reminder_id     TEXT NOT NULL REFERENCES reminders (id),
    channel         TEXT NOT NULL CHECK (channel IN ('notification', 'email', 'sms')),
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    deleted_at      INTEGER,
    UNIQUE (reminder_id, channel)
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);

-- The wear cache records which engine computed it (see wear/usage.rs): a read rebuilds a cache
-- from another version. Caches so far all come from the first engine.
INSERT INTO meta (key, value) VALUES ('wear_engine_version', '1')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
