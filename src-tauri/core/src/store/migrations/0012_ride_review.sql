-- Rides with numbers a ride cannot have (garage/rides/limits.rs): a source's rides (Strava, a
-- file) are kept but flagged for the rider to review, and the rider may exclude a ride so that it
-- counts for nothing. Both columns are synced (store/capture.rs picks them up); an older device
-- keeps them as unknown fields until it is updated, and meanwhile counts an excluded ride.
--
-- review: the findings as a JSON array of {field, value, limit, reason}; NULL when there is
--         nothing to review (a plausible ride, or one the rider reviewed).
-- excluded: 1 when the rider excluded the ride: no wear, no totals, no chart.
ALTER TABLE rides ADD COLUMN review TEXT;
ALTER TABLE rides ADD COLUMN excluded INTEGER NOT NULL DEFAULT 0;
CREATE INDEX rides_review ON rides (start_at) WHERE review IS NOT NULL AND deleted_at IS NULL;

-- The Rides place lists rides newest first, a page at a time, over every bike: this index gives
-- a page without sorting the whole table (tens of thousands of rides after a Strava import),
-- and ride files find a ride already here by its start through it (ride_files/).
CREATE INDEX rides_start ON rides (start_at DESC, id DESC) WHERE deleted_at IS NULL;
