package agentlog

import (
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/tidwall/gjson"
	_ "modernc.org/sqlite" // opencode keeps its sessions in SQLite

	"github.com/byokhq/byok/providers"
)

// opencode keeps its sessions in a SQLite database (opencode.db in its
// data folder): table message, one row per message with its JSON in data.
// An assistant message names providerID and modelID and, once finished,
// carries tokens — input without the cached part, output without the
// reasoning, reasoning, cache.read and cache.write — and the cost opencode
// computed. Messages are updated in place, so the database is read whole
// whenever it (or its write-ahead log) changed, and identities keep what
// was read before from counting twice.

// withWAL folds a database's write-ahead log into what its cursor
// compares: recent writes sit there until a checkpoint.
func withWAL(f *found) {
	if info, err := os.Stat(f.path + "-wal"); err == nil {
		f.size += info.Size()
		f.mtime = max(f.mtime, info.ModTime().UnixNano())
	}
}

func readOpenCode(f found, _ Cursor) fileResult {
	q := url.Values{}
	q.Add("mode", "ro")
	q.Add("_pragma", "busy_timeout(5000)")
	db, err := sql.Open("sqlite", "file:"+f.path+"?"+q.Encode())
	if err != nil {
		return fileResult{err: err}
	}
	defer db.Close()
	rows, err := db.Query(`SELECT id, session_id, data FROM message`)
	if err != nil {
		return fileResult{err: fmt.Errorf("read opencode's messages: %w", err)}
	}
	defer rows.Close()
	out := fileResult{keep: true}
	for rows.Next() {
		var id, session, data string
		if err := rows.Scan(&id, &session, &data); err != nil {
			return fileResult{err: fmt.Errorf("read opencode's messages: %w", err)}
		}
		out.lines++
		rec, reason, ok := openCodeMessage(id, session, data)
		if reason != "" {
			out.refused = append(out.refused, Refusal{Path: f.path, Reason: "message " + id + ": " + reason})
		}
		if ok {
			out.records = append(out.records, rec)
		}
	}
	if err := rows.Err(); err != nil {
		return fileResult{err: fmt.Errorf("read opencode's messages: %w", err)}
	}
	out.cursor = Cursor{Path: f.path, Size: f.size, ModTime: f.mtime, Offset: f.size}
	return out
}

func openCodeMessage(id, session, data string) (Record, string, bool) {
	if !gjson.Valid(data) {
		return Record{}, "not valid JSON", false
	}
	m := gjson.Parse(data)
	if m.Get("role").Str != "assistant" {
		return Record{}, "", false
	}
	t := m.Get("tokens")
	if !t.IsObject() {
		return Record{}, "", false
	}
	reasoning := count(t.Get("reasoning"))
	u := providers.Usage{Input: count(t.Get("input")), CacheRead: count(t.Get("cache.read")),
		CacheWrite5m: count(t.Get("cache.write")), Output: count(t.Get("output")) + reasoning, Reasoning: reasoning}
	if u.Prompt()+u.Output == 0 {
		return Record{}, "", false // not finished yet
	}
	model, provider := m.Get("modelID").Str, m.Get("providerID").Str
	if model == "" {
		return Record{}, "an assistant message without modelID", false
	}
	created := m.Get("time.created")
	if created.Type != gjson.Number {
		return Record{}, "an assistant message without time.created", false
	}
	if c, ok := providers.USDOf(m.Get("cost")); ok && c > 0 {
		u.ReportedCost, u.CostReported = c, true
	}
	if provider == "" {
		provider = ProviderOf(model, "")
	}
	if session == "" {
		session = m.Get("sessionID").Str
	}
	return Record{Source: OpenCode, ID: id, Time: time.UnixMilli(created.Int()).UTC(), Session: session,
		Model: model, Provider: provider, Usage: u}, "", true
}
