-- The first schema also indexed events by (provider, ts) and (key_id, ts).
-- Reads moved to the rollups and the time index, and the planner could pick
-- these for the waiting-events sums and walk every event. A database made
-- since then never had them.
DROP INDEX IF EXISTS events_provider;
DROP INDEX IF EXISTS events_key;
