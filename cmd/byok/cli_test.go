package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/agentlog/agentlogtest"
	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/store/keychain/keychaintest"
)

// cli runs byok in-process against a home directory, the way a user would
// from a shell, and keeps what it printed.
type cli struct {
	t    *testing.T
	home string
	now  func() time.Time
}

type result struct {
	code     int
	out, err string
}

func newCLI(t *testing.T, configTOML string) *cli {
	t.Helper()
	home := t.TempDir()
	if configTOML != "" {
		if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(configTOML), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("BYOK_HOME", home)
	return &cli{t: t, home: home}
}

func (c *cli) run(stdin string, args ...string) result {
	c.t.Helper()
	var out, errb bytes.Buffer
	ios := &IOStreams{In: strings.NewReader(stdin), Out: &out, Err: &errb}
	code := run(context.Background(), args, &Factory{IO: ios, Now: c.now})
	return result{code, out.String(), errb.String()}
}

func (c *cli) ok(stdin string, args ...string) string {
	c.t.Helper()
	r := c.run(stdin, args...)
	if r.code != 0 {
		c.t.Fatalf("byok %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.out, r.err)
	}
	return r.out
}

// fakeOpenAI is an OpenAI-compatible upstream: /models for key checks and a
// streamed chat completion with usage.
type fakeOpenAI struct {
	srv      *httptest.Server
	hits     atomic.Int64
	status   int    // non-zero: answer every chat request with this status
	body     string // and this body
	goodKey  string
	lastAuth atomic.Value
}

func newFakeOpenAI(t *testing.T, goodKey string) *fakeOpenAI {
	f := &fakeOpenAI{goodKey: goodKey}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		auth := r.Header.Get("Authorization")
		f.lastAuth.Store(auth)
		if f.goodKey != "" && auth != "Bearer "+f.goodKey {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(401)
			fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s","type":"invalid_request_error","code":"invalid_api_key"}}`, strings.TrimPrefix(auth, "Bearer "))
			return
		}
		switch {
		case strings.HasSuffix(r.URL.Path, "/models"):
			fmt.Fprint(w, `{"object":"list","data":[{"id":"gpt-4o-mini","object":"model"}]}`)
		case strings.HasSuffix(r.URL.Path, "/chat/completions"):
			if f.status != 0 {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(f.status)
				fmt.Fprint(w, f.body)
				return
			}
			w.Header().Set("Content-Type", "text/event-stream")
			for _, chunk := range []string{
				`{"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"}}]}`,
				`{"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" there"},"finish_reason":"stop"}]}`,
				`{"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,"prompt_tokens_details":{"cached_tokens":200}}}`,
			} {
				fmt.Fprintf(w, "data: %s\n\n", chunk)
				w.(http.Flusher).Flush()
			}
			fmt.Fprint(w, "data: [DONE]\n\n")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func fakeConfig(url string) string {
	return fmt.Sprintf(`keyring = "file"

[providers.fakeai]
kind = "openai"
base_url = %q
`, url+"/v1")
}

func TestHelpAndVersion(t *testing.T) {
	c := newCLI(t, "")
	out := c.ok("", "--help")
	for _, want := range []string{"usage", "budget", "keys", "demo", "prompt"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help does not mention %q", want)
		}
	}
	if out := c.ok("", "--version"); !strings.Contains(out, "dev") {
		t.Errorf("--version printed %q", out)
	}
}

func TestUsageErrors(t *testing.T) {
	c := newCLI(t, "")
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"usage", "--colour"}, "unknown flag"},
		{"bad group", []string{"usage", "--by", "weather"}, "use provider, model, key, day, source or session"},
		{"bad source", []string{"usage", "--source", "claude"}, "claude-code, codex"},
		{"import without source", []string{"import"}, "name a source"},
		{"import unknown agent", []string{"import", "cursor"}, "unknown source"},
		{"import all with path", []string{"import", "--all", "--path", "/tmp"}, "belongs to one source"},
		{"bad since", []string{"usage", "--since", "last tuesday"}, "cannot read the time"},
		{"negative amount", []string{"spend", "add", "openai", "-5"}, "must be positive"},
		{"malformed amount", []string{"spend", "add", "openai", "12,50"}, "write dollars"},
		{"zero amount", []string{"spend", "add", "openai", "0"}, "more than zero"},
		{"unknown provider", []string{"spend", "add", "openia", "3"}, "unknown provider"},
		{"bad scope", []string{"budget", "set", "provder:openai", "10"}, "scope"},
		{"bad period", []string{"budget", "set", "all", "10", "--period", "hourly"}, "hourly"},
		{"bad thresholds", []string{"budget", "set", "all", "10", "--alerts", "50,abc"}, "abc"},
		{"bad limit", []string{"log", "--limit", "0"}, "--limit"},
		{"bad status", []string{"log", "--status", "fine"}, "use ok, error"},
		{"model without provider", []string{"pricing", "cost", "gpt-4o", "--input", "1"}, "provider/model"},
		{"reasoning above output", []string{"pricing", "cost", "openai/o3", "--output", "1", "--reasoning", "2"}, "cannot exceed"},
		{"binary prompt", []string{"prompt", "-m", "openai/gpt-4o", "-"}, "not text"},
		{"compare needs two", []string{"compare", "-m", "openai/gpt-4o", "hi"}, "2 to 4 models"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stdin := ""
			if tc.name == "binary prompt" {
				stdin = "\x00\x01\x02binary"
			}
			r := c.run(stdin, tc.args...)
			if r.code != exitUsage {
				t.Fatalf("exit %d, want %d (stderr %q)", r.code, exitUsage, r.err)
			}
			if !strings.Contains(strings.ToLower(r.err), strings.ToLower(tc.want)) {
				t.Fatalf("stderr %q does not say %q", r.err, tc.want)
			}
		})
	}
	// Nothing was written by the failed spend entries.
	if out := c.ok("", "log", "--json"); strings.TrimSpace(out) != "[]" {
		t.Fatalf("failed commands wrote events: %s", out)
	}
}

func TestBadConfigIsNamed(t *testing.T) {
	c := newCLI(t, "timezone = \"UTC\"\n[proxy]\nadress = \"x\"\n")
	r := c.run("", "usage")
	if r.code == 0 || !strings.Contains(r.err, "config.toml:3") || !strings.Contains(r.err, "proxy.adress") {
		t.Fatalf("exit %d, stderr %q", r.code, r.err)
	}
}

