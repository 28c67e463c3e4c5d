package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/byokhq/byok/budget"
	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/store"
)

// fakeOpenAICosts speaks OpenAI's costs and usage reports from a table of
// dollars per UTC day (as the JSON number text OpenAI sends), which a test
// may change between two reconciles.
type fakeOpenAICosts struct {
	mu   sync.Mutex
	cost map[string]string // "2026-12-01" → "3.5"
	reqs map[string]int    // requests per day on key_work
}

func (f *fakeOpenAICosts) set(day, dollars string) {
	f.mu.Lock()
	f.cost[day] = dollars
	f.mu.Unlock()
}

func (f *fakeOpenAICosts) serve(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		q := r.URL.Query()
		var start, end int64
		_, _ = fmt.Sscan(q.Get("start_time"), &start)
		_, _ = fmt.Sscan(q.Get("end_time"), &end)
		var buckets []string
		for d := start; d < end; d += 86400 {
			day := time.Unix(d, 0).UTC().Format(time.DateOnly)
			var results string
			switch r.URL.Path {
			case "/v1/organization/costs":
				if v, ok := f.cost[day]; ok {
					results = `{"object":"organization.costs.result","amount":{"value":` + v + `,"currency":"usd"},"line_item":"gpt-4o-mini, input","project_id":null}`
				}
			case "/v1/organization/usage/completions":
				if n, ok := f.reqs[day]; ok {
					results = fmt.Sprintf(`{"object":"organization.usage.completions.result","input_tokens":10,"input_cached_tokens":0,"output_tokens":5,"num_model_requests":%d,"api_key_id":"key_work","model":"gpt-4o-mini"}`, n)
				}
			}
			buckets = append(buckets, fmt.Sprintf(`{"object":"bucket","start_time":%d,"end_time":%d,"results":[%s]}`, d, d+86400, results))
		}
		switch {
		case r.URL.Path == "/v1/organization/projects":
			fmt.Fprint(w, `{"object":"list","data":[{"id":"proj_1","name":"Default"}],"has_more":false,"last_id":"proj_1"}`)
		case r.URL.Path == "/v1/organization/projects/proj_1/api_keys":
			fmt.Fprint(w, `{"object":"list","data":[{"id":"key_work","name":"work","redacted_value":"sk-proj-ab...WORK"}],"has_more":false,"last_id":"key_work"}`)
		case strings.HasPrefix(r.URL.Path, "/v1/organization/"):
			fmt.Fprintf(w, `{"object":"page","data":[%s],"has_more":false,"next_page":null}`, strings.Join(buckets, ","))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// openReconcileApp opens a home whose OpenAI is the fake, with an admin
// key and an ordinary key (last 4 WORK) in a file keyring, on a clock.
func openReconcileApp(t *testing.T, srvURL string, now *time.Time, tz string) *App {
	t.Helper()
	cfg := fmt.Sprintf("timezone = %q\n[providers.openai]\nbase_url = %q\n", tz, srvURL+"/v1")
	a := openHomeAt(t, t.TempDir(), cfg, func() time.Time { return *now })
	a.SetSecrets(fileSecrets(t))
	ctx := context.Background()
	if _, err := a.AddAdminKey(ctx, "openai", "", "sk-admin-FAKE-reconcile-000000000test", false); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddKey(ctx, "openai", "work", "sk-proj-FAKE-reconcile-00000000WORK", false); err != nil {
		t.Fatal(err)
	}
	return a
}

// own records one of byok's own requests of cost dollars at t on the work
// key, and returns that key.
func own(t *testing.T, a *App, at time.Time, dollars string) store.Key {
	t.Helper()
	amt, err := money.Parse(dollars)
	if err != nil {
		t.Fatal(err)
	}
	k, err := a.Store.KeyByName(context.Background(), "openai", "work")
	if err != nil {
		t.Fatal(err)
	}
	e := store.Event{Time: at, Source: store.SourceCLI, Provider: "openai", Model: "gpt-4o-mini", KeyID: k.ID, KeyName: k.Name(),
		Status: store.StatusOK, Cost: amt, CostState: pricing.Computed, InputTokens: 10, OutputTokens: 5}
	if _, err := a.db.Record(context.Background(), &e); err != nil {
		t.Fatal(err)
	}
	return k
}

func usd(t *testing.T, s string) money.USD {
	t.Helper()
	v, err := money.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func dayRows(rows []ReconcileRow) map[string]ReconcileRow {
	out := map[string]ReconcileRow{}
	for _, r := range rows {
		if r.KeyName == "" && r.ProviderKey == "" {
			out[r.Day.Format(time.DateOnly)] = r
		}
	}
	return out
}

// TestReconcileCountsUnseenSpendOnce reconciles against OpenAI's costs
// report three times — once, again unchanged, and after yesterday's data
// completed and byok recorded more of its own — and checks the states, the
// reconciled spend, and that totals and a hard budget count it exactly once
// and never count byok's own events twice.
func TestReconcileCountsUnseenSpendOnce(t *testing.T) {
	ctx := context.Background()
	f := &fakeOpenAICosts{
		cost: map[string]string{"2026-12-01": "1.0", "2026-12-02": "3.5", "2026-12-03": "0", "2026-12-04": "0.4", "2026-12-05": "0.8"},
		reqs: map[string]int{"2026-12-01": 1, "2026-12-02": 5},
	}
	srv := f.serve(t)
	now := time.Date(2026, 12, 6, 15, 0, 0, 0, time.UTC)
	a := openReconcileApp(t, srv.URL, &now, "UTC")
	d := func(day int, hour int) time.Time { return time.Date(2026, 12, day, hour, 0, 0, 0, time.UTC) }
	own(t, a, d(1, 9), "1.00")
	own(t, a, d(2, 9), "2.00")
	own(t, a, d(4, 9), "1.00")
	own(t, a, d(5, 9), "0.50")
	opts := ReconcileOptions{Since: d(1, 0), Until: d(7, 0)}

	res, err := a.Reconcile(ctx, opts)
	if err != nil || len(res.Errors) > 0 {
		t.Fatalf("reconcile: %v %v", err, res.Errors)
	}
	rows := dayRows(res.Rows)
	want := map[string]struct {
		state      ReconcileState
		reconciled string
	}{
		"2026-12-01": {StateMatch, "0"},
		"2026-12-02": {StateUnseen, "1.5"},
		"2026-12-03": {StateMatch, "0"},
		"2026-12-04": {StateOver, "0"},
		"2026-12-05": {StatePending, "0.3"},
		"2026-12-06": {StatePending, "0"},
	}
	for day, w := range want {
		r, ok := rows[day]
		if !ok || r.State != w.state || r.Reconciled != usd(t, w.reconciled) {
			t.Errorf("%s: %+v, want %s with %s reconciled", day, r, w.state, w.reconciled)
		}
	}
	if r := rows["2026-12-02"]; r.Byok != usd(t, "2") || r.Reported != usd(t, "3.5") || r.Diff != usd(t, "1.5") || r.ReportedRequests != 5 || r.ByokRequests != 1 {
		t.Errorf("2026-12-02 reads %+v", r)
	}
	var keyRow *ReconcileRow
	for i, r := range res.Rows {
		if r.KeyName == "openai/work" && r.Day.Equal(d(2, 0)) {
			keyRow = &res.Rows[i]
		}
	}
	if keyRow == nil || keyRow.State != StateUnseen || keyRow.ReportedRequests != 5 || keyRow.ByokRequests != 1 {
		t.Fatalf("the key row of 2026-12-02 (matched by last 4): %+v", keyRow)
	}

	total := func() money.USD {
		t.Helper()
		tot, err := a.Store.Totals(ctx, store.Scope{Provider: "openai"}, d(1, 0), now)
		if err != nil {
			t.Fatal(err)
		}
		return tot.Cost
	}
	// byok's own 4.50 plus the unseen 1.50 and 0.30.
	if got := total(); got != usd(t, "6.3") {
		t.Fatalf("after the first reconcile openai totals %s, want $6.30", got)
	}
	if _, err := a.Reconcile(ctx, opts); err != nil {
		t.Fatal(err)
	}
	if got := total(); got != usd(t, "6.3") {
		t.Fatalf("after reconciling again openai totals %s, want $6.30 still", got)
	}

	// Yesterday's data completes, and byok records a request of its own
	// on 2 December that the provider had billed all along: the unseen
	// spend shrinks by it instead of counting it twice.
	f.set("2026-12-05", "1.2")
	own(t, a, d(2, 10), "1.00")
	res, err = a.Reconcile(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	rows = dayRows(res.Rows)
	if r := rows["2026-12-02"]; r.Reconciled != usd(t, "0.5") || r.Byok != usd(t, "3") {
		t.Errorf("2026-12-02 after byok's own late request: %+v", r)
	}
	if r := rows["2026-12-05"]; r.Reconciled != usd(t, "0.7") {
		t.Errorf("2026-12-05 after its report completed: %+v", r)
	}
	// Own 5.50 + reconciled 0.50 + 0.70: each day now totals what the
	// provider billed, or byok's own where byok saw more.
	if got := total(); got != usd(t, "6.7") {
		t.Fatalf("after the report changed openai totals %s, want $6.70", got)
	}
	evs, err := a.Store.Events(ctx, store.Filter{Scope: store.Scope{Provider: "openai", Source: store.SourceReconciled}, Limit: 100})
	if err != nil || len(evs) != 2 {
		t.Fatalf("reconciled events: %d (%v), want 2", len(evs), err)
	}
	by, err := a.Store.Breakdown(ctx, store.Scope{}, d(1, 0), now, store.BySource, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range by {
		if g.Key == string(store.SourceReconciled) && g.Cost != usd(t, "1.2") {
			t.Fatalf("usage by source shows %s reconciled, want $1.20", g.Cost)
		}
	}

	// A hard budget counts the reconciled spend and refuses the next request.
	if err := a.db.PutBudget(ctx, &store.Budget{Scope: "provider:openai", Period: store.Monthly, Limit: usd(t, "6.5"), Hard: true, Thresholds: []int{100}}); err != nil {
		t.Fatal(err)
	}
	_, err = a.budgets.Check(ctx, budget.Target{Provider: "openai"}, 0)
	if !errors.Is(err, budget.ErrBudgetExceeded) {
		t.Fatalf("a hard budget of $6.50 over $6.70 with reconciled spend: %v", err)
	}
}

// TestReconciledSpendAcrossDST checks where a UTC day's reconciled spend
// lands for budgets and daily charts in other zones: at noon UTC, on the
// provider's date in New York on the day its clocks spring forward, in
// Berlin on its own change and in Kolkata; on the next date only east of
// UTC+12 (Auckland in its summer), as documented.
func TestReconciledSpendAcrossDST(t *testing.T) {
	tests := []struct {
		tz, day, wantDate string
	}{
		{"America/New_York", "2026-03-08", "2026-03-08"},
		{"Europe/Berlin", "2026-03-29", "2026-03-29"},
		{"America/Los_Angeles", "2026-11-01", "2026-11-01"},
		{"Asia/Kolkata", "2026-03-08", "2026-03-08"},
		{"Pacific/Auckland", "2026-03-08", "2026-03-09"},
	}
	for _, tt := range tests {
		t.Run(tt.tz, func(t *testing.T) {
			ctx := context.Background()
			day, _ := time.Parse(time.DateOnly, tt.day)
			f := &fakeOpenAICosts{cost: map[string]string{tt.day: "2.25"}}
			srv := f.serve(t)
			now := day.AddDate(0, 0, 3).Add(6 * time.Hour)
			a := openReconcileApp(t, srv.URL, &now, tt.tz)
			if _, err := a.Reconcile(ctx, ReconcileOptions{Providers: []string{"openai"}, Since: day, Until: day.AddDate(0, 0, 1)}); err != nil {
				t.Fatal(err)
			}
			loc, err := time.LoadLocation(tt.tz)
			if err != nil {
				t.Fatal(err)
			}
			from := time.Date(day.Year(), day.Month(), day.Day()-2, 0, 0, 0, 0, loc)
			days, err := a.Store.Breakdown(ctx, store.Scope{}, from, from.AddDate(0, 0, 5), store.ByDay, loc)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range days {
				want := money.USD(0)
				if g.Key == tt.wantDate {
					want = usd(t, "2.25")
				}
				if g.Cost != want {
					t.Errorf("%s in %s: %s, want %s", g.Key, tt.tz, g.Cost, want)
				}
			}
			// A daily budget on that local date counts it.
			start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
			if tt.wantDate != tt.day {
				start = start.AddDate(0, 0, 1)
			}
			tot, err := a.Store.Totals(ctx, store.Scope{Provider: "openai"}, start, start.AddDate(0, 0, 1))
			if err != nil || tot.Cost != usd(t, "2.25") {
				t.Fatalf("the local day %s holds %s (%v)", start.Format(time.DateOnly), tot.Cost, err)
			}
		})
	}
}

func TestReconcilePlacement(t *testing.T) {
	day := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	if got := ReconcilePlacement(day, day.Add(30*time.Hour)); !got.Equal(day.Add(12 * time.Hour)) {
		t.Errorf("a past day: %s", got)
	}
	if got := ReconcilePlacement(day, day.Add(9*time.Hour)); !got.Equal(day.Add(9 * time.Hour)) {
		t.Errorf("today before noon: %s, want the reconcile's own time", got)
	}
}

// TestAutoReconcile checks the background reconcile's schedule: it runs
// when due, skips while the last run (of any process) is recent, runs again
// once the interval has passed, and stops when asked.
func TestAutoReconcile(t *testing.T) {
	ctx := context.Background()
	f := &fakeOpenAICosts{cost: map[string]string{"2026-12-03": "4.0"}}
	srv := f.serve(t)
	now := time.Date(2026, 12, 6, 15, 0, 0, 0, time.UTC)
	a := openReconcileApp(t, srv.URL, &now, "UTC")
	if !a.autoReconcile(ctx) {
		t.Fatal("the first automatic reconcile did not run")
	}
	tot, err := a.Store.Totals(ctx, store.Scope{Source: store.SourceReconciled}, now.AddDate(0, 0, -7), now)
	if err != nil || tot.Cost != usd(t, "4") {
		t.Fatalf("reconciled after the automatic run: %s (%v), want $4.00", tot.Cost, err)
	}
	now = now.Add(time.Hour)
	if a.autoReconcile(ctx) {
		t.Fatal("an automatic reconcile ran an hour after the last, with every = 6h")
	}
	now = now.Add(6 * time.Hour)
	f.set("2026-12-03", "5.0")
	if !a.autoReconcile(ctx) {
		t.Fatal("the automatic reconcile did not run after the interval")
	}
	tot, _ = a.Store.Totals(ctx, store.Scope{Source: store.SourceReconciled}, now.AddDate(0, 0, -8), now)
	if tot.Cost != usd(t, "5") {
		t.Fatalf("reconciled after the second run: %s, want $5.00 (replaced, not added)", tot.Cost)
	}

	// The background loop: its first check comes after the start delay,
	// and stop waits for it.
	defer func(d time.Duration) { autoReconcileStart = d }(autoReconcileStart)
	autoReconcileStart = 10 * time.Millisecond
	now = now.Add(7 * time.Hour)
	f.set("2026-12-03", "6.0")
	stop := a.StartAutoReconcile(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for {
		tot, _ = a.Store.Totals(ctx, store.Scope{Source: store.SourceReconciled}, now.AddDate(0, 0, -9), now)
		if tot.Cost == usd(t, "6") || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	if tot.Cost != usd(t, "6") {
		t.Fatalf("the background reconcile left %s reconciled, want $6.00", tot.Cost)
	}
}
