package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/store"
)

// TestBackfillOpenRouterGeneration: a request byok carried through
// OpenRouter without an inline cost is priced by byok's catalog; the
// backfill asks OpenRouter's /api/v1/generation, which answers 404 twice
// (it has not recorded the generation yet) and then the documented
// generation object. The event then carries the billed cost as a reported
// one, byok's computed cost beside it, and totals move by the difference.
// A second backfill asks nothing; a generation OpenRouter never knows is
// given up after the bounded retries.
func TestBackfillOpenRouterGeneration(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	asked := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		id := r.URL.Query().Get("id")
		asked[id]++
		if r.URL.Path != "/api/v1/generation" || r.Header.Get("Authorization") != "Bearer sk-or-v1-FAKE-backfill-0000000000test" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"message":"No auth credentials found","code":401}}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if (id != "gen-1733400000-AbCdEf" || asked[id] <= 2) && id != "gen-1733400200-ViaReconcile" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"error":{"message":"Generation %s not found","code":404}}`, id)
			return
		}
		fmt.Fprintf(w, `{"data":{"id":%q,"upstream_id":"chatcmpl-1","total_cost":0.0042,"cache_discount":null,
			"upstream_inference_cost":null,"created_at":"2026-12-06T14:59:58.1+00:00","model":"openai/gpt-4o-mini","app_id":null,
			"streamed":true,"cancelled":false,"provider_name":"OpenAI","latency":900,"moderation_latency":null,"generation_time":800,
			"finish_reason":"stop","native_finish_reason":"stop","tokens_prompt":1000,"tokens_completion":500,"native_tokens_prompt":1000,
			"native_tokens_completion":500,"native_tokens_reasoning":0,"native_tokens_cached":0,"num_media_prompt":null,
			"num_media_completion":null,"num_search_results":null,"origin":"","usage":0.0042,"is_byok":false}}`, id)
	}))
	t.Cleanup(srv.Close)

	cfg := fmt.Sprintf("[providers.openrouter]\nbase_url = %q\n", srv.URL+"/api/v1")
	now := time.Date(2026, 12, 6, 15, 0, 0, 0, time.UTC)
	a := openHomeAt(t, t.TempDir(), cfg, func() time.Time { return now })
	a.SetSecrets(fileSecrets(t))
	k, err := a.AddKey(ctx, "openrouter", "main", "sk-or-v1-FAKE-backfill-0000000000test", false)
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	a.reportSleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }

	record := func(id string) store.Event {
		t.Helper()
		e := store.Event{Time: now.Add(-time.Minute), Source: store.SourceProxy, Provider: "openrouter", Model: "openai/gpt-4o-mini",
			KeyID: k.ID, KeyName: k.Name(), Status: store.StatusOK, RequestID: id, InputTokens: 1000, OutputTokens: 500,
			Cost: usd(t, "0.00045"), CostState: pricing.Computed}
		if _, err := a.db.Record(ctx, &e); err != nil {
			t.Fatal(err)
		}
		return e
	}
	first := record("gen-1733400000-AbCdEf")
	res, err := a.BackfillOpenRouter(ctx)
	if err != nil || res.Priced != 1 || res.Unknown != 0 {
		t.Fatalf("backfill: %+v %v", res, err)
	}
	if fmt.Sprint(waits) != "[1s 2s]" {
		t.Fatalf("waited %v between the tries, want 1s then 2s", waits)
	}
	evs, err := a.Store.Events(ctx, store.Filter{Scope: store.Scope{Provider: "openrouter"}, Limit: 10})
	if err != nil || len(evs) != 1 {
		t.Fatalf("events: %v %v", evs, err)
	}
	e := evs[0]
	if e.ID != first.ID || e.Cost != usd(t, "0.0042") || e.CostState != pricing.Reported || !e.HasComputed || e.Computed != usd(t, "0.00045") {
		t.Fatalf("the event after the backfill: cost %s (%s), computed %s (%v)", e.Cost, e.CostState, e.Computed, e.HasComputed)
	}
	tot, err := a.Store.Totals(ctx, store.Scope{Provider: "openrouter", KeyID: k.ID}, now.Add(-time.Hour), now)
	if err != nil || tot.Cost != usd(t, "0.0042") {
		t.Fatalf("the key's total after the backfill: %s %v, want $0.0042", tot.Cost, err)
	}

	res, err = a.BackfillOpenRouter(ctx)
	if err != nil || res.Priced != 0 || asked["gen-1733400000-AbCdEf"] != 3 {
		t.Fatalf("a second backfill: %+v %v, the generation asked %d times", res, err, asked["gen-1733400000-AbCdEf"])
	}

	waits = nil
	record("gen-1733400099-Never")
	res, err = a.BackfillOpenRouter(ctx)
	if err != nil || res.Unknown != 1 || res.Priced != 0 {
		t.Fatalf("a generation OpenRouter never knows: %+v %v", res, err)
	}
	if asked["gen-1733400099-Never"] != 5 || fmt.Sprint(waits) != "[1s 2s 4s 8s]" {
		t.Fatalf("asked %d times with waits %v, want 5 tries with 1, 2, 4 and 8 seconds between", asked["gen-1733400099-Never"], waits)
	}
	if _, err := a.BackfillOpenRouter(ctx); err != nil || asked["gen-1733400099-Never"] != 5 {
		t.Fatalf("a generation given up on was asked again (%d): %v", asked["gen-1733400099-Never"], err)
	}

	// byok reconcile openrouter backfills first, even without the
	// management key its activity report needs.
	record("gen-1733400200-ViaReconcile")
	rec, err := a.Reconcile(ctx, ReconcileOptions{Providers: []string{"openrouter"}})
	if err != nil || rec.Errors["openrouter"] == nil {
		t.Fatalf("reconcile openrouter without a management key: %v %v", err, rec.Errors)
	}
	if len(rec.Notes) == 0 || !strings.Contains(rec.Notes[0], "OpenRouter's billed cost for the requests byok carried without one: 1 fetched, 0 still unknown") {
		t.Fatalf("reconcile notes %q", rec.Notes)
	}
	if asked["gen-1733400200-ViaReconcile"] != 1 {
		t.Fatalf("reconcile asked for the generation %d times", asked["gen-1733400200-ViaReconcile"])
	}
}