// TestDemoRefusesItsFilledHome runs the demo twice on one home, as its
// "Explore it again with: byok --home X" invites: the second run is refused
// with the command that opens the home, and the sample stays as it was,
// where seeding again would double every request and budget.
func TestDemoRefusesItsFilledHome(t *testing.T) {
	c := newCLI(t, "timezone = \"UTC\"\n")
	c.ok("", "demo", "--events", "60", "--days", "3", "--no-tui", "--home", c.home)
	before := c.ok("", "usage", "--since", "30d", "--json")
	// The forecast moves with the clock; the scopes, limits and spend may not.
	type budgetRow struct {
		Scope    string `json:"scope"`
		LimitUSD string `json:"limit_usd"`
		SpentUSD string `json:"spent_usd"`
	}
	var budgets, after []budgetRow
	decode(t, c.ok("", "budget", "list", "--json"), &budgets)
	r := c.run("", "demo", "--events", "60", "--days", "3", "--no-tui", "--home", c.home)
	if r.code != 2 || !strings.Contains(r.err, "byok --home "+c.home) || strings.Contains(r.err, "Seeded") {
		t.Fatalf("demo again on its own home: exit %d, stderr %q", r.code, r.err)
	}
	if after := c.ok("", "usage", "--since", "30d", "--json"); after != before {
		t.Errorf("the refused demo changed usage:\n%s\nwas\n%s", after, before)
	}
	decode(t, c.ok("", "budget", "list", "--json"), &after)
	if len(budgets) == 0 || !slices.Equal(after, budgets) {
		t.Errorf("the refused demo changed the budgets: %+v, was %+v", after, budgets)
	}
}

// TestUsageUntilAlone asks usage for everything up to a day of last month
// without a --since: it reads from the first request, as log does, and the
// two count the same requests, where it used to refuse a --since (this
// month's start) that the user never gave.
func TestUsageUntilAlone(t *testing.T) {
	c := newCLI(t, "timezone = \"UTC\"\n")
	c.ok("", "demo", "--events", "300", "--days", "60", "--no-tui", "--home", c.home)
	until := time.Now().UTC().AddDate(0, 0, -35).Format(time.DateOnly)
	var groups []struct {
		Requests int `json:"requests"`
	}
	decode(t, c.ok("", "usage", "--until", until, "--json"), &groups)
	var logged []map[string]any
	decode(t, c.ok("", "log", "--until", until, "--limit", "100000", "--json"), &logged)
	sum := 0
	for _, g := range groups {
		sum += g.Requests
	}
	if sum == 0 || sum != len(logged) {
		t.Fatalf("usage --until %s counts %d requests, log --until %d", until, sum, len(logged))
	}
	first, err := time.Parse(time.RFC3339Nano, fmt.Sprint(logged[len(logged)-1]["time"]))
	if err != nil {
		t.Fatal(err)
	}
	if table := c.ok("", "usage", "--until", until, "--by", "day"); !strings.HasPrefix(table, first.Format("2006-01-02 15:04 to ")) {
		t.Errorf("usage --until %s --by day starts elsewhere than at the first request (%s):\n%s", until, first, table)
	}
}

// TestLogTakesEverySource filters log by each source a request can have,
// as usage does: requests imported from Claude Code and Codex logs, spend
// added by hand and byok's own are each listed under their source, and the
// two commands count the same requests. An unknown source is refused by
// both with one list that names every source.
func TestLogTakesEverySource(t *testing.T) {
	c := newCLI(t, "timezone = \"UTC\"\n")
	logs := agentlogtest.Copy(t, "")
	c.ok("", "import", "claude-code", "--path", filepath.Join(logs, "claude", "projects"))
	c.ok("", "import", "codex", "--path", filepath.Join(logs, "codex"))
	c.ok("", "spend", "add", "openai", "2", "--date", "2026-11-20")
	listed := 0
	for _, src := range app.EventSources() {
		var logged []map[string]any
		decode(t, c.ok("", "log", "--source", string(src), "--since", "2026-01-01", "--limit", "1000", "--json"), &logged)
		for _, r := range logged {
			if r["source"] != string(src) {
				t.Errorf("log --source %s lists a request of source %v", src, r["source"])
			}
		}
		var groups []struct {
			Requests int `json:"requests"`
		}
		decode(t, c.ok("", "usage", "--source", string(src), "--since", "2026-01-01", "--json"), &groups)
		n := 0
		for _, g := range groups {
			n += g.Requests
		}
		if n != len(logged) {
			t.Errorf("--source %s: log lists %d requests, usage counts %d", src, len(logged), n)
		}
		listed += len(logged)
	}
	if listed != 3+5+1 {
		t.Errorf("log --source listed %d requests in all, want the 3 from Claude Code, 5 from Codex and 1 by hand", listed)
	}
	for _, cmd := range []string{"log", "usage"} {
		r := c.run("", cmd, "--source", "bogus")
		if r.code != 2 || !strings.Contains(r.err, `--source "bogus": use tui, cli, proxy, manual, reconciled, claude-code, codex, gemini-cli or opencode`) {
			t.Errorf("%s --source bogus: exit %d, stderr %q", cmd, r.code, r.err)
		}
	}
}

