package agentlog

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/byokhq/byok/agentlog/agentlogtest"
	"github.com/byokhq/byok/providers"
)

func read(t *testing.T, src Source, root string, cursors map[string]Cursor) Result {
	t.Helper()
	res, err := Read(context.Background(), src, Options{Roots: []string{root}, Cursors: cursors})
	if err != nil {
		t.Fatalf("read %s: %v", src, err)
	}
	return res
}

func cursorsOf(res Result, old map[string]Cursor) map[string]Cursor {
	m := map[string]Cursor{}
	for k, v := range old {
		m[k] = v
	}
	for _, c := range res.Cursors {
		m[c.Path] = c
	}
	return m
}

func byID(rs []Record) map[string]Record {
	m := map[string]Record{}
	for _, r := range rs {
		m[r.ID] = r
	}
	return m
}

const claudeSession = "5b1e2c3d-0000-4000-8000-000000000001"

func TestClaudeCodeRules(t *testing.T) {
	root := filepath.Join(agentlogtest.Copy(t, "claude"), "projects")
	res := read(t, ClaudeCode, root, nil)
	got := byID(res.Records)
	want := map[string]providers.Usage{
		// Three lines of one reply: counted once, with the fullest usage;
		// its side conversation's copy (another request id) not at all.
		"msg_01AAA:req_011AAA": {Input: 4, CacheRead: 15000, CacheWrite5m: 1000, CacheWrite1h: 200, Output: 340, ServiceTier: "standard"},
		// An older version's line carrying its cost.
		"msg_01BBB:req_011BBB": {Input: 2000, Output: 50, ServiceTier: "standard", ReportedCost: 33_750_000, CostReported: true},
		// The side conversation's own reply counts.
		"msg_01DDD:req_011DDD": {Input: 300, CacheRead: 2000, Output: 25, ServiceTier: "standard"},
	}
	if len(got) != len(want) {
		t.Fatalf("records %v, want %d", keys(got), len(want))
	}
	for id, u := range want {
		r, ok := got[id]
		if !ok {
			t.Fatalf("no record %s (have %v)", id, keys(got))
		}
		if r.Usage != u {
			t.Errorf("%s usage %+v, want %+v", id, r.Usage, u)
		}
		if r.Provider != "anthropic" || r.Session != claudeSession || r.Source != ClaudeCode {
			t.Errorf("%s: provider %q session %q source %q", id, r.Provider, r.Session, r.Source)
		}
		// The request id Anthropic answered with, which byok's proxy
		// records too.
		if _, req, _ := strings.Cut(id, ":"); r.RequestID != req {
			t.Errorf("%s: request id %q, want %q", id, r.RequestID, req)
		}
	}
	if r := got["msg_01AAA:req_011AAA"]; r.Time.Format("15:04:05.000") != "22:58:04.100" || r.Model != "claude-sonnet-4-5-20250929" {
		t.Errorf("first reply: time %s (the first line's), model %s", r.Time, r.Model)
	}
	if res.Duplicates != 3 {
		t.Errorf("duplicates %d, want 3 (two more lines of one reply, one side-conversation copy)", res.Duplicates)
	}
	if len(res.Refused) != 0 {
		t.Errorf("refused %v: the synthetic and API-error lines carry no spend and are no error, the last line is unfinished", res.Refused)
	}
	if res.Files != 2 || res.Read != 2 || res.Lines != 10 {
		t.Errorf("files %d read %d lines %d, want 2, 2 and 10 (the unfinished line is not read yet)", res.Files, res.Read, res.Lines)
	}

	// The unfinished line is read once the agent finishes it, and nothing
	// read before comes back.
	cur := cursorsOf(res, nil)
	main := filepath.Join(root, "-home-ada-src-app", claudeSession+".jsonl")
	// Only the file with the unfinished line is looked at again, from
	// where that line starts.
	if again := read(t, ClaudeCode, root, cur); len(again.Records) != 0 || again.Read != 1 || again.Lines != 0 {
		t.Fatalf("nothing new, yet read %d files, %d lines, %d records", again.Read, again.Lines, len(again.Records))
	}
	agentlogtest.Append(t, main, `ens":5000,"output_tokens":60,"service_tier":"standard"}},"requestId":"req_011CCC","type":"assistant","uuid":"a-0007","timestamp":"2026-11-21T00:32:00.000Z"}`+"\n")
	next := read(t, ClaudeCode, root, cur)
	if len(next.Records) != 1 || next.Records[0].ID != "msg_01CCC:req_011CCC" || next.Records[0].Usage.CacheRead != 5000 {
		t.Fatalf("after the line was finished: %+v", next.Records)
	}
	if next.Read != 1 || next.Lines != 1 {
		t.Errorf("read %d files and %d lines, want only the finished line", next.Read, next.Lines)
	}

	// A file rewritten in place is read from its start again.
	b, _ := os.ReadFile(main)
	lines := strings.SplitAfter(string(b), "\n")
	rewritten := strings.Replace(strings.Join(lines[:6], ""), `"cwd":"/home/ada/src/app"`, `"cwd":"/home/ada/src/app2"`, 1)
	if err := os.WriteFile(main, []byte(rewritten), 0o644); err != nil {
		t.Fatal(err)
	}
	cur = cursorsOf(next, cur)
	re := read(t, ClaudeCode, root, cur)
	if ids := keys(byID(re.Records)); strings.Join(ids, ",") != "msg_01AAA:req_011AAA,msg_01BBB:req_011BBB" {
		t.Errorf("after a rewrite read %v, want the two replies it holds", ids)
	}
}

