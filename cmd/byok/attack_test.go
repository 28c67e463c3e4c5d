package main

// Attacks on byok's promises that need more than one process: several byok
// commands at once on one home, as a user's shell loops, tmux panes and the
// proxy make happen. Each child is this test binary re-executed as byok (the
// "cli" role of TestMain).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/byokhq/byok/store"
)

// gateEnv names a file a "cli" child waits for before it runs byok, so
// that children started one by one still run at the same moment.
const gateEnv = "BYOK_TEST_GATE"

// delayEnv names a number of milliseconds a child waits after the gate.
const delayEnv = "BYOK_TEST_DELAY_MS"

// waitForGate blocks a child until the file named by gateEnv exists, then
// for the delay delayEnv asks.
func waitForGate() {
	gate := os.Getenv(gateEnv)
	if gate == "" {
		return
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		if _, err := os.Stat(gate); err == nil {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if ms, err := strconv.Atoi(os.Getenv(delayEnv)); err == nil {
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}
}

// childResult is what one byok child process did.
type childResult struct {
	args     []string
	code     int
	out, err string
}

// spawn runs byok as a child process on home with stdin, and waits for it.
func spawn(t *testing.T, home string, env []string, stdin string, args ...string) childResult {
	t.Helper()
	cmd := childCommand(os.Args[0], home, args)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = strings.NewReader(stdin)
	return runChild(t, cmd, args)
}

// childCommand is byok for args on home, run by bin, a copy of this test
// binary.
func childCommand(bin, home string, args []string) *exec.Cmd {
	cmd := exec.Command(bin, append([]string{"-test.run=^$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), childEnv+"=cli", "BYOK_HOME="+home)
	return cmd
}

// runChild runs cmd, byok for args, and says what it did.
func runChild(t *testing.T, cmd *exec.Cmd, args []string) childResult {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("start byok %s: %v", strings.Join(args, " "), err)
	}
	return childResult{args, code, out.String(), errb.String()}
}

// spawnAll starts one child per command line at once and returns their
// results in the same order. Child i starts stagger×i after the first.
func spawnAll(t *testing.T, home string, env []string, stdin []string, argv [][]string, stagger time.Duration) []childResult {
	t.Helper()
	gate := filepath.Join(t.TempDir(), "go")
	env = append(env[:len(env):len(env)], gateEnv+"="+gate)
	res := make([]childResult, len(argv))
	var wg sync.WaitGroup
	for i := range argv {
		env := append(env[:len(env):len(env)], fmt.Sprintf("%s=%d", delayEnv, (stagger*time.Duration(i)).Milliseconds()))
		wg.Go(func() { res[i] = spawn(t, home, env, stdin[i], argv[i]...) })
	}
	// Let the children start up, then open the gate for all at once.
	time.Sleep(300 * time.Millisecond)
	mustWrite(t, gate, nil)
	wg.Wait()
	return res
}

// Attack: six `byok keys add` processes at once on the file keyring, five
// rounds. Every one that says "Stored" must have its secret in the file.
func TestFileKeyringConcurrentWriters(t *testing.T) {
	const procs, rounds = 6, 5
	home := t.TempDir()
	mustWrite(t, filepath.Join(home, "config.toml"), []byte("keyring = \"file\"\n"))
	env := []string{"BYOK_PASSPHRASE=concurrent writers passphrase"}
	want := map[string]string{}
	for r := range rounds {
		var argv [][]string
		var stdin []string
		for p := range procs {
			label := fmt.Sprintf("r%dp%d", r, p)
			secret := fmt.Sprintf("sk-fake-concurrent-%s-%s", label, randomTail(16))
			want["openai/"+label] = secret
			argv = append(argv, []string{"keys", "add", "openai", "--label", label, "--no-validate"})
			stdin = append(stdin, secret+"\n")
		}
		for _, res := range spawnAll(t, home, env, stdin, argv, 0) {
			if res.code != 0 || !strings.Contains(res.out, "Stored") {
				t.Fatalf("byok %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(res.args, " "), res.code, res.out, res.err)
			}
		}
	}
	// Read every secret back through the keyring itself.
	t.Setenv("BYOK_HOME", home)
	t.Setenv("BYOK_PASSPHRASE", "concurrent writers passphrase")
	a, err := (&Factory{IO: &IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}}).App(t.Context())
	checkErr(t, err)
	defer a.Close()
	sec, err := a.Secrets()
	checkErr(t, err)
	missing := 0
	for account, secret := range want {
		got, err := sec.Get(t.Context(), account)
		if err != nil || got != secret {
			missing++
			t.Errorf("%s: %v (a writer reported it stored)", account, err)
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d secrets reported stored are missing from secrets.enc", missing, len(want))
	}
}

// Attack: six byok processes started together on a home that does not exist
// yet, several times over, a few milliseconds apart (so that some arrive
// while the first is halfway through the migrations). One creates and
// migrates the database, the others wait for it; none fails.
func TestConcurrentFirstOpens(t *testing.T) {
	const procs, rounds = 6, 12
	for r := range rounds {
		home := filepath.Join(t.TempDir(), fmt.Sprintf("home%d", r))
		argv := make([][]string, procs)
		stdin := make([]string, procs)
		for p := range procs {
			argv[p] = []string{"usage"}
			if p%2 == 1 {
				argv[p] = []string{"budget", "list"}
			}
		}
		for _, res := range spawnAll(t, home, nil, stdin, argv, time.Duration(r%4)*4*time.Millisecond) {
			if res.code != 0 {
				t.Fatalf("round %d: byok %s on a new home: exit %d\nstderr: %s", r, strings.Join(res.args, " "), res.code, res.err)
			}
		}
	}
}

// Attack: huge manual spend, ten times. Before, every entry was accepted
// and then every sum failed with "integer overflow" and nothing could
// remove the entries. Now the amount is refused, a large but accepted
// entry can be listed and removed, and totals stay readable.
func TestSpendCannotOverflowSums(t *testing.T) {
	c := newCLI(t, "")
	for range 10 {
		r := c.run("", "spend", "add", "openai", "1000000000")
		if r.code != exitUsage || !strings.Contains(r.err, "at most $1000000.00") {
			t.Fatalf("spend add openai 1000000000: exit %d, stderr %q; want exit 2 naming the limit", r.code, r.err)
		}
	}
	c.ok("", "budget", "set", "provider:openai", "100")
	for range 3 {
		c.ok("", "spend", "add", "openai", "1000000", "--note", "big")
	}
	for _, args := range [][]string{{"status"}, {"usage"}, {"budget", "list"}, {"log"}} {
		c.ok("", args...)
	}
	var rows []spendRow
	decode(t, c.ok("", "spend", "list", "--json"), &rows)
	if len(rows) != 3 || rows[0].CostUSD != "1000000" || rows[0].Note != "big" {
		t.Fatalf("spend list = %+v, want the three entries", rows)
	}
	out := c.ok("", "spend", "rm", strconv.FormatInt(rows[0].ID, 10))
	if !strings.Contains(out, "Removed spend entry") {
		t.Fatalf("spend rm: %q", out)
	}
	var usage []struct {
		CostUSD string `json:"cost_usd"`
	}
	decode(t, c.ok("", "usage", "--json"), &usage)
	if len(usage) != 1 || usage[0].CostUSD != "2000000" {
		t.Fatalf("usage after removing one entry = %+v, want $2,000,000", usage)
	}
	if r := c.run("", "spend", "rm", strconv.FormatInt(rows[0].ID, 10)); r.code != exitUsage || !strings.Contains(r.err, "spend list") {
		t.Fatalf("removing it again: exit %d, stderr %q", r.code, r.err)
	}
}

// Attack: dates outside what an int64 of nanoseconds holds were stored as
// other dates (0001-01-01 as today, 1677-09-21 as 2262). Every place a
// date is read refuses them, naming the accepted range, and stores nothing.
func TestDatesOutOfRangeAreRefused(t *testing.T) {
	c := newCLI(t, "")
	for _, args := range [][]string{
		{"spend", "add", "openai", "5", "--date", "0001-01-01"},
		{"spend", "add", "openai", "5", "--date", "1677-09-21"},
		{"spend", "add", "openai", "5", "--date", "1969-12-31"},
		{"usage", "--since", "0001-01-01"},
		{"usage", "--until", "9999-12-31"},
		{"log", "--since", "1677-09-21"},
		{"usage", "--since", "999999w"},
	} {
		r := c.run("", args...)
		if r.code != exitUsage || !strings.Contains(r.err, "1971-01-01 to 2261-12-31") {
			t.Errorf("byok %s: exit %d, stderr %q; want exit 2 naming the accepted range", strings.Join(args, " "), r.code, r.err)
		}
	}
	var rows []spendRow
	decode(t, c.ok("", "spend", "list", "--json"), &rows)
	if len(rows) != 0 {
		t.Fatalf("refused dates stored %d entries", len(rows))
	}
}

// hostile is text a hostile provider or proxy client sends: the clipboard
// (OSC 52) and window title (OSC 0) rewritten, the screen cleared, a C1
// control sequence, a carriage return that paints over the line.
const hostile = "\x1b]52;c;cGF5bG9hZA==\a\x1b]0;PWN\a\x1b[2J\u009b31m\rX"

// noControls fails when out holds anything a terminal would act on.
func noControls(t *testing.T, what, out string) {
	t.Helper()
	for _, r := range out {
		if r < 0x20 && r != '\n' && r != '\t' || r >= 0x7f && r <= 0x9f {
			t.Errorf("%s holds the control character U+%04X: %q", what, r, out)
			return
		}
	}
}

// Attack: control sequences from outside reach the terminal through the
// CLI. A reply, a model id from the provider's list, an error body and a
// model name stored by an earlier byok are printed by prompt, compare,
// models --live, log, usage and their CSV without them, keeping their
// text; JSON keeps the exact value (its encoder escapes them).
func TestControlSequencesNeverReachTheTerminal(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/models"):
			fmt.Fprintf(w, `{"object":"list","data":[{"id":%s,"object":"model"}]}`, jsonString("gpt-evil"+hostile))
		case strings.HasSuffix(r.URL.Path, "/chat/completions") && strings.Contains(readAll(r), "fail-model"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"error":{"message":%s,"type":"invalid_request_error"}}`, jsonString("bad model"+hostile))
		case strings.HasSuffix(r.URL.Path, "/chat/completions"):
			w.Header().Set("Content-Type", "text/event-stream")
			for _, text := range []string{"Hello", hostile, " there"} {
				chunk, _ := json.Marshal(map[string]any{"id": "c1", "object": "chat.completion.chunk", "model": "gpt-4o-mini",
					"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": text}}}})
				fmt.Fprintf(w, "data: %s\n\n", chunk)
			}
			fmt.Fprint(w, `data: {"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}`+"\n\ndata: [DONE]\n\n")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(up.Close)
	c := newCLI(t, fakeConfig(up.URL))
	t.Setenv("BYOK_PASSPHRASE", "control sequences passphrase")
	c.ok("sk-fake-control-key-0123456789abcd\n", "keys", "add", "fakeai", "--label", "work", "--no-validate")

	r := c.run("", "prompt", "-m", "fakeai/gpt-4o-mini", "say hello")
	if r.code != 0 || !strings.Contains(r.out, "Hello") || !strings.Contains(r.out, "PWN") && !strings.Contains(r.out, " there") {
		t.Fatalf("prompt: exit %d out %q err %q", r.code, r.out, r.err)
	}
	noControls(t, "prompt's reply", r.out)
	noControls(t, "prompt's stderr", r.err)
	r = c.run("", "compare", "-m", "fakeai/gpt-4o-mini", "-m", "fakeai/fail-model", "say hello")
	noControls(t, "compare's output", r.out)
	noControls(t, "compare's stderr", r.err)
	r = c.run("", "prompt", "-m", "fakeai/fail-model", "say hello")
	if r.code == 0 || !strings.Contains(r.err, "bad model") {
		t.Fatalf("a failing prompt: exit %d err %q", r.code, r.err)
	}
	noControls(t, "a provider error", r.err)
	out := c.ok("", "models", "fakeai", "--live")
	if !strings.Contains(out, "gpt-evil") {
		t.Fatalf("models --live: %q", out)
	}
	noControls(t, "models --live", out)

	// A model name with control sequences, as byok stored them before
	// entries were checked, and as a raw database may hold.
	st, err := store.Open(t.Context(), filepath.Join(c.home, "byok.db"), store.Options{})
	checkErr(t, err)
	evil := "gpt-4o-mini" + hostile
	_, err = st.Record(t.Context(), &store.Event{Time: time.Now(), Source: store.SourceProxy, Provider: "fakeai", Model: evil,
		Status: store.StatusError, ErrorClass: "bad_request", ErrorMessage: "echo" + hostile, CostState: "unpriced", Note: "n" + hostile})
	checkErr(t, err)
	checkErr(t, st.Close())
	for _, args := range [][]string{{"log"}, {"log", "--csv"}, {"usage", "--by", "model"}, {"usage", "--by", "model", "--csv"}, {"status"}} {
		noControls(t, "byok "+strings.Join(args, " "), c.ok("", args...))
	}
	var rows []logRow
	decode(t, c.ok("", "log", "--json"), &rows)
	found := false
	for _, row := range rows {
		found = found || row.Model == evil
	}
	if !found {
		t.Errorf("log --json does not keep the stored model name exactly: %+v", rows)
	}

	// New names with control characters are refused at every entry.
	for _, args := range [][]string{
		{"prompt", "-m", "fakeai/gpt-4o-mini" + hostile, "hi"},
		{"budget", "set", "model:fakeai/gpt" + hostile, "5"},
		{"pricing", "set", "fakeai/gpt" + hostile, "--input", "1", "--output", "2"},
		{"spend", "add", "fakeai", "1", "--note", "n" + hostile},
		{"keys", "add", "fakeai", "--label", "w" + hostile, "--no-validate"},
	} {
		r := c.run("sk-fake-control-key-0123456789abcd\n", args...)
		if r.code != exitUsage {
			t.Errorf("byok %q: exit %d, stderr %q; want exit 2", args, r.code, r.err)
		}
		noControls(t, fmt.Sprintf("the refusal of %q", args), r.err)
	}
}

// jsonString is s as a JSON string.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// readAll reads a request body for a fake upstream's routing.
func readAll(r *http.Request) string {
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

// Attack: a key shorter than the redactor's minimum was accepted and then
// echoed in full by errors quoting it. It is refused at entry, add and
// rotate alike, and stored nowhere.
func TestShortKeysAreRefused(t *testing.T) {
	c := newCLI(t, "keyring = \"file\"\n")
	t.Setenv("BYOK_PASSPHRASE", "short keys passphrase")
	r := c.run("sk-1234\n", "keys", "add", "openai", "--no-validate")
	if r.code != exitUsage || !strings.Contains(r.err, "only 7 characters") {
		t.Fatalf("a 7-character key: exit %d, stderr %q; want exit 2 saying it is too short", r.code, r.err)
	}
	if strings.Contains(r.err, "sk-1234") {
		t.Errorf("the refusal shows the key: %q", r.err)
	}
	c.ok("sk-fake-short-keys-0123456789\n", "keys", "add", "openai", "--no-validate")
	if r := c.run("sk-9876\n", "keys", "rotate", "1", "--no-validate"); r.code != exitUsage {
		t.Fatalf("rotating to a 7-character key: exit %d, stderr %q", r.code, r.err)
	}
}

// A failed `keys test` of a stored key says that the stored key was
// rejected and how to replace or remove it, not the add-time advice
// ("nothing was saved", "--no-validate").
func TestKeysTestAdvice(t *testing.T) {
	up := newFakeOpenAI(t, "sk-fake-keys-test-good-0123456789")
	c := newCLI(t, fakeConfig(up.srv.URL))
	t.Setenv("BYOK_PASSPHRASE", "keys test advice passphrase")
	c.ok("sk-fake-keys-test-revoked-0123456789\n", "keys", "add", "fakeai", "--label", "work", "--no-validate")
	r := c.run("", "keys", "test", "1")
	if r.code != exitKey {
		t.Fatalf("keys test of a rejected key: exit %d, stderr %q", r.code, r.err)
	}
	for _, want := range []string{"rejected the stored key fakeai/work", "byok keys rotate 1", "byok keys rm 1"} {
		if !strings.Contains(r.err, want) {
			t.Errorf("keys test says %q, want it to say %q", r.err, want)
		}
	}
	for _, wrong := range []string{"nothing was saved", "--no-validate"} {
		if strings.Contains(r.err, wrong) {
			t.Errorf("keys test gives the add-time advice %q: %q", wrong, r.err)
		}
	}
}

// An empty byok.db is treated alike by every command: status (a reader)
// and usage or spend add (writers) all make it a byok database, where
// status used to call it "not a byok database" while the others
// initialised it.
func TestEmptyDatabaseFile(t *testing.T) {
	for _, first := range [][]string{{"status"}, {"usage"}, {"spend", "add", "openai", "1"}} {
		c := newCLI(t, "")
		mustWrite(t, filepath.Join(c.home, "byok.db"), nil)
		if r := c.run("", first...); r.code != 0 {
			t.Fatalf("byok %s on an empty byok.db: exit %d, stderr %q", strings.Join(first, " "), r.code, r.err)
		}
		c.ok("", "status")
	}
}

// Alerts raised by `budget set` (a budget set below what is already spent)
// are announced like any other: the alert command runs once for the
// highest threshold crossed, and a later request does not announce them
// again.
func TestBudgetSetDeliversItsAlerts(t *testing.T) {
	ran := filepath.Join(t.TempDir(), "ran")
	c := newCLI(t, "[alerts]\ndesktop = false\nbell = false\ncommand = \"echo $BYOK_ALERT_THRESHOLD >> '"+ran+"'\"\n")
	c.ok("", "spend", "add", "openai", "9")
	out := c.ok("", "budget", "set", "all", "10")
	b, err := os.ReadFile(ran)
	if err != nil {
		t.Fatalf("budget set over spend already made did not run the alert command (%v); it printed %q", err, out)
	}
	if got := strings.TrimSpace(string(b)); got != "80" {
		t.Fatalf("the alert command ran with thresholds %q, want the highest crossed, 80", got)
	}
	c.ok("", "spend", "add", "openai", "0.01")
	if b2, _ := os.ReadFile(ran); string(b2) != string(b) {
		t.Fatalf("a later entry announced the alerts again: %q", b2)
	}
}
