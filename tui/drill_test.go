package tui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/store"
)

// Every total on the dashboard leads to the requests behind it, in the
// period shown: the period's total, a provider's, a model's and a key's.
// History lists exactly those requests (as many, costing as much), says
// what it filters, and backspace or esc walk back the same way with the
// cursor where it was.
func TestDrillDownToRequestsAndBack(t *testing.T) {
	a := testApp(t, "", true)
	hs, h := openPage[*history](t, a, pageHistory, 120, 40)
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
		hs.contains(append([]string{"Nov 1 – Nov 30 2026", fmt.Sprintf("%s request%s, %s", count(want.Requests), plural(int(want.Requests)), pricing.FormatTotal(want.Cost, want.Requests, want.Unpriced)), "esc back to the dashboard"}, header...)...)
	}

	// The period's total sits above the first provider.
	hs.press("up")
	if d.at != atTotal {
		t.Fatal("up from the first provider did not reach the total line")
	}
	hs.contains("enter list the requests")
	open("the period", d.sum.Total, func(store.Event) bool { return true }, "filter Nov 1")
	hs.press("esc")
	if hs.m.active != pageDashboard || d.at != atTotal || d.drill != "" {
		t.Fatalf("esc from History went to %s (cursor at %d, drill %q)", hs.m.active, d.at, d.drill)
	}

	// A provider: its models and keys, then its own total line.
	hs.press("down", "down")
	prov := d.provs[1]
	hs.press("enter")
	if d.drill != prov.Key || d.drillCursor != 0 || len(d.models) < 2 || len(d.keysOfProv) < 2 {
		t.Fatalf("enter on %s drilled into %q at row %d (%d models, %d keys)", prov.Key, d.drill, d.drillCursor, len(d.models), len(d.keysOfProv))
	}
	// The models' prompt tokens, cached or not, are headed PROMPT: INPUT
	// is the uncached part alone, as `byok usage` and History's detail
	// count it.
	hs.contains("PROMPT", tokens(groupPrompt(d.models[0])))
	hs.lacks("INPUT")
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

// The chart's days and the All budget lead to their requests too: a day
// midnight to midnight in the home's zone, the budget in its own period
// (here the month, while the dashboard shows the week), counted as the
// budget counts them. Back comes to the same day or line.
func TestDrillDownFromChartAndBudget(t *testing.T) {
	a := testApp(t, "", true)
	loc := a.Location()
	for _, size := range [][2]int{{120, 40}, {80, 24}} {
		hs := newHarness(t, a, Options{Now: fixedClock}, size[0], size[1])
		h := hs.m.pages[pageHistory].(*history)
		d := hs.m.pages[pageDashboard].(*dashboard)
		hs.press("w")
		if !d.loaded || len(d.sum.Days) != 30 {
			t.Fatalf("%v: the chart has %d days", size, len(d.sum.Days))
		}
		// listed reads every page History lists and checks each request
		// lies in [from, to).
		listed := func(what string, from, to time.Time) (n int64, cost, fallback money.USD) {
			t.Helper()
			if hs.m.active != pageHistory || h.back == nil {
				t.Fatalf("%v %s: enter opened %s (back %v)", size, what, hs.m.active, h.back)
			}
			for h.more {
				hs.press("G")
			}
			for _, e := range h.list {
				if e.Time.Before(from) || !e.Time.Before(to) {
					t.Fatalf("%v %s: History lists #%d at %s, outside %s – %s", size, what, e.ID, e.Time, from, to)
				}
				n++
				cost += e.Cost
				fallback += e.Fallback
			}
			return n, cost, fallback
		}

		// Down past the last provider onto the chart, on today; then back
		// to the busiest day.
		hs.press("G", "down")
		if d.at != atChart || d.day != 29 {
			t.Fatalf("%v: down past the providers put the cursor at %d, day %d", size, d.at, d.day)
		}
		peak := 0
		for i, g := range d.sum.Days {
			if g.Cost > d.sum.Days[peak].Cost {
				peak = i
			}
		}
		for d.day > peak {
			hs.press("left")
		}
		g := d.sum.Days[peak]
		from, err := time.ParseInLocation(time.DateOnly, g.Key, loc)
		if err != nil {
			t.Fatal(err)
		}
		hs.contains(from.Format("Mon Jan 2 2006")+": "+pricing.FormatTotal(g.Cost, g.Requests, g.Unpriced), "←/→ day")
		hs.press("enter")
		n, cost, _ := listed("the day", from, from.AddDate(0, 0, 1))
		if n == 0 || n != g.Requests || cost != g.Cost {
			t.Errorf("%v: the day %s lists %d requests costing %s; the chart says %d costing %s", size, g.Key, n, cost, g.Requests, g.Cost)
		}
		hs.contains(from.Format("Jan 2 2006"), fmt.Sprintf("%s requests, %s", count(n), pricing.FormatTotal(g.Cost, g.Requests, g.Unpriced)), "esc back to the dashboard")
		hs.press("backspace")
		if hs.m.active != pageDashboard || d.at != atChart || d.day != peak {
			t.Fatalf("%v: backspace from the day went to %s, cursor at %d, day %d (want %d)", size, hs.m.active, d.at, d.day, peak)
		}
		hs.press("right")
		if d.day != peak+1 {
			t.Fatalf("%v: right moved to day %d, want %d", size, d.day, peak+1)
		}

		// Up over the providers and the total to the All budget.
		for i := 0; i < 20 && d.at != atBudget; i++ {
			hs.press("up")
		}
		b, ok := d.allBudget()
		if d.at != atBudget || !ok || b.Budget.Period != store.Monthly {
			t.Fatalf("%v: up did not reach the monthly All budget (cursor at %d, budget %v)", size, d.at, ok)
		}
		hs.contains("enter list the requests")
		hs.press("enter")
		n, cost, fallback := listed("the budget", b.Start, b.End)
		want, err := a.Store.Totals(t.Context(), store.Scope{}, b.Start, b.End)
		if err != nil {
			t.Fatal(err)
		}
		if n != want.Requests || cost+fallback != b.Spent || fallback == 0 {
			t.Errorf("%v: the budget lists %d requests counting %s + %s unpriced; it counts %d requests, %s", size, n, cost, fallback, want.Requests, b.Spent)
		}
		// History names the budget's month, not the dashboard's week, and
		// the figure as the budget counts it.
		hs.contains("Nov 1 – Nov 30 2026", fmt.Sprintf("%s requests, %s as budgets count", count(n), b.Spent))
		hs.press("esc")
		if hs.m.active != pageDashboard || d.at != atBudget || dashPeriods[d.period] != "week" {
			t.Fatalf("%v: esc from the budget's requests went to %s, cursor at %d, period %s", size, hs.m.active, d.at, dashPeriods[d.period])
		}
		hs.press("down")
		if d.at != atTotal {
			t.Fatalf("%v: down from the budget put the cursor at %d, want the total", size, d.at)
		}
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
