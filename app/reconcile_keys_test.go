package app

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/byokhq/byok/budget"
	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/store"
)

// keyedOpenAI speaks OpenAI's costs report (grouped by line item and, when
// keyed, by api_key_id as the current reference allows) and its usage
// reports per key and model, from tables per UTC day, with two projects'
// keys: key_work (last 4 WORK, held by byok) and key_other (not held).
type keyedOpenAI struct {
	mu sync.Mutex
	// keyed says whether cost results carry api_key_id.
	keyed bool
	// cost per day and key ref ("" for a null api_key_id), as JSON numbers.
	cost map[string]map[string]string
	// usage per day and key ref: input and output tokens of gpt-4o-mini.
	usage map[string]map[string][2]int64
	// fail answers 500 to a report request when it returns true.
	fail func(path string, start time.Time) bool
	// asked counts report requests by path and start day.
	asked map[string]int
}

func (f *keyedOpenAI) count(path, day string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.asked[path+" "+day]
}

func (f *keyedOpenAI) serve(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/v1/organization/projects":
			fmt.Fprint(w, `{"object":"list","data":[{"id":"proj_1","name":"Default"}],"has_more":false,"last_id":"proj_1"}`)
			return
		case "/v1/organization/projects/proj_1/api_keys":
			fmt.Fprint(w, `{"object":"list","data":[{"id":"key_work","name":"work","redacted_value":"sk-proj-ab...WORK"},{"id":"key_other","name":"image app","redacted_value":"sk-proj-cd...OTHR"}],"has_more":false,"last_id":"key_other"}`)
			return
		}
		if !strings.HasPrefix(r.URL.Path, "/v1/organization/") {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		var start, end int64
		_, _ = fmt.Sscan(q.Get("start_time"), &start)
		_, _ = fmt.Sscan(q.Get("end_time"), &end)
		if f.asked == nil {
			f.asked = map[string]int{}
		}
		f.asked[r.URL.Path+" "+time.Unix(start, 0).UTC().Format(time.DateOnly)]++
		if f.fail != nil && f.fail(r.URL.Path, time.Unix(start, 0).UTC()) {
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `{"error":{"message":"The server had an error while processing your request.","type":"server_error"}}`)
			return
		}
		if r.URL.Path == "/v1/organization/costs" && f.keyed && !strings.Contains(strings.Join(q["group_by"], ","), "api_key_id") {
			t.Errorf("costs asked without group_by=api_key_id: %s", r.URL.RawQuery)
		}
		var buckets []string
		for d := start; d < end; d += 86400 {
			day := time.Unix(d, 0).UTC().Format(time.DateOnly)
			var results []string
			switch r.URL.Path {
			case "/v1/organization/costs":
				refs := sortedRefs(f.cost[day])
				for _, ref := range refs {
					key := ""
					if f.keyed {
						key = `,"api_key_id":null`
						if ref != "" {
							key = fmt.Sprintf(`,"api_key_id":%q`, ref)
						}
					}
					results = append(results, `{"object":"organization.costs.result","amount":{"value":`+f.cost[day][ref]+`,"currency":"usd"},"line_item":"gpt-4o-mini, input","project_id":null`+key+`}`)
				}
			case "/v1/organization/usage/completions":
				for ref, u := range f.usage[day] {
					key := "null"
					if ref != "" {
						key = fmt.Sprintf("%q", ref)
					}
					results = append(results, fmt.Sprintf(`{"object":"organization.usage.completions.result","input_tokens":%d,"input_cached_tokens":0,"output_tokens":%d,"num_model_requests":1,"api_key_id":%s,"model":"gpt-4o-mini-2024-07-18"}`, u[0], u[1], key))
				}
			}
			buckets = append(buckets, fmt.Sprintf(`{"object":"bucket","start_time":%d,"end_time":%d,"results":[%s]}`, d, d+86400, strings.Join(results, ",")))
		}
		fmt.Fprintf(w, `{"object":"page","data":[%s],"has_more":false,"next_page":null}`, strings.Join(buckets, ","))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func sortedRefs[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// keyTotals returns the spend of a scope over December 2026.
func keyTotals(t *testing.T, a *App, sc store.Scope) money.USD {
	t.Helper()
	tot, err := a.Store.Totals(context.Background(), sc, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return tot.Cost
}

// TestReconciledSpendPerKey: OpenAI's costs grouped by api_key_id give
// each key its own money. byok's key "work" was billed $2.00 of which byok
// recorded $1.00; a key byok does not hold was billed $1.00 and $0.50 came
// without a key. The work key's dollar of unseen spend is recorded on that
// key — so its key: budget, usage by key and its hard budget count it — and
// the other $1.50 under no key; reconciling again changes nothing.
func TestReconciledSpendPerKey(t *testing.T) {
	ctx := context.Background()
	f := &keyedOpenAI{keyed: true,
		cost:  map[string]map[string]string{"2026-12-02": {"key_work": "2.0", "key_other": "1.0", "": "0.5"}},
		usage: map[string]map[string][2]int64{"2026-12-02": {"key_work": {1000, 100}, "key_other": {5000, 0}}},
	}
	srv := f.serve(t)
	now := time.Date(2026, 12, 6, 15, 0, 0, 0, time.UTC)
	a := openReconcileApp(t, srv.URL, &now, "UTC")
	work := own(t, a, time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), "1.00")
	opts := ReconcileOptions{Since: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)}
	// A key budget of $1.60 is crossed only by the key's reconciled dollar.
	if err := a.db.PutBudget(ctx, &store.Budget{Scope: "key:openai/work", Period: store.Monthly, Limit: usd(t, "1.6"), Thresholds: []int{100}}); err != nil {
		t.Fatal(err)
	}
	// A provider budget of $3.00 is crossed by the reconciled spend of the
	// key and of no key together: evaluating the key covers it.
	if err := a.db.PutBudget(ctx, &store.Budget{Scope: "provider:openai", Period: store.Monthly, Limit: usd(t, "3"), Thresholds: []int{100}}); err != nil {
		t.Fatal(err)
	}
	for run := 1; run <= 2; run++ {
		res, err := a.Reconcile(ctx, opts)
		if err != nil || len(res.Errors) > 0 {
			t.Fatalf("run %d: %v %v", run, err, res.Errors)
		}
		als, err := a.Store.Alerts(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		n := map[string]int{}
		for _, al := range als {
			if al.Kind == store.AlertThreshold {
				n[al.Scope]++
			}
		}
		if n["key:openai/work"] != 1 {
			t.Fatalf("run %d: %d alerts on key:openai/work, want one (the reconciled dollar crosses its budget once)", run, n["key:openai/work"])
		}
		if n["provider:openai"] != 1 {
			t.Fatalf("run %d: %d alerts on provider:openai, want one (the reconciled $2.50 crosses its budget once)", run, n["provider:openai"])
		}
		if got := keyTotals(t, a, store.Scope{Provider: "openai", KeyID: work.ID}); got != usd(t, "2") {
			t.Fatalf("run %d: key openai/work totals %s, want the $2.00 OpenAI billed it", run, got)
		}
		if got := keyTotals(t, a, store.Scope{Provider: "openai"}); got != usd(t, "3.5") {
			t.Fatalf("run %d: openai totals %s, want $3.50", run, got)
		}
		var day time.Time
		for _, r := range res.Rows {
			if r.KeyName == "" && r.ProviderKey == "" {
				day = r.Day
			} else if !r.Day.Equal(day) {
				t.Fatalf("run %d: the key row %+v is not under its day (under %s)", run, r, day)
			}
		}
		var workRow, otherRow *ReconcileRow
		for i, r := range res.Rows {
			switch {
			case r.KeyName == "openai/work":
				workRow = &res.Rows[i]
			case strings.HasPrefix(r.ProviderKey, "image app"):
				otherRow = &res.Rows[i]
			}
		}
		if workRow == nil || !workRow.HasReported || workRow.Reported != usd(t, "2") || workRow.Byok != usd(t, "1") ||
			workRow.Reconciled != usd(t, "1") || workRow.State != StateUnseen {
			t.Fatalf("run %d: the work key's row %+v", run, workRow)
		}
		if otherRow == nil || otherRow.Reported != usd(t, "1") || otherRow.KeyID != 0 || otherRow.State != StateUnseen {
			t.Fatalf("run %d: the unheld key's row %+v", run, otherRow)
		}
	}
	by, err := a.Store.Breakdown(ctx, store.Scope{Provider: "openai"}, opts.Since, now, store.ByKey, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]money.USD{}
	for _, g := range by {
		got[g.Key] = g.Cost
	}
	if got["openai/work"] != usd(t, "2") || got["(no key)"] != usd(t, "1.5") {
		t.Fatalf("usage by key: %v, want the work key $2.00 and no key $1.50", got)
	}
	if err := a.db.PutBudget(ctx, &store.Budget{Scope: "key:openai/work", Period: store.Monthly, Limit: usd(t, "1.5"), Hard: true, Thresholds: []int{100}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.budgets.Check(ctx, budget.Target{Provider: "openai", KeyID: work.ID}, 0); !errors.Is(err, budget.ErrBudgetExceeded) {
		t.Fatalf("a hard key budget of $1.50 under the key's $2.00 with reconciled spend: %v", err)
	}
}

// TestReconciledSpendSharedByUsage: a cost report without keys (as
// Anthropic's, or OpenAI's before api_key_id grouping) is shared among the
// keys by their usage priced with byok's catalog — gpt-4o-mini's $0.15 and
// $0.60 per million tokens make the work key's million input tokens one
// fifth of the other key's million output tokens' worth — and the shares
// add up to the billed cost to the nano-dollar, also when it does not
// divide evenly.
func TestReconciledSpendSharedByUsage(t *testing.T) {
	ctx := context.Background()
	f := &keyedOpenAI{
		cost: map[string]map[string]string{"2026-12-02": {"": "7.5"}, "2026-12-03": {"": "0.000000001"}},
		usage: map[string]map[string][2]int64{
			"2026-12-02": {"key_work": {1_000_000, 0}, "key_other": {0, 1_000_000}},
			"2026-12-03": {"key_work": {1_000_000, 0}, "key_other": {0, 1_000_000}},
		},
	}
	srv := f.serve(t)
	now := time.Date(2026, 12, 6, 15, 0, 0, 0, time.UTC)
	a := openReconcileApp(t, srv.URL, &now, "UTC")
	work := own(t, a, time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), "0.50")
	res, err := a.Reconcile(ctx, ReconcileOptions{Since: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)})
	if err != nil || len(res.Errors) > 0 {
		t.Fatalf("reconcile: %v %v", err, res.Errors)
	}
	// 2 December: $7.50 shared 1:4, the work key $1.50 (byok saw $0.50 of
	// it) and the key byok does not hold $6.00.
	var reported money.USD
	for _, r := range res.Rows {
		if r.Day.Equal(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)) && r.ProviderKey != "" {
			reported += r.Reported
			if r.KeyName == "openai/work" && (r.Reported != usd(t, "1.5") || r.Reconciled != usd(t, "1")) {
				t.Errorf("the work key on 2 December: %+v, want $1.50 billed and $1.00 reconciled", r)
			}
		}
	}
	if reported != usd(t, "7.5") {
		t.Fatalf("the keys' shares of 2 December add up to %s, want $7.50", reported)
	}
	if got := keyTotals(t, a, store.Scope{Provider: "openai", KeyID: work.ID}); got != usd(t, "1.5") {
		t.Fatalf("key openai/work totals %s, want its $1.50 share", got)
	}
	// 3 December billed one nano-dollar, within the tolerance of a match,
	// and still shared exactly: one key's row carries it.
	var tiny money.USD
	for _, r := range res.Rows {
		if r.Day.Equal(time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)) && r.ProviderKey != "" {
			tiny += r.Reported
		}
	}
	if tiny != 1 {
		t.Fatalf("the keys' shares of 3 December add up to %d nano-dollars, want 1", tiny)
	}
	if got := keyTotals(t, a, store.Scope{Provider: "openai"}); got != usd(t, "7.5") {
		t.Fatalf("openai totals %s, want $7.50", got)
	}
	shares := shareByWeight(7, map[string]*big.Int{"a": big.NewInt(1), "b": big.NewInt(1), "c": big.NewInt(1)})
	if shares["a"]+shares["b"]+shares["c"] != 7 || shares["a"] != 3 {
		t.Fatalf("7 nano-dollars in three equal shares: %v, want 3, 2, 2", shares)
	}
	// Equal gaps tie: the nano-dollar left over goes to the lower key id,
	// 5 before 12, as ids sort (not as their digits do).
	if got := shareGaps(3, map[int64]money.USD{12: 10, 5: 10, 0: -4}); got[5] != 2 || got[12] != 1 || len(got) != 2 {
		t.Fatalf("3 nano-dollars over two equal gaps of keys 12 and 5: %v, want key 5 2 and key 12 1", got)
	}
}

