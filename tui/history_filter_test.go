package tui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/byokhq/byok/agentlog"
	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/store"
)

// allStatus reports whether every listed request has status s.
func allStatus(h *history, s store.Status) bool {
	return len(h.list) > 0 && !slices.ContainsFunc(h.list, func(e store.Event) bool { return e.Status != s })
}

// History filters as the filter is typed, without enter; text that does
// not read yet keeps the last list and says why quietly; esc gives back
// the filter from before the edit.
func TestHistoryFilterLive(t *testing.T) {
	a := testApp(t, "", true)
	hs, h := openPage[*history](t, a, pageHistory, 80, 24)

	hs.press("/")
	hs.typeText("status:error")
	if !h.queryIn.Focused() || h.query != "status:error" || !allStatus(h, store.StatusError) {
		t.Fatalf("typing status:error: focused %v, query %q, %d events, all failed: %v", h.queryIn.Focused(), h.query, len(h.list), allStatus(h, store.StatusError))
	}
	hs.contains("/ status:error", "error")
	hs.lacks(" ok ")

	// Half typed: the list stays as the last text that read left it
	// (the word "since" searched for), the problem shows beside the text
	// and no error notice is raised.
	hs.typeText(" since")
	if h.query != "status:error since" {
		t.Fatalf("typing a word applied %q", h.query)
	}
	shown := slices.Clone(h.list)
	hs.typeText(":2026-1")
	if h.query != "status:error since" || !slices.Equal(h.list, shown) {
		t.Fatalf("a half-typed since: changed the list to %q (%d events)", h.query, len(h.list))
	}
	if h.problem == "" || hs.m.notice != "" {
		t.Fatalf("a half-typed since: shows problem %q, notice %q", h.problem, hs.m.notice)
	}
	hs.contains("since:2026-1", "since:2026-1:")
	// Enter on text that does not read keeps the field open.
	hs.press("enter")
	if !h.queryIn.Focused() || hs.m.notice != "" {
		t.Fatalf("enter on a half-typed filter: focused %v, notice %q", h.queryIn.Focused(), hs.m.notice)
	}
	hs.typeText("1-20")
	if h.query != "status:error since:2026-11-20" || h.problem != "" || !allStatus(h, store.StatusError) {
		t.Fatalf("completing the date: query %q, problem %q", h.query, h.problem)
	}
	for _, e := range h.list {
		if e.Time.Before(testNow.AddDate(0, 0, -7)) {
			t.Fatalf("since:2026-11-20 lists #%d of %s", e.ID, e.Time)
		}
	}

	// Esc while typing restores the filter from before "/": none.
	hs.press("esc")
	if h.queryIn.Focused() || h.query != "" || h.queryIn.Value() != "" || len(h.list) != historyPage {
		t.Fatalf("esc left focused %v, query %q, field %q, %d events", h.queryIn.Focused(), h.query, h.queryIn.Value(), len(h.list))
	}

	// Enter keeps a filter and gives the keys back to the list.
	hs.press("/")
	hs.typeText("status:ok")
	hs.press("enter")
	if h.queryIn.Focused() || h.query != "status:ok" || !allStatus(h, store.StatusOK) {
		t.Fatalf("enter kept query %q, focused %v", h.query, h.queryIn.Focused())
	}
	hs.press("down")
	if h.cursor != 1 {
		t.Fatalf("after enter, down moved the cursor to %d", h.cursor)
	}
	hs.contains("filter status:ok", "esc clears")

	// An edit abandoned with esc puts that filter back.
	hs.press("/", "backspace", "backspace")
	hs.typeText("error")
	if h.query != "status:error" {
		t.Fatalf("editing to status:error applied %q", h.query)
	}
	hs.press("esc")
	if h.query != "status:ok" || h.queryIn.Value() != "status:ok" || !allStatus(h, store.StatusOK) {
		t.Fatalf("esc restored %q (field %q)", h.query, h.queryIn.Value())
	}
	// Esc on the filtered list clears it.
	hs.press("esc")
	if h.query != "" || len(h.list) != historyPage {
		t.Fatalf("esc on the filtered list left %q", h.query)
	}

	// A key being typed that does not exist (yet) is quiet too, enter
	// keeps it in the field, and the message names the Keys view.
	hs.press("/")
	hs.typeText("key:openai/w")
	before := slices.Clone(h.list)
	hs.typeText("o")
	hs.press("enter")
	if !h.queryIn.Focused() || hs.m.notice != "" || !slices.Equal(h.list, before) {
		t.Fatalf("an unknown key: focused %v, notice %q, %d events", h.queryIn.Focused(), hs.m.notice, len(h.list))
	}
	hs.contains("no key openai/wo: the Keys view (5)")
	hs.lacks("byok keys list")
	hs.typeText("rk")
	hs.press("enter")
	if h.queryIn.Focused() || h.problem != "" || len(h.list) == 0 || h.list[0].KeyName != "openai/work" {
		t.Fatalf("key:openai/work: focused %v, problem %q, %d events", h.queryIn.Focused(), h.problem, len(h.list))
	}
}

