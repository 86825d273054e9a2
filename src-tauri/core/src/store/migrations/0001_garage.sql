-- Garage model. SI units only; timestamps are UTC unix milliseconds; ids are UUIDv7 text.
-- Every row carries created_at / updated_at / deleted_at so device-to-device sync can come later.

CREATE TABLE bikes (
    id             TEXT PRIMARY KEY NOT NULL,
    name           TEXT NOT NULL CHECK (length(name) > 0),
    kind           TEXT NOT NULL,
    strava_gear_id TEXT,
    retired        INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0, 1)),
    notes          TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    deleted_at     INTEGER
);
CREATE UNIQUE INDEX bikes_strava_gear_id ON bikes (strava_gear_id)
    WHERE strava_gear_id IS NOT NULL AND deleted_at IS NULL;

CREATE TABLE components (
    id                    TEXT PRIMARY KEY NOT NULL,
    kind                  TEXT NOT NULL,
    name                  TEXT NOT NULL CHECK (length(name) > 0),
    brand                 TEXT NOT NULL DEFAULT '',
    model                 TEXT NOT NULL DEFAULT '',
    notes                 TEXT NOT NULL DEFAULT '',
    purchase_cost_cents   INTEGER CHECK (purchase_cost_cents IS NULL OR purchase_cost_cents >= 0),
    -- Usage a second-hand part already had when it joined the garage.
    initial_distance_m    REAL NOT NULL DEFAULT 0 CHECK (initial_distance_m >= 0),
    initial_moving_time_s REAL NOT NULL DEFAULT 0 CHECK (initial_moving_time_s >= 0),
    initial_rides         REAL NOT NULL DEFAULT 0 CHECK (initial_rides >= 0),
    initial_elevation_m   REAL NOT NULL DEFAULT 0 CHECK (initial_elevation_m >= 0),
    initial_energy_kj     REAL NOT NULL DEFAULT 0 CHECK (initial_energy_kj >= 0),
    initial_days          REAL NOT NULL DEFAULT 0 CHECK (initial_days >= 0),
    retired               INTEGER NOT NULL DEFAULT 0 CHECK (retired IN (0, 1)),
    replaced_by           TEXT REFERENCES components (id),
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    deleted_at            INTEGER
);

-- A component on a bike over [installed_at, removed_at). Intervals of one component never overlap.
CREATE TABLE installations (
    id           TEXT PRIMARY KEY NOT NULL,
    component_id TEXT NOT NULL REFERENCES components (id),
    bike_id      TEXT NOT NULL REFERENCES bikes (id),
    installed_at INTEGER NOT NULL,
    removed_at   INTEGER CHECK (removed_at IS NULL OR removed_at > installed_at),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    deleted_at   INTEGER
);
CREATE INDEX installations_component ON installations (component_id, installed_at) WHERE deleted_at IS NULL;
CREATE INDEX installations_bike ON installations (bike_id, installed_at) WHERE deleted_at IS NULL;

CREATE TABLE rides (
    id             TEXT PRIMARY KEY NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('strava', 'manual', 'file')),
    external_id    TEXT,
    bike_id        TEXT REFERENCES bikes (id),
    start_at       INTEGER NOT NULL,
    distance_m     REAL NOT NULL CHECK (distance_m >= 0),
    moving_time_s  REAL NOT NULL CHECK (moving_time_s >= 0),
    elapsed_time_s REAL NOT NULL CHECK (elapsed_time_s >= 0),
    elevation_m    REAL NOT NULL CHECK (elevation_m >= 0),
    energy_kj      REAL CHECK (energy_kj IS NULL OR energy_kj >= 0),
    sport_type     TEXT NOT NULL,
    indoor         INTEGER NOT NULL DEFAULT 0 CHECK (indoor IN (0, 1)),
    commute        INTEGER NOT NULL DEFAULT 0 CHECK (commute IN (0, 1)),
    name           TEXT NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    deleted_at     INTEGER
);
CREATE UNIQUE INDEX rides_source_external_id ON rides (source, external_id) WHERE external_id IS NOT NULL;
CREATE INDEX rides_bike_start ON rides (bike_id, start_at) WHERE deleted_at IS NULL;

-- A service interval on a component.
CREATE TABLE rules (
    id            TEXT PRIMARY KEY NOT NULL,
    component_id  TEXT NOT NULL REFERENCES components (id),
    task          TEXT NOT NULL CHECK (length(task) > 0),
    metric        TEXT NOT NULL CHECK (metric IN ('distance_m', 'moving_time_s', 'rides', 'elevation_m', 'energy_kj', 'days')),
    interval      REAL NOT NULL CHECK (interval > 0),
    warn_fraction REAL NOT NULL DEFAULT 0.8 CHECK (warn_fraction > 0 AND warn_fraction <= 1),
    repeat        INTEGER NOT NULL DEFAULT 0 CHECK (repeat IN (0, 1)),
    filter        TEXT NOT NULL DEFAULT 'all' CHECK (filter IN ('all', 'outdoor', 'indoor')),
    snoozed_until INTEGER,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    deleted_at    INTEGER
);
CREATE INDEX rules_component ON rules (component_id) WHERE deleted_at IS NULL;

-- A rule marked done; the newest one re-anchors the rule's counter.
CREATE TABLE services (
    id         TEXT PRIMARY KEY NOT NULL,
    rule_id    TEXT NOT NULL REFERENCES rules (id),
    done_at    INTEGER NOT NULL,
    cost_cents INTEGER CHECK (cost_cents IS NULL OR cost_cents >= 0),
    notes      TEXT NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX services_rule ON services (rule_id, done_at) WHERE deleted_at IS NULL;