// TestReconcileResumes: OpenAI answers 500 (after byok's retries) for the
// third week of a three-week reconcile. The first two weeks are stored with
// their reconciled spend; the next reconcile asks only for the third, and
// the totals are what one clean run gives, never twice.
func TestReconcileResumes(t *testing.T) {
	ctx := context.Background()
	cost := map[string]map[string]string{}
	for d := 1; d <= 20; d++ {
		cost[fmt.Sprintf("2026-12-%02d", d)] = map[string]string{"key_work": "1.0"}
	}
	broken := true
	third := time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)
	f := &keyedOpenAI{keyed: true, cost: cost,
		fail: func(path string, start time.Time) bool {
			return broken && path == "/v1/organization/usage/completions" && start.Equal(third)
		}}
	srv := f.serve(t)
	now := time.Date(2026, 12, 21, 15, 0, 0, 0, time.UTC)
	a := openReconcileApp(t, srv.URL, &now, "UTC")
	var waits []time.Duration
	a.reportSleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	opts := ReconcileOptions{Since: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 12, 21, 0, 0, 0, 0, time.UTC)}

	res, err := a.Reconcile(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res.Errors["openai"] == nil || !strings.Contains(res.Errors["openai"].Error(), "the next reconcile continues from there") {
		t.Fatalf("a provider failing in the third week: %v", res.Errors)
	}
	if len(waits) == 0 {
		t.Fatal("the 500 was not retried")
	}
	if got := keyTotals(t, a, store.Scope{Provider: "openai"}); got != usd(t, "14") {
		t.Fatalf("after the failed run openai totals %s, want the two stored weeks' $14.00", got)
	}

	broken = false
	now = now.Add(time.Hour)
	res, err = a.Reconcile(ctx, opts)
	if err != nil || len(res.Errors) > 0 {
		t.Fatalf("the second run: %v %v", err, res.Errors)
	}
	for _, day := range []string{"2026-12-01", "2026-12-08"} {
		if n := f.count("/v1/organization/costs", day); n != 1 {
			t.Errorf("the week from %s was asked for %d times, want once (the second run continues)", day, n)
		}
	}
	if n := f.count("/v1/organization/costs", "2026-12-15"); n != 2 {
		t.Errorf("the third week was asked for %d times, want twice", n)
	}
	if got := keyTotals(t, a, store.Scope{Provider: "openai"}); got != usd(t, "20") {
		t.Fatalf("after resuming openai totals %s, want $20.00 (each day once)", got)
	}
	if n := len(dayRows(res.Rows)); n != 20 {
		t.Fatalf("the resumed run reports %d days, want all 20", n)
	}
	// A finished run leaves nothing to continue: the next one asks again.
	if _, err := a.Reconcile(ctx, opts); err != nil {
		t.Fatal(err)
	}
	if n := f.count("/v1/organization/costs", "2026-12-01"); n != 2 {
		t.Errorf("after a finished run the first week was asked for %d times, want twice", n)
	}
	if got := keyTotals(t, a, store.Scope{Provider: "openai"}); got != usd(t, "20") {
		t.Fatalf("after a third run openai totals %s, want $20.00", got)
	}
}