// TestLogCSVMatchesJSON reads the same requests as log --json and log
// --csv: every JSON field has its CSV column (the note aside) holding the
// same value, and a value JSON has null is an empty cell, never a 0 that
// reads as key 0 or an instant reply. The demo gives proxied requests with
// their clients and keys; an import gives requests with neither a key nor
// a measured time, which the table shows as "-".
func TestLogCSVMatchesJSON(t *testing.T) {
	c := newCLI(t, "timezone = \"UTC\"\n")
	c.ok("", "demo", "--events", "300", "--days", "3", "--no-tui", "--home", c.home)
	logs := agentlogtest.Copy(t, "claude")
	c.ok("", "import", "claude-code", "--path", filepath.Join(logs, "projects"))
	var rows []map[string]any
	decode(t, c.ok("", "log", "--since", "2026-01-01", "--limit", "1000", "--json"), &rows)
	recs, err := csv.NewReader(strings.NewReader(c.ok("", "log", "--since", "2026-01-01", "--limit", "1000", "--csv"))).ReadAll()
	checkErr(t, err)
	if len(recs) != len(rows)+1 {
		t.Fatalf("%d CSV lines for %d JSON rows", len(recs), len(rows))
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	seen := map[string]bool{}
	for i, row := range rows {
		for field, v := range row {
			j, ok := col[field]
			switch {
			case field == "note":
				continue
			case !ok:
				t.Fatalf("log --csv has no %q column: %v", field, recs[0])
			case field == "cost_usd":
				continue // the CSV says "unpriced" or marks an estimate
			}
			want := ""
			if v != nil {
				want = fmt.Sprint(v)
				seen[field] = true
			} else {
				seen[field+" null"] = true
			}
			if got := recs[i+1][j]; got != want {
				t.Errorf("request %v: CSV %s %q, JSON %q", row["id"], field, got, want)
			}
		}
		if row["source"] == "claude-code" && (row["latency_ms"] != nil || row["ttft_ms"] != nil) {
			t.Errorf("imported request %v: latency_ms %v, ttft_ms %v, want null (nothing was measured)", row["id"], row["latency_ms"], row["ttft_ms"])
		}
	}
	for _, f := range []string{"client", "key", "key_id", "latency_ms", "key_id null", "latency_ms null", "ttft_ms null"} {
		if !seen[f] {
			t.Errorf("no request had %s: the test proves nothing of it", f)
		}
	}
}

// TestHelpAndMissingArguments covers what a user meets before a command
// runs: an example's note is a comment line of its own in --help (fang
// collapses the spaces that set it off, so it read as part of the command),
// a missing argument is answered with the command's usage line rather
// than cobra's "requires at least 1 arg(s)", and --init makes the home for
// a command that only reads, as its help promises.
func TestHelpAndMissingArguments(t *testing.T) {
	c := newCLI(t, "")
	help := c.ok("", "keys", "add", "--help")
	for _, want := range []string{"# prompts for the key\n    byok keys add openai\n", "# an admin key, for byok reconcile\n    byok keys add openai --admin\n"} {
		if !strings.Contains(help, want) {
			t.Errorf("keys add --help lacks %q:\n%s", want, help)
		}
	}
	eachCommand(newRootCmd(&Factory{}), func(cmd *cobra.Command) {
		for _, line := range strings.Split(cmd.Example, "\n") {
			if exampleNote.MatchString(line) {
				t.Errorf("%s: an example keeps its note on the command's line: %q", cmd.CommandPath(), line)
			}
		}
	})
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"alerts", "ack"}, "usage: byok alerts ack ID… (received no argument)"},
		{[]string{"budget", "rm"}, "usage: byok budget rm "},
		{[]string{"spend", "rm", "1", "2"}, "(received 2 arguments)"},
	} {
		r := c.run("", tt.args...)
		if r.code != exitUsage || !strings.Contains(r.err, tt.want) || strings.Contains(r.err, "arg(s)") {
			t.Errorf("byok %s: exit %d, stderr %q; want exit 2 and %q", strings.Join(tt.args, " "), r.code, r.err, tt.want)
		}
	}
	home := filepath.Join(t.TempDir(), "new")
	if r := c.run("", "--home", home, "--init", "status"); r.code != 0 {
		t.Fatalf("status --init: exit %d, stderr %q", r.code, r.err)
	}
	if fi, err := os.Stat(home); err != nil || !fi.IsDir() {
		t.Errorf("status --init made no home: %v", err)
	}
	if r := c.run("", "--home", filepath.Join(t.TempDir(), "typo"), "status"); r.code != exitUsage || !strings.Contains(r.err, "add --init") {
		t.Errorf("status without --init on a missing home: exit %d, stderr %q", r.code, r.err)
	}
}

// TestLogEmptySaysWhy: a filter that matches nothing in a home with
// requests says so, rather than suggesting a first prompt.
func TestLogEmptySaysWhy(t *testing.T) {
	c := newCLI(t, "")
	if out := c.ok("", "log"); !strings.Contains(out, "byok prompt") {
		t.Errorf("log in a new home:\n%s", out)
	}
	c.ok("", "spend", "add", "openai", "2")
	out := c.ok("", "log", "--provider", "anthropic")
	if !strings.Contains(out, "No requests match these filters") || strings.Contains(out, "byok prompt") {
		t.Errorf("log with a filter that matches none of the home's requests:\n%s", out)
	}
}

func TestDemoUsageLogSpend(t *testing.T) {
	c := newCLI(t, "timezone = \"UTC\"\n")
	c.ok("", "demo", "--events", "3000", "--days", "30", "--no-tui", "--home", c.home)
	var usage []map[string]any
	if err := json.Unmarshal([]byte(c.ok("", "usage", "--since", "30d", "--by", "provider", "--json")), &usage); err != nil {
		t.Fatal(err)
	}
	if len(usage) < 6 {
		t.Fatalf("%d providers in usage", len(usage))
	}
	for _, f := range []string{"group", "requests", "input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens", "cost_usd", "unpriced_requests"} {
		if _, ok := usage[0][f]; !ok {
			t.Errorf("usage --json lacks %q", f)
		}
	}
	var logRows []map[string]any
	if err := json.Unmarshal([]byte(c.ok("", "log", "--json", "--limit", "50")), &logRows); err != nil {
		t.Fatal(err)
	}
	if len(logRows) != 50 {
		t.Fatalf("%d log rows", len(logRows))
	}
	for _, f := range []string{"id", "time", "source", "provider", "model", "key_id", "status", "error_class", "http_status", "input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens", "cost_usd", "cost_state", "latency_ms", "ttft_ms"} {
		if _, ok := logRows[0][f]; !ok {
			t.Errorf("log --json lacks %q", f)
		}
	}
	// Latencies read as the TUI shows them: milliseconds below a second.
	var fast, slow int
	for _, line := range strings.Split(strings.TrimSpace(c.ok("", "log", "--limit", "1000")), "\n")[1:] {
		f := strings.Fields(line)
		// One form for the whole column: seconds to the hundredth.
		switch lat := f[len(f)-1]; {
		case regexp.MustCompile(`^0\.[0-9]{2}s$`).MatchString(lat):
			fast++
		case regexp.MustCompile(`^[1-9][0-9]*\.[0-9]{2}s$`).MatchString(lat):
			slow++
		case lat == "-" && f[3] == "manual": // recorded spend
		default:
			t.Fatalf("log latency %q in %q", lat, line)
		}
	}
	if fast == 0 || slow == 0 {
		t.Fatalf("log showed %d latencies under a second and %d over", fast, slow)
	}
	csvOut := c.ok("", "usage", "--since", "30d", "--by", "day", "--csv")
	if lines := strings.Count(csvOut, "\n"); lines < 30 {
		t.Fatalf("usage --by day --csv has %d lines", lines)
	}

	before := c.ok("", "usage", "--since", "today", "--by", "source", "--json")
	c.ok("", "spend", "add", "openai", "12.50", "--note", "playground")
	after := c.ok("", "usage", "--since", "today", "--by", "source", "--json")
	if before == after || !strings.Contains(after, `"group": "manual"`) {
		t.Fatalf("manual spend did not show up:\n%s", after)
	}
	// Recorded spend has a cost but no latency to show.
	if out := c.ok("", "log", "--source", "manual", "--limit", "1"); !strings.Contains(out, "$12.50") || !regexp.MustCompile(`\$12\.50 +-$`).MatchString(strings.TrimSpace(out)) {
		t.Fatalf("log of manual spend: %s", out)
	}
	// The text dashboard (no TTY) and the status line.
	if out := c.ok(""); !strings.Contains(out, "Spent this month") || !strings.Contains(out, "BUDGET") {
		t.Fatalf("dashboard: %s", out)
	}
	if out := c.ok("", "status", "--long"); !strings.Contains(out, "openai $") || !strings.Contains(out, "alert") || strings.Count(out, "\n") != 1 {
		t.Fatalf("status --long: %q", out)
	}
	if out := strings.TrimSuffix(c.ok("", "status"), "\n"); len([]rune(out)) > statusWidth || !strings.HasPrefix(out, "byok $") ||
		!strings.Contains(out, " today · ") || !strings.Contains(out, "%") || strings.Contains(out, "\n") {
		t.Fatalf("status: %q", out)
	}
	var st map[string]any
	decode(t, c.ok("", "status", "--json"), &st)
	if _, ok := st["budgets"].([]any); !ok || st["today_usd"] == nil {
		t.Fatalf("status --json: %+v", st)
	}
	if out := c.ok("", "status", "--format", "{{len .Budgets}} budgets, {{.Alerts}} alerts"); !strings.Contains(out, "5 budgets") {
		t.Fatalf("status --format: %q", out)
	}
	if r := c.run("", "status", "--format", "{{.Nope"); r.code != exitUsage {
		t.Fatalf("bad --format: exit %d", r.code)
	}
	// A field that does not exist: nothing printed, the fields named, no Go
	// type names.
	if r := c.run("", "status", "--format", "spent {{.Today}}"); r.code != exitUsage || r.out != "" ||
		!strings.Contains(r.err, "the fields are .TodayUSD") || strings.Contains(r.err, "statusData") {
		t.Fatalf("unknown field in --format: exit %d, stdout %q, stderr %q", r.code, r.out, r.err)
	}
}

