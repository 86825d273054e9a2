-- Each bike's totals (rides, distance, moving time) are summed over all its rides every time the
-- garage is read: at start-up, and after every change. Read through `rides_bike_start`, each of
-- 50,000 rides cost a visit to its table row (about 60 ms, most of the garage's read). This index
-- holds everything the sum needs, so it is read alone (about 5 ms; garage/bikes.rs `list`,
-- which names it: SQLite's planner would pick `rides_bike_start`).
CREATE INDEX rides_bike_totals ON rides (bike_id, distance_m, moving_time_s)
    WHERE deleted_at IS NULL AND excluded = 0;