// TestAnthropicCostSharedByKeyTokens: Anthropic's cost report groups money
// by description, not key (amounts are decimal strings of cents); its usage
// report counts each key's tokens per model. A day's $18.00 is shared by
// claude-sonnet-4-5's prices ($3 and $15 per million input and output
// tokens): the work key's million input tokens $3.00, of which byok
// recorded $1.00, the other key's million output tokens $15.00 (a key
// byok does not hold, under no key). Reconciling twice counts it once.
func TestAnthropicCostSharedByKeyTokens(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("x-api-key") != "sk-ant-admin01-FAKE-shares-000000test" || r.Header.Get("anthropic-version") == "" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`)
			return
		}
		q := r.URL.Query()
		start, err := time.Parse(time.RFC3339, q.Get("starting_at"))
		if err != nil && r.URL.Path != "/v1/organizations/api_keys" {
			t.Errorf("%s asked with starting_at %q", r.URL.Path, q.Get("starting_at"))
		}
		end, _ := time.Parse(time.RFC3339, q.Get("ending_at"))
		var buckets []string
		for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
			var results string
			if d.Format(time.DateOnly) == "2026-12-02" {
				switch r.URL.Path {
				case "/v1/organizations/cost_report":
					results = `{"currency":"USD","amount":"300.00","workspace_id":null,"description":"Claude Sonnet 4.5 Usage - Input Tokens","cost_type":"tokens","context_window":"0-200k","model":"claude-sonnet-4-5","service_tier":"standard","token_type":"uncached_input_tokens"},
						{"currency":"USD","amount":"1500.00","workspace_id":null,"description":"Claude Sonnet 4.5 Usage - Output Tokens","cost_type":"tokens","context_window":"0-200k","model":"claude-sonnet-4-5","service_tier":"standard","token_type":"output_tokens"}`
				case "/v1/organizations/usage_report/messages":
					if g := strings.Join(q["group_by[]"], ","); g != "api_key_id,model" {
						t.Errorf("usage grouped by %q", g)
					}
					results = `{"uncached_input_tokens":1000000,"cache_creation":{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":0},"cache_read_input_tokens":0,"output_tokens":0,"server_tool_use":{"web_search_requests":0},"api_key_id":"apikey_work","workspace_id":null,"model":"claude-sonnet-4-5-20250929","service_tier":null,"context_window":null},
						{"uncached_input_tokens":0,"cache_creation":{"ephemeral_1h_input_tokens":0,"ephemeral_5m_input_tokens":0},"cache_read_input_tokens":0,"output_tokens":1000000,"server_tool_use":{"web_search_requests":0},"api_key_id":"apikey_app","workspace_id":null,"model":"claude-sonnet-4-5-20250929","service_tier":null,"context_window":null}`
				}
			}
			buckets = append(buckets, fmt.Sprintf(`{"starting_at":%q,"ending_at":%q,"results":[%s]}`, d.Format(time.RFC3339), d.AddDate(0, 0, 1).Format(time.RFC3339), results))
		}
		switch r.URL.Path {
		case "/v1/organizations/api_keys":
			fmt.Fprint(w, `{"data":[{"id":"apikey_work","type":"api_key","name":"work","workspace_id":null,"created_at":"2026-01-01T00:00:00Z","created_by":{"id":"user_1","type":"user"},"partial_key_hint":"sk-ant-api03-R2D...WORK","status":"active"},
				{"id":"apikey_app","type":"api_key","name":"avatar studio","workspace_id":null,"created_at":"2026-01-01T00:00:00Z","created_by":{"id":"user_1","type":"user"},"partial_key_hint":"sk-ant-api03-C3P...AVTR","status":"active"}],"has_more":false,"first_id":"apikey_work","last_id":"apikey_app"}`)
		case "/v1/organizations/cost_report", "/v1/organizations/usage_report/messages":
			fmt.Fprintf(w, `{"data":[%s],"has_more":false,"next_page":null}`, strings.Join(buckets, ","))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	now := time.Date(2026, 12, 6, 15, 0, 0, 0, time.UTC)
	a := openHomeAt(t, t.TempDir(), fmt.Sprintf("timezone = \"UTC\"\n[providers.anthropic]\nbase_url = %q\n", srv.URL), func() time.Time { return now })
	a.SetSecrets(fileSecrets(t))
	if _, err := a.AddAdminKey(ctx, "anthropic", "", "sk-ant-admin01-FAKE-shares-000000test", false); err != nil {
		t.Fatal(err)
	}
	work, err := a.AddKey(ctx, "anthropic", "work", "sk-ant-api03-FAKE-shares-0000000WORK", false)
	if err != nil {
		t.Fatal(err)
	}
	e := store.Event{Time: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC), Source: store.SourceCLI, Provider: "anthropic", Model: "claude-sonnet-4-5",
		KeyID: work.ID, KeyName: work.Name(), Status: store.StatusOK, Cost: usd(t, "1"), CostState: pricing.Computed}
	if _, err := a.db.Record(ctx, &e); err != nil {
		t.Fatal(err)
	}
	opts := ReconcileOptions{Since: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)}
	for run := 1; run <= 2; run++ {
		res, err := a.Reconcile(ctx, opts)
		if err != nil || len(res.Errors) > 0 {
			t.Fatalf("run %d: %v %v", run, err, res.Errors)
		}
		for _, r := range res.Rows {
			if !r.Day.Equal(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)) {
				continue
			}
			switch {
			case r.KeyName == "" && r.ProviderKey == "":
				if r.Reported != usd(t, "18") || r.Reconciled != usd(t, "17") || r.State != StateUnseen {
					t.Errorf("run %d: the day reads %+v", run, r)
				}
			case r.KeyName == "anthropic/work":
				if r.Reported != usd(t, "3") || r.Byok != usd(t, "1") || r.Reconciled != usd(t, "2") {
					t.Errorf("run %d: the work key reads %+v, want $3.00 billed, $1.00 recorded, $2.00 reconciled", run, r)
				}
			case strings.HasPrefix(r.ProviderKey, "avatar studio"):
				if r.Reported != usd(t, "15") || r.KeyID != 0 {
					t.Errorf("run %d: the avatar studio's key reads %+v, want $15.00 billed", run, r)
				}
			}
		}
		if got := keyTotals(t, a, store.Scope{Provider: "anthropic", KeyID: work.ID}); got != usd(t, "3") {
			t.Fatalf("run %d: key anthropic/work totals %s, want its $3.00 share", run, got)
		}
		if got := keyTotals(t, a, store.Scope{Provider: "anthropic"}); got != usd(t, "18") {
			t.Fatalf("run %d: anthropic totals %s, want the $18.00 billed", run, got)
		}
	}
}
