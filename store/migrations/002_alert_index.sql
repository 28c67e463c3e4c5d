-- Unacknowledged alerts, newest first, without reading acknowledged ones.
-- (Events keep only their time index: history filters walk it newest
-- first and stop at the page size, and every extra index on events costs
-- each insert a B-tree write.)
CREATE INDEX alerts_open ON alerts (acked_at, ts);
