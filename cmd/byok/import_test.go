package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/byokhq/byok/agentlog/agentlogtest"
)

func TestImportCommand(t *testing.T) {
	c := newCLI(t, "timezone = \"UTC\"\n")
	logs := agentlogtest.Copy(t, "")
	claude := filepath.Join(logs, "claude", "projects")

	var sum struct {
		Source     string   `json:"source"`
		Files      int      `json:"files_found"`
		FilesRead  int      `json:"files_read"`
		Lines      int      `json:"lines_read"`
		Added      int      `json:"events_added"`
		Duplicates int      `json:"duplicates_skipped"`
		Refused    int      `json:"lines_refused"`
		Reasons    []string `json:"refused_reasons"`
		CostUSD    string   `json:"cost_usd"`
	}
	decode(t, c.ok("", "import", "claude-code", "--path", claude, "--json"), &sum)
	if sum.Source != "claude-code" || sum.Files != 2 || sum.Lines != 10 || sum.Added != 3 || sum.Duplicates != 3 || sum.Refused != 0 || sum.CostUSD == "0" {
		t.Fatalf("first import %+v", sum)
	}
	decode(t, c.ok("", "import", "claude-code", "--path", claude, "--json"), &sum)
	if sum.Added != 0 || sum.Lines != 0 {
		t.Fatalf("second import %+v, want nothing new", sum)
	}
	// A request read from an agent's logs was sent with no key byok
	// stores: the log's JSON says so with a null key_id, not the id 0.
	var logged []map[string]any
	decode(t, c.ok("", "log", "--json"), &logged)
	if len(logged) != 3 {
		t.Fatalf("log after the import: %d requests, want 3", len(logged))
	}
	for _, r := range logged {
		if v, ok := r["key_id"]; !ok || v != nil {
			t.Errorf("imported request's key_id: %v (present %v), want null", v, ok)
		}
	}
	out := c.ok("", "import", "codex", "--path", filepath.Join(logs, "codex"))
	if !strings.Contains(out, "codex: 3 files (3 new or changed), 18 lines read") || !strings.Contains(out, "5 requests added") {
		t.Fatalf("codex import said:\n%s", out)
	}

	type usageRow struct {
		Group    string `json:"group"`
		Requests int64  `json:"requests"`
		Input    int64  `json:"input_tokens"`
		Cached   int64  `json:"cache_read_tokens"`
		Written  int64  `json:"cache_write_tokens"`
		Output   int64  `json:"output_tokens"`
		Reason   int64  `json:"reasoning_tokens"`
		CostUSD  string `json:"cost_usd"`
	}
	var rows []usageRow
	decode(t, c.ok("", "usage", "--since", "2026-11-01", "--until", "2026-12-01", "--by", "day", "--source", "codex", "--json"), &rows)
	var day *usageRow
	for i := range rows {
		if rows[i].Group == "2026-11-20" {
			day = &rows[i]
		} else if rows[i].Requests != 0 {
			t.Errorf("codex requests on %s: %+v", rows[i].Group, rows[i])
		}
	}
	if day == nil || day.Requests != 5 || day.Input != 5000+1200+9000+1000+1500 || day.Cached != 4800+3000+17000+500 || day.Output != 300+400+500+400+120 || day.Reason != 100+150+200+100+40 {
		t.Fatalf("codex on 2026-11-20: %+v", day)
	}
	decode(t, c.ok("", "usage", "--since", "2026-11-01", "--until", "2026-12-01", "--by", "session", "--source", "claude-code", "--json"), &rows)
	if len(rows) != 1 || rows[0].Group != "5b1e2c3d-0000-4000-8000-000000000001" || rows[0].Requests != 3 || rows[0].Written != 1200 {
		t.Fatalf("claude-code by session: %+v", rows)
	}
	// Without --source, byok's own events group apart.
	c.ok("", "spend", "add", "openai", "2", "--date", "2026-11-20")
	decode(t, c.ok("", "usage", "--since", "2026-11-01", "--until", "2026-12-01", "--by", "session", "--json"), &rows)
	if len(rows) != 5 || rows[0].Group != "(no session)" {
		t.Fatalf("by session: %+v", rows)
	}
}

