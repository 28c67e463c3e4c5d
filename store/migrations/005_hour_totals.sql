-- Hourly totals over everything: the dashboard's daily chart and period
-- total read one row an hour instead of one per provider.
CREATE TABLE rollup_hour_all (
	hour        INTEGER NOT NULL PRIMARY KEY,
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
	fallback    INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO rollup_hour_all
SELECT hour, SUM(requests), SUM(errors), SUM(input), SUM(cache_read), SUM(cache_write),
	SUM(output), SUM(reasoning), SUM(cost), SUM(markup), SUM(unpriced), SUM(fallback)
FROM rollup_hour_provider GROUP BY hour;
