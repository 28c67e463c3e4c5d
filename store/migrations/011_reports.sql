-- What the providers reported about their own bills, per UTC day: the cost
-- rows of their cost reports and the per-key usage rows of their usage
-- reports. A reconcile replaces a provider's rows of the days it fetched,
-- so running it again never adds a row twice. Money is nano-dollars; a cost
-- or request count the report did not give is NULL, not 0.
CREATE TABLE report_rows (
	provider    TEXT    NOT NULL,
	day         INTEGER NOT NULL, -- Unix seconds at midnight UTC
	kind        TEXT    NOT NULL, -- 'cost' or 'usage'
	key_ref     TEXT    NOT NULL, -- the provider's id of the key, '' when not attributed
	model       TEXT    NOT NULL,
	line_item   TEXT    NOT NULL,
	cost        INTEGER,
	requests    INTEGER,
	input       INTEGER NOT NULL DEFAULT 0,
	cache_read  INTEGER NOT NULL DEFAULT 0,
	cache_write INTEGER NOT NULL DEFAULT 0,
	output      INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (provider, day, kind, key_ref, model, line_item)
) WITHOUT ROWID;

-- The provider's keys as its admin API lists them, matched to byok's keys.
CREATE TABLE report_keys (
	provider TEXT    NOT NULL,
	key_ref  TEXT    NOT NULL,
	name     TEXT    NOT NULL DEFAULT '',
	hint     TEXT    NOT NULL DEFAULT '', -- the last characters the provider shows, never the key
	key_id   INTEGER NOT NULL DEFAULT 0,  -- byok's key with the same last 4, 0 for none
	PRIMARY KEY (provider, key_ref)
) WITHOUT ROWID;

-- Which days of a provider were fetched, and when.
CREATE TABLE report_days (
	provider   TEXT    NOT NULL,
	day        INTEGER NOT NULL,
	fetched_at INTEGER NOT NULL,
	PRIMARY KEY (provider, day)
) WITHOUT ROWID;

-- Reconciled spend is stored as events with source 'reconciled'; a
-- reconcile deletes a provider's reconciled events of the days it fetched
-- and writes the new ones, so this index finds them without a scan.
CREATE INDEX events_reconciled ON events (provider, ts) WHERE source = 'reconciled';
