package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/agentlog"
	"github.com/byokhq/byok/agentlog/agentlogtest"
	"github.com/byokhq/byok/config"
	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/store"
)

func TestImportAgentLogs(t *testing.T) {
	ctx := context.Background()
	logs := agentlogtest.Copy(t, "")
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	a := openHomeAt(t, t.TempDir(), "timezone = \"America/New_York\"\n", func() time.Time { return now })
	claude := ImportOptions{Paths: []string{filepath.Join(logs, "claude", "projects")}}

	first, err := a.Import(ctx, agentlog.ClaudeCode, claude)
	if err != nil {
		t.Fatal(err)
	}
	if first.Added != 3 || first.Duplicates != 3 || first.Refused != 0 || first.Unpriced != 0 || first.Cost <= 0 {
		t.Fatalf("first import %+v", first)
	}
	codex, err := a.Import(ctx, agentlog.Codex, ImportOptions{Paths: []string{filepath.Join(logs, "codex")}})
	if err != nil || codex.Added != 5 {
		t.Fatalf("codex import %+v %v", codex, err)
	}
	again, err := a.Import(ctx, agentlog.ClaudeCode, claude)
	if err != nil || again.Added != 0 || again.Updated != 0 || again.Lines != 0 {
		t.Fatalf("re-import %+v %v, want nothing", again, err)
	}

	// Claude Code's cost: the reported costUSD for the older line, the
	// catalog (5-minute and 1-hour cache writes apart) for the others.
	es, err := a.db.Events(ctx, store.Filter{Scope: store.Scope{Source: "claude-code"}})
	if err != nil {
		t.Fatal(err)
	}
	byModel := map[string]store.Event{}
	for _, e := range es {
		byModel[e.Model] = e
		// The logs hold prompts, code and tool output; none of it is kept.
		full, err := a.Store.Event(ctx, e.ID)
		if err != nil || full.Prompt != "" || full.Response != "" || full.KeyID != 0 {
			t.Fatalf("imported event %d keeps text or a key: %+v %v", e.ID, full, err)
		}
	}
	if e := byModel["claude-opus-4-1-20250805"]; e.Cost != 33_750_000 || e.CostState != "reported" || e.Provider != "anthropic" {
		t.Errorf("reported line: %+v", e)
	}
	sonnet := byModel["claude-sonnet-4-5-20250929"]
	p, ok := a.Catalog().Lookup("anthropic", "claude-sonnet-4-5-20250929")
	if !ok {
		t.Fatal("no catalog price for claude-sonnet-4-5")
	}
	// 4 input, 15,000 cache reads, 1,000 5-minute and 200 1-hour writes, 340 output.
	want := p.Input.Times(4) + p.CacheRead.Times(15000) + p.CacheWrite5m.Times(1000) + p.CacheWrite1h.Times(200) + p.Output.Times(340)
	if sonnet.Cost != want || sonnet.CostState != "computed" || sonnet.CacheWrite1hTokens != 200 {
		t.Errorf("computed line: cost %s (%s), want %s; %+v", sonnet.Cost.Precise(), sonnet.CostState, want.Precise(), sonnet)
	}

	// Days follow the configured zone: 00:30 UTC on the 21st is the
	// evening of the 20th in New York.
	from := time.Date(2026, 11, 19, 0, 0, 0, 0, a.Location())
	days, err := a.db.Breakdown(ctx, store.Scope{Source: "claude-code"}, from, from.AddDate(0, 0, 3), store.ByDay, a.Location())
	if err != nil {
		t.Fatal(err)
	}
	if days[1].Key != "2026-11-20" || days[1].Requests != 3 || days[2].Requests != 0 {
		t.Errorf("days %+v", days)
	}

	// A budget over everything sees agent spend and alerts on it.
	total := first.Cost + codex.Cost
	if err := a.db.PutBudget(ctx, &store.Budget{Scope: "all", Period: store.Monthly, Limit: total + total/2, Thresholds: []int{50, 80, 100}}); err != nil {
		t.Fatal(err)
	}
	sts, err := a.budgets.Statuses(ctx)
	if err != nil || len(sts) != 1 || sts[0].Spent != total {
		t.Fatalf("budget %+v %v, want %s spent", sts, err, total)
	}
	main := filepath.Join(logs, "claude", "projects", "-home-ada-src-app", "5b1e2c3d-0000-4000-8000-000000000001.jsonl")
	line := `{"parentUuid":"a-0006","isSidechain":false,"sessionId":"5b1e2c3d-0000-4000-8000-000000000001","version":"2.0.14","message":{"id":"msg_01EEE","type":"message","role":"assistant","model":"claude-opus-4-1-20250805","content":[{"type":"text","text":"ok"}],"usage":{"input_tokens":1000,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":100}},"costUSD":0.5,"requestId":"req_011EEE","type":"assistant","uuid":"a-0008","timestamp":"2026-11-21T11:59:00.000Z"}` + "\n"
	// The unfinished line is finished first, then one more reply.
	agentlogtest.Append(t, main, `ens":0,"output_tokens":60}},"requestId":"req_011CCC","type":"assistant","uuid":"a-0007","timestamp":"2026-11-21T00:32:00.000Z"}`+"\n"+line)
	more, err := a.Import(ctx, agentlog.ClaudeCode, claude)
	if err != nil || more.Added != 2 || more.Lines != 2 {
		t.Fatalf("after appending %+v %v", more, err)
	}
	if len(more.Alerts) != 1 || more.Alerts[0].Threshold != 100 {
		t.Fatalf("alerts %+v, want the 100%% threshold", more.Alerts)
	}
	if sts, _ := a.budgets.Statuses(ctx); sts[0].Spent != total+more.Cost || more.Cost < money.Dollar/2 {
		t.Fatalf("budget after %+v, want %s more", sts[0], more.Cost)
	}
}

