package tui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/byokhq/byok/store"
)

// sortedBy reports whether vals are in order, descending when desc.
func sortedBy[N int64 | float64 | string](vals []N, desc bool) bool {
	return slices.IsSortedFunc(vals, func(a, b N) int {
		switch {
		case a < b && !desc, a > b && desc:
			return -1
		case a == b:
			return 0
		}
		return 1
	})
}

func TestHistorySort(t *testing.T) {
	a := testApp(t, "", true)
	hs, h := openPage[*history](t, a, pageHistory, 120, 40)
	if len(h.list) < 50 {
		t.Fatalf("history lists %d requests", len(h.list))
	}
	costs := func() []int64 {
		var out []int64
		for _, e := range h.list {
			out = append(out, int64(e.Cost))
		}
		return out
	}
	hs.lacks("▲", "▼")

	// s goes TIME (newest first), MODEL, STATUS, TOKENS, COST.
	hs.press("s")
	hs.contains("TIME ▼")
	hs.press("s", "s", "s")
	hs.contains("TOKENS ▼")
	hs.press("down", "down")
	picked := h.list[h.cursor].ID
	hs.press("s")
	hs.contains("COST ▼")
	hs.lacks("TOKENS ▼")
	if !sortedBy(costs(), true) || costs()[0] == costs()[len(h.list)-1] {
		t.Fatalf("s by cost: %v…", costs()[:5])
	}
	// The order covers every request, not the pages loaded before: the
	// first row is the dearest of all.
	all, err := a.Store.Events(context.Background(), store.Filter{Limit: 100000})
	if err != nil || len(all) <= historyPage {
		t.Fatalf("the store lists %d requests (%v); the test needs more than a page", len(all), err)
	}
	var dearest int64
	for _, e := range all {
		dearest = max(dearest, int64(e.Cost))
	}
	if costs()[0] != dearest {
		t.Fatalf("the dearest listed costs %d, the dearest recorded %d", costs()[0], dearest)
	}
	if i := slices.IndexFunc(h.list, func(e store.Event) bool { return e.ID == picked }); i >= 0 && h.cursor != i {
		t.Errorf("the cursor left request #%d for #%d when the sort changed", picked, h.list[h.cursor].ID)
	} else if i < 0 && h.cursor != 0 {
		t.Errorf("request #%d is not in the first page of the new order, yet the cursor is on row %d", picked, h.cursor)
	}
	// Paging on in the new order: every request once, in order.
	for range 20 {
		hs.press("G")
		if !h.more {
			break
		}
	}
	if len(h.list) != len(all) || !sortedBy(costs(), true) {
		t.Fatalf("paged through %d of %d requests by cost (in order: %v)", len(h.list), len(all), sortedBy(costs(), true))
	}
	seen := map[int64]bool{}
	for _, e := range h.list {
		if seen[e.ID] {
			t.Fatalf("request #%d listed twice", e.ID)
		}
		seen[e.ID] = true
	}
	hs.press("g")
	hs.press("S")
	hs.contains("COST ▲")
	if !sortedBy(costs(), false) {
		t.Fatalf("S did not reverse the cost order: %v…", costs()[:5])
	}

	// The details follow the row under the cursor, not the row's old place.
	hs.press("g")
	if h.detail == nil || h.detail.ID != h.list[0].ID {
		t.Fatalf("detail shows %v, want the cheapest request #%d", h.detail, h.list[0].ID)
	}

	// Past the last column, s returns to newest first, as read.
	hs.press("s", "s")
	hs.lacks("▲", "▼")
	for i := 1; i < len(h.list); i++ {
		if h.list[i].Time.After(h.list[i-1].Time) {
			t.Fatalf("row %d is newer than row %d after the sort was cleared", i, i-1)
		}
	}
	hs.press("?")
	hs.contains("sort by next column", "reverse sort")
}

func TestKeysPricingDashboardSort(t *testing.T) {
	a := testApp(t, "", true)
	hs, k := openPage[*keysPage](t, a, pageKeys, 120, 40)
	labels := func() []string {
		var out []string
		for _, kv := range k.list {
			out = append(out, kv.Label)
		}
		return out
	}
	hs.press("s", "s")
	hs.contains("LABEL ▲")
	if !sortedBy(labels(), false) {
		t.Fatalf("keys by label: %v", labels())
	}
	hs.press("S")
	hs.contains("LABEL ▼")
	if !sortedBy(labels(), true) || slices.Equal(labels(), slices.Sorted(slices.Values(labels()))) {
		t.Fatalf("keys by label, reversed: %v", labels())
	}

	// Pricing: s sorts (enter sets an override); with a search the
	// matches follow the sort.
	hs.press("8")
	p := hs.m.pages[pagePricing].(*pricingPage)
	hs.press("/")
	hs.typeText("gpt-4o")
	hs.press("enter", "down")
	sel, _ := p.selected()
	before := sel.Provider + "/" + sel.Model
	hs.press("s", "s", "s")
	hs.contains("OUTPUT ▼")
	var outs []int64
	for _, i := range p.shown {
		outs = append(outs, int64(p.list[i].Output))
	}
	if len(outs) < 2 || !sortedBy(outs, true) {
		t.Fatalf("matches by output price: %v", outs)
	}
	if sel, _ := p.selected(); sel.Provider+"/"+sel.Model != before {
		t.Fatalf("the cursor moved from %s to %s/%s when the sort changed", before, sel.Provider, sel.Model)
	}

	// Dashboard: by requests, then reversed; enter drills into the
	// provider under the cursor in the sorted order.
	hs.press("1")
	d := hs.m.pages[pageDashboard].(*dashboard)
	hs.press("s", "s", "s", "s")
	hs.contains("REQUESTS ▼")
	var reqs []int64
	for _, g := range d.provs {
		reqs = append(reqs, g.Requests)
	}
	if len(reqs) < 2 || !sortedBy(reqs, true) {
		t.Fatalf("providers by requests: %v", reqs)
	}
	hs.press("g")
	top := d.provs[0].Key
	hs.press("S")
	if d.provs[d.cursor].Key != top || d.cursor != len(d.provs)-1 {
		t.Fatalf("after S the cursor is on row %d, want %s on the last row", d.cursor, top)
	}
	hs.press("g", "enter")
	if want := d.provs[0].Key; d.drill != want || d.provs[0].Requests > d.provs[1].Requests {
		t.Fatalf("enter drilled into %q, want %q (the first row, fewest requests)", d.drill, want)
	}
	if !strings.Contains(hs.screen(), "models and keys") {
		t.Fatal("the drill-down did not open")
	}
}

