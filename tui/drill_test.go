package tui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/store"
)

// Every total on the dashboard leads to the requests behind it, in the
// period shown: the period's total, a provider's, a model's and a key's.
// History lists exactly those requests (as many, costing as much), says
// what it filters, and backspace or esc walk back the same way with the
// cursor where it was.
func TestDrillDownToRequestsAndBack(t *testing.T) {
	a := testApp(t, "", true)
	hs := newHarness(t, a, Options{StartView: "history", Now: fixedClock}, 120, 40)
	h := hs.m.pages[pageHistory].(*history)
	// History's own filter, which a drill-down borrows and gives back.
	hs.press("/")
	hs.typeText("status:ok")
	hs.press("enter", "1")
	d := hs.m.pages[pageDashboard].(*dashboard)
	if !d.loaded || len(d.provs) < 2 {
		t.Fatalf("the dashboard shows %d providers", len(d.provs))
	}
	from, to := d.sum.From, d.sum.To

	// open lists the requests behind the row under the cursor, all pages
	// of them, and checks them against the figure.
	open := func(what string, want store.Totals, match func(store.Event) bool, header ...string) {
		t.Helper()
		hs.press("enter")
		if hs.m.active != pageHistory || h.back == nil {
			t.Fatalf("%s: enter opened %s (back %v)", what, hs.m.active, h.back)
		}
		for h.more {
			hs.press("G")
		}
		var n int64
		var cost money.USD
		for _, e := range h.list {
			if e.Time.Before(from) || !e.Time.Before(to) || !match(e) {
				t.Fatalf("%s: History lists #%d (%s/%s key %q at %s), outside the figure", what, e.ID, e.Provider, e.Model, e.KeyName, e.Time)
			}
			n++
			cost += e.Cost
		}
		if n != want.Requests || cost != want.Cost {
			t.Errorf("%s: History lists %d requests costing %s; the dashboard says %d costing %s", what, n, cost, want.Requests, want.Cost)
		}
		// The header says what is filtered and how much it holds in all.
		hs.contains(append([]string{"Nov 1 – Nov 30 2026", fmt.Sprintf("%s request%s, %s", count(want.Requests), plural(int(want.Requests)), spendCell(want)), "esc back to the dashboard"}, header...)...)
	}

	// The period's total sits above the first provider.
	hs.press("up")
	if !d.atTotal {
		t.Fatal("up from the first provider did not reach the total line")
	}
	hs.contains("enter list the requests")
	open("the period", d.sum.Total, func(store.Event) bool { return true }, "filter Nov 1")
	hs.press("esc")
	if hs.m.active != pageDashboard || !d.atTotal || d.drill != "" {
		t.Fatalf("esc from History went to %s (on the total %v, drill %q)", hs.m.active, d.atTotal, d.drill)
	}

	// A provider: its models and keys, then its own total line.
	hs.press("down", "down")
	prov := d.provs[1]
	hs.press("enter")
	if d.drill != prov.Key || d.drillCursor != 0 || len(d.models) < 2 || len(d.keysOfProv) < 2 {
		t.Fatalf("enter on %s drilled into %q at row %d (%d models, %d keys)", prov.Key, d.drill, d.drillCursor, len(d.models), len(d.keysOfProv))
	}
	hs.press("up")
	open("the provider", prov.Totals, func(e store.Event) bool { return e.Provider == prov.Key }, "provider:"+prov.Key)
	hs.press("backspace")
	if hs.m.active != pageDashboard || d.drill != prov.Key || d.drillCursor != -1 {
		t.Fatalf("backspace from History went to %s, drill %q at row %d", hs.m.active, d.drill, d.drillCursor)
	}

	// A model, the second listed.
	hs.press("down", "down")
	model := d.models[1]
	open("the model", model.Totals, func(e store.Event) bool { return e.Provider+"/"+e.Model == model.Key }, "model:"+model.Key)
	hs.press("backspace")
	if hs.m.active != pageDashboard || d.drillCursor != 1 {
		t.Fatalf("backspace from the model's requests went to %s at row %d, want the drill-down at row 1", hs.m.active, d.drillCursor)
	}

	// A key, the first below the models.
	for d.drillCursor < len(d.models) {
		hs.press("down")
	}
	k := d.keysOfProv[0]
	open("the key", k.Totals, func(e store.Event) bool { return e.KeyName == k.Key || k.Key == "(no key)" && e.KeyID == 0 })
	hs.press("esc")
	if hs.m.active != pageDashboard || d.drillCursor != len(d.models) {
		t.Fatalf("esc from the key's requests went to %s at row %d", hs.m.active, d.drillCursor)
	}

	// Out of the provider, the cursor on it; History has its filter back.
	hs.press("esc")
	if d.drill != "" || d.provs[d.cursor].Key != prov.Key {
		t.Fatalf("esc from the drill-down left drill %q, cursor on %s", d.drill, d.provs[d.cursor].Key)
	}
	hs.press("2")
	if h.query != "status:ok" || h.back != nil || slices.ContainsFunc(h.list, func(e store.Event) bool { return e.Status != store.StatusOK }) {
		t.Fatalf("History's own filter came back as %q (back %v)", h.query, h.back)
	}
	hs.contains("filter status:ok", "esc clears")
	hs.lacks("esc back")
	// Esc clears the filter there, period and all.
	hs.press("esc")
	if h.query != "" || hs.m.active != pageHistory {
		t.Fatalf("esc left the filter %q on %s", h.query, hs.m.active)
	}
}

// The period a drill-down hands History is written so that History reads
// back the same instants, whole days as dates and other times exactly.
func TestPeriodWords(t *testing.T) {
	a := testApp(t, "", false)
	loc := a.Location()
	day := store.DayStart(testNow, loc)
	for _, tc := range []struct {
		from, to   time.Time
		words, say string
	}{
		{day, day.AddDate(0, 0, 1), "since:" + day.Format(time.DateOnly) + " until:" + day.AddDate(0, 0, 1).Format(time.DateOnly), day.Format("Jan 2 2006")},
		{testNow.Add(-7 * 24 * time.Hour), testNow, "", "– before"},
	} {
		words := periodWords(tc.from, tc.to, loc)
		if tc.words != "" && words != tc.words {
			t.Errorf("periodWords = %q, want %q", words, tc.words)
		}
		f, _, err := parseFilter(words, a.ParseTime)
		if err != nil || !f.Since.Equal(tc.from) || !f.Until.Equal(tc.to) {
			t.Errorf("%q read back as %s – %s (%v), want %s – %s", words, f.Since, f.Until, err, tc.from, tc.to)
		}
		if say := periodText(f.Since, f.Until, loc); !strings.Contains(say, tc.say) {
			t.Errorf("periodText = %q, want it to say %q", say, tc.say)
		}
	}
}
