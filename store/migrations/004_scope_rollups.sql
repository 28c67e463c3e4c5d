-- Hourly rollups keyed by model and by key first, so a budget or a
-- drill-down on one model or one key reads only its own rows.
CREATE TABLE rollup_hour_model (
	provider    TEXT    NOT NULL,
	model       TEXT    NOT NULL,
	hour        INTEGER NOT NULL,
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
	PRIMARY KEY (provider, model, hour)
) WITHOUT ROWID;

CREATE TABLE rollup_hour_key (
	key_id      INTEGER NOT NULL,
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
	PRIMARY KEY (key_id, hour)
) WITHOUT ROWID;

INSERT INTO rollup_hour_model
SELECT provider, model, hour, SUM(requests), SUM(errors), SUM(input), SUM(cache_read), SUM(cache_write),
	SUM(output), SUM(reasoning), SUM(cost), SUM(markup), SUM(unpriced), SUM(fallback)
FROM rollup_hour GROUP BY provider, model, hour;

INSERT INTO rollup_hour_key
SELECT key_id, hour, min(provider), SUM(requests), SUM(errors), SUM(input), SUM(cache_read), SUM(cache_write),
	SUM(output), SUM(reasoning), SUM(cost), SUM(markup), SUM(unpriced), SUM(fallback)
FROM rollup_hour GROUP BY key_id, hour;
