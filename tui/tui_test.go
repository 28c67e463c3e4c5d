package tui

import (
	"context"
	"errors"
	"image/color"
	"os/exec"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/store"
)

func TestGlobalKeys(t *testing.T) {
	a := testApp(t, "", true)
	tests := []struct {
		name string
		keys []string
		want pageID
		help bool
		quit bool
	}{
		{name: "tab moves to the next view", keys: []string{"tab"}, want: pageHistory},
		{name: "tab wraps around", keys: []string{"9", "tab"}, want: pageDashboard},
		{name: "shift+tab goes back", keys: []string{"shift+tab"}, want: pageReconcile},
		{name: "a digit jumps", keys: []string{"5"}, want: pageKeys},
		{name: "9 jumps to Reconcile", keys: []string{"9"}, want: pageReconcile},
		{name: "? opens the full help", keys: []string{"?"}, want: pageDashboard, help: true},
		{name: "esc closes the help", keys: []string{"?", "esc"}, want: pageDashboard},
		{name: "q quits", keys: []string{"q"}, want: pageDashboard, quit: true},
		{name: "ctrl+c quits", keys: []string{"ctrl+c"}, want: pageDashboard, quit: true},
		{name: "q in a text field is text", keys: []string{"3", "enter", "q"}, want: pagePlayground},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t, a, Options{Now: fixedClock}, 80, 24)
			hs.press(tt.keys...)
			if hs.m.active != tt.want {
				t.Errorf("active view = %s, want %s", hs.m.active, tt.want)
			}
			if hs.m.showHelp != tt.help {
				t.Errorf("help shown = %v, want %v", hs.m.showHelp, tt.help)
			}
			if hs.quit != tt.quit {
				t.Errorf("quit = %v, want %v", hs.quit, tt.quit)
			}
		})
	}
}

func TestOnboarding(t *testing.T) {
	a := testApp(t, "", false)
	hs := newHarness(t, a, Options{Now: fixedClock}, 80, 24)
	if hs.m.active != pageOnboarding {
		t.Fatalf("an empty database opens %s, want the welcome screen", hs.m.active)
	}
	hs.contains("Welcome to byok", "look around the demo")
	hs.press("p")
	if hs.m.active != pagePlayground {
		t.Fatalf("p opened %s, want the playground", hs.m.active)
	}
	hs.press("1")
	hs.contains("Nothing spent in this period.")
}

// The welcome screen's demo runs as a program of its own (the end-to-end
// test runs the real one): nothing lands in the user's home.
func TestOnboardingDemo(t *testing.T) {
	a := testApp(t, "", false)
	var ran []string
	demo := func() *exec.Cmd {
		c := exec.Command("true", "demo")
		ran = append(ran, strings.Join(c.Args[1:], " "))
		return c
	}
	hs := newHarness(t, a, Options{Now: fixedClock, DemoCommand: demo}, 80, 24)
	hs.contains("look around the demo")
	hs.press("d")
	if len(ran) != 1 || ran[0] != "demo" {
		t.Fatalf("d ran %q, want the demo once", ran)
	}
	hs.send(demoExitedMsg{})
	hs.contains("Back in your own byok", "Welcome to byok")
	if es, err := a.Store.Events(context.Background(), storeFilterOne); err != nil || len(es) != 0 {
		t.Fatalf("the user's home holds %d events after the demo (%v)", len(es), err)
	}
	hs.send(demoExitedMsg{err: errors.New("exit status 1")})
	hs.contains("the demo ended with exit status 1")
}

func TestDashboard(t *testing.T) {
	a := testApp(t, "", true)
	hs := newHarness(t, a, Options{Now: fixedClock}, 120, 40)
	hs.contains("Month", "Total $", "All budget (monthly)", "unacknowledged alert", "LAST 30 DAYS", "prices of ")
	d := hs.m.pages[pageDashboard].(*dashboard)
	month := d.sum.Total.Cost

	hs.press("t")
	if d.sum.Period != "today" || d.sum.Total.Cost >= month {
		t.Errorf("today: period %q total %s, want today's total below the month's %s", d.sum.Period, d.sum.Total.Cost, month)
	}
	hs.contains("Today")

	// A result for an earlier request is dropped.
	stale := summaryMsg{result: result{pageDashboard, d.reqID - 1}, sum: d.sum}
	stale.sum.Total.Cost = 999 * money.Dollar
	hs.send(stale)
	if d.sum.Total.Cost == 999*money.Dollar {
		t.Fatal("a stale summary replaced the current one")
	}

	// A custom range through the form: the last 7 days up to now.
	hs.press("c")
	hs.contains("Custom range", "From")
	hs.press("enter", "enter")
	if hs.m.dialog != nil || d.sum.Period != "custom" {
		t.Fatalf("after the custom form: dialog open %v, period %q", hs.m.dialog != nil, d.sum.Period)
	}
	if want := testNow.Add(-7 * 24 * time.Hour); !d.sum.From.Equal(want) || !d.sum.To.Equal(testNow) {
		t.Errorf("custom range %s – %s, want %s – %s", d.sum.From, d.sum.To, want, testNow)
	}
	hs.contains("Custom", "[c]ustom")

	hs.press("m", "enter")
	if d.drill != d.sum.Providers[0].Key || len(d.models) == 0 || len(d.keysOfProv) == 0 {
		t.Fatalf("enter drilled into %q with %d models and %d keys", d.drill, len(d.models), len(d.keysOfProv))
	}
	hs.contains("models and keys in this period", "MODEL", "KEY")
	hs.press("esc")
	hs.lacks("models and keys in this period")
}

