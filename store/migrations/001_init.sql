-- byok schema version 1.
-- Times are Unix nanoseconds (UTC); 0 means "never". Money is integer
-- nano-dollars. Token counts are disjoint (see providers.Usage).

CREATE TABLE events (
	id               INTEGER PRIMARY KEY,
	ts               INTEGER NOT NULL,
	source           TEXT    NOT NULL,
	client           TEXT    NOT NULL DEFAULT '',
	provider         TEXT    NOT NULL,
	model            TEXT    NOT NULL,
	key_id           INTEGER NOT NULL DEFAULT 0,
	key_name         TEXT    NOT NULL DEFAULT '',
	status           TEXT    NOT NULL,
	error_class      TEXT    NOT NULL DEFAULT '',
	error_message    TEXT    NOT NULL DEFAULT '',
	http_status      INTEGER NOT NULL DEFAULT 0,
	latency_ns       INTEGER NOT NULL DEFAULT 0,
	ttft_ns          INTEGER NOT NULL DEFAULT 0,
	request_id       TEXT    NOT NULL DEFAULT '',
	input_tokens     INTEGER NOT NULL DEFAULT 0,
	cache_read       INTEGER NOT NULL DEFAULT 0,
	cache_write_5m   INTEGER NOT NULL DEFAULT 0,
	cache_write_1h   INTEGER NOT NULL DEFAULT 0,
	output_tokens    INTEGER NOT NULL DEFAULT 0,
	reasoning_tokens INTEGER NOT NULL DEFAULT 0,
	cost             INTEGER NOT NULL DEFAULT 0,
	markup           INTEGER NOT NULL DEFAULT 0,
	fallback         INTEGER NOT NULL DEFAULT 0,
	cost_state       TEXT    NOT NULL,
	price_ref        TEXT    NOT NULL DEFAULT '',
	note             TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX events_ts ON events (ts);

-- Prompt and response text, only when the config allows storing them.
CREATE TABLE event_text (
	event_id INTEGER PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
	prompt   TEXT NOT NULL DEFAULT '',
	response TEXT NOT NULL DEFAULT ''
);

-- Hourly rollups, kept in the same transaction as each event insert. The
-- full table serves scopes and breakdowns by model, key and source; the
-- per-provider table is much smaller and serves the dashboard's totals and
-- daily series.
CREATE TABLE rollup_hour (
	hour        INTEGER NOT NULL, -- Unix seconds at the start of the UTC hour
	provider    TEXT    NOT NULL,
	model       TEXT    NOT NULL,
	key_id      INTEGER NOT NULL,
	source      TEXT    NOT NULL,
	requests    INTEGER NOT NULL,
	errors      INTEGER NOT NULL,
	input       INTEGER NOT NULL,
	cache_read  INTEGER NOT NULL,
	cache_write INTEGER NOT NULL,
	output      INTEGER NOT NULL,
	reasoning   INTEGER NOT NULL,
	cost        INTEGER NOT NULL,
	markup      INTEGER NOT NULL,
	unpriced    INTEGER NOT NULL,
	fallback    INTEGER NOT NULL,
	PRIMARY KEY (hour, provider, model, key_id, source)
) WITHOUT ROWID;

CREATE TABLE rollup_hour_provider (
	hour        INTEGER NOT NULL,
	provider    TEXT    NOT NULL,
	requests    INTEGER NOT NULL,
	errors      INTEGER NOT NULL,
	input       INTEGER NOT NULL,
	cache_read  INTEGER NOT NULL,
	cache_write INTEGER NOT NULL,
	output      INTEGER NOT NULL,
	reasoning   INTEGER NOT NULL,
	cost        INTEGER NOT NULL,
	markup      INTEGER NOT NULL,
	unpriced    INTEGER NOT NULL,
	fallback    INTEGER NOT NULL,
	PRIMARY KEY (hour, provider)
) WITHOUT ROWID;

-- The price records events were priced with, so a later price change never
-- rewrites history silently.
CREATE TABLE price_records (
	ref  TEXT PRIMARY KEY,
	body TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE keys (
	id           INTEGER PRIMARY KEY,
	provider     TEXT    NOT NULL,
	label        TEXT    NOT NULL,
	last4        TEXT    NOT NULL DEFAULT '',
	fingerprint  TEXT    NOT NULL DEFAULT '',
	source       TEXT    NOT NULL,
	is_default   INTEGER NOT NULL DEFAULT 0,
	created_at   INTEGER NOT NULL,
	rotated_at   INTEGER NOT NULL DEFAULT 0,
	validated_at INTEGER NOT NULL DEFAULT 0,
	last_used_at INTEGER NOT NULL DEFAULT 0,
	revoked_at   INTEGER NOT NULL DEFAULT 0,
	UNIQUE (provider, label)
);

CREATE TABLE budgets (
	id         INTEGER PRIMARY KEY,
	scope      TEXT    NOT NULL UNIQUE,
	period     TEXT    NOT NULL,
	limit_usd  INTEGER NOT NULL,
	hard       INTEGER NOT NULL DEFAULT 0,
	thresholds TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);

-- The unique constraint is what keeps two processes that cross the same
-- threshold at the same moment from storing two alerts.
CREATE TABLE alerts (
	id         INTEGER PRIMARY KEY,
	ts         INTEGER NOT NULL,
	kind       TEXT    NOT NULL,
	scope      TEXT    NOT NULL,
	budget_id  INTEGER NOT NULL DEFAULT 0,
	period_key TEXT    NOT NULL,
	threshold  INTEGER NOT NULL DEFAULT 0,
	message    TEXT    NOT NULL,
	acked_at   INTEGER NOT NULL DEFAULT 0,
	UNIQUE (kind, scope, period_key, threshold)
);

CREATE TABLE audit (
	id      INTEGER PRIMARY KEY,
	ts      INTEGER NOT NULL,
	action  TEXT    NOT NULL,
	subject TEXT    NOT NULL,
	detail  TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX audit_subject ON audit (subject, ts);

CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;
