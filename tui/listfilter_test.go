package tui

import (
	"testing"
)

// TestListFilters drives the / filter of the Keys, Budgets and Alerts
// views on the demo's data at 80×24: the rows follow what is typed (q and
// digits are text then), enter keeps the filter and says "N of M", esc
// while typing drops it, esc on the filtered list clears it, and esc on a
// list without a filter leaves the view as it is.
func TestListFilters(t *testing.T) {
	type view struct {
		name, start string
		page        pageID
		// query matches the rows of shown and none of hidden; count is
		// what the header says of them.
		query         string
		shown, hidden []string
		count         string
		// others is a row the filter hides; target a row it shows, as
		// selected names the row under the cursor.
		others, target string
		selected       func(p page) string
	}
	keyName := func(p page) string {
		k, _ := p.(*keysPage).selected()
		return k.Name()
	}
	budgetScope := func(p page) string {
		b, _ := p.(*budgets).selected()
		return b.Budget.Scope
	}
	alertScope := func(p page) string {
		a, _ := p.(*alerts).selected()
		return string(a.Kind) + " " + a.Scope
	}
	views := []view{
		// q is text here, not quit: it is in three of the keys' last
		// characters and in groq.
		{name: "keys", start: "keys", page: pageKeys, query: "q ok",
			shown: []string{"…aQ7w", "…Zq4n", "…Xk2q"}, hidden: []string{"…9fLm", "deepseek", "…r3Vk"},
			count: "3 of 11 keys", others: "deepseek", target: "openai/work", selected: keyName},
		// The words match different columns: the scope and the period.
		{name: "budgets", start: "budgets", page: pageBudgets, query: "monthly anthropic",
			shown: []string{"key:anthropic/work"}, hidden: []string{"provider:openai", "provider:anthropic", "model:google"},
			count: "1 of 5 budgets", others: "provider:openai", target: "key:anthropic/work", selected: budgetScope},
		// Digits are text: 15:04 does not jump to History or Playground.
		{name: "alerts", start: "alerts", page: pageAlerts, query: "15:04 THRESHOLD openai",
			shown: []string{"80% of the monthly budget provider:"}, hidden: []string{"forecast", "anomaly", "rotation"},
			count: "1 of 9 alerts", others: "rotation", target: "threshold provider:openai", selected: alertScope},
	}
	for _, v := range views {
		t.Run(v.name, func(t *testing.T) {
			a := testApp(t, "", true)
			hs := newHarness(t, a, Options{StartView: v.start, Now: fixedClock}, 80, 24)
			p := hs.m.pages[v.page]
			hs.contains("/ filter", "? help")
			hs.press("?")
			hs.contains("/ filter", "esc clear filter")
			hs.press("?")

			// Typing filters the rows as it goes; esc drops the filter.
			hs.press("/")
			if !p.Editing() {
				t.Fatal("/ did not open the filter")
			}
			hs.typeText(v.query)
			if hs.m.active != v.page {
				t.Fatalf("typing %q left the view for %d", v.query, hs.m.active)
			}
			hs.contains(v.shown...)
			hs.lacks(v.hidden...)
			// While it is typed, the hint bar names only its own keys.
			hs.contains("enter keep filter", "esc drop filter")
			hs.press("esc")
			if p.Editing() {
				t.Fatal("esc left the filter open")
			}
			hs.contains(v.others)
			hs.lacks("filter "+v.query, "esc clears")

			// Enter keeps it; the header says it and how many rows show.
			// The cursor, on a row that matches, stays on it.
			hs.press("g")
			for range 12 {
				if v.selected(p) == v.target {
					break
				}
				hs.press("down")
			}
			want := v.selected(p)
			if want != v.target {
				t.Fatalf("no row %q to put the cursor on:\n%s", v.target, hs.screen())
			}
			hs.press("/")
			hs.typeText(v.query)
			if got := v.selected(p); got != want {
				t.Errorf("typing the filter moved the cursor from %q to %q", want, got)
			}
			hs.press("enter")
			if p.Editing() {
				t.Fatal("enter left the filter open")
			}
			hs.contains("filter "+v.query, v.count, "esc clears")
			hs.contains(v.shown...)
			hs.lacks(v.hidden...)
			if got := v.selected(p); got != want {
				t.Errorf("the cursor went from %q to %q", want, got)
			}

			// Esc clears the filter, the cursor still on its row; esc
			// again leaves the view as it was before the filter.
			hs.press("esc")
			hs.contains(v.others)
			hs.lacks("filter " + v.query)
			if got := v.selected(p); got != want {
				t.Errorf("clearing the filter moved the cursor from %q to %q", want, got)
			}
			hs.press("esc")
			if hs.m.active != v.page {
				t.Fatalf("esc on the unfiltered list went to view %d", hs.m.active)
			}
			hs.contains(v.others)

			// A filter nothing matches says so.
			hs.press("/")
			hs.typeText("zzzz")
			hs.press("enter")
			hs.contains("matches the filter", "0 of ")
		})
	}
}