func TestBudgetsAndAlerts(t *testing.T) {
	c := newCLI(t, "timezone = \"Europe/Berlin\"\n")
	c.ok("", "spend", "add", "openai", "9")
	out := c.ok("", "budget", "set", "provider:openai", "10", "--period", "weekly", "--hard", "--alerts", "50,80")
	if !strings.Contains(out, "hard budget for provider:openai") {
		t.Fatalf("budget set: %s", out)
	}
	var bs []map[string]any
	if err := json.Unmarshal([]byte(c.ok("", "budget", "list", "--json")), &bs); err != nil {
		t.Fatal(err)
	}
	if len(bs) != 1 || bs[0]["spent_usd"] != "9" || bs[0]["limit_usd"] != "10" || bs[0]["state"] != "warn" || bs[0]["hard"] != true {
		t.Fatalf("budget list: %+v", bs)
	}
	for _, f := range []string{"scope", "period", "limit_usd", "spent_usd", "percent", "forecast_usd", "hard", "state", "resets_at"} {
		if _, ok := bs[0][f]; !ok {
			t.Errorf("budget list --json lacks %q", f)
		}
	}
	var as []map[string]any
	if err := json.Unmarshal([]byte(c.ok("", "alerts", "--json")), &as); err != nil {
		t.Fatal(err)
	}
	var thresholds []any
	for _, a := range as {
		if a["kind"] == "threshold" {
			thresholds = append(thresholds, a["threshold"])
		}
	}
	if fmt.Sprint(thresholds) != "[80]" {
		t.Fatalf("threshold alerts after crossing 50 and 80 at once: %+v", as)
	}
	id := fmt.Sprint(as[0]["id"])
	c.ok("", "alerts", "ack", id)
	n := len(as)
	if err := json.Unmarshal([]byte(c.ok("", "alerts", "--json")), &as); err != nil || len(as) != n-1 {
		t.Fatalf("after ack: %+v %v", as, err)
	}
	// The table of every alert names its state column; the new ones alone
	// need none.
	if all := c.ok("", "alerts", "--all"); !strings.Contains(strings.SplitN(all, "\n", 2)[0], "STATE") || !strings.Contains(all, "acked") {
		t.Errorf("alerts --all:\n%s", all)
	}
	if fresh := c.ok("", "alerts"); strings.Contains(fresh, "STATE") {
		t.Errorf("alerts:\n%s", fresh)
	}
	if r := c.run("", "status", "--check"); r.code != 0 {
		t.Fatalf("status --check under the limit: exit %d", r.code)
	}
	c.ok("", "spend", "add", "openai", "2")
	if r := c.run("", "status", "--check"); r.code != 1 || !strings.Contains(r.out, "BLOCKED") {
		t.Fatalf("status --check over the limit: exit %d %q", r.code, r.out)
	}
	c.ok("", "budget", "rm", "provider:openai")
	if r := c.run("", "budget", "rm", "provider:openai"); r.code == 0 {
		t.Fatal("removing a missing budget succeeded")
	}
}

