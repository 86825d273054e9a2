-- Rides from files and archives (issue 18). What a ride file said beyond the ride's own columns
-- stays on this device (these tables are not synced): how complete the file was, so the more
-- complete of two files of one activity is kept, and the sensors it named (head unit, power
-- meter, Di2), so a new ride goes to the bike whose rides named the same ones.
CREATE TABLE ride_files (
    ride_id     TEXT PRIMARY KEY NOT NULL REFERENCES rides (id),
    records     INTEGER NOT NULL CHECK (records >= 0),
    fingerprint TEXT NOT NULL
);

CREATE TABLE ride_sensors (
    ride_id TEXT NOT NULL REFERENCES rides (id),
    serial  TEXT NOT NULL,
    kind    TEXT NOT NULL,
    PRIMARY KEY (ride_id, serial)
);
CREATE INDEX ride_sensors_serial ON ride_sensors (serial);

-- A file is recognised as a ride already here by its start: found by the index on rides'
-- start (`rides_start`, 0012_ride_review.sql, which also serves the Rides place), not a scan.

-- Archive entries already imported, so an archive of years imported in several sittings goes on
-- where it stopped. `archive` is the archive's name and size; `ride_id` the ride the entry became
-- or was recognised as (none for an entry skipped on purpose).
CREATE TABLE import_entries (
    archive TEXT NOT NULL,
    entry   TEXT NOT NULL,
    ride_id TEXT,
    PRIMARY KEY (archive, entry)
);
