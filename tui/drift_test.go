package tui

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

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

// History's detail says why a request has no text by where it came from:
// store_text governs the CLI's and the TUI's requests only; the proxy
// never stores text, and an import keeps none.
func TestHistoryNoTextReason(t *testing.T) {
	a := testApp(t, "", false)
	st := testStore(t, a)
	for i, src := range []store.Source{store.SourceProxy, "claude-code", store.SourceCLI} {
		e := store.Event{Time: fixedClock().Add(-time.Duration(i) * time.Minute), Source: src, Provider: "anthropic", Model: "claude-opus-4-1",
			Status: store.StatusOK, InputTokens: 1000, OutputTokens: 100, Cost: money.Micro, CostState: pricing.Computed}
		if _, err := st.Record(t.Context(), &e); err != nil {
			t.Fatal(err)
		}
	}
	hs := newHarness(t, a, Options{StartView: "history", Now: fixedClock}, 140, 40)
	hs.contains("via proxy", "The proxy never stores prompts or replies")
	hs.lacks("store_text in config.toml")
	hs.press("down")
	hs.contains("via claude-code", "Imported from claude-code's logs, which byok reads")
	hs.lacks("store_text in config.toml")
	hs.press("down")
	hs.contains("via cli", "were not stored (store_text in")
}

// A price reference in History's detail is never broken inside a word:
// where "price REF" does not fit the pane, it is broken after its date,
// the model's name whole on the next line.
func TestHistoryPriceRefWhole(t *testing.T) {
	a := testApp(t, "", false)
	hs := newHarness(t, a, Options{StartView: "history", Now: fixedClock}, 120, 40)
	h := hs.m.pages[pageHistory].(*history)
	const ref = "catalog:2026-07-24:anthropic/claude-opus-4-1"
	h.detail = &store.Event{ID: 7, Provider: "anthropic", Model: "claude-opus-4-1", Source: store.SourceProxy, Status: store.StatusOK,
		PriceRef: ref, CostState: pricing.Computed, Cost: money.Micro}
	for w := 30; w <= len(ref)+12; w++ {
		lines := strings.Split(stripANSI(h.detailText(w)), "\n")
		whole := func(part string) bool {
			return slices.ContainsFunc(lines, func(l string) bool { return strings.Contains(l, part) })
		}
		if !whole(ref) && (!whole("price catalog:2026-07-24:") || !whole("anthropic/claude-opus-4-1")) {
			t.Errorf("at %d columns the reference is broken inside a word:\n%s", w, strings.Join(lines, "\n"))
		}
	}
}