// TestPricingCostUnits prices an image, a transcription and a speech
// request from the command line, at the published prices.
func TestPricingCostUnits(t *testing.T) {
	c := newCLI(t, "")
	for _, tc := range []struct {
		args      []string
		cost      any
		state     string
		firstLine string
	}{
		{[]string{"openai/dall-e-3", "--images", "2", "--size", "1792x1024", "--quality", "hd"}, "0.24", "computed", "image"},
		{[]string{"openai/gpt-image-1", "--input", "50", "--image-input", "40", "--output", "4160", "--image-output", "4160"}, "0.16685", "computed", "input"},
		{[]string{"openai/whisper-1", "--seconds", "95.4"}, "0.0095", "computed", "audio second"},
		// 2.5-second tones (providers/audio/testdata), timed as the proxy
		// times an upload: 3 seconds at $0.0001.
		{[]string{"openai/whisper-1", "--audio", "../../providers/audio/testdata/tone-fragmented.m4a"}, "0.0003", "computed", "audio second"},
		{[]string{"openai/whisper-1", "--audio", "../../providers/audio/testdata/tone-live.webm"}, "0.0003", "computed", "audio second"},
		{[]string{"openai/tts-1", "--characters", "1200"}, "0.018", "computed", "character"},
		{[]string{"openai/gpt-4o-mini-tts", "--seconds", "12", "--characters", "200"}, "0.003", "estimated", "audio second"},
		{[]string{"bfl/flux-pro-1.1", "--images", "1"}, "0.04", "computed", "image"},
		{[]string{"openai/dall-e-3", "--images", "1", "--size", "512x512"}, nil, "unpriced", ""},
	} {
		var cost struct {
			CostUSD any    `json:"cost_usd"`
			State   string `json:"state"`
			Lines   []struct {
				Name string `json:"name"`
			} `json:"lines"`
		}
		args := append([]string{"pricing", "cost"}, tc.args...)
		if err := json.Unmarshal([]byte(c.ok("", append(args, "--json")...)), &cost); err != nil {
			t.Fatal(err)
		}
		first := ""
		if len(cost.Lines) > 0 {
			first = cost.Lines[0].Name
		}
		if cost.CostUSD != tc.cost || cost.State != tc.state || first != tc.firstLine {
			t.Errorf("%v: %v %s first line %q; want %v %s %q", tc.args, cost.CostUSD, cost.State, first, tc.cost, tc.state, tc.firstLine)
		}
	}
	// gpt-4o-mini-tts at OpenAI's page: $0.60 per million text input
	// tokens (pricing/corrections.go), $12 per million audio output tokens.
	if out := c.ok("", "pricing", "show", "openai/gpt-4o-mini-tts"); !strings.Contains(out, "audio output tokens: $12.00 per million") ||
		!strings.Contains(out, "$0.60") || !strings.Contains(out, "corrected from https://developers.openai.com/api/docs/models/gpt-4o-mini-tts") {
		t.Errorf("pricing show openai/gpt-4o-mini-tts:\n%s", out)
	}
	if out := c.ok("", "pricing", "cost", "openai/dall-e-3", "--images", "1", "--size", "512x512"); !strings.Contains(out, "1792x1024 hd at $0.12") {
		t.Errorf("an unpriced size does not list the sizes that are priced:\n%s", out)
	}
	for _, bad := range [][]string{
		{"openai/whisper-1", "--seconds", "a minute"},
		{"openai/whisper-1", "--audio", "../../README.md"},
		{"openai/whisper-1", "--audio", "../../providers/audio/testdata/tone.webm", "--seconds", "3"},
		{"openai/gpt-image-1", "--input", "10", "--image-input", "20"},
		{"openai/dall-e-3", "--images", "-1"},
	} {
		if r := c.run("", append([]string{"pricing", "cost"}, bad...)...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2 (usage error)", bad, r.code)
		}
	}
	// An audio file that cannot be read says what to do instead.
	if r := c.run("", "pricing", "cost", "openai/whisper-1", "--audio", filepath.Join(t.TempDir(), "missing.m4a")); r.code != 2 || !strings.Contains(r.err, "or give its length with --seconds") {
		t.Errorf("pricing cost --audio of a missing file: exit %d, %q", r.code, r.err)
	}
}

func TestPricingCommands(t *testing.T) {
	c := newCLI(t, "")
	// Requests to reprice, in a home the demo fills (it fills only new ones).
	c.ok("", "demo", "--events", "500", "--days", "5", "--no-tui", "--home", c.home)
	var cost map[string]any
	if err := json.Unmarshal([]byte(c.ok("", "pricing", "cost", "openai/gpt-4o", "--input", "1000", "--output", "500", "--json")), &cost); err != nil {
		t.Fatal(err)
	}
	if cost["cost_usd"] != "0.0075" || cost["state"] != "computed" {
		t.Fatalf("gpt-4o 1000 in, 500 out: %+v", cost)
	}
	if err := json.Unmarshal([]byte(c.ok("", "pricing", "cost", "openai/no-such-model", "--input", "10", "--json")), &cost); err != nil {
		t.Fatal(err)
	}
	if cost["cost_usd"] != nil || cost["state"] != "unpriced" {
		t.Fatalf("unpriced: %+v", cost)
	}
	c.ok("", "pricing", "set", "openai/gpt-4o", "--input", "1", "--output", "2")
	if err := json.Unmarshal([]byte(c.ok("", "pricing", "cost", "openai/gpt-4o", "--input", "1000000", "--output", "1000000", "--json")), &cost); err != nil {
		t.Fatal(err)
	}
	if cost["cost_usd"] != "3" || !strings.HasPrefix(fmt.Sprint(cost["price_source"]), "override") {
		t.Fatalf("override: %+v", cost)
	}
	if out := c.ok("", "pricing", "show", "openai/gpt-4o"); !strings.Contains(out, "override") {
		t.Fatalf("show: %s", out)
	}
	c.ok("", "pricing", "rm", "openai/gpt-4o")
	if out := c.ok("", "pricing", "cost", "openai/gpt-4o", "--input", "1000", "--output", "500", "--json"); !strings.Contains(out, `"0.0075"`) {
		t.Fatalf("after rm: %s", out)
	}
	if out := c.ok("", "pricing", "list", "anthropic"); !strings.Contains(out, "claude-sonnet-4-5") {
		t.Fatalf("pricing list anthropic lacks sonnet 4.5")
	}
	file := filepath.Join(t.TempDir(), "prices.json")
	mustWrite(t, file, []byte(`{"mycorp-llama": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-7, "output_cost_per_token": 2e-7}}`))
	if out := c.ok("", "pricing", "import", file); !strings.Contains(out, "1 added") {
		t.Fatalf("import: %s", out)
	}
	if out := c.ok("", "pricing", "cost", "openai/mycorp-llama", "--input", "1000000", "--output", "1000000", "--json"); !strings.Contains(out, `"cost_usd": "0.3"`) {
		t.Fatalf("imported price: %s", out)
	}

	// Reprice: history keeps its price until the user asks, and a dry run
	// writes nothing.
	c.ok("", "spend", "add", "openai", "1")
	before := c.ok("", "usage", "--since", "10d", "--json")
	c.ok("", "pricing", "set", "openai/gpt-4o-mini", "--input", "100", "--output", "100")
	dry := c.ok("", "pricing", "reprice", "--since", "10d")
	if !strings.Contains(dry, "openai") || !strings.Contains(dry, "Nothing was written") {
		t.Fatalf("reprice dry run: %s", dry)
	}
	if after := c.ok("", "usage", "--since", "10d", "--json"); after != before {
		t.Fatal("a dry run changed the totals")
	}
	if out := c.ok("", "pricing", "reprice", "--since", "10d", "--yes"); !strings.Contains(out, "written") {
		t.Fatalf("reprice --yes: %s", out)
	}
	if after := c.ok("", "usage", "--since", "10d", "--json"); after == before {
		t.Fatal("reprice --yes changed nothing")
	}
	if out := c.ok("", "pricing", "reprice", "--since", "10d"); !strings.Contains(out, "already has today's price") {
		t.Fatalf("second reprice: %s", out)
	}
}

