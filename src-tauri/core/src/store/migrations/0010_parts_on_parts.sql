-- Parts on parts: an installation mounts a component on a bike or on another component (a tyre
-- on a wheel, a wheel on a bike). Exactly one of `bike_id` and `parent_id` is set; a part's bike
-- at an instant is found through its parents at that instant (see wear/mounts.rs).
--
-- SQLite cannot drop NOT NULL from a column, so the table is rebuilt with the same rows: every
-- existing installation keeps its bike, and nothing changes for parts mounted on bikes. Nothing
-- references `installations`, so the rebuild needs no foreign-key juggling; the capture triggers
-- go with the old table and are installed again by this upgrade (see store/migrate.rs).
--
-- Devices on an older version receive an installation on a part with no bike: they cannot
-- create it (bike_id is NOT NULL there), so they hold it aside (`sync_inbox`) and keep
-- `parent_id` for after their update (`sync_unknown`); the part shows on the shelf there
-- until then. Nothing of it is lost, and sync goes on.
CREATE TABLE installations_tree (
    id           TEXT PRIMARY KEY NOT NULL,
    component_id TEXT NOT NULL REFERENCES components (id),
    bike_id      TEXT REFERENCES bikes (id),
    installed_at INTEGER NOT NULL,
    removed_at   INTEGER CHECK (removed_at IS NULL OR removed_at > installed_at),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    deleted_at   INTEGER,
    parent_id    TEXT REFERENCES components (id),
    CHECK ((bike_id IS NULL) <> (parent_id IS NULL)),
    CHECK (parent_id IS NULL OR parent_id <> component_id)
);
INSERT INTO installations_tree (id, component_id, bike_id, installed_at, removed_at, created_at, updated_at, deleted_at)
    SELECT id, component_id, bike_id, installed_at, removed_at, created_at, updated_at, deleted_at FROM installations;
DROP TABLE installations;
ALTER TABLE installations_tree RENAME TO installations;
CREATE INDEX installations_component ON installations (component_id, installed_at) WHERE deleted_at IS NULL;
CREATE INDEX installations_bike ON installations (bike_id, installed_at) WHERE deleted_at IS NULL;
CREATE INDEX installations_parent ON installations (parent_id, installed_at) WHERE deleted_at IS NULL;

-- Where each mounted part is now: its bike through its parents (open installations only). At
-- most one row per part; a part whose chain of parents ends on the shelf has none. The depth
-- bound only guards against a cycle two devices made before the sync repair undoes it.
CREATE VIEW component_bike_now AS
WITH RECURSIVE up (component_id, node, depth) AS (
    SELECT component_id, component_id, 0 FROM installations
     WHERE removed_at IS NULL AND deleted_at IS NULL
    UNION
    SELECT up.component_id, i.parent_id, up.depth + 1 FROM up
      JOIN installations i ON i.component_id = up.node AND i.removed_at IS NULL AND i.deleted_at IS NULL
     WHERE i.parent_id IS NOT NULL AND up.depth < 32
)
SELECT up.component_id AS component_id, MIN(i.bike_id) AS bike_id
  FROM up JOIN installations i ON i.component_id = up.node AND i.removed_at IS NULL
   AND i.deleted_at IS NULL AND i.bike_id IS NOT NULL
 GROUP BY up.component_id;
