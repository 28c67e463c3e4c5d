-- Events imported from coding agents' logs keep the agent's session (for
-- grouping) and an identity within their source, so that a line read twice
-- is stored once. Events byok records itself leave both empty.
ALTER TABLE events ADD COLUMN session TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN ext_id TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX events_ext_id ON events (source, ext_id) WHERE ext_id != '';

-- How far each log file was read: its size and modification time when it
-- was read, the byte offset of the first line not yet taken, a hash of its
-- first head_len bytes (a file rewritten in place no longer matches), and
-- what the reader carries from one read to the next (a model, running
-- totals).
CREATE TABLE import_cursors (
	source    TEXT    NOT NULL,
	path      TEXT    NOT NULL,
	size      INTEGER NOT NULL,
	mtime     INTEGER NOT NULL,
	offset    INTEGER NOT NULL,
	head_len  INTEGER NOT NULL,
	head_hash TEXT    NOT NULL,
	state     TEXT    NOT NULL DEFAULT '',
	PRIMARY KEY (source, path)
) WITHOUT ROWID;
