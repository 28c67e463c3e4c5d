package store

import (
	"context"
	"testing"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
)

func TestReprice(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	at := time.Date(2026, 11, 3, 10, 15, 0, 0, time.UTC)
	a := ev(at, "openai", "gpt-4o", 10*money.Cent)
	b := ev(at.Add(time.Hour), "openai", "new-model", 0)
	b.CostState, b.Fallback = pricing.Unpriced, 50*money.Cent
	c := ev(at, "openrouter", "x", 3*money.Cent)
	c.CostState = pricing.Reported
	manual := ev(at, "openai", "manual", 5*money.Dollar)
	manual.Source, manual.CostState = SourceManual, pricing.Reported
	if err := s.RecordBatch(ctx, []*Event{a, b, c, manual}); err != nil {
		t.Fatal(err)
	}
	price := func(e Event) Repriced {
		// Every metered event now costs 2 cents; b gets a price.
		return Repriced{Cost: 2 * money.Cent, State: pricing.Computed, Ref: "override:x"}
	}
	from, to := at.Add(-time.Hour), at.Add(3*time.Hour)
	before, _ := s.Totals(ctx, Scope{}, from, to)
	diffs, err := s.Reprice(ctx, from, price, false)
	if err != nil {
		t.Fatal(err)
	}
	// Before: a's 10 cents and b unpriced, whose fallback is no spend.
	if len(diffs) != 1 || diffs[0].Provider != "openai" || diffs[0].Events != 2 || diffs[0].Old != 10*money.Cent || diffs[0].OldUnpriced != 1 ||
		diffs[0].New != 4*money.Cent || diffs[0].NewUnpriced != 0 {
		t.Fatalf("dry run diffs %+v", diffs)
	}
	if now, _ := s.Totals(ctx, Scope{}, from, to); now != before {
		t.Fatal("a dry run changed the totals")
	}
	if _, err := s.Reprice(ctx, from, price, true); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Event(ctx, b.ID)
	if got.Cost != 2*money.Cent || got.CostState != pricing.Computed || got.PriceRef != "override:x" {
		t.Fatalf("repriced event %+v", got)
	}
	// Rollups moved with the events: totals equal the raw sums again, in
	// every table (hourly, per provider, quarter-hourly via a Kolkata day).
	all := []*Event{a, b, c, manual}
	for _, e := range all {
		g, _ := s.Event(ctx, e.ID)
		*e = g
	}
	for _, sc := range []Scope{{}, {Provider: "openai"}, {Provider: "openai", Model: "new-model"}} {
		if got, _ := s.Totals(ctx, sc, from, to); got != naive(all, sc, from, to) {
			t.Fatalf("%v after reprice: %+v, want %+v", sc, got, naive(all, sc, from, to))
		}
	}
	kolkata, _ := time.LoadLocation("Asia/Kolkata")
	days, err := s.Breakdown(ctx, Scope{}, time.Date(2026, 11, 3, 0, 0, 0, 0, kolkata), time.Date(2026, 11, 4, 0, 0, 0, 0, kolkata), ByDay, kolkata)
	if err != nil || days[0].Cost != 2*money.Cent+2*money.Cent+3*money.Cent+5*money.Dollar || days[0].Unpriced != 0 {
		t.Fatalf("Kolkata day after reprice: %+v %v", days, err)
	}
}