func TestPromptRecordsCostAndErrors(t *testing.T) {
	up := newFakeOpenAI(t, "sk-fake-good-key-0123456789abcd")
	c := newCLI(t, fakeConfig(up.srv.URL))
	t.Setenv("BYOK_PASSPHRASE", "correct horse battery staple")
	c.ok("", "pricing", "set", "fakeai/gpt-4o-mini", "--input", "0.15", "--output", "0.6", "--cache-read", "0.075")

	// A wrong key is refused at add time and nothing is stored.
	r := c.run("sk-fake-bad-key-00000000000000\n", "keys", "add", "fakeai", "--label", "work")
	if r.code != exitKey && r.code != exitError || !strings.Contains(r.err, "rejected") {
		t.Fatalf("bad key: exit %d stderr %q", r.code, r.err)
	}
	if strings.Contains(r.err, "sk-fake-bad-key-00000000000000") {
		t.Fatal("the rejected key was printed")
	}
	c.ok("sk-fake-good-key-0123456789abcd\n", "keys", "add", "fakeai", "--label", "work")
	// The same name again is refused before the key is read, with the
	// command that replaces its secret.
	before := up.hits.Load()
	if r := c.run("sk-fake-good-key-0123456789abcd\n", "keys", "add", "fakeai", "--label", "work"); r.code != exitUsage ||
		!strings.Contains(r.err, "fakeai/work exists already (id 1)") || !strings.Contains(r.err, "byok keys rotate 1") || strings.Contains(r.err, "key: ") {
		t.Fatalf("a second fakeai/work: exit %d, stderr %q", r.code, r.err)
	}
	if up.hits.Load() != before {
		t.Fatal("a refused key was checked with the provider")
	}

	out := c.run("", "prompt", "-m", "fakeai/gpt-4o-mini", "say hello")
	if out.code != 0 || out.out != "Hello there\n" {
		t.Fatalf("prompt: exit %d out %q err %q", out.code, out.out, out.err)
	}
	var rows []map[string]any
	decode(t, c.ok("", "log", "--json", "--limit", "1"), &rows)
	// 1000 uncached × $0.15 + 200 cached × $0.075 + 300 × $0.60 per million.
	if len(rows) != 1 || rows[0]["input_tokens"] != 1000.0 || rows[0]["cache_read_tokens"] != 200.0 || rows[0]["cost_usd"] != "0.000345" || rows[0]["cost_state"] != "computed" {
		t.Fatalf("recorded: %+v", rows)
	}

	// Compare writes its times as the log does: seconds to the hundredth
	// in its table, milliseconds below a second on its own line.
	r = c.run("", "compare", "-m", "fakeai/gpt-4o-mini", "-m", "fakeai/gpt-4o", "say hello")
	if r.code != 0 || !regexp.MustCompile(`(?m)^fakeai/gpt-4o-mini +ok +\S+ +\S+ +\S+ +\d+\.\d\ds +\d+\.\d\ds$`).MatchString(r.out) ||
		!regexp.MustCompile(`all replies in \d+ms`).MatchString(r.err) {
		t.Fatalf("compare: exit %d\n%s%s", r.code, r.out, r.err)
	}

	// A hard budget that is used up refuses before contacting the provider.
	c.ok("", "budget", "set", "provider:fakeai", "0.0001", "--hard")
	hits := up.hits.Load()
	r = c.run("", "prompt", "-m", "fakeai/gpt-4o-mini", "again")
	if r.code != exitBudget || !strings.Contains(r.err, "provider:fakeai") {
		t.Fatalf("blocked: exit %d stderr %q", r.code, r.err)
	}
	if up.hits.Load() != hits {
		t.Fatal("a blocked request reached the provider")
	}
	c.ok("", "budget", "rm", "provider:fakeai")

	// Provider errors map to exit codes and are still recorded.
	cases := []struct {
		status int
		body   string
		code   int
	}{
		{429, `{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`, exitRateLimit},
		{429, `{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","code":"insufficient_quota"}}`, exitCredit},
		{500, `{"error":{"message":"boom","type":"server_error"}}`, exitError},
	}
	for _, tc := range cases {
		up.status, up.body = tc.status, tc.body
		r := c.run("", "prompt", "-m", "fakeai/gpt-4o-mini", "hi")
		if r.code != tc.code {
			t.Errorf("HTTP %d %s: exit %d, want %d (%s)", tc.status, tc.body, r.code, tc.code, r.err)
		}
	}
	up.status = 0
	var errs []map[string]any
	decode(t, c.ok("", "log", "--json", "--status", "error"), &errs)
	// Rate limits and server errors are tried 3 times, credit errors once;
	// every attempt is a request and is recorded.
	if len(errs) != 3+1+3 {
		t.Fatalf("%d failed attempts recorded, want 7", len(errs))
	}

	// The secret is nowhere in the home directory's files.
	checkErr(t, filepath.Walk(c.home, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte("sk-fake-good-key-0123456789abcd")) || bytes.Contains(b, []byte("0123456789abcd")) {
			t.Errorf("%s contains the key", p)
		}
		return nil
	}))
}

