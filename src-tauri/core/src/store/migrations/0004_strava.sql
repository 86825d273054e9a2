-- Strava sync.

-- A ride keeps the gear its source named apart from the bike it counts for; whether the rider
-- chose that bike by hand; the local time zone offset of its start (dates as the rider lived
-- them); and who deleted it: a ride the rider deleted stays deleted, one its source deleted comes
-- back if the source lists it again.
ALTER TABLE rides ADD COLUMN source_gear_id TEXT;
ALTER TABLE rides ADD COLUMN bike_chosen INTEGER NOT NULL DEFAULT 0 CHECK (bike_chosen IN (0, 1));
ALTER TABLE rides ADD COLUMN utc_offset_s INTEGER;
ALTER TABLE rides ADD COLUMN deleted_by TEXT CHECK (deleted_by IS NULL OR deleted_by IN ('rider', 'source'));
UPDATE rides SET deleted_by = 'rider' WHERE deleted_at IS NOT NULL;

-- Bikes imported from Strava follow Strava's name until the rider renames them here. Bikes that
-- exist already were named by the rider.
ALTER TABLE bikes ADD COLUMN name_chosen INTEGER NOT NULL DEFAULT 0 CHECK (name_chosen IN (0, 1));
UPDATE bikes SET name_chosen = 1;

-- Wear that deleted source rides caused, kept per rule when the rides must go (disconnecting
-- Strava deletes its data, per its API agreement) so no rule jumps back to ok. It counts while
-- the rule's latest service is still `anchor_service_id` (NULL: never serviced).
CREATE TABLE carried_usage (
    id                TEXT PRIMARY KEY NOT NULL,
    rule_id           TEXT NOT NULL REFERENCES rules (id),
    anchor_service_id TEXT REFERENCES services (id),
    source            TEXT NOT NULL CHECK (source IN ('strava')),
    -- The source account (Strava athlete) whose rides were deleted: only that account's first
    -- complete import brings them back and ends the carry.
    source_account    TEXT,
    amount            REAL NOT NULL CHECK (amount >= 0),
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    deleted_at        INTEGER
);
CREATE INDEX carried_usage_rule ON carried_usage (rule_id) WHERE deleted_at IS NULL;

-- This device's Strava connection and sync progress (one row; never synced between devices).
-- Tokens and the client secret are not here: they live in the OS keyring.
CREATE TABLE strava_state (
    id                 INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    client_id          TEXT,
    athlete_id         INTEGER,
    athlete_name       TEXT,
    scopes             TEXT,
    connected_at       INTEGER,
    -- disconnected, ok, offline, rate_limited, reconnect_needed, error
    status             TEXT NOT NULL DEFAULT 'disconnected',
    status_detail      TEXT,
    last_attempt_at    INTEGER,
    last_success_at    INTEGER,
    next_attempt_at    INTEGER,
    failures           INTEGER NOT NULL DEFAULT 0,
    -- A listing of the whole history in progress, newest first, resumable exactly: its number
    -- (from listing_seq), the `before` (epoch s) it began with (it deletes only rides older),
    -- the cursor (the next page asks for activities before it; it moves down with each committed
    -- page), and whether every page is in and only the closing step remains.
    listing_id         INTEGER,
    listing_start      INTEGER,
    listing_before     INTEGER,
    listing_full       INTEGER NOT NULL DEFAULT 0,
    listing_done       INTEGER NOT NULL DEFAULT 0,
    history_complete   INTEGER NOT NULL DEFAULT 0,
    -- The newest start of any activity Strava listed (rides or not): later syncs re-scan the
    -- 30 days before it.
    newest_activity_at INTEGER,
    -- Names listings (each listing marks the activities it saw with its number).
    listing_seq        INTEGER NOT NULL DEFAULT 0,
    -- The last rate-limit headers seen ("15min,daily"), and when.
    read_usage         TEXT,
    read_limit         TEXT,
    overall_usage      TEXT,
    overall_limit      TEXT,
    usage_seen_at      INTEGER,
    paused_until       INTEGER
);
INSERT INTO strava_state (id) VALUES (1);

-- Which listing last saw each Strava activity: rides a complete listing did not see were deleted
-- in Strava. Device-local bookkeeping.
CREATE TABLE strava_listing (
    activity_id INTEGER PRIMARY KEY NOT NULL,
    listed_in   INTEGER NOT NULL
);

-- Work that must run in one process at a time across every process sharing the file (the app,
-- the CLI, `serve`): whoever holds an unexpired lease does it.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY NOT NULL,
    holder     TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);

-- The wear engine now adds carried-over usage; no rule has any yet, so caches stay valid.
UPDATE meta SET value = '2' WHERE key = 'wear_engine_version';
