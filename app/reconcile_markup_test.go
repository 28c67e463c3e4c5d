package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/store"
)

// OpenRouter's activity reports usage in credits spent, which leaves out
// the platform fee byok adds as markup_percent (paid when credits are
// bought). Reconcile compares byok's cost without that markup, so a day
// billed exactly at the catalog price matches; unseen spend is recorded
// with the markup on top, as every cost byok records has it, and a second
// reconcile neither records it again nor reads its markup as byok's own.
func TestReconcileLeavesTheMarkupOutOfTheComparison(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/api/v1/activity":
			row := `{"date":"%s","model":"openai/gpt-4o-mini","model_permaslug":"openai/gpt-4o-mini-2024-07-18","endpoint_id":"e1","provider_name":"OpenAI","usage":%s,"byok_usage_inference":0,"requests":%d,"prompt_tokens":10000000,"completion_tokens":0,"reasoning_tokens":0}`
			fmt.Fprintf(w, `{"data":[`+row+`,`+row+`]}`, "2026-12-03", "1.5", 1, "2026-12-04", "2.5", 2)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	now := time.Date(2026, 12, 6, 15, 0, 0, 0, time.UTC)
	a := openHomeAt(t, t.TempDir(), fmt.Sprintf("timezone = \"UTC\"\n[providers.openrouter]\nbase_url = %q\nmarkup_percent = 5.5\n", srv.URL+"/api/v1"),
		func() time.Time { return now })
	a.SetSecrets(fileSecrets(t))
	if _, err := a.AddAdminKey(ctx, "openrouter", "", "sk-or-v1-FAKE-management-0000000000test", false); err != nil {
		t.Fatal(err)
	}
	// byok's own requests, priced at the catalog price plus the 5.5 %
	// markup: all of Dec 3's $1.50, and $1.00 of Dec 4's $2.50.
	for _, e := range []struct {
		day          int
		cost, markup string
	}{{3, "1.5825", "0.0825"}, {4, "1.055", "0.055"}} {
		ev := store.Event{Time: time.Date(2026, 12, e.day, 9, 0, 0, 0, time.UTC), Source: store.SourceCLI, Provider: "openrouter", Model: "openai/gpt-4o-mini",
			Status: store.StatusOK, Cost: usd(t, e.cost), Markup: usd(t, e.markup), CostState: pricing.Computed, InputTokens: 10}
		if _, err := a.db.Record(ctx, &ev); err != nil {
			t.Fatal(err)
		}
	}
	opts := ReconcileOptions{Providers: []string{"openrouter"}, Since: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)}
	for run := 1; run <= 2; run++ {
		res, err := a.Reconcile(ctx, opts)
		if err != nil || len(res.Errors) > 0 {
			t.Fatalf("reconcile: %v %v", err, res.Errors)
		}
		rows := dayRows(res.Rows)
		if r := rows["2026-12-03"]; r.State != StateMatch || r.Byok != usd(t, "1.5") || r.Diff != 0 {
			t.Errorf("run %d, Dec 3 billed at the catalog price: %+v, want a match at $1.50", run, r)
		}
		if r := rows["2026-12-04"]; r.State != StateUnseen || r.Byok != usd(t, "1") || r.Diff != usd(t, "1.5") || r.Reconciled != usd(t, "1.5") {
			t.Errorf("run %d, Dec 4: %+v, want $1.50 unseen beside byok's $1.00", run, r)
		}
		// What the user pays for Dec 4: the $2.50 OpenRouter billed, plus
		// the fee on it.
		tot, err := a.Store.Totals(ctx, store.Scope{Provider: "openrouter"}, time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if tot.Cost != usd(t, "2.6375") || tot.Markup != usd(t, "0.1375") {
			t.Errorf("run %d, Dec 4 totals %s (markup %s), want $2.6375 (markup $0.1375)", run, tot.Cost, tot.Markup)
		}
	}
}
