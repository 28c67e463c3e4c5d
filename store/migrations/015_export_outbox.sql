-- The events table is the export outbox: each sink (OTLP today) keeps a
-- cursor, the highest event id it has delivered, and sends the events above
-- it in id order. Event ids only grow (events are never deleted), so nothing
-- recorded is skipped and nothing delivered is sent again.
--
-- One process at a time sends for a sink: it holds the lease (holder,
-- lease_until in Unix nanoseconds) and may move the cursor only while it
-- does. Failures are kept for `byok export status`.
CREATE TABLE export_cursor (
	sink        TEXT    NOT NULL PRIMARY KEY,
	event_id    INTEGER NOT NULL,
	holder      TEXT    NOT NULL DEFAULT '',
	lease_until INTEGER NOT NULL DEFAULT 0,
	sent_at     INTEGER NOT NULL DEFAULT 0,
	failures    INTEGER NOT NULL DEFAULT 0,
	last_error  TEXT    NOT NULL DEFAULT ''
) WITHOUT ROWID;

-- A random identity of this database, so the span ids derived from event
-- ids differ between two databases whose ids overlap.
INSERT INTO settings (key, value) VALUES ('instance_id', lower(hex(randomblob(16))))
	ON CONFLICT (key) DO NOTHING;