// syncBuffer is a buffer one goroutine writes while another reads: the
// terminal of a command a test leaves running. A delay makes each write
// that much slower, as a slow terminal would.
type syncBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	delay time.Duration
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	time.Sleep(s.delay)
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestImportWatchFeedsBudgets goes the way a user does: import, import
// again (nothing new), then leave `byok import --watch` running while the
// agent appends to its live session file, and see the new spend in
// budgets and alerts.
func TestImportWatchFeedsBudgets(t *testing.T) {
	c := newCLI(t, "")
	logs := agentlogtest.Copy(t, "")
	claude := filepath.Join(logs, "claude", "projects")
	if out := c.ok("", "import", "claude-code", "--path", claude); !strings.Contains(out, "3 requests added") {
		t.Fatalf("first import: %s", out)
	}
	if out := c.ok("", "import", "claude-code", "--path", claude); !strings.Contains(out, "0 requests added") {
		t.Fatalf("second import: %s", out)
	}
	c.ok("", "budget", "set", "all", "0.40", "--period", "daily", "--alerts", "50,100")

	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		ios := &IOStreams{In: strings.NewReader(""), Out: &out, Err: &errb}
		done <- run(ctx, []string{"import", "claude-code", "--path", claude, "--watch", "--json"}, &Factory{IO: ios})
	}()
	defer func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("watch exited %d: %s", code, errb.String())
		}
	}()
	// The agent finishes the line it was writing: the watch imports it
	// (which also shows it is running), then the agent answers once more,
	// now, at a reported cost of $0.50.
	session := filepath.Join(claude, "-home-ada-src-app", "5b1e2c3d-0000-4000-8000-000000000001.jsonl")
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	waitFor := func(n int) time.Duration {
		t.Helper()
		start := time.Now()
		for strings.Count(out.String(), `"events_added":1,`) < n {
			if time.Since(start) > 15*time.Second {
				t.Fatalf("watch printed nothing new in 15 s:\n%s\nstderr: %s", out.String(), errb.String())
			}
			time.Sleep(10 * time.Millisecond)
		}
		return time.Since(start)
	}
	agentlogtest.Append(t, session, `ens":0,"output_tokens":60}},"requestId":"req_011CCC","type":"assistant","uuid":"a-0007","timestamp":"`+now+`"}`+"\n")
	waitFor(1)
	if strings.Contains(errb.String(), "alert:") {
		t.Fatalf("an alert before the budget was crossed: %s", errb.String())
	}
	agentlogtest.Append(t, session, `{"parentUuid":"a-0007","isSidechain":false,"sessionId":"5b1e2c3d-0000-4000-8000-000000000001","version":"1.0.30","message":{"id":"msg_01EEE","type":"message","role":"assistant","model":"claude-opus-4-1-20250805","content":[{"type":"text","text":"ok"}],"usage":{"input_tokens":1000,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":100}},"costUSD":0.5,"requestId":"req_011EEE","type":"assistant","uuid":"a-0008","timestamp":"`+now+`"}`+"\n")
	t.Logf("the watch imported the new reply %s after it was written", waitFor(2).Round(time.Millisecond))
	if !strings.Contains(errb.String(), "alert:") {
		t.Errorf("the watch announced no alert: %s", errb.String())
	}

	var bs []struct {
		Scope string `json:"scope"`
		Spent string `json:"spent_usd"`
		State string `json:"state"`
	}
	decode(t, c.ok("", "budget", "list", "--json"), &bs)
	if len(bs) != 1 || bs[0].State != "over" {
		t.Fatalf("budget %+v, want over", bs)
	}
	var alerts []struct {
		Kind      string `json:"kind"`
		Threshold int    `json:"threshold"`
	}
	decode(t, c.ok("", "alerts", "--json"), &alerts)
	if len(alerts) == 0 || alerts[0].Kind != "threshold" || alerts[0].Threshold != 100 {
		t.Fatalf("alerts %+v, want the 100%% threshold", alerts)
	}
}

