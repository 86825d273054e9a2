-- Delivery: reminders and their outbox, as the delivery code (core/src/delivery) uses them.
-- Both tables are device-local: they say what this device has told the rider, and will not travel
-- with device-to-device sync.

-- A snooze by further use: quiet until the rule's usage reaches this value (in its metric, SI).
ALTER TABLE rules ADD COLUMN snoozed_until_used REAL CHECK (snoozed_until_used IS NULL OR snoozed_until_used >= 0);

-- No release wrote reminders or outbox rows yet: re-create both with the columns delivery needs.
DROP TABLE outbox;
DROP TABLE reminders;

-- One row per (rule, epoch, level, cycle, nag), written in the transaction that observes the rule
-- in that state. `nag` is 0 for the first reminder of a key; each later one (the rider's "remind
-- me again every N days while due", or a snooze that ran out) adds one. What the rider is told is
-- kept as it was observed, so a delivery retried later says the same thing.
CREATE TABLE reminders (
    id           TEXT PRIMARY KEY NOT NULL,
    rule_id      TEXT NOT NULL REFERENCES rules (id),
    epoch        INTEGER NOT NULL CHECK (epoch >= 0),
    level        TEXT NOT NULL CHECK (level IN ('due_soon', 'due')),
    cycle        INTEGER NOT NULL CHECK (cycle >= 0),
    nag          INTEGER NOT NULL DEFAULT 0 CHECK (nag >= 0),
    component_id TEXT NOT NULL REFERENCES components (id),
    bike         TEXT,
    component    TEXT NOT NULL,
    task         TEXT NOT NULL,
    metric       TEXT NOT NULL,
    interval     REAL NOT NULL,
    used         REAL NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    deleted_at   INTEGER,
    UNIQUE (rule_id, epoch, level, cycle, nag)
);

-- One delivery of a reminder on one channel. A process claims a row (claimed_by, claimed_until)
-- in a transaction before any network call, so two processes never both send it; a claim whose
-- holder died expires (or is taken over at once when that process is provably gone). `attempts`
-- counts claims, so a delivery that crashes its sender still ends in 'failed'. 'cancelled':
-- the reminder became moot before it could be delivered (serviced, deleted, bike retired) or the
-- rider turned the channel off.
CREATE TABLE outbox (
    id              TEXT PRIMARY KEY NOT NULL,
    reminder_id     TEXT NOT NULL REFERENCES reminders (id),
    channel         TEXT NOT NULL CHECK (channel IN ('notification', 'email', 'sms')),
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at INTEGER NOT NULL,
    claimed_by      TEXT,
    claimed_until   INTEGER,
    last_error      TEXT,
    sent_at         INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    deleted_at      INTEGER,
    UNIQUE (reminder_id, channel)
);
CREATE INDEX outbox_due ON outbox (state, channel, next_attempt_at);