// fakeOpenAIByModel serves OpenAI chat streams whose output token count
// is the one out gives for the requested model, so that a comparison's
// models differ in what they report.
func fakeOpenAIByModel(t *testing.T, out map[string]int) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model string `json:"model"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, `{"error":{"message":"bad body","type":"invalid_request_error"}}`, http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":%q,\"choices\":[{\"index\":0,\"delta\":{\"content\":\"answer\"},\"finish_reason\":\"stop\"}]}\n\n", req.Model)
		fmt.Fprintf(w, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":%q,\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":%d,\"total_tokens\":%d}}\n\n", req.Model, out[req.Model], 12+out[req.Model])
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// summaryOrder is the order in which the compare summary lists models.
func summaryOrder(t *testing.T, screen string, models ...string) []string {
	t.Helper()
	_, summary, ok := strings.Cut(screen, "LATENCY")
	if !ok {
		t.Fatalf("no summary on screen:\n%s", screen)
	}
	var got []string
	for _, line := range strings.Split(summary, "\n") {
		for _, m := range models {
			if strings.HasPrefix(strings.TrimSpace(line), m+" ") {
				got = append(got, m)
			}
		}
	}
	return got
}

func TestCompareSort(t *testing.T) {
	srv := fakeOpenAIByModel(t, map[string]int{"model-a": 5, "model-b": 30, "model-c": 12})
	a := testApp(t, srv.URL, false)
	hs := newHarness(t, a, Options{StartView: "compare", Now: fixedClock}, 120, 40)
	models := []string{"fake/model-a", "fake/model-b", "fake/model-c"}
	for _, m := range models {
		hs.press("a")
		hs.typeText(m)
		hs.press("enter")
	}
	hs.press("enter")
	hs.typeText("compare these")
	hs.press("ctrl+s")
	if got := summaryOrder(t, hs.screen(), models...); !slices.Equal(got, models) {
		t.Fatalf("unsorted summary lists %v, want the order added %v", got, models)
	}

	// s goes MODEL, STATUS, COST, LATENCY, TTFT, IN, OUT.
	hs.press("s")
	hs.contains("MODEL ▲")
	hs.press("s", "s", "s", "s", "s", "s")
	hs.contains("OUT ▼")
	want := []string{"fake/model-b", "fake/model-c", "fake/model-a"}
	if got := summaryOrder(t, hs.screen(), models...); !slices.Equal(got, want) {
		t.Fatalf("by output tokens the summary lists %v, want %v", got, want)
	}
	hs.press("S")
	hs.contains("OUT ▲")
	slices.Reverse(want)
	if got := summaryOrder(t, hs.screen(), models...); !slices.Equal(got, want) {
		t.Fatalf("reversed, the summary lists %v, want %v", got, want)
	}
	// The reply columns keep the order the models were added in.
	c := hs.m.pages[pageCompare].(*compare)
	if !slices.Equal(c.models, models) {
		t.Fatalf("sorting the summary reordered the models: %v", c.models)
	}
	hs.press("s")
	hs.lacks("▲", "▼")
	hs.press("?")
	hs.contains("sort by next column", "reverse sort")
}

func TestDashboardDrillSort(t *testing.T) {
	a := testApp(t, "", true)
	hs, d := openPage[*dashboard](t, a, pageDashboard, 120, 40)
	hs.press("g", "enter")
	if d.drill == "" || len(d.models) < 2 || len(d.keysOfProv) < 2 {
		t.Fatalf("the drill-down into %q has %d models and %d keys", d.drill, len(d.models), len(d.keysOfProv))
	}
	reqs := func(gs []store.Group) []int64 {
		var out []int64
		for _, g := range gs {
			out = append(out, g.Requests)
		}
		return out
	}
	// s goes MODEL/KEY, SPEND, REQUESTS: both tables follow.
	hs.press("s")
	hs.contains("MODEL ▲", "KEY ▲")
	hs.press("s", "s")
	hs.contains("REQUESTS ▼")
	if !sortedBy(reqs(d.models), true) || !sortedBy(reqs(d.keysOfProv), true) {
		t.Fatalf("by requests: models %v, keys %v", reqs(d.models), reqs(d.keysOfProv))
	}
	hs.press("S")
	hs.contains("REQUESTS ▲")
	if !sortedBy(reqs(d.models), false) || !sortedBy(reqs(d.keysOfProv), false) {
		t.Fatalf("by requests, reversed: models %v, keys %v", reqs(d.models), reqs(d.keysOfProv))
	}
	if r := reqs(d.models); r[0] == r[len(r)-1] {
		t.Fatalf("every model has %d requests: the sort is not tested", r[0])
	}
	// The provider table's sort is its own.
	if d.sort.by >= 0 {
		t.Fatalf("sorting the drill-down sorted the providers by column %d", d.sort.by)
	}
}