func TestImportAllFindsDefaultFolders(t *testing.T) {
	c := newCLI(t, "")
	home := t.TempDir()
	t.Setenv("HOME", home)
	for _, k := range []string{"CLAUDE_CONFIG_DIR", "XDG_CONFIG_HOME", "CODEX_HOME", "XDG_DATA_HOME", "OPENCODE_DATA_DIR"} {
		t.Setenv(k, "")
	}
	if out := c.ok("", "import", "--all", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("with no agent's logs: %s", out)
	}
	if out := c.ok("", "import", "--all"); !strings.Contains(out, "No coding agent's logs were found") {
		t.Fatalf("with no agent's logs: %s", out)
	}
	logs := agentlogtest.Copy(t, "")
	if err := os.MkdirAll(filepath.Join(home, ".claude"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(logs, "claude", "projects"), filepath.Join(home, ".claude", "projects")); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(logs, "codex"), filepath.Join(home, ".codex")); err != nil {
		t.Fatal(err)
	}
	var sums []struct {
		Source string `json:"source"`
		Added  int    `json:"events_added"`
	}
	decode(t, c.ok("", "import", "--all", "--json"), &sums)
	if len(sums) != 2 || sums[0].Source != "claude-code" || sums[0].Added != 3 || sums[1].Source != "codex" || sums[1].Added != 5 {
		t.Fatalf("import --all: %+v", sums)
	}
}

