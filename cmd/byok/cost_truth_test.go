package main

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/store"
)

// costUpstream is an OpenAI-compatible provider whose streamed usage is
// usage: a JSON usage object, with or without a reported cost.
func costUpstream(t *testing.T, usage string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/models") {
			fmt.Fprint(w, `{"object":"list","data":[{"id":"m1","object":"model"}]}`)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		for _, chunk := range []string{
			`{"id":"c1","object":"chat.completion.chunk","model":"m1","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}]}`,
			`{"id":"c1","object":"chat.completion.chunk","model":"m1","choices":[],"usage":` + usage + `}`,
		} {
			fmt.Fprintf(w, "data: %s\n\n", chunk)
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestUnpricedNeverZero: a request without a price reads "unpriced" in
// every listing that shows its cost, and a reported cost keeps what byok
// computed beside it in the log's JSON and CSV.
func TestUnpricedNeverZero(t *testing.T) {
	up := costUpstream(t, `{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,"prompt_tokens_details":{"cached_tokens":200,"cache_write_tokens":400}}`)
	c := newCLI(t, fakeConfig(up.URL))
	t.Setenv("BYOK_PASSPHRASE", "correct horse battery staple")
	c.ok("sk-fake-good-key-0123456789abcd\n", "keys", "add", "fakeai", "--label", "work", "--no-validate")

	r := c.run("", "prompt", "-m", "fakeai/m1", "hello")
	if r.code != 0 {
		t.Fatalf("prompt: exit %d %s", r.code, r.err)
	}
	// The line after the prompt shows every billed class, cache writes too.
	if !strings.Contains(r.err, "600 in + 200 cached + 400 cache write / 300 out · unpriced") {
		t.Errorf("summary line: %q", r.err)
	}
	var pj map[string]any
	decode(t, c.ok("", "prompt", "--json", "-m", "fakeai/m1", "hello"), &pj)
	if pj["cache_write_tokens"] != 400.0 || pj["cost_usd"] != nil || pj["cost_state"] != "unpriced" {
		t.Errorf("prompt --json: %+v", pj)
	}
	hist := c.ok("", "keys", "history", "1")
	if !strings.Contains(hist, "unpriced") || strings.Contains(hist, "$0.00") {
		t.Errorf("keys history shows an unpriced request as:\n%s", hist)
	}
	if out := c.ok("", "log"); !strings.Contains(out, "unpriced") || strings.Contains(out, "$0.00") {
		t.Errorf("log:\n%s", out)
	}
	// usage counts it apart and says where the fallback budgets count comes
	// from: fakeai has no prices, so no other provider's name is borrowed.
	if out := c.ok("", "usage"); !strings.Contains(out, "2 requests have no known price") ||
		!strings.Contains(out, "`byok pricing cost PROVIDER/MODEL` says which") || strings.Contains(out, "highest price") {
		t.Errorf("usage:\n%s", out)
	}
	// The log's JSON gives no cost (null), as prompt's and pricing cost's do.
	var logRows []map[string]any
	decode(t, c.ok("", "log", "--json"), &logRows)
	for _, r := range logRows {
		if v, ok := r["cost_usd"]; !ok || v != nil || r["cost_state"] != "unpriced" {
			t.Errorf("log --json of an unpriced request: %+v", r)
		}
	}
	recs := readCSV(t, c.ok("", "log", "--csv"))
	if got := recs[1][col(t, recs, "cost_usd")]; got != "unpriced" {
		t.Errorf("CSV cost of an unpriced request = %q, want unpriced", got)
	}

	// Priced at 1 / 2 per million, the provider reporting $0.0012 for
	// 1,200 in and 300 out: byok computes $0.0018 and keeps both.
	up2 := costUpstream(t, `{"prompt_tokens":1200,"completion_tokens":300,"cost":0.0012}`)
	c2 := newCLI(t, fakeConfig(up2.URL))
	c2.ok("sk-fake-good-key-0123456789abcd\n", "keys", "add", "fakeai", "--label", "work", "--no-validate")
	c2.ok("", "pricing", "set", "fakeai/m2", "--input", "1", "--output", "2")
	c2.ok("", "prompt", "-m", "fakeai/m2", "hello")
	c2.ok("", "prompt", "-m", "fakeai/unknown", "hello")
	var rows []map[string]any
	decode(t, c2.ok("", "log", "--json"), &rows)
	if len(rows) != 2 {
		t.Fatalf("rows %+v", rows)
	}
	if rows[1]["cost_usd"] != "0.0012" || rows[1]["cost_state"] != "reported" || rows[1]["computed_cost_usd"] != "0.0018" {
		t.Errorf("a reported cost with a price: %+v", rows[1])
	}
	if rows[0]["cost_state"] != "reported" || rows[0]["computed_cost_usd"] != nil {
		t.Errorf("a reported cost without a price has no computed figure: %+v", rows[0])
	}
	recs = readCSV(t, c2.ok("", "log", "--csv"))
	if got := recs[2][col(t, recs, "computed_cost_usd")]; got != "0.0018" {
		t.Errorf("CSV computed cost = %q", got)
	}
}

func readCSV(t *testing.T, s string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("CSV %q: %v", s, err)
	}
	return recs
}

func col(t *testing.T, recs [][]string, name string) int {
	t.Helper()
	for i, h := range recs[0] {
		if h == name {
			return i
		}
	}
	t.Fatalf("no column %s in %v", name, recs[0])
	return 0
}

// TestOneCostFormat: the proxy's request line and the line after a prompt
// write costs as every listing does.
func TestOneCostFormat(t *testing.T) {
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		state pricing.State
		cost  money.USD
		want  string
	}{
		{pricing.Unpriced, 0, " 19→10 tokens unpriced 0s"},
		{pricing.Estimated, 14_032_000, " ~$0.01403 (estimated) "},
		{pricing.Computed, 8_900, " $0.0000089 (computed) "},
	} {
		e := store.Event{Time: at, Provider: "openai", Model: "gpt-4o-mini", Status: store.StatusOK, Cost: tc.cost, CostState: tc.state,
			InputTokens: 19, OutputTokens: 10}
		if got := proxyLogLine(e, time.UTC); !strings.Contains(got, tc.want) {
			t.Errorf("proxy line %q lacks %q", got, tc.want)
		}
		if got := summaryLine(e); !strings.Contains(got, pricing.FormatCost(tc.cost, tc.state, pricing.Screen)) {
			t.Errorf("summary line %q", got)
		}
	}
	e := store.Event{Provider: "anthropic", Model: "claude-sonnet-4-5", InputTokens: 14, CacheWrite5mTokens: 3412, CacheWrite1hTokens: 100,
		OutputTokens: 566, Cost: 21_283_000, CostState: pricing.Computed, Status: store.StatusOK}
	if got := summaryLine(e); !strings.Contains(got, "14 in + 3,412 cache write + 100 cache write (1h) / 566 out") {
		t.Errorf("summary line drops cache writes: %q", got)
	}
}
