-- Watchdog: problems with the machinery itself (a stale Strava sync, a revoked token, an
-- exhausted rate limit, a failed reminder channel, a background loop that stopped running), as
-- episodes, and the heartbeats of the loops. Device-local: they describe this device.

-- One row per episode of a problem: opened when the watchdog first sees it, cleared when it sees
-- it gone. At most one open episode per (kind, subject); `subject` names the channel or the loop
-- ('' when the kind has none).
CREATE TABLE watchdog_episodes (
    id         TEXT PRIMARY KEY NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('stale_sync', 'reconnect_needed', 'rate_limited', 'channel_failed', 'loop_missed')),
    subject    TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '',
    opened_at  INTEGER NOT NULL,
    cleared_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX watchdog_episodes_open ON watchdog_episodes (kind, subject) WHERE cleared_at IS NULL;

-- Who has told the rider about an episode: each audience ('app' shows a native notification,
-- 'cli' is `status`, 'serve' its log) tells once per episode.
CREATE TABLE watchdog_notices (
    episode_id  TEXT NOT NULL REFERENCES watchdog_episodes (id),
    audience    TEXT NOT NULL,
    notified_at INTEGER NOT NULL,
    PRIMARY KEY (episode_id, audience)
);

-- The background loops (the app's scheduler, `serve`): when each last finished a cycle, how
-- often it runs, and whether it stopped on purpose (then it is not expected to run).
CREATE TABLE heartbeats (
    name        TEXT PRIMARY KEY NOT NULL,
    holder      TEXT NOT NULL,
    beat_at     INTEGER NOT NULL,
    interval_ms INTEGER NOT NULL CHECK (interval_ms > 0),
    cycles      INTEGER NOT NULL DEFAULT 0,
    healthy     INTEGER NOT NULL DEFAULT 1 CHECK (healthy IN (0, 1)),
    stopped_at  INTEGER
);