// TestKeysAgainstSecretService drives the keys commands against a real,
// private Secret Service and checks what it stored with secret-tool.
func TestKeysAgainstSecretService(t *testing.T) {
	keychaintest.Start(t)
	up := newFakeOpenAI(t, "")
	cfg := strings.Replace(fakeConfig(up.srv.URL), `keyring = "file"`, `keyring = "keychain"`, 1)
	c := newCLI(t, cfg)
	secret := "sk-fake-keychain-secret-9876543210wxyz"
	out := c.ok(secret+"\n", "keys", "add", "fakeai", "--label", "work")
	if !strings.Contains(out, "fakeai/work") || !strings.Contains(out, "…wxyz") || strings.Contains(out, secret) {
		t.Fatalf("keys add: %q", out)
	}
	if _, err := exec.LookPath("secret-tool"); err == nil {
		got, err := exec.Command("secret-tool", "lookup", "service", "byok", "username", "fakeai/work").Output()
		if err != nil || strings.TrimSpace(string(got)) != secret {
			t.Fatalf("secret-tool lookup: %q %v", got, err)
		}
	}
	c.ok("sk-fake-keychain-second-key-11112222\n", "keys", "add", "fakeai", "--label", "personal", "--no-validate")
	var ks []map[string]any
	decode(t, c.ok("", "keys", "list", "--json"), &ks)
	if len(ks) != 2 {
		t.Fatalf("keys list: %+v", ks)
	}
	for _, f := range []string{"id", "provider", "label", "last4", "source", "default", "created_at", "rotated_at", "validated_at", "last_used_at", "status"} {
		if _, ok := ks[0][f]; !ok {
			t.Errorf("keys list --json lacks %q", f)
		}
	}
	work := fmt.Sprint(ks[1]["id"])
	if ks[1]["label"] != "work" || ks[1]["default"] != true || ks[1]["source"] != "keychain" {
		t.Fatalf("first key is not the default keychain key: %+v", ks[1])
	}
	c.ok("", "keys", "default", fmt.Sprint(ks[0]["id"]))
	c.ok("", "keys", "test", work)
	c.ok("sk-fake-keychain-rotated-key-33334444\n", "keys", "rotate", work)
	if got, _ := exec.Command("secret-tool", "lookup", "service", "byok", "username", "fakeai/work").Output(); strings.TrimSpace(string(got)) != "sk-fake-keychain-rotated-key-33334444" {
		t.Fatalf("after rotate the keychain holds %q", got)
	}
	c.ok("", "prompt", "-m", "fakeai/gpt-4o-mini", "--key", "work", "hi")
	if auth, _ := up.lastAuth.Load().(string); auth != "Bearer sk-fake-keychain-rotated-key-33334444" {
		t.Fatalf("the prompt sent %q", auth)
	}
	c.ok("", "keys", "rm", work)
	if out, err := exec.Command("secret-tool", "lookup", "service", "byok", "username", "fakeai/work").Output(); err == nil && len(out) > 0 {
		t.Fatalf("the secret is still in the keychain after rm: %q", out)
	}
	hist := c.ok("", "keys", "history", work)
	for _, want := range []string{"key.add", "key.rotate", "key.rm", "request"} {
		if !strings.Contains(hist, want) {
			t.Errorf("history lacks %q:\n%s", want, hist)
		}
	}
	if r := c.run("", "prompt", "-m", "fakeai/gpt-4o-mini", "--key", "work", "hi"); r.code == 0 || !strings.Contains(r.err, "removed") {
		t.Fatalf("a removed key was used: %d %q", r.code, r.err)
	}

	t.Setenv("OPENAI_API_KEY", "sk-fake-env-key-5555666677778888")
	decode(t, c.ok("", "keys", "list", "--json"), &ks)
	found := false
	for _, k := range ks {
		if k["provider"] == "openai" && k["source"] == "env" && k["last4"] == "8888" {
			found = true
		}
	}
	if !found {
		t.Fatalf("the env key is not listed: %+v", ks)
	}
	if out := c.ok("", "keys", "import-env", "--no-validate"); !strings.Contains(out, "openai/imported") {
		t.Fatalf("import-env: %s", out)
	}
	if got, _ := exec.Command("secret-tool", "lookup", "service", "byok", "username", "openai/imported").Output(); strings.TrimSpace(string(got)) != "sk-fake-env-key-5555666677778888" {
		t.Fatalf("imported key in keychain: %q", got)
	}
}

// TestNoSecretService: without a bus, keys add fails with the fix named.
func TestNoSecretService(t *testing.T) {
	keychaintest.NoBus(t)
	c := newCLI(t, "")
	r := c.run("sk-fake-no-bus-key-000011112222\n", "keys", "add", "openai", "--no-validate")
	if r.code == 0 || !strings.Contains(r.err, "gnome-keyring") || !strings.Contains(r.err, `keyring = "file"`) {
		t.Fatalf("exit %d stderr %q", r.code, r.err)
	}
	_ = io.Discard
}

func decode(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
}

func mustWrite(t *testing.T, path string, b []byte) {
	t.Helper()
	checkErr(t, os.WriteFile(path, b, 0o600))
}

func checkErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestPromptOverResponsesAPI sends a prompt to OpenAI's Responses API with
// --api responses and records its usage (cached and reasoning tokens).
func TestPromptOverResponsesAPI(t *testing.T) {
	var path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path = r.URL.Path
		w.Header().Set("Content-Type", "text/event-stream")
		for _, ev := range [][2]string{
			{"response.created", `{"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","status":"in_progress","model":"o4-mini","output":[]}}`},
			{"response.output_text.delta", `{"type":"response.output_text.delta","sequence_number":1,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hi!"}`},
			{"response.completed", `{"type":"response.completed","sequence_number":2,"response":{"id":"resp_1","object":"response","status":"completed","model":"o4-mini","output":[],"usage":{"input_tokens":2100,"input_tokens_details":{"cached_tokens":1024},"output_tokens":300,"output_tokens_details":{"reasoning_tokens":256},"total_tokens":2400}}}`},
		} {
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", ev[0], ev[1])
		}
	}))
	t.Cleanup(srv.Close)
	c := newCLI(t, fmt.Sprintf("[providers.openai]\nbase_url = %q\n", srv.URL+"/v1"))
	t.Setenv("OPENAI_API_KEY", "sk-fake-responses-key-000011112222")
	if r := c.run("", "prompt", "-m", "openai/o4-mini", "--api", "chat", "hi"); r.code != exitUsage {
		t.Fatalf("--api chat: exit %d", r.code)
	}
	out := c.ok("", "prompt", "-m", "openai/o4-mini", "--api", "responses", "hi")
	if out != "Hi!\n" || path != "/v1/responses" {
		t.Fatalf("reply %q via %s", out, path)
	}
	var rows []map[string]any
	decode(t, c.ok("", "log", "--json", "--limit", "1"), &rows)
	if rows[0]["input_tokens"] != 1076.0 || rows[0]["cache_read_tokens"] != 1024.0 || rows[0]["reasoning_tokens"] != 256.0 || rows[0]["cost_state"] != "computed" {
		t.Fatalf("recorded %+v", rows[0])
	}
}