// TestImportSkipsRequestsTheProxyRecorded: Claude Code sent through byok's
// proxy logs the request it sent with the request id Anthropic answered
// with, which the proxy recorded too. Importing the log adds nothing,
// whichever of the two came first, and says why.
func TestImportSkipsRequestsTheProxyRecorded(t *testing.T) {
	var reqID atomic.Value
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("request-id", reqID.Load().(string))
		fmt.Fprint(w, `{"id":"msg_fake","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[{"type":"text","text":"hi"}],`+
			`"stop_reason":"end_turn","usage":{"input_tokens":1250,"output_tokens":40}}`)
	}))
	defer up.Close()
	t.Setenv("ANTHROPIC_API_KEY", "sk-ant-fake-import-0000111122223333")
	c := newCLI(t, fmt.Sprintf("timezone = \"UTC\"\n\n[providers.anthropic]\nbase_url = %q\n", up.URL))

	ctx := context.Background()
	base, token, _ := serveProxy(t, c.home)
	viaProxy := func(id string) {
		t.Helper()
		reqID.Store(id)
		req, err := http.NewRequestWithContext(ctx, "POST", base+"/anthropic/v1/messages",
			strings.NewReader(`{"model":"claude-sonnet-4-5","max_tokens":100,"messages":[{"role":"user","content":"hi"}]}`))
		checkErr(t, err)
		req.Header.Set("X-Api-Key", token)
		req.Header.Set("User-Agent", "claude-cli/2.0.10 (external, cli)")
		resp, err := http.DefaultClient.Do(req)
		checkErr(t, err)
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		checkErr(t, err)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("proxy: status %d", resp.StatusCode)
		}
	}
	projects := filepath.Join(t.TempDir(), "projects")
	session := filepath.Join(projects, "-home-me-app", "5b1e2c3d-0000-4000-8000-00000000000a.jsonl")
	checkErr(t, os.MkdirAll(filepath.Dir(session), 0o755))
	checkErr(t, os.WriteFile(session, nil, 0o600))
	// logLine is Claude Code's line for one content block of a reply.
	logLine := func(msg, req string, output int) string {
		return fmt.Sprintf(`{"type":"assistant","timestamp":%q,"sessionId":"5b1e2c3d-0000-4000-8000-00000000000a","requestId":%q,"uuid":"u-%s-%d",`+
			`"message":{"id":%q,"model":"claude-sonnet-4-5","usage":{"input_tokens":1250,"output_tokens":%d}}}`+"\n",
			time.Now().UTC().Format(time.RFC3339Nano), req, msg, output, msg, output)
	}
	type summary struct {
		Added      int            `json:"events_added"`
		Duplicates int            `json:"duplicates_skipped"`
		Recorded   int            `json:"already_recorded"`
		RecordedBy map[string]int `json:"already_recorded_by"`
	}
	type event struct {
		Source string `json:"source"`
		Client string `json:"client"`
		Output int64  `json:"output_tokens"`
	}
	events := func(want int) []event {
		t.Helper()
		var es []event
		decode(t, c.ok("", "log", "--json"), &es)
		if len(es) != want {
			t.Fatalf("log: %+v, want %d requests", es, want)
		}
		return es
	}

	// The proxy first, then the log: the log's line is not counted.
	viaProxy("req_dup1")
	agentlogtest.Append(t, session, logLine("msg_fake1", "req_dup1", 40))
	out := c.ok("", "import", "claude-code", "--path", projects)
	if !strings.Contains(out, "0 requests added, 0 duplicates skipped, 1 already recorded by byok's proxy") {
		t.Fatalf("import after the proxy said:\n%s", out)
	}
	if es := events(1); es[0].Source != "proxy" || es[0].Client != "claude-cli" || es[0].Output != 40 {
		t.Fatalf("the proxy's event: %+v", es[0])
	}

	// The log first: Claude Code writes a block's line while the reply
	// still streams, and a watching import stores it before the proxy
	// records the request. The next import takes the imported copy out.
	agentlogtest.Append(t, session, logLine("msg_fake2", "req_dup2", 1))
	var sum summary
	decode(t, c.ok("", "import", "claude-code", "--path", projects, "--json"), &sum)
	if sum.Added != 1 || sum.Recorded != 0 {
		t.Fatalf("import of a request the proxy has not recorded yet: %+v", sum)
	}
	events(2)
	viaProxy("req_dup2")
	decode(t, c.ok("", "import", "claude-code", "--path", projects, "--json"), &sum)
	if sum.Added != 0 || sum.Recorded != 1 || sum.RecordedBy["proxy"] != 1 {
		t.Fatalf("import after the proxy recorded the request: %+v", sum)
	}
	// The fuller line written once the reply ended adds nothing either.
	agentlogtest.Append(t, session, logLine("msg_fake2", "req_dup2", 40))
	decode(t, c.ok("", "import", "claude-code", "--path", projects, "--json"), &sum)
	if sum.Added != 0 || sum.Duplicates != 0 || sum.Recorded != 1 {
		t.Fatalf("import of the fuller line: %+v", sum)
	}
	for _, e := range events(2) {
		if e.Source != "proxy" || e.Output != 40 {
			t.Fatalf("events: %+v, want the proxy's two", e)
		}
	}
	// The totals the budgets read agree: two requests, the proxy's.
	var rows []struct {
		Group    string `json:"group"`
		Requests int64  `json:"requests"`
		Output   int64  `json:"output_tokens"`
	}
	decode(t, c.ok("", "usage", "--by", "source", "--json"), &rows)
	if len(rows) != 1 || rows[0].Group != "proxy" || rows[0].Requests != 2 || rows[0].Output != 80 {
		t.Fatalf("usage by source: %+v", rows)
	}

	// A request the proxy never saw is imported as before.
	agentlogtest.Append(t, session, logLine("msg_direct", "req_direct", 7))
	decode(t, c.ok("", "import", "claude-code", "--path", projects, "--json"), &sum)
	if sum.Added != 1 || sum.Recorded != 0 {
		t.Fatalf("import of a request sent without the proxy: %+v", sum)
	}
	events(3)
}

// TestImportPathMustExist: a --path that is not there is a mistake to fix
// (exit 2, saying which), where the agent's own folders missing is an agent
// not used on this machine.
func TestImportPathMustExist(t *testing.T) {
	c := newCLI(t, "")
	t.Setenv("HOME", t.TempDir())
	for _, k := range []string{"CLAUDE_CONFIG_DIR", "XDG_CONFIG_HOME"} {
		t.Setenv(k, "")
	}
	missing := filepath.Join(t.TempDir(), "nonexistent")
	for _, args := range [][]string{
		{"import", "claude-code", "--path", missing},
		{"import", "opencode", "--path", missing},
		{"import", "codex", "--path", missing, "--watch"},
	} {
		r := c.run("", args...)
		if r.code != exitUsage || !strings.Contains(r.err, "no such folder: "+missing) || r.out != "" {
			t.Errorf("byok %s: exit %d, stdout %q, stderr %q; want exit %d saying no such folder", strings.Join(args, " "), r.code, r.out, r.err, exitUsage)
		}
	}
	if out := c.ok("", "import", "claude-code"); !strings.Contains(out, "claude-code: no logs found in ") {
		t.Fatalf("without --path and no logs: %s", out)
	}
}
