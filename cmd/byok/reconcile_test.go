package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// newFakeReports serves OpenAI's, Anthropic's and OpenRouter's documented
// report shapes with one billed amount each on the day three days ago
// (UTC): OpenAI $2.50 as a JSON number, Anthropic 180.5 cents as a decimal
// string, OpenRouter 0.75 credits.
func newFakeReports(t *testing.T, day time.Time) *httptest.Server {
	d := day.Unix()
	ds := day.Format(time.DateOnly)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		q := r.URL.Query()
		switch r.URL.Path {
		case "/v1/organization/costs":
			var start, end int64
			_, _ = fmt.Sscan(q.Get("start_time"), &start)
			_, _ = fmt.Sscan(q.Get("end_time"), &end)
			var bs []string
			for b := start; b < end; b += 86400 {
				res := ""
				if b == d {
					res = `{"object":"organization.costs.result","amount":{"value":2.5,"currency":"usd"},"line_item":"gpt-4o, input","project_id":"proj_1"}`
				}
				bs = append(bs, fmt.Sprintf(`{"object":"bucket","start_time":%d,"end_time":%d,"results":[%s]}`, b, b+86400, res))
			}
			fmt.Fprintf(w, `{"object":"page","data":[%s],"has_more":false,"next_page":null}`, strings.Join(bs, ","))
		case "/v1/organization/usage/completions", "/v1/organization/usage/embeddings", "/v1/organization/usage/images",
			"/v1/organization/usage/audio_speeches", "/v1/organization/usage/audio_transcriptions":
			fmt.Fprint(w, `{"object":"page","data":[],"has_more":false,"next_page":null}`)
		case "/v1/organization/projects":
			fmt.Fprint(w, `{"object":"list","data":[],"has_more":false}`)
		case "/v1/organizations/cost_report":
			fmt.Fprintf(w, `{"data":[{"starting_at":"%sT00:00:00Z","ending_at":"%sT00:00:00Z","results":[{"currency":"USD","amount":"180.5","workspace_id":null,"description":"Claude Sonnet 4.5 Usage - Input Tokens","cost_type":"tokens","model":"claude-sonnet-4-5","service_tier":"standard","token_type":"uncached_input_tokens","context_window":"0-200k"}]}],"has_more":false,"next_page":null}`,
				ds, day.AddDate(0, 0, 1).Format(time.DateOnly))
		case "/v1/organizations/usage_report/messages":
			fmt.Fprint(w, `{"data":[],"has_more":false,"next_page":null}`)
		case "/v1/organizations/api_keys":
			fmt.Fprint(w, `{"data":[],"has_more":false,"first_id":null,"last_id":null}`)
		case "/api/v1/activity":
			fmt.Fprintf(w, `{"data":[{"date":"%s","model":"openai/gpt-4.1","model_permaslug":"openai/gpt-4.1-2025-04-14","endpoint_id":"e1","provider_name":"OpenAI","usage":0.75,"byok_usage_inference":0,"requests":3,"prompt_tokens":50,"completion_tokens":125,"reasoning_tokens":0}]}`, ds)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestReconcileCommand runs byok reconcile --json against the three
// providers' report shapes, twice, and checks the per-day rows and that
// byok usage counts the unseen spend once.
func TestReconcileCommand(t *testing.T) {
	t.Setenv("BYOK_PASSPHRASE", "reconcile test passphrase")
	today := time.Now().UTC().Truncate(24 * time.Hour)
	day := today.AddDate(0, 0, -3)
	srv := newFakeReports(t, day)
	c := newCLI(t, fmt.Sprintf(`keyring = "file"
timezone = "UTC"
[providers.openai]
base_url = %q
[providers.anthropic]
base_url = %q
[providers.openrouter]
base_url = %q
`, srv.URL+"/v1", srv.URL, srv.URL+"/api/v1"))
	for _, p := range []string{"openai", "anthropic", "openrouter"} {
		c.ok("sk-admin-FAKE-"+p+"-cli-0000000000test\n", "keys", "add", p, "--admin", "--no-validate")
	}
	// byok itself saw $1.00 of OpenAI's $2.50 that day, and more of
	// OpenRouter than it billed.
	at := day.Add(9 * time.Hour).Format(time.RFC3339)
	c.ok("", "spend", "add", "openai", "1", "--date", at)
	c.ok("", "spend", "add", "openrouter", "2", "--date", at)

	since := day.AddDate(0, 0, -1).Format(time.DateOnly)
	var rows []map[string]any
	for run := 0; run < 2; run++ {
		decode(t, c.ok("", "reconcile", "--since", since, "--json"), &rows)
		got := map[string]map[string]any{}
		for _, r := range rows {
			if r["key"] == nil && r["provider_key"] == nil && r["day"] == day.Format(time.DateOnly) {
				got[r["provider"].(string)] = r
			}
			for _, f := range []string{"provider", "day", "key", "byok_usd", "reported_usd", "diff_usd", "byok_requests", "reported_requests", "state"} {
				if _, ok := r[f]; !ok {
					t.Fatalf("a row lacks %q: %v", f, r)
				}
			}
		}
		want := map[string][4]string{ // byok, reported, diff, state
			"openai":     {"1", "2.5", "1.5", "unseen"},
			"anthropic":  {"0", "1.805", "1.805", "unseen"},
			"openrouter": {"2", "0.75", "-1.25", "over"},
		}
		for p, w := range want {
			r := got[p]
			if r == nil || r["byok_usd"] != w[0] || r["reported_usd"] != w[1] || r["diff_usd"] != w[2] || r["state"] != w[3] {
				t.Errorf("run %d, %s on %s: %v, want %v", run+1, p, day.Format(time.DateOnly), r, w)
			}
		}
		if r := got["openrouter"]; r != nil && fmt.Sprint(r["reported_requests"]) != "3" {
			t.Errorf("openrouter reported_requests %v", r["reported_requests"])
		}
		var usage []map[string]any
		decode(t, c.ok("", "usage", "--since", since, "--by", "provider", "--json"), &usage)
		cost := map[string]string{}
		for _, u := range usage {
			cost[u["group"].(string)] = u["cost_usd"].(string)
		}
		if cost["openai"] != "2.5" || cost["anthropic"] != "1.805" || cost["openrouter"] != "2" {
			t.Fatalf("run %d: usage by provider %v, want openai 2.5, anthropic 1.805, openrouter 2", run+1, cost)
		}
	}
	out := c.ok("", "reconcile", "openai", "--since", since)
	if !strings.Contains(out, "unseen (+$1.50 counted)") || !strings.Contains(out, "noon UTC") {
		t.Fatalf("reconcile table:\n%s", out)
	}
	if r := c.run("", "reconcile", "groq"); r.code == 0 || !strings.Contains(r.err, "no usage or balance API") {
		t.Fatalf("reconcile groq: %d %q", r.code, r.err)
	}
}
