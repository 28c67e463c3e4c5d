package tui

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/store"
)

// TestEndToEndInTmux runs the real binary in a tmux pane and uses it as a
// person would: it reads the dashboard, visits every view, sends a prompt
// to a fake provider in the playground, finds it in the history and quits.
func TestEndToEndInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and drives it in tmux")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed; the end-to-end test needs it (CI installs it)")
	}
	srv := fakeOpenAI(t, "Hello from the fake model, end to end.", false)
	dir := t.TempDir()
	home := newHome(t, dir, "home", fmt.Sprintf("store_text = true\n\n[providers.fake]\nkind = \"openai\"\nbase_url = %q\nno_key = true\n", srv.URL+"/v1"))
	bin := buildByok(t, dir)

	// The socket is this process's own: temporary directories of two test
	// runs at once end alike ("001").
	tm := &tmux{t: t, socket: fmt.Sprintf("byok-e2e-%d-%s", os.Getpid(), filepath.Base(dir))}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", tm.socket, "kill-server").Run() })
	shell := fmt.Sprintf("BYOK_HOME= %s demo --home %s --events 3000; echo EXIT=$?; sleep 60", bin, home)
	tm.run("new-session", "-d", "-s", "byok", "-x", "120", "-y", "40", shell)
	// The server outlives its last session: each part below kills its
	// session and starts the next, which would otherwise race the server's
	// exit ("server exited unexpectedly").
	tm.run("set-option", "-g", "exit-empty", "off")

	tm.waitFor("Total $", "All budget", "%", "openai", "anthropic", "LAST 30 DAYS")

	views := []string{"to filter", "›Prompt", "Compare", "only their last 4 characters show", "SPENT OF LIMIT", "unacknowledged", "catalog of", "All budget"}
	for _, want := range views {
		tm.keys("Tab")
		tm.waitFor(want)
	}
	tm.keys("?")
	tm.waitFor("Everywhere", "next view")
	tm.keys("Escape")
	tm.waitFor("LAST 30 DAYS")

	tm.send("fake/test-model", "say hello", "no price known")
	tm.waitFor("Hello from the fake model", "ok · ")

	tm.keys("2")
	tm.waitFor("fake/test-model")

	tm.keys("q")
	tm.waitFor("EXIT=0")

	// A new user's empty home: the welcome screen's demo opens in a
	// throwaway home of its own, and q comes back with nothing recorded.
	empty := newHome(t, dir, "empty", "")
	tm.restart(100, 30, fmt.Sprintf("BYOK_HOME= %s --home %s; echo EXIT=$?; sleep 60", bin, empty))
	tm.waitFor("Welcome to byok", "look around the demo")
	tm.keys("d")
	tm.waitFor("Total $", "LAST 30 DAYS", "anthropic")
	tm.keys("q")
	tm.waitFor("Back in your own byok", "Welcome to byok")
	tm.keys("q")
	tm.waitFor("EXIT=0")
	// A file keyring without BYOK_PASSPHRASE: the TUI asks in a dialog, not
	// with a prompt that would fight it for the terminal.
	locked := newHome(t, dir, "locked", fmt.Sprintf("keyring = \"file\"\n\n[providers.fake]\nkind = \"openai\"\nbase_url = %q\n", srv.URL+"/v1"))
	add := exec.Command(bin, "--home", locked, "keys", "add", "fake", "--label", "work", "--no-validate")
	add.Env = append(os.Environ(), "BYOK_HOME=", "BYOK_PASSPHRASE=e2e passphrase")
	add.Stdin = strings.NewReader("sk-e2e-file-keyring-0123456789abcd\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("keys add: %v\n%s", err, out)
	}
	tm.restart(100, 30, fmt.Sprintf("BYOK_HOME= BYOK_PASSPHRASE= %s --home %s; echo EXIT=$?; sleep 60", bin, locked))
	tm.waitFor("Nothing spent in this period")
	tm.send("fake/test-model", "say hello", "fake/work")
	tm.waitFor("Unlock the file keyring", "Passphrase")
	tm.keys("-l", "e2e passphrase")
	tm.keys("Enter")
	tm.waitFor("Hello from the fake model", "ok · ")
	if screen := tm.run("capture-pane", "-p", "-t", "byok"); strings.Contains(screen, "e2e passphrase") || strings.Contains(screen, "Passphrase for the byok") {
		t.Fatalf("the passphrase or a terminal prompt is on the screen:\n%s", screen)
	}
	tm.keys("q")
	tm.waitFor("EXIT=0")

	a, err := app.Open(context.Background(), app.Options{Home: empty, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if es, err := a.Store.Events(context.Background(), storeFilterOne); err != nil || len(es) != 0 {
		t.Fatalf("the user's home holds %d events after the demo (%v)", len(es), err)
	}
}

// TestDemoEndToEndInTmux runs `byok demo` on a fresh home in a 120×40
// pane and takes the path a new user takes through it: the first frame,
// a Playground send, a Compare of two models, a key test, a drill-down
// from a dashboard total to the requests behind it and back, sorting
// History, and a form that refuses a value without losing it.
func TestDemoEndToEndInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and drives it in tmux")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed; the end-to-end test needs it (CI installs it)")
	}
	dir := t.TempDir()
	home := filepath.Join(dir, "fresh")
	bin := buildByok(t, dir)
	tm := &tmux{t: t, socket: fmt.Sprintf("byok-demo-%d-%s", os.Getpid(), filepath.Base(dir))}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", tm.socket, "kill-server").Run() })
	tm.run("new-session", "-d", "-s", "byok", "-x", "120", "-y", "40",
		fmt.Sprintf("BYOK_HOME= %s --home %s --init demo --events 3000; echo EXIT=$?; sleep 60", bin, home))
	tm.run("set-option", "-g", "exit-empty", "off")

	// The first frame: the month's spend, per provider, and the chart.
	tm.waitFor("Total $", "All budget", "anthropic", "openai", "LAST 30 DAYS")

	// The demo's simulated providers turn a request away or cut it now and
	// then, by a hash of the request and its number in the process; these
	// prompts are ones it lets through as the process's first three
	// requests (whichever of Compare's two goes first).
	sentAt := time.Now()
	tm.send("openai/gpt-4o-mini", "Say hello to the end-to-end test", "openai/work")
	tm.waitForRe(`ok · \d+ in · \d+ out · \$0\.0\d+ computed`, `offline demo reply from openai/gpt-4o-mini`)
	// Sent, the prompt is no longer being edited: the global keys are back.
	tm.waitFor("? help")

	tm.keys("4")
	tm.waitFor("press a to add")
	for i, model := range []string{"openai/gpt-4o-mini", "anthropic/claude-haiku-4-5"} {
		tm.keys("a")
		tm.waitFor("type to filter")
		tm.keys("-l", model)
		tm.keys("Enter")
		tm.waitFor(fmt.Sprintf("%d %s", i+1, model))
	}
	tm.keys("Enter")
	tm.keys("-l", "Which of you is cheaper?")
	tm.keys("C-s")
	// The summary: a row per model with its status and cost.
	tm.waitForRe(`(?m)^openai/gpt-4o-mini +ok +\$0\.0\d+`, `(?m)^anthropic/claude-haiku-4-5 +ok +\$0\.0\d+`)
	tm.waitFor("? help")

	// Keys: t checks the key under the cursor with its provider.
	tm.keys("5")
	tm.waitFor("only their last 4 characters show", "anthropic")
	tm.keys("t")
	tm.waitForRe(`✓ anthropic/\S+ works`, `just now (ok|rotate)`)

	// The period's total leads to its requests, and back.
	tm.keys("1")
	tm.waitFor("LAST 30 DAYS")
	tm.keys("Up")
	tm.waitFor("enter list the requests")
	tm.keys("Enter")
	tm.waitForRe(`filter \w{3} \d+ – \w{3} \d+ \d{4}  \(esc back to the dashboard`)
	tm.keys("Escape")
	tm.waitFor("LAST 30 DAYS")
	// A provider, one of its models, the model's requests; back twice.
	tm.keys("Down")
	tm.waitFor("enter models & keys")
	tm.keys("Enter")
	tm.waitFor("models and keys in this period", "MODEL", "KEY")
	tm.keys("Down")
	tm.keys("Enter")
	tm.waitForRe(`filter model:\S+ · \w{3} \d+ – \w{3} \d+ \d{4}`)
	tm.keys("BSpace")
	tm.waitFor("models and keys in this period")
	tm.keys("BSpace")
	tm.waitFor("LAST 30 DAYS", "enter models & keys")

	// History sorted by cost, dearest first: over every request, so the
	// first row is the dearest the store holds (checked below).
	tm.keys("2")
	tm.waitFor("to filter by provider")
	for range 5 {
		tm.keys("s")
	}
	// The header turns at once; the rows follow when the store answers.
	var costs []string
	tm.poll("History sorted by cost, dearest first", func(screen string) bool {
		if !strings.Contains(screen, "COST ▼") {
			return false
		}
		costs = costs[:0]
		var prev money.USD = -1
		for _, line := range strings.Split(screen, "\n") {
			row, _, _ := strings.Cut(line, "│")
			m := costCell.FindStringSubmatch(row)
			if m == nil {
				continue
			}
			c, err := money.ParseDecimal(strings.TrimLeft(m[1], "~$"), 0)
			if err != nil || prev >= 0 && c > prev {
				return false
			}
			prev = c
			costs = append(costs, m[1])
		}
		return len(costs) >= 10
	})

	// A refused value keeps the form open, the field marked, the value
	// there to be put right.
	tm.keys("6")
	tm.waitFor("SPENT OF LIMIT")
	tm.keys("a")
	tm.waitFor("Add a budget", "Scope")
	tm.keys("Enter")
	tm.keys("-l", "12.5.0")
	tm.keys("Enter")
	tm.waitFor("Add a budget", "✗ Amount (USD)", "> 12.5.0", "not a dollar amount")
	tm.keys("BSpace", "BSpace")
	tm.waitFor("> 12.5 ")
	if screen := tm.run("capture-pane", "-p", "-t", "byok"); strings.Contains(screen, "✗ Amount") {
		t.Fatalf("the mark stayed after the value was put right:\n%s", screen)
	}
	tm.keys("Escape")
	tm.waitFor("SPENT OF LIMIT")

	tm.keys("q")
	tm.waitFor("EXIT=0")

	// What the screen showed against the store: the three requests sent
	// were recorded, and the sorted History began with the dearest.
	a, err := app.Open(context.Background(), app.Options{Home: home, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	all, err := a.Store.Events(context.Background(), store.Filter{Order: store.EventOrder{By: store.OrderCost}, Limit: 1})
	if err != nil || len(all) != 1 {
		t.Fatalf("read the dearest request: %v", err)
	}
	if want := pricing.FormatCost(all[0].Cost, all[0].CostState, pricing.Screen); costs[0] != want {
		t.Errorf("the sorted History starts at %s; the dearest request costs %s", costs[0], want)
	}
	sent, err := a.Store.Events(context.Background(), store.Filter{Scope: store.Scope{Source: store.SourceTUI}, Since: sentAt, Limit: 10})
	if err != nil || len(sent) != 3 {
		t.Fatalf("the store holds %d requests sent from the TUI, want 3 (%v)", len(sent), err)
	}
}

// costCell finds the COST cell of a History row: the first amount after
// the status and the tokens.
var costCell = regexp.MustCompile(`(?:ok|error|cancelled|partial) +[\d.k]* +(~?\$[\d.]+)`)

type tmux struct {
	t      *testing.T
	socket string
}

func (tm *tmux) run(args ...string) string {
	tm.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", tm.socket}, args...)...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// restart replaces the session "byok" by a new one running shell. The new
// session starts before the old one is killed: a server left without
// sessions exits, and a new-session racing its exit fails.
func (tm *tmux) restart(w, h int, shell string) {
	tm.t.Helper()
	tm.run("new-session", "-d", "-s", "byok-next", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), shell)
	tm.run("kill-session", "-t", "byok")
	tm.run("rename-session", "-t", "byok-next", "byok")
}

// send picks model in the playground, waits for it and for picked (what
// the playground shows about it), and sends text.
func (tm *tmux) send(model, text string, picked ...string) {
	tm.t.Helper()
	tm.keys("3", "m")
	tm.waitFor("type to filter")
	tm.keys("-l", model)
	tm.keys("Enter")
	tm.waitFor(append([]string{"Model   " + model}, picked...)...)
	tm.keys("Enter")
	tm.keys("-l", text)
	tm.keys("C-s")
}

// keys sends keys to the pane ("-l" first sends the rest literally).
func (tm *tmux) keys(keys ...string) {
	tm.t.Helper()
	tm.run(append([]string{"send-keys", "-t", "byok"}, keys...)...)
}

// waitFor polls the pane until it shows every one of want, for at most
// 30 seconds, and returns the screen.
func (tm *tmux) waitFor(want ...string) string {
	tm.t.Helper()
	return tm.poll(fmt.Sprintf("%q", want), func(screen string) bool {
		for _, w := range want {
			if !strings.Contains(screen, w) {
				return false
			}
		}
		return true
	})
}

// waitForRe polls the pane until every one of the patterns matches it.
func (tm *tmux) waitForRe(patterns ...string) string {
	tm.t.Helper()
	res := make([]*regexp.Regexp, len(patterns))
	for i, p := range patterns {
		res[i] = regexp.MustCompile(p)
	}
	return tm.poll(fmt.Sprintf("%q", patterns), func(screen string) bool {
		for _, re := range res {
			if !re.MatchString(screen) {
				return false
			}
		}
		return true
	})
}

// poll captures the pane every 100ms until ok holds, for at most 30
// seconds, and returns the screen; what names the wait for the failure.
func (tm *tmux) poll(what string, ok func(string) bool) string {
	tm.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var screen string
	for time.Now().Before(deadline) {
		screen = tm.run("capture-pane", "-p", "-t", "byok")
		if ok(screen) {
			return screen
		}
		time.Sleep(100 * time.Millisecond)
	}
	tm.t.Fatalf("the pane never showed %s; last screen:\n%s", what, screen)
	return ""
}

// newHome makes the byok home dir/name, with config as its config.toml
// unless that is empty.
// buildByok builds the byok binary into dir and returns its path.
func buildByok(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "byok")
	build := exec.Command("go", "build", "-o", bin, "./cmd/byok")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build byok: %v\n%s", err, out)
	}
	return bin
}

func newHome(t *testing.T, dir, name, config string) string {
	t.Helper()
	home := filepath.Join(dir, name)
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	if config != "" {
		if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return home
}
