-- Daily (UTC) totals per provider: a month's totals read about thirty rows
-- a provider instead of seven hundred, and the hourly rollups only fill in
-- the partial days at the edges.
CREATE TABLE rollup_day_provider (
	day         INTEGER NOT NULL,
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
	PRIMARY KEY (day, provider)
) WITHOUT ROWID;

INSERT INTO rollup_day_provider
SELECT hour - hour % 86400, provider, SUM(requests), SUM(errors), SUM(input), SUM(cache_read), SUM(cache_write),
	SUM(output), SUM(reasoning), SUM(cost), SUM(markup), SUM(unpriced), SUM(fallback)
FROM rollup_hour_provider GROUP BY 1, 2;
