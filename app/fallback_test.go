package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/store"
	"github.com/byokhq/byok/store/keychain/keychaintest"
)

// A custom provider with no prices borrows no other provider's price under
// a false name: a server of the user's own (loopback base URL, or no key)
// counts $0 until it has a price, and a custom cloud provider counts the
// catalog's dearest price, which pricing.FallbackText names as such.
func TestFallbackOfProvidersWithoutPrices(t *testing.T) {
	a := openHome(t, t.TempDir(), `
[providers.vllm]
kind = "openai"
base_url = "http://127.0.0.1:8000/v1"

[providers.gpubox]
kind = "openai"
base_url = "https://gpu.internal.example/v1"
no_key = true

[providers.cloudy]
kind = "openai"
base_url = "https://api.cloudy.example/v1"

[providers.openai]
base_url = "http://localhost:18555/v1"
`)
	cat := a.Catalog()
	for p, want := range map[string]pricing.FallbackBasis{
		"vllm":   pricing.FallbackNone,
		"gpubox": pricing.FallbackNone,
		"cloudy": pricing.FallbackCatalog,
		// A built-in cloud provider pointed at a local address keeps its
		// own prices, so hard budgets stay as safe as before.
		"openai": pricing.FallbackProvider,
		"ollama": pricing.FallbackLocal,
	} {
		if got := cat.FallbackBasis(p); got != want {
			t.Errorf("%s falls back to %s, want %s", p, got, want)
		}
	}
	if fb, _ := cat.Fallback("cloudy"); fb.Input == 0 {
		t.Error("a custom cloud provider without prices must still count its unpriced requests")
	}
}

// A request to a self-hosted provider without prices is recorded as
// unpriced with nothing for budgets to count; once the user sets a price,
// it is priced.
func TestSelfHostedRequestWithoutPrices(t *testing.T) {
	a := openWithUpstream(t, streamWithUsage(100000, 50000), "")
	ctx := context.Background()
	out, err := a.Prompt(ctx, call("hello"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if out.Event.CostState != pricing.Unpriced || out.Event.Fallback != 0 {
		t.Fatalf("recorded %s with fallback %s, want unpriced counting $0", out.Event.CostState, out.Event.Fallback)
	}
	if _, err := a.SetPrice(ctx, pricing.Price{Provider: "fake", Model: "m", Rates: pricing.Rates{Input: 1_000_000, Output: 2_000_000}}); err != nil {
		t.Fatal(err)
	}
	if out, err = a.Prompt(ctx, call("hello"), nil); err != nil {
		t.Fatal(err)
	}
	if out.Event.CostState != pricing.Computed || out.Event.Cost.Decimal() != "0.2" {
		t.Fatalf("after a price: %s %s, want computed $0.20", out.Event.CostState, out.Event.Cost)
	}
}

// The demo's "(… in total)" is spend: the priced sum with the unpriced
// requests counted apart, never the fallback price budgets give them.
func TestDemoReportSpendCountsUnpricedApart(t *testing.T) {
	keychaintest.NoBus(t)
	ctx := context.Background()
	a := openHome(t, t.TempDir(), "")
	if err := a.ClaimDemoHome(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := a.SeedDemo(ctx, DemoOptions{Events: 600, Days: 3})
	if err != nil {
		t.Fatal(err)
	}
	tot, err := a.Store.Totals(ctx, store.Scope{}, time.Time{}, a.now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if tot.Unpriced == 0 || tot.Fallback == 0 {
		t.Fatalf("the demo seeded no unpriced request to count: %+v", tot)
	}
	want := fmt.Sprintf("%s + %d unpriced", tot.Cost, tot.Unpriced)
	if rep.Spend.Cost != tot.Cost || rep.Spend.Unpriced != tot.Unpriced || rep.Spend.String() != want {
		t.Fatalf("demo spend %q (%+v), want %q", rep.Spend, rep.Spend, want)
	}
}