// flatten runs cmd and the batches it returns, without feeding anything
// back, and returns the messages they end in.
func flatten(hs *harness, cmd tea.Cmd) []tea.Msg {
	if cmd == nil || blinks(cmd) {
		return nil
	}
	msg := hs.run(cmd)
	if batch, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range batch {
			out = append(out, flatten(hs, c)...)
		}
		return out
	}
	if msg == nil {
		return nil
	}
	return []tea.Msg{msg}
}

// typeHeld types s into the model without running the pauses' ends, and
// returns them in order.
func typeHeld(hs *harness, s string) []filterTickMsg {
	var ticks []filterTickMsg
	for _, r := range s {
		for _, m := range flatten(hs, hs.feed(tea.KeyPressMsg{Code: r, Text: string(r)})) {
			if tick, ok := m.(filterTickMsg); ok {
				ticks = append(ticks, tick)
			}
		}
	}
	return ticks
}

// Only the pause after the latest keystroke reads the list, and a read
// for a filter typed over since is dropped when it arrives late.
func TestHistoryFilterDropsStale(t *testing.T) {
	a := testApp(t, "", true)
	hs, h := openPage[*history](t, a, pageHistory, 80, 24)

	hs.press("/")
	ticks := typeHeld(hs, "status:error")
	if len(ticks) != len("status:error") {
		t.Fatalf("%d keystrokes started %d pauses", len("status:error"), len(ticks))
	}
	// The pause after "s" ends after more was typed: nothing is read.
	if cmd := hs.feed(ticks[0]); cmd != nil || h.query != "" || h.loading {
		t.Fatalf("an old pause read the list: query %q, loading %v", h.query, h.loading)
	}
	// The latest pause reads status:error; its result is held back.
	held := flatten(hs, hs.feed(ticks[len(ticks)-1]))
	if h.query != "status:error" || len(held) == 0 {
		t.Fatalf("the last pause applied %q with %d results", h.query, len(held))
	}

	// Meanwhile the filter becomes status:ok, read and shown.
	hs.press("backspace", "backspace", "backspace", "backspace", "backspace")
	hs.typeText("ok")
	if h.query != "status:ok" || !allStatus(h, store.StatusOK) {
		t.Fatalf("typing status:ok applied %q", h.query)
	}
	ok := slices.Clone(h.list)

	// The late result for status:error changes nothing.
	var late bool
	for _, m := range held {
		if _, isLoad := m.(loadedMsg[store.Event]); isLoad {
			late = true
		}
		hs.drive(hs.feed(m))
	}
	if !late {
		t.Fatal("the held results had no list read")
	}
	if h.query != "status:ok" || !slices.Equal(h.list, ok) {
		t.Fatalf("a stale read replaced the list (query %q, all ok: %v)", h.query, allStatus(h, store.StatusOK))
	}
	if h.sums == nil {
		t.Fatal("status:ok has no totals in the header")
	}
	hs.press("enter")
	hs.contains("filter status:ok")
}

// A filter word typed without its value yet is a problem, not a word to
// search for, so the list does not flash empty while since: is typed.
func TestParseFilterHalfTyped(t *testing.T) {
	parse := func(s string) (time.Time, error) { return time.Parse(time.DateOnly, s) }
	for _, in := range []string{"since:", "status:error until:", "KEY:", "p:"} {
		if _, _, err := parseFilter(in, parse); err == nil || !strings.Contains(err.Error(), "needs a value, as in") {
			t.Errorf("parseFilter(%q): error %v, want one asking for a value", in, err)
		}
	}
	// A word with a colon that names no filter is still text.
	if f, _, err := parseFilter("error: timeout", parse); err != nil || f.Text != "error: timeout" {
		t.Errorf("parseFilter(%q) = text %q, %v", "error: timeout", f.Text, err)
	}
}

// The applied filter's line is measured in cells: words of double-width
// characters leave out the sums and the hint that no longer fit, rather
// than have the line cut through them.
func TestHistoryFilterLineWideText(t *testing.T) {
	a := testApp(t, "", true)
	hs, h := openPage[*history](t, a, pageHistory, 80, 24)
	words := strings.Repeat("日本", 17) // 34 characters, 68 cells
	hs.press("/")
	hs.typeText(words)
	hs.press("enter")
	if h.queryIn.Focused() || h.query != words {
		t.Fatalf("the filter %q did not apply: focused %v, query %q", words, h.queryIn.Focused(), h.query)
	}
	head := strings.Split(hs.screen(), "\n")[1]
	if !strings.Contains(head, "filter "+words) || strings.Contains(head, "·") || strings.Contains(head, "…") {
		t.Fatalf("the filter line of %d cells holds a part of what does not fit:\n%q", ansi.StringWidth(head), head)
	}
}

