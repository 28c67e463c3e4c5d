package tui

import (
	"context"
	"testing"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/store"
)

// TestHistoryShowsDrift: the detail of a reported cost shows what byok's
// catalog computed for the same usage, or that it had no price.
func TestHistoryShowsDrift(t *testing.T) {
	a := testApp(t, "", false)
	ctx := context.Background()
	st := testStore(t, a)
	for _, e := range []store.Event{
		{Provider: "openrouter", Model: "some/uncatalogued", Cost: 7 * money.Micro, CostState: pricing.Reported},
		{Provider: "xai", Model: "grok-4", Cost: 5 * money.Micro * 1000, CostState: pricing.Reported, Computed: 4_500_000, HasComputed: true},
	} {
		e.Time, e.Source, e.Status, e.InputTokens, e.OutputTokens = fixedClock(), store.SourceProxy, store.StatusOK, 1000, 100
		if _, err := st.Record(ctx, &e); err != nil {
			t.Fatal(err)
		}
	}
	hs := newHarness(t, a, Options{StartView: "history", Now: fixedClock}, 140, 40)
	hs.contains("$0.005 reported by the provider", "byok computed", "$0.0045; the provider billed", "11.1% more")
	hs.press("down")
	hs.contains("$0.000007 reported by the provider", "no price to compare")
}

func TestDriftText(t *testing.T) {
	for _, tc := range []struct {
		cost, computed money.USD
		has            bool
		want           string
	}{
		{4_500_000, 5_000_000, true, "byok computed $0.005; the provider billed 10.0% less"},
		{662_250, 662_250, true, "byok's catalog computes the same"},
		{1_000_001, 1_000_000, true, "byok computed $0.001; the provider billed 0.0% more"},
		{10, 0, true, "byok computed $0.00"},
		{10, 0, false, "byok's catalog has no price to compare"},
	} {
		e := store.Event{Cost: tc.cost, Computed: tc.computed, HasComputed: tc.has, CostState: pricing.Reported}
		if got := driftText(&e); got != tc.want {
			t.Errorf("driftText(%d vs %d) = %q, want %q", tc.cost, tc.computed, got, tc.want)
		}
	}
}
