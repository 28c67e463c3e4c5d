-- Events recorded one at a time wait outside the rollups until enough of
-- them are folded in together; rollup_mark is the highest event id the
-- rollups include. Readers add the few waiting events from the raw table.
-- Every event already stored is in the rollups.
CREATE TABLE rollup_mark (
	only     INTEGER NOT NULL PRIMARY KEY CHECK (only = 1),
	event_id INTEGER NOT NULL
);

INSERT INTO rollup_mark (only, event_id) SELECT 1, coalesce(max(id), 0) FROM events;
