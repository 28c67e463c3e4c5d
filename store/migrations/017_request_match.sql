-- An agent's log line and byok's own record of the same request (a Claude
-- Code request through the proxy) are matched by the provider's request
-- id: imports look each of their requests up by it, so it gets an index.
-- Only requests that carry one are indexed.
CREATE INDEX events_request_id ON events (request_id) WHERE request_id != '';

-- The highest event id each import source has matched against what it
-- imported before: an agent may log a request while its reply still
-- streams, before byok's proxy records it, and the next import looks
-- only at the events recorded since. What was stored before this version
-- is left as it was.
CREATE TABLE import_match_mark (
	source   TEXT    NOT NULL PRIMARY KEY,
	event_id INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO import_match_mark (source, event_id)
	SELECT s.source, coalesce((SELECT max(id) FROM events), 0)
	FROM (SELECT 'claude-code' AS source UNION ALL SELECT 'codex' UNION ALL SELECT 'gemini-cli' UNION ALL SELECT 'opencode') s;
