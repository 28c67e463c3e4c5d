-- Key health: what byok last learned about a key, from a check or from a
-- request sent with it. health is '' (never learned), 'ok', 'rejected' (the
-- provider refused the key: 401/403), 'no_credit', 'missing_secret' (the
-- keyring no longer holds it) or 'unreachable' (the last check could not
-- reach the provider); health_at is when (Unix nanoseconds), health_detail
-- the redacted reason shown beside it.
ALTER TABLE keys ADD COLUMN health TEXT NOT NULL DEFAULT '';
ALTER TABLE keys ADD COLUMN health_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE keys ADD COLUMN health_detail TEXT NOT NULL DEFAULT '';
