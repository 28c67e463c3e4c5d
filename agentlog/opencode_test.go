package agentlog

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/byokhq/byok/providers"
)

// openCodeDB makes a database as opencode keeps it: table message, one row
// per message with its JSON in data.
func openCodeDB(t *testing.T, dir string, rows [][3]string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dir, "opencode.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Exec(`PRAGMA journal_mode=WAL; CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT NOT NULL,
		time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if _, err := db.Exec(`INSERT INTO message VALUES (?, ?, 0, 0, ?)`, r[0], r[1], r[2]); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

func TestOpenCode(t *testing.T) {
	dir := t.TempDir()
	db := openCodeDB(t, dir, [][3]string{
		{"msg_a1", "ses_1", `{"id":"msg_a1","sessionID":"ses_1","role":"user","time":{"created":1763632800000}}`},
		{"msg_a2", "ses_1", `{"id":"msg_a2","sessionID":"ses_1","role":"assistant","time":{"created":1763632801000,"completed":1763632809000},"modelID":"claude-sonnet-4-5","providerID":"anthropic","mode":"build","cost":0.0123,"tokens":{"input":120,"output":300,"reasoning":0,"cache":{"read":15000,"write":800}}}`},
		{"msg_a3", "ses_1", `{"id":"msg_a3","sessionID":"ses_1","role":"assistant","time":{"created":1763632900000,"completed":1763632904000},"modelID":"gpt-5","providerID":"openai","mode":"build","cost":0,"tokens":{"input":2000,"output":150,"reasoning":400,"cache":{"read":1000,"write":0}}}`},
		// Still streaming: no tokens yet.
		{"msg_a4", "ses_1", `{"id":"msg_a4","sessionID":"ses_1","role":"assistant","time":{"created":1763632950000},"modelID":"gpt-5","providerID":"openai","cost":0,"tokens":{"input":0,"output":0,"reasoning":0,"cache":{"read":0,"write":0}}}`},
	})
	res := read(t, OpenCode, dir, nil)
	want := []Record{
		{Source: OpenCode, ID: "msg_a2", Session: "ses_1", Provider: "anthropic", Model: "claude-sonnet-4-5",
			Usage: providers.Usage{Input: 120, CacheRead: 15000, CacheWrite5m: 800, Output: 300, ReportedCost: 12_300_000, CostReported: true}},
		// Output there leaves the reasoning out; byok's output holds it.
		{Source: OpenCode, ID: "msg_a3", Session: "ses_1", Provider: "openai", Model: "gpt-5",
			Usage: providers.Usage{Input: 2000, CacheRead: 1000, Output: 550, Reasoning: 400}},
	}
	if len(res.Records) != 2 || res.Lines != 4 || len(res.Refused) != 0 {
		t.Fatalf("records %+v lines %d refused %v", res.Records, res.Lines, res.Refused)
	}
	for i, w := range want {
		r := res.Records[i]
		w.Time = r.Time
		if r != w {
			t.Errorf("record %d: %+v\nwant %+v", i, r, w)
		}
	}
	if res.Records[0].Time.UnixMilli() != 1763632801000 {
		t.Errorf("time %s", res.Records[0].Time)
	}
	cur := cursorsOf(res, nil)
	if again := read(t, OpenCode, dir, cur); again.Read != 0 {
		t.Fatal("an unchanged database was read again")
	}
	// The streaming reply finishes: the database (its log) changes and is
	// read again; the finished reply is new.
	if _, err := db.Exec(`UPDATE message SET data = ? WHERE id = 'msg_a4'`,
		`{"id":"msg_a4","sessionID":"ses_1","role":"assistant","time":{"created":1763632950000,"completed":1763632960000},"modelID":"gpt-5","providerID":"openai","cost":0,"tokens":{"input":10,"output":5,"reasoning":0,"cache":{"read":0,"write":0}}}`); err != nil {
		t.Fatal(err)
	}
	res = read(t, OpenCode, dir, cur)
	if ids := keys(byID(res.Records)); len(ids) != 3 || ids[2] != "msg_a4" {
		t.Fatalf("after the update: %v", ids)
	}
}