// An agent's log line dated where byok cannot store a time (year 1) is
// refused with its reason, and the rest of the import goes in.
func TestImportRefusesTimesOutOfRange(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "projects", "-home-ada-src-app")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	line := func(id, ts string) string {
		return `{"parentUuid":null,"isSidechain":false,"sessionId":"s-1","message":{"id":"` + id + `","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"text","text":"ok"}],"usage":{"input_tokens":10,"output_tokens":5}},"requestId":"req_` + id + `","type":"assistant","uuid":"a-` + id + `","timestamp":"` + ts + `"}` + "\n"
	}
	body := line("msg_old", "0001-01-01T00:00:00Z") + line("msg_ok", "2026-11-20T10:00:00Z")
	if err := os.WriteFile(filepath.Join(dir, "s-1.jsonl"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	a := openHomeAt(t, t.TempDir(), "", func() time.Time { return now })
	sum, err := a.Import(ctx, agentlog.ClaudeCode, ImportOptions{Paths: []string{filepath.Dir(dir)}})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Added != 1 || sum.Refused != 1 || len(sum.Reasons) != 1 {
		t.Fatalf("import %+v, want one added and the year-1 line refused", sum)
	}
}

func TestImportGeminiChatRewritten(t *testing.T) {
	ctx := context.Background()
	logs := agentlogtest.Copy(t, "")
	a := openHome(t, t.TempDir(), "")
	opt := ImportOptions{Paths: []string{filepath.Join(logs, "gemini", "tmp")}}
	first, err := a.Import(ctx, agentlog.GeminiCLI, opt)
	if err != nil || first.Added != 2 || first.Unpriced != 0 {
		t.Fatalf("first %+v %v", first, err)
	}
	name := filepath.Join(logs, "gemini", "tmp", "76c62a47a1287071", "chats", "session-2026-11-20T10-00-1a2b3c4d.json")
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	// The chat file is rewritten whole with one more reply.
	more := []byte(string(b[:len(b)-4]) + `,
    {"id": "8f1e2d3c-0005", "timestamp": "2026-11-20T10:02:00.000Z", "type": "gemini", "content": "ok",
     "tokens": {"input": 100, "output": 10, "cached": 0, "thoughts": 0, "tool": 0, "total": 110}, "model": "gemini-2.5-flash"}
  ]
}
`)
	if err := os.WriteFile(name, more, 0o644); err != nil {
		t.Fatal(err)
	}
	second, err := a.Import(ctx, agentlog.GeminiCLI, opt)
	if err != nil || second.Added != 1 || second.Duplicates != 2 || second.Refused != 0 {
		t.Fatalf("second %+v %v", second, err)
	}
}

func TestConfigNamesEveryAgent(t *testing.T) {
	var names []string
	for _, s := range agentlog.Sources() {
		names = append(names, string(s))
	}
	if strings.Join(names, ",") != strings.Join(config.ImportSources, ",") {
		t.Fatalf("config knows %v, agentlog reads %v", config.ImportSources, names)
	}
}

func TestWatchConfiguredFollowsDefaultFolders(t *testing.T) {
	ctx := context.Background()
	logs := agentlogtest.Copy(t, "")
	// The user's home, where Claude Code keeps ~/.claude/projects.
	userHome := t.TempDir()
	if err := os.MkdirAll(filepath.Join(userHome, ".claude"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(logs, "claude", "projects"), filepath.Join(userHome, ".claude", "projects")); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte("[import]\nwatch = [\"claude-code\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(k string) string {
		if k == "HOME" {
			return userHome
		}
		return ""
	}
	a, err := Open(ctx, Options{Home: home, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	stop, err := a.WatchConfigured(ctx)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		es, err := a.Store.Events(ctx, store.Filter{Scope: store.Scope{Source: "claude-code"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events after 10 s, want the 3 of ~/.claude/projects", len(es))
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
}