// TestDemoKeepsToItsOwnKeys runs the demo next to a real home whose key has
// the label of a demo key, against a real Secret Service: nothing done in
// the demo may read, send or delete that key, and the demo refuses to fill
// the real home.
func TestDemoKeepsToItsOwnKeys(t *testing.T) {
	keychaintest.Start(t)
	up := newFakeOpenAI(t, "")
	c := newCLI(t, fmt.Sprintf("keyring = \"keychain\"\n\n[providers.openai]\nbase_url = %q\n", up.srv.URL+"/v1"))
	secret := "sk-real-users-own-work-key-0123456789"
	c.ok(secret+"\n", "keys", "add", "openai", "--label", "work", "--no-validate")
	c.ok("", "spend", "add", "openai", "2.50")
	before := c.ok("", "log", "--json")

	// The real home is refused, and left as it was.
	r := c.run("", "demo", "--events", "200", "--days", "3", "--no-tui", "--home", c.home)
	if r.code != exitUsage || !strings.Contains(r.err, "holds keys, budgets or requests of its own") {
		t.Fatalf("demo in the real home: exit %d, stderr %q", r.code, r.err)
	}
	if after := c.ok("", "log", "--json"); after != before {
		t.Fatal("the refused demo changed the real home's requests")
	}

	// A new home: the demo's openai goes to the fake upstream, so a leak
	// would show there.
	demo := t.TempDir()
	mustWrite(t, filepath.Join(demo, "config.toml"), []byte(fmt.Sprintf("[providers.openai]\nbase_url = %q\n", up.srv.URL+"/v1")))
	c.ok("", "demo", "--events", "200", "--days", "3", "--no-tui", "--home", demo)
	cfg, err := os.ReadFile(filepath.Join(demo, "config.toml"))
	if err != nil || !strings.HasPrefix(string(cfg), "# A byok demo home") || !strings.Contains(string(cfg), `keyring_service = "byok-demo"`) ||
		!strings.Contains(string(cfg), up.srv.URL) {
		t.Fatalf("the demo home's config.toml:\n%s", cfg)
	}
	// Its providers are simulated: a prompt is answered on this machine,
	// never by the provider the config names.
	sent := false
	for range 5 { // the demo fails now and then, as providers do
		if r = c.run("", "--home", demo, "prompt", "-m", "openai/gpt-4o-mini", "--key", "work", "hi"); r.code == 0 {
			sent = true
			break
		}
	}
	if !sent || !strings.Contains(r.out, "offline demo") {
		t.Fatalf("a prompt with the demo's openai/work key: exit %d, stdout %q, stderr %q", r.code, r.out, r.err)
	}
	r = c.run(secret+"\n", "--home", demo, "keys", "add", "openai", "--label", "mine", "--no-validate")
	if r.code == 0 || !strings.Contains(r.err, "offline demo home") {
		t.Fatalf("a real key added to the demo home: exit %d, stderr %q", r.code, r.err)
	}
	if auth, _ := up.lastAuth.Load().(string); up.hits.Load() != 0 || strings.Contains(auth, secret) {
		t.Fatalf("the demo reached the provider %d times (auth %q)", up.hits.Load(), auth)
	}
	var ks []map[string]any
	decode(t, c.ok("", "--home", demo, "keys", "list", "--json"), &ks)
	// The revoked stand-in is explained as the demo's, with the key to use
	// instead; its rotation is refused before a secret is read.
	standIn := false
	for _, k := range ks {
		if k["provider"] == "openai" && k["label"] == "old-laptop" {
			standIn = true
			id := fmt.Sprint(k["id"])
			r = c.run("", "--home", demo, "keys", "test", id)
			if r.code != exitKey || !strings.Contains(r.err, "refused on purpose") || !strings.Contains(r.err, "byok prompt --key work") ||
				strings.Contains(r.err, "keys rotate") {
				t.Fatalf("keys test on the demo's revoked key: exit %d, stderr %q", r.code, r.err)
			}
			r = c.run("", "--home", demo, "prompt", "-m", "openai/gpt-4o-mini", "--key", "old-laptop", "hi")
			if r.code != exitKey || !strings.Contains(r.err, "refused on purpose") || strings.Contains(r.err, "rotate") {
				t.Fatalf("a prompt with the demo's revoked key: exit %d, stderr %q", r.code, r.err)
			}
			r = c.run("", "--home", demo, "keys", "rotate", id)
			if r.code == 0 || !strings.Contains(r.err, "offline demo home") {
				t.Fatalf("keys rotate in the demo home: exit %d, stderr %q", r.code, r.err)
			}
		}
	}
	if !standIn {
		t.Fatal("the demo home has no openai/old-laptop stand-in to test")
	}
	// A stand-in due for rotation is not sent to the provider's console.
	if table := c.ok("", "--home", demo, "keys", "list"); !strings.Contains(table, "this demo keeps its stand-ins") || strings.Contains(table, "provider's console") {
		t.Fatalf("keys list in the demo home:\n%s", table)
	}
	for _, k := range ks {
		if k["provider"] == "openai" && k["label"] == "work" {
			c.ok("", "--home", demo, "keys", "rm", fmt.Sprint(k["id"]))
		}
	}
	if _, err := exec.LookPath("secret-tool"); err == nil {
		got, err := exec.Command("secret-tool", "lookup", "service", "byok", "username", "openai/work").Output()
		if err != nil || strings.TrimSpace(string(got)) != secret {
			t.Fatalf("after the demo the real key reads %q (%v)", got, err)
		}
	}
	c.ok("", "prompt", "-m", "openai/gpt-4o-mini", "--key", "work", "hi") // the real home still has its key
	if auth, _ := up.lastAuth.Load().(string); auth != "Bearer "+secret {
		t.Fatalf("the real home sent %q", auth)
	}
	// The demo home, used as above, is still the demo's: running the demo
	// on it again is refused as a filled demo home, not as someone's own.
	r = c.run("", "demo", "--events", "100", "--days", "2", "--no-tui", "--home", demo)
	if r.code != 2 || !strings.Contains(r.err, "byok --home "+demo) || strings.Contains(r.err, "of its own") {
		t.Fatalf("the demo again on its home: exit %d, stderr %q", r.code, r.err)
	}
}

// keys rotate says why a key cannot take a new secret (it comes from an
// environment variable, or was removed) before it asks for one: with
// nothing on stdin, the refusal is the answer, not "no key on stdin".
func TestKeysRotateRefusesBeforeAskingForTheSecret(t *testing.T) {
	c := newCLI(t, "keyring = \"file\"\n")
	t.Setenv("BYOK_PASSPHRASE", "rotate refusal passphrase")
	t.Setenv("OPENAI_API_KEY", "sk-fake-env-rotate-0000111122223333")
	c.ok("sk-fake-rotate-removed-0123456789\n", "keys", "add", "anthropic", "--no-validate")
	var ks []map[string]any
	decode(t, c.ok("", "keys", "list", "--json"), &ks)
	ids := map[string]string{}
	for _, k := range ks {
		ids[k["provider"].(string)] = fmt.Sprint(k["id"])
	}
	// The secret was in the file keyring, and rm says so.
	if out := c.ok("", "keys", "rm", ids["anthropic"]); !strings.Contains(out, "Removed anthropic/default from the file;") {
		t.Errorf("keys rm: %q", out)
	}
	for _, tt := range []struct{ provider, want string }{
		{"openai", "openai/env comes from an environment variable"},
		{"anthropic", "anthropic/default was removed"},
	} {
		r := c.run("", "keys", "rotate", ids[tt.provider])
		if r.code == 0 || !strings.Contains(r.err, tt.want) || strings.Contains(r.err, "no key on stdin") {
			t.Errorf("keys rotate of the %s key: exit %d, stderr %q; want it refused with %q", tt.provider, r.code, r.err, tt.want)
		}
	}
}