func TestDashboardRefreshesOnWrites(t *testing.T) {
	a := testApp(t, "", true)
	hs := newHarness(t, a, Options{Now: fixedClock}, 80, 24)
	ctx := context.Background()
	v0, err := a.Store.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hs.deliver(pollMsg{version: v0})
	d := hs.m.pages[pageDashboard].(*dashboard)
	before := d.sum.Total.Cost

	// Another process writes: a second app on the same home.
	other := testAppAt(t, a.DataDir())
	if _, err := other.AddSpend(ctx, "openai", 3*money.Dollar, "invoice", testNow.Add(-1)); err != nil {
		t.Fatal(err)
	}
	v1, err := a.Store.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v1 == v0 {
		t.Fatal("the data version did not move after another connection wrote")
	}
	hs.deliver(pollMsg{version: v1})
	if d.sum.Total.Cost != before+3*money.Dollar {
		t.Fatalf("after a write elsewhere the dashboard shows %s, want %s", d.sum.Total.Cost, before+3*money.Dollar)
	}
}

func TestHistory(t *testing.T) {
	a := testApp(t, "", true)
	hs, h := openPage[*history](t, a, pageHistory, 80, 24)
	if len(h.list) != historyPage {
		t.Fatalf("history loaded %d events, want a page of %d", len(h.list), historyPage)
	}

	hs.press("/")
	hs.typeText("status:error")
	hs.press("enter")
	if len(h.list) == 0 {
		t.Fatal("no failed request in the demo data")
	}
	for _, e := range h.list {
		if e.Status != store.StatusError {
			t.Fatalf("filter status:error listed a %s event", e.Status)
		}
	}
	hs.contains("filter status:error", "error")

	hs.press("enter")
	hs.contains("TOKENS", "COST", "latency", "first token", "R re-runs this request")
	if h.detail == nil || h.detail.ID != h.list[0].ID {
		t.Fatal("enter did not load the event under the cursor")
	}

	hs.press("R")
	if hs.m.active != pagePlayground {
		t.Fatalf("R opened %s, want the playground", hs.m.active)
	}
	p := hs.m.pages[pagePlayground].(*playground)
	if want := h.list[0].Provider + "/" + h.list[0].Model; p.model != want {
		t.Errorf("the playground got model %q, want %q", p.model, want)
	}

	hs.press("2", "esc", "x")
	if h.query != "" || len(h.list) != historyPage {
		t.Errorf("clearing the filter left %q with %d events", h.query, len(h.list))
	}
}

func TestHistoryWide(t *testing.T) {
	a := testApp(t, "", true)
	hs, h := openPage[*history](t, a, pageHistory, 120, 40)
	hs.contains("TOKENS", "COST", "price catalog:")
	first := h.detail.ID
	hs.press("down")
	if h.cursor != 1 || h.detail == nil || h.detail.ID == first {
		t.Fatalf("down: cursor %d, detail follows the cursor: %v", h.cursor, h.detail != nil && h.detail.ID != first)
	}
	hs.press("enter", "down")
	if h.cursor != 1 {
		t.Errorf("with the pane focused, down moved the list to %d", h.cursor)
	}
	hs.contains("scroll the details")
	hs.press("esc", "down")
	if h.cursor != 2 {
		t.Errorf("after esc, down moved the list to %d, want 2", h.cursor)
	}
}

