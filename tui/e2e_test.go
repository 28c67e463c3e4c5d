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
	"github.com/byokhq/byok/internal/tmuxtest"
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

	shell := fmt.Sprintf("BYOK_HOME= %s demo --home %s --events 3000; echo EXIT=$?; sleep 60", bin, home)
	tm := tmuxtest.Start(t, "e2e", 120, 40, shell)
	// The server outlives its last session: each part below kills its
	// session and starts the next, which would otherwise race the server's
	// exit ("server exited unexpectedly").
	tm.Run("set-option", "-g", "exit-empty", "off")

	tm.WaitFor("Total $", "All budget", "%", "openai", "anthropic", "LAST 30 DAYS")

	views := []string{"to filter", "›Prompt", "Compare", "only their last 4 characters show", "SPENT OF LIMIT", "unacknowledged", "catalog of", "against the providers' bills", "All budget"}
	for _, want := range views {
		tm.Press("Tab", want)
	}
	tm.Press("?", "Everywhere", "next view")
	tm.Press("Escape", "LAST 30 DAYS")

	sendPrompt(tm, "fake/test-model", "say hello", "no price known")
	tm.WaitFor("Hello from the fake model", "ok · ")

	tm.Press("2", "fake/test-model")

	tm.Press("q", "EXIT=0")

	// A new user's empty home: the welcome screen's demo opens in a
	// throwaway home of its own, and q comes back with nothing recorded.
	empty := newHome(t, dir, "empty", "")
	tm.Restart(100, 30, fmt.Sprintf("BYOK_HOME= %s --home %s; echo EXIT=$?; sleep 60", bin, empty))
	tm.WaitFor("Welcome to byok", "look around the demo")
	tm.Press("d", "Total $", "LAST 30 DAYS", "anthropic")
	tm.Press("q", "Back in your own byok", "Welcome to byok")
	tm.Press("q", "EXIT=0")
	// A file keyring without BYOK_PASSPHRASE: the TUI asks in a dialog, not
	// with a prompt that would fight it for the terminal.
	locked := newHome(t, dir, "locked", fmt.Sprintf("keyring = \"file\"\n\n[providers.fake]\nkind = \"openai\"\nbase_url = %q\n", srv.URL+"/v1"))
	add := exec.Command(bin, "--home", locked, "keys", "add", "fake", "--label", "work", "--no-validate")
	add.Env = append(os.Environ(), "BYOK_HOME=", "BYOK_PASSPHRASE=e2e passphrase")
	add.Stdin = strings.NewReader("sk-e2e-file-keyring-0123456789abcd\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("keys add: %v\n%s", err, out)
	}
	tm.Restart(100, 30, fmt.Sprintf("BYOK_HOME= BYOK_PASSPHRASE= %s --home %s; echo EXIT=$?; sleep 60", bin, locked))
	tm.WaitFor("Nothing spent in this period")
	sendPrompt(tm, "fake/test-model", "say hello", "fake/work")
	tm.WaitFor("Unlock the file keyring", "Passphrase")
	tm.Keys("-l", "e2e passphrase")
	tm.Press("Enter", "Hello from the fake model", "ok · ")
	if screen := tm.Screen(); strings.Contains(screen, "e2e passphrase") || strings.Contains(screen, "Passphrase for the byok") {
		t.Fatalf("the passphrase or a terminal prompt is on the screen:\n%s", screen)
	}
	tm.Press("q", "EXIT=0")

	a := openHome(t, empty)
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
	tm := tmuxtest.Start(t, "demo", 120, 40,
		fmt.Sprintf("BYOK_HOME= %s --home %s --init demo --events 3000; echo EXIT=$?; sleep 60", bin, home))
	tm.Run("set-option", "-g", "exit-empty", "off")

	// The first frame: the month's spend, per provider, and the chart.
	tm.WaitFor("Total $", "All budget", "anthropic", "openai", "LAST 30 DAYS")

	// The demo's simulated providers turn a request away or cut it now and
	// then, by a hash of the request and its number in the process; these
	// prompts are ones it lets through as the process's first three
	// requests (whichever of Compare's two goes first).
	sentAt := time.Now()
	sendPrompt(tm, "openai/gpt-4o-mini", "Say hello to the end-to-end test", "openai/work")
	tm.WaitForRe(`ok · \d+ prompt · \d+ out · \$0\.0\d+ computed`, `offline demo reply from openai/gpt-4o-mini`)
	// Sent, the prompt is no longer being edited: the global keys are back.
	tm.WaitFor("? help")

	tm.Press("4", "press a to add")
	for i, model := range []string{"openai/gpt-4o-mini", "anthropic/claude-haiku-4-5"} {
		tm.Press("a", "type to filter")
		tm.Keys("-l", model)
		tm.Press("Enter", fmt.Sprintf("%d %s", i+1, model))
	}
	tm.Keys("Enter")
	tm.Keys("-l", "Which of you is cheaper?")
	tm.Keys("C-s")
	// The summary: a row per model with its status and cost.
	tm.WaitForRe(`(?m)^openai/gpt-4o-mini +ok +\$0\.0\d+`, `(?m)^anthropic/claude-haiku-4-5 +ok +\$0\.0\d+`)
	tm.WaitFor("? help")
	// The replies are drawn as markdown, as the Playground draws them.
	tm.WaitFor("offline demo")
	if screen := tm.Screen(); strings.Contains(screen, "**") {
		t.Fatalf("Compare shows a reply's raw markdown:\n%s", screen)
	}

	// Keys: t checks the key under the cursor with its provider.
	tm.Press("5", "only their last 4 characters show", "anthropic")
	tm.Keys("t")
	tm.WaitForRe(`✓ anthropic/\S+ works`, `just now (ok|rotate)`)

	// The period's total leads to its requests, and back.
	tm.Press("1", "LAST 30 DAYS")
	tm.Press("Up", "enter list the requests")
	tm.Keys("Enter")
	tm.WaitForRe(`filter \w{3} \d+ – \w{3} \d+ \d{4} · [\d,]+ requests, \$[\d.]+`, `esc back to the dashboard`)
	tm.Press("Escape", "LAST 30 DAYS")
	// A provider, one of its models, the model's requests; back twice.
	tm.Press("Down", "enter models & keys")
	tm.Press("Enter", "models and keys in this period", "MODEL", "KEY")
	tm.Keys("Down")
	tm.Keys("Enter")
	tm.WaitForRe(`filter model:\S+ · \w{3} \d+ – \w{3} \d+ \d{4}`)
	tm.Press("BSpace", "models and keys in this period")
	tm.Press("BSpace", "LAST 30 DAYS", "enter models & keys")

	// History sorted by cost, dearest first: over every request, so the
	// first row is the dearest the store holds (checked below).
	tm.Press("2", "to filter by provider")
	for range 5 {
		tm.Keys("s")
	}
	// The header turns at once; the rows follow when the store answers.
	var costs []string
	tm.WaitUntil("History sorted by cost, dearest first", func(screen string) bool {
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
	tm.Press("6", "SPENT OF LIMIT")
	tm.Press("a", "Add a budget", "Scope")
	tm.Keys("Enter")
	tm.Keys("-l", "12.5.0")
	tm.Press("Enter", "Add a budget", "✗ Amount (USD)", "> 12.5.0", "not a dollar amount")
	tm.Keys("BSpace", "BSpace")
	tm.WaitFor("> 12.5 ")
	if screen := tm.Screen(); strings.Contains(screen, "✗ Amount") {
		t.Fatalf("the mark stayed after the value was put right:\n%s", screen)
	}
	tm.Press("Escape", "SPENT OF LIMIT")

	tm.Press("q", "EXIT=0")

	// What the screen showed against the store: the three requests sent
	// were recorded, and the sorted History began with the dearest.
	a := openHome(t, home)
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

// sendPrompt picks model in the playground, waits for it and for picked
// (what the playground shows about it), and sends text.
func sendPrompt(tm *tmuxtest.Session, model, text string, picked ...string) {
	tm.Keys("3", "m")
	tm.WaitFor("type to filter")
	tm.Keys("-l", model)
	tm.Press("Enter", append([]string{"Model   " + model}, picked...)...)
	tm.Keys("Enter")
	tm.Keys("-l", text)
	tm.Keys("C-s")
}

// openHome opens home read-only, to check what a run recorded there.
func openHome(t *testing.T, home string) *app.App {
	t.Helper()
	a, err := app.Open(context.Background(), app.Options{Home: home, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

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

// newHome makes the byok home dir/name, with config as its config.toml
// unless that is empty.
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
