package tui

import (
	"slices"
	"strings"
	"testing"
)

func TestColumnsSizeToContent(t *testing.T) {
	rows := [][]string{{"openai", "$1.00"}, {"openrouter", "$0.00004425"}}
	for _, tc := range []struct {
		name  string
		cols  []col
		width int
		want  []int
	}{
		{"the name column takes its widest value, not the line", []col{{"PROVIDER", 0, false}, {"SPEND", 6, true}}, 140, []int{10, 11}},
		{"a narrow line cuts the name, never the figure", []col{{"PROVIDER", 0, false}, {"SPEND", 6, true}}, 18, []int{6, 11}},
		{"the name is never narrower than 4", []col{{"PROVIDER", 0, false}, {"SPEND", 6, true}}, 10, []int{4, 11}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := colWidths(tc.cols, rows, tc.width); !slices.Equal(got, tc.want) {
				t.Fatalf("colWidths = %v, want %v", got, tc.want)
			}
		})
	}
	if got := colWidths([]col{{"PROVIDER", 0, false}}, [][]string{{"xai"}}, 80); got[0] != len("PROVIDER")+2 {
		t.Errorf("a column of short names is %d wide, want its header and a sort arrow (%d)", got[0], len("PROVIDER")+2)
	}
	if got := spare([]col{{"PROVIDER", 0, false}, {"SPEND", 6, true}}, rows, 140); got != 140-10-1-11 {
		t.Errorf("spare = %d, want %d", got, 140-10-1-11)
	}
}

// tableRowsOf returns the lines under the header line that starts with
// head, up to the first empty line.
func tableRowsOf(t *testing.T, screen, head string) (header string, rows []string) {
	t.Helper()
	lines := strings.Split(screen, "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), head) {
			for _, r := range lines[i+1:] {
				if strings.TrimSpace(r) == "" {
					break
				}
				rows = append(rows, r)
			}
			return l, rows
		}
	}
	t.Fatalf("no line starts with %q:\n%s", head, screen)
	return "", nil
}

// The dashboard draws a budget bar only for a provider with a budget; every
// provider's part of the spend is a thin line under its own header.
func TestBudgetBarsOnlyWhereABudgetIs(t *testing.T) {
	a := testApp(t, "", true)
	budgeted := map[string]bool{"anthropic": true, "openai": true}
	for _, sz := range []struct{ w, h int }{{80, 24}, {120, 40}, {140, 40}, {200, 50}} {
		hs := newHarness(t, a, Options{Now: fixedClock}, sz.w, sz.h)
		header, rows := tableRowsOf(t, hs.screen(), "PROVIDER")
		if !strings.Contains(header, "SHARE") || !strings.Contains(header, "BUDGET") {
			t.Fatalf("%dx%d: header %q lacks SHARE or BUDGET", sz.w, sz.h, header)
		}
		if len(rows) < 8 {
			t.Fatalf("%dx%d: %d provider rows", sz.w, sz.h, len(rows))
		}
		for _, r := range rows {
			name := strings.Fields(r)[0]
			if got := strings.Contains(r, "█"); got != budgeted[name] {
				t.Errorf("%dx%d: %s has a budget bar: %v, has a budget: %v\n%s", sz.w, sz.h, name, got, budgeted[name], r)
			}
			if strings.Contains(r, "━") != (sz.w >= 120) {
				t.Errorf("%dx%d: share line on %s: %q", sz.w, sz.h, name, r)
			}
			if !strings.Contains(r, "%") {
				t.Errorf("%dx%d: %s shows no share: %q", sz.w, sz.h, name, r)
			}
		}
	}
}

// On a wide terminal the name column stays as wide as the names and the
// room goes to the bars, the chart and History's details.
func TestWideTerminalsUseTheirWidth(t *testing.T) {
	a := testApp(t, "", true)
	for _, sz := range []struct{ w, h int }{{120, 40}, {140, 40}, {200, 50}} {
		hs := newHarness(t, a, Options{Now: fixedClock}, sz.w, sz.h)
		header, rows := tableRowsOf(t, hs.screen(), "PROVIDER")
		if i := strings.Index(header, "SPEND"); i > len("openrouter")+2+1+10 {
			t.Errorf("%dx%d: the PROVIDER column is %d wide:\n%s", sz.w, sz.h, i-1-5, header)
		}
		// The budget bar of anthropic: 12 cells at the least, more on a
		// wide line.
		var bar int
		for _, r := range rows {
			if strings.HasPrefix(r, "anthropic") {
				bar = strings.Count(r, "█") + strings.Count(r, "░")
			}
		}
		if bar < 24 {
			t.Errorf("%dx%d: the budget bar is %d cells", sz.w, sz.h, bar)
		}
		// The chart spreads its 30 days over the line.
		s := hs.screen()
		_, chart, _ := strings.Cut(s, "LAST 30 DAYS")
		span := 0
		for _, l := range strings.Split(chart, "\n") {
			if strings.ContainsAny(l, "▁▂▃▄▅▆▇█") {
				span = max(span, len([]rune(strings.TrimRight(l, " "))))
			}
		}
		if span < min((sz.w-2)/30, 6)*29 {
			t.Errorf("%dx%d: the chart spans %d cells", sz.w, sz.h, span)
		}

		// History: the list is as wide as its columns; the details start
		// right after it.
		hs.press("2")
		head := "TIME"
		if sz.w >= 200 {
			head = "SOURCE" // the list has room for the source column
		}
		header, _ = tableRowsOf(t, hs.screen(), head)
		if !strings.Contains(header, "LATENCY │ #") {
			t.Errorf("%dx%d: the list does not end at its last column:\n%s", sz.w, sz.h, header)
		}

		// Budgets: the bar takes what the columns leave, up to 30 cells.
		hs.press("6")
		_, rows = tableRowsOf(t, hs.screen(), "SCOPE")
		if n := strings.Count(rows[0], "█") + strings.Count(rows[0], "░"); n < 20 || n > 30 {
			t.Errorf("%dx%d: a budget bar of %d cells:\n%s", sz.w, sz.h, n, rows[0])
		}
	}
}