func TestParseFilter(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 12, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name    string
		in      string
		want    store.Filter
		key     string
		wantErr string
	}{
		{name: "empty", in: "", want: store.Filter{}},
		{name: "free text", in: "timeout again", want: store.Filter{Text: "timeout again"}},
		{name: "provider and status", in: "provider:OpenAI status:cancelled", want: store.Filter{Scope: store.Scope{Provider: "openai"}, Status: store.StatusCancelled}},
		{name: "model names its provider", in: "model:anthropic/claude-haiku-4-5", want: store.Filter{Scope: store.Scope{Provider: "anthropic", Model: "claude-haiku-4-5"}}},
		{name: "key and source", in: "key:openai/work source:proxy", key: "openai/work", want: store.Filter{Scope: store.Scope{Source: store.SourceProxy}}},
		{name: "imported source", in: "source:claude-code", want: store.Filter{Scope: store.Scope{Source: "claude-code"}}},
		{name: "reconciled source", in: "source:Reconciled", want: store.Filter{Scope: store.Scope{Source: store.SourceReconciled}}},
		{name: "bad source", in: "source:bogus", wantErr: "use tui, cli, proxy, manual, reconciled, claude-code, codex, gemini-cli or opencode"},
		{name: "bad status", in: "status:weird", wantErr: "use ok, error, cancelled or partial"},
		{name: "model without provider", in: "model:gpt-4o", wantErr: "needs its provider"},
		{name: "period", in: "since:2026-12-01 until:2026-12-07 key:none", want: store.Filter{NoKey: true, Since: day(1), Until: day(7)}},
		{name: "bad time", in: "since:yesteryear", wantErr: "since:yesteryear"},
		{name: "period backwards", in: "since:2026-12-07 until:2026-12-01", wantErr: "must come before"},
	}
	// Times are read as the app reads them; a plain date reader stands in.
	parse := func(s string) (time.Time, error) { return time.Parse(time.DateOnly, s) }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, key, err := parseFilter(tt.in, parse)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || key != tt.key {
				t.Errorf("parseFilter(%q) = %+v key %q, want %+v key %q", tt.in, got, key, tt.want, tt.key)
			}
		})
	}
}

func TestMouse(t *testing.T) {
	a := testApp(t, "", true)
	// Left clicks at x, y on the 80-column screen.
	tests := []struct {
		name string
		x, y int
		want pageID
	}{
		{name: "click on the Keys tab", x: 34, y: 0, want: pageKeys},
		{name: "click on the Recon tab", x: 75, y: 0, want: pageReconcile},
		{name: "click on the Dash tab", x: 2, y: 0, want: pageDashboard},
		{name: "click below the tabs", x: 39, y: 5, want: pageDashboard},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t, a, Options{Now: fixedClock}, 80, 24)
			hs.send(tea.MouseClickMsg{X: tt.x, Y: tt.y, Button: tea.MouseLeft})
			if hs.m.active != tt.want {
				t.Errorf("active = %s, want %s", hs.m.active, tt.want)
			}
		})
	}
	t.Run("the wheel moves the cursor", func(t *testing.T) {
		hs := newHarness(t, a, Options{StartView: "history", Now: fixedClock}, 80, 24)
		hs.send(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
		hs.send(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
		if c := hs.m.pages[pageHistory].(*history).cursor; c != 2 {
			t.Errorf("cursor = %d after two wheel turns, want 2", c)
		}
	})
}

func TestBackgroundColour(t *testing.T) {
	a := testApp(t, "", true)
	tests := []struct {
		name string
		bg   color.Color
		dark bool
	}{
		{name: "light terminal", bg: color.White, dark: false},
		{name: "dark terminal", bg: color.Black, dark: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hs := newHarness(t, a, Options{StartView: "playground", Now: fixedClock}, 80, 24)
			hs.send(tea.BackgroundColorMsg{Color: tt.bg})
			if hs.m.c.st.dark != tt.dark {
				t.Errorf("styles dark = %v, want %v", hs.m.c.st.dark, tt.dark)
			}
			hs.contains("Prompt")
		})
	}
}

// Below 75 columns the dashboard drops its bars rather than the names.
func TestDashboardNarrow(t *testing.T) {
	a := testApp(t, "", true)
	hs := newHarness(t, a, Options{Now: fixedClock}, 60, 18)
	hs.contains("PROVIDER", "openai", "anthropic", "%")
	hs.lacks("ope…", "ant…")
}

// A figure is never cut: its column widens at the name column's expense.
func TestTableKeepsFiguresWhole(t *testing.T) {
	st := newStyles(true)
	cols := []col{{"PROVIDER", 0, false}, {"SPEND", 6, true}}
	out := ansi.Strip(st.table(cols, [][]string{{"openai", "$0.00004425"}, {"anthropic", "$1.20"}}, 30, 5, -1, 0))
	if !strings.Contains(out, "$0.00004425") || strings.Contains(out, "…") {
		t.Fatalf("the table cut a figure:\n%s", out)
	}
}

// A budget bar is drawn in the colour of its state's figure (the dark
// palette here), and a row with no budget draws a muted one.
func TestBarColourFollowsState(t *testing.T) {
	st := newStyles(true)
	seen := map[string]string{}
	for state, hex := range map[string]string{"ok": "#5FD38D", "warn": "#F2C14E", "over": "#FF6B6B", "": "#8A8A8A"} {
		got := st.bar(1, 3, state)
		want := lipgloss.NewStyle().Foreground(lipgloss.Color(hex)).Render("███")
		if !strings.HasPrefix(got, want) {
			t.Errorf("bar of state %q = %q, want it to start %q", state, got, want)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("states %q and %q draw the same bar", state, other)
		}
		seen[got] = state
	}
}
