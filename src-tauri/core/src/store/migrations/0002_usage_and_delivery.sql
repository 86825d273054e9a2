-- Derived, rebuildable state: the usage of every rule since its anchor, kept current by every write
-- so that evaluating all rules reads one row per rule instead of scanning rides.
CREATE TABLE rule_usage (
    rule_id     TEXT PRIMARY KEY NOT NULL REFERENCES rules (id),
    used        REAL NOT NULL,          -- in the rule's metric; unused for 'days'
    anchor_at   INTEGER,                -- last service, else first installation (drives 'days')
    serviced    INTEGER NOT NULL CHECK (serviced IN (0, 1)),
    computed_at INTEGER NOT NULL
);

-- Small facts about this database (e.g. whether the demo garage was loaded).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

-- One row per (rule, anchor, level, cycle): written in the transaction that observes the transition.
CREATE TABLE reminders (
    id         TEXT PRIMARY KEY NOT NULL,
    rule_id    TEXT NOT NULL REFERENCES rules (id),
    anchor_at  INTEGER NOT NULL,
    level      TEXT NOT NULL CHECK (level IN ('due_soon', 'due')),
    cycle      INTEGER NOT NULL CHECK (cycle >= 0),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER,
    UNIQUE (rule_id, anchor_at, level, cycle)
);

-- Fan-out of reminders to delivery channels, with retries and a terminal 'failed' state.
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
