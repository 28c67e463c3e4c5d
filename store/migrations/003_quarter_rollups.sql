-- Quarter-hour rollups per provider. Every time zone's offset is a multiple
-- of 15 minutes, so a local day in Asia/Kolkata or Asia/Kathmandu starts on
-- a quarter hour: with these, daily series in such zones no longer scan the
-- raw events of the hour around each midnight.
CREATE TABLE rollup_quarter_provider (
	quarter     INTEGER NOT NULL, -- Unix seconds at the start of the quarter hour
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
	PRIMARY KEY (quarter, provider)
) WITHOUT ROWID;

INSERT INTO rollup_quarter_provider
SELECT ts / 900000000000 * 900, provider, count(*), SUM(status IN ('error', 'cancelled')),
	SUM(input_tokens), SUM(cache_read), SUM(cache_write_5m + cache_write_1h), SUM(output_tokens),
	SUM(reasoning_tokens), SUM(cost), SUM(markup), SUM(cost_state = 'unpriced'),
	SUM(CASE WHEN cost_state = 'unpriced' THEN fallback ELSE 0 END)
FROM events GROUP BY 1, 2;