// A filter that matches nothing leaves no request's details beside the
// empty list, and enter there opens none.
func TestHistoryEmptyFilterDropsDetails(t *testing.T) {
	a := testApp(t, "", true)
	hs, h := openPage[*history](t, a, pageHistory, 120, 30)
	if h.detail == nil {
		t.Fatalf("the wide list shows no details:\n%s", hs.screen())
	}
	shown := fmt.Sprintf("#%d ", h.detail.ID)
	hs.contains(shown)
	hs.press("/")
	hs.typeText("zzzz-no-such-request")
	hs.press("enter")
	hs.contains("No request matches the filter.")
	hs.lacks(shown, "TOKENS", "…")
	hs.press("enter")
	if h.detailOpen {
		t.Fatal("enter on an empty list opened the details")
	}
	hs.lacks(shown)
}

// A failed read of the filter's sums is reported as a failed read of the
// list is: in the notice, the header showing no sums, rather than the
// figures going missing unsaid. The database goes away after the list
// was read and before its sums are read again.
func TestHistorySumsReadFailureIsReported(t *testing.T) {
	a := testApp(t, "", true)
	hs, h := openPage[*history](t, a, pageHistory, 100, 30)
	hs.press("/")
	hs.typeText("status:ok")
	hs.press("enter")
	if h.sums == nil || hs.m.notice != "" {
		t.Fatalf("status:ok: sums %v, notice %q", h.sums, hs.m.notice)
	}
	hs.contains("filter status:ok", "requests, ")

	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	hs.drive(h.readSums())
	if h.sums != nil || hs.m.noticeKind != noticeError || !strings.Contains(hs.m.notice, "sum events") {
		t.Fatalf("after a failed read of the sums: sums %v, notice %q (kind %d)", h.sums, hs.m.notice, hs.m.noticeKind)
	}
	hs.contains("✗ sum events")
	hs.lacks("requests, ")
}

// A filter that selects priced and unpriced requests heads the list with
// the priced sum and the unpriced count beside it ("$2.23 + 22 unpriced"),
// as every total reads, never the priced sum alone.
func TestHistoryHeaderNamesUnpriced(t *testing.T) {
	a := testApp(t, "", true)
	groups, err := a.Store.Breakdown(t.Context(), store.Scope{}, time.Time{}, testNow.Add(time.Hour), store.ByProvider, a.Location())
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(groups, func(g store.Group) bool { return g.Unpriced > 0 && g.Unpriced < g.Requests })
	if i < 0 {
		t.Fatal("the demo has no provider with both priced and unpriced requests")
	}
	mixed := groups[i]
	hs, _ := openPage[*history](t, a, pageHistory, 120, 40)
	hs.press("/")
	hs.typeText("provider:" + mixed.Key)
	hs.press("enter")
	hs.contains(fmt.Sprintf("%s requests, %s + %d unpriced", count(mixed.Requests), mixed.Cost, mixed.Unpriced))
}

// History's source: filter takes every source a request is recorded
// with, the coding agents byok imports included, as `byok usage --source`
// does: source:claude-code lists the requests imported from Claude Code
// and no others.
func TestHistoryFilterImportSources(t *testing.T) {
	for _, src := range agentlog.Sources() {
		if f, _, err := parseFilter("source:"+string(src), nil); err != nil || f.Source != store.Source(src) {
			t.Errorf("History's source: filter does not take %s, which byok imports: %v", src, err)
		}
	}
	a := testApp(t, "", false)
	st := testStore(t, a)
	for i, src := range []store.Source{"claude-code", "codex", store.SourceProxy, "claude-code"} {
		e := store.Event{Time: fixedClock().Add(-time.Duration(i) * time.Minute), Source: src, Provider: "anthropic", Model: "claude-sonnet-4-5",
			Status: store.StatusOK, InputTokens: 100, OutputTokens: 10, CostState: pricing.Computed, Cost: money.Micro}
		if _, err := st.Record(t.Context(), &e); err != nil {
			t.Fatal(err)
		}
	}
	hs, h := openPage[*history](t, a, pageHistory, 120, 40)
	hs.press("/")
	hs.typeText("source:claude-code")
	hs.press("enter")
	if h.problem != "" || hs.m.notice != "" || len(h.list) != 2 || slices.ContainsFunc(h.list, func(e store.Event) bool { return e.Source != "claude-code" }) {
		t.Fatalf("source:claude-code: problem %q, notice %q, %d requests listed", h.problem, hs.m.notice, len(h.list))
	}
	hs.contains("filter source:claude-code", "2 requests")
	hs.lacks("use tui, cli")
}
