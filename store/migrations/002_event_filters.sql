-- History filters by provider and model without scanning every event.
CREATE INDEX events_provider ON events (provider, ts);