func TestClaudeCodeRefusesBrokenLines(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "proj")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	body := `{"type":"assistant","message":{"id":"msg_x","model":"claude-sonnet-4-5-20250929","usage":{"input_tokens":1,"output_tokens":2}},"requestId":"r","timestamp":"not a time"}` + "\n" +
		`{"type":"assistant","message":{"usage":{"input_tokens":1` + "\n" +
		"garbage\n"
	if err := os.WriteFile(filepath.Join(dir, "s.jsonl"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	res := read(t, ClaudeCode, root, nil)
	if len(res.Records) != 0 || len(res.Refused) != 3 {
		t.Fatalf("records %v refused %v, want none and three", res.Records, res.Refused)
	}
	for i, want := range []string{"valid timestamp", "not valid JSON", "not a JSON object"} {
		if !strings.Contains(res.Refused[i].Reason, want) {
			t.Errorf("refusal %d: %s, want %q", i, res.Refused[i], want)
		}
	}
	if c := res.Cursors[0]; c.Offset != int64(len(body)) {
		t.Errorf("cursor at %d, want past the refused lines (%d): they are reported once", c.Offset, len(body))
	}
}

func keys(m map[string]Record) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sortStrings(out)
	return out
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

const (
	codexA   = "0199a1b2-0000-7000-8000-00000000000a"
	codexOld = "0188f0e1-0000-7000-8000-00000000000b"
	codexSub = "0199a1b2-0000-7000-8000-00000000000c"
)

func TestCodexRules(t *testing.T) {
	home := agentlogtest.Copy(t, "codex")
	res := read(t, Codex, home, nil)
	want := []struct {
		id, model string
		u         providers.Usage
	}{
		// Totals only: the first turn is the total, the second the difference.
		{codexOld + ":5300", "gpt-5", providers.Usage{Input: 5000, Output: 300, Reasoning: 100}},
		{codexOld + ":11700", "gpt-5", providers.Usage{Input: 1200, CacheRead: 4800, Output: 400, Reasoning: 150}},
		// input_tokens holds the cached ones; the rate-limit repeat is no turn;
		// the model follows turn_context.
		{codexA + ":12500", "gpt-5-codex", providers.Usage{Input: 9000, CacheRead: 3000, Output: 500, Reasoning: 200}},
		{codexA + ":30900", "gpt-5.1-codex-max", providers.Usage{Input: 1000, CacheRead: 17000, Output: 400, Reasoning: 100}},
		// The sub-agent's replay of its parent's counts is the parent's.
		{codexSub + ":2120", "gpt-5.1-codex-mini", providers.Usage{Input: 1500, CacheRead: 500, Output: 120, Reasoning: 40}},
	}
	if len(res.Records) != len(want) {
		t.Fatalf("%d records, want %d: %+v", len(res.Records), len(want), res.Records)
	}
	for i, w := range want {
		r := res.Records[i]
		if r.ID != w.id || r.Model != w.model || r.Usage != w.u || r.Provider != "openai" {
			t.Errorf("record %d: %s %s %s %+v, want %s %s %+v", i, r.ID, r.Provider, r.Model, r.Usage, w.id, w.model, w.u)
		}
	}
	if res.Records[3].Time.Format("15:04:05") != "09:01:20" || res.Records[3].Session != codexA {
		t.Errorf("time %s session %s", res.Records[3].Time, res.Records[3].Session)
	}

	// An archived copy of a session adds nothing.
	arch := filepath.Join(home, "archived")
	if err := os.MkdirAll(arch, 0o755); err != nil {
		t.Fatal(err)
	}
	name := "rollout-2026-11-20T09-00-00-" + codexA + ".jsonl"
	b, _ := os.ReadFile(filepath.Join(home, "sessions/2026/11/20", name))
	if err := os.WriteFile(filepath.Join(arch, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
	both := read(t, Codex, home, nil)
	if len(both.Records) != len(want) || both.Duplicates != 2 {
		t.Errorf("with an archived copy: %d records, %d duplicates; want %d and 2", len(both.Records), both.Duplicates, len(want))
	}
}

func TestCodexSubAgentReadInPieces(t *testing.T) {
	home := agentlogtest.Copy(t, "codex")
	dir := filepath.Join(home, "sessions/2026/11/20")
	name := filepath.Join(dir, "rollout-2026-11-20T09-03-00-"+codexSub+".jsonl")
	full, _ := os.ReadFile(name)
	lines := strings.SplitAfter(string(full), "\n")
	// Only the first replayed count is written: whether it is a replay
	// is not known yet, so it is neither counted nor passed.
	if err := os.WriteFile(name, []byte(strings.Join(lines[:3], "")), 0o644); err != nil {
		t.Fatal(err)
	}
	res := read(t, Codex, dir, nil)
	for _, r := range res.Records {
		if r.Session == codexSub {
			t.Fatalf("counted %s before its replay was known", r.ID)
		}
	}
	cur := cursorsOf(res, nil)
	if c := cur[name]; c.Offset != int64(len(lines[0])+len(lines[1])) {
		t.Fatalf("cursor at %d, want %d (before the undecided line)", c.Offset, len(lines[0])+len(lines[1]))
	}
	agentlogtest.Append(t, name, strings.Join(lines[3:], ""))
	res = read(t, Codex, dir, cur)
	if len(res.Records) != 1 || res.Records[0].ID != codexSub+":2120" || res.Records[0].Model != "gpt-5.1-codex-mini" {
		t.Fatalf("after the rest: %+v", res.Records)
	}
}

func TestGeminiCLI(t *testing.T) {
	root := filepath.Join(agentlogtest.Copy(t, "gemini"), "tmp")
	res := read(t, GeminiCLI, root, nil)
	const session = "1a2b3c4d-5e6f-4a0b-9c8d-7e6f5a4b3c2d"
	want := []struct {
		id, model string
		u         providers.Usage
	}{
		// input holds the cached tokens; output leaves out the thoughts.
		{session + ":8f1e2d3c-0002", "gemini-2.5-pro", providers.Usage{Input: 4000, CacheRead: 8000, Output: 1300, Reasoning: 900}},
		// Tool-use prompt tokens are input too.
		{session + ":8f1e2d3c-0003", "gemini-2.5-flash", providers.Usage{Input: 1200, CacheRead: 12000, Output: 50}},
	}
	if len(res.Records) != len(want) || len(res.Refused) != 0 || res.Lines != 4 {
		t.Fatalf("records %+v refused %v lines %d", res.Records, res.Refused, res.Lines)
	}
	for i, w := range want {
		r := res.Records[i]
		if r.ID != w.id || r.Model != w.model || r.Usage != w.u || r.Provider != "google" || r.Session != session {
			t.Errorf("record %d: %+v, want %s %s %+v", i, r, w.id, w.model, w.u)
		}
	}
	cur := cursorsOf(res, nil)
	if again := read(t, GeminiCLI, root, cur); again.Read != 0 {
		t.Fatalf("an unchanged chat was read again")
	}
	// Gemini CLI rewrites the whole file as the chat goes on: it is read
	// again, and its messages keep their identities.
	name := filepath.Join(root, "76c62a47a1287071", "chats", "session-2026-11-20T10-00-1a2b3c4d.json")
	b, _ := os.ReadFile(name)
	more := strings.Replace(string(b), `"type": "info",`, `"type": "gemini", "model": "gemini-2.5-flash", "tokens": {"input": 100, "output": 10, "cached": 0, "thoughts": 0, "tool": 0, "total": 110},`, 1)
	if err := os.WriteFile(name, []byte(more), 0o644); err != nil {
		t.Fatal(err)
	}
	res = read(t, GeminiCLI, root, cur)
	if ids := keys(byID(res.Records)); len(ids) != 3 || ids[0] != want[0].id || ids[2] != session+":8f1e2d3c-0004" {
		t.Fatalf("after the rewrite: %v", ids)
	}
}

func TestDefaultRoots(t *testing.T) {
	cases := []struct {
		name string
		src  Source
		env  map[string]string
		want []string
	}{
		{"claude code", ClaudeCode, map[string]string{"HOME": "/h"}, []string{"/h/.config/claude/projects", "/h/.claude/projects"}},
		{"claude code with XDG", ClaudeCode, map[string]string{"HOME": "/h", "XDG_CONFIG_HOME": "/x"}, []string{"/x/claude/projects", "/h/.claude/projects"}},
		{"CLAUDE_CONFIG_DIR lists folders", ClaudeCode, map[string]string{"HOME": "/h", "CLAUDE_CONFIG_DIR": "/a, /b/c ,"}, []string{"/a/projects", "/b/c/projects"}},
		{"codex", Codex, map[string]string{"HOME": "/h"}, []string{"/h/.codex/sessions", "/h/.codex/archived_sessions"}},
		{"CODEX_HOME", Codex, map[string]string{"HOME": "/h", "CODEX_HOME": "/c"}, []string{"/c/sessions", "/c/archived_sessions"}},
		{"gemini cli", GeminiCLI, map[string]string{"HOME": "/h"}, []string{"/h/.gemini/tmp"}},
		{"opencode", OpenCode, map[string]string{"HOME": "/h"}, []string{"/h/.local/share/opencode"}},
		{"opencode with XDG", OpenCode, map[string]string{"HOME": "/h", "XDG_DATA_HOME": "/d"}, []string{"/d/opencode"}},
		{"OPENCODE_DATA_DIR", OpenCode, map[string]string{"HOME": "/h", "OPENCODE_DATA_DIR": "/o"}, []string{"/o"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := DefaultRoots(c.src, func(k string) string { return c.env[k] })
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Fatalf("%v, want %v", got, c.want)
			}
		})
	}
}

// TestRootsNamedMustExist: a root named in Options that is not there (or
// not a folder) is an error that names it; the default roots missing are
// an agent not used on this machine, which finds nothing.
func TestRootsNamedMustExist(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nonexistent")
	file := filepath.Join(dir, "a.jsonl")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, src := range Sources() {
		for root, want := range map[string]string{missing: "no such folder: " + missing, file: file + " is not a folder"} {
			_, err := Read(context.Background(), src, Options{Roots: []string{dir, root}})
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s from %s: %v, want %q", src, root, err, want)
			}
		}
		res, err := Read(context.Background(), src, Options{Env: func(k string) string {
			if k == "HOME" {
				return missing
			}
			return ""
		}})
		if err != nil || res.Files != 0 {
			t.Errorf("%s from missing default folders: %+v %v, want nothing found", src, res, err)
		}
	}
}
