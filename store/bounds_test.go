package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/reports"
)

// Events and provider reports outside byok's bounds are refused before
// they are written, so no sum over them can overflow and no time is
// stored as another.
func TestBoundsAreRefused(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	ok := func() *Event {
		return &Event{Time: at, Source: SourceManual, Provider: "openai", Model: "manual", Status: StatusOK, Cost: money.Dollar, CostState: pricing.Reported}
	}
	for name, change := range map[string]func(e *Event){
		"cost over MaxAmount":   func(e *Event) { e.Cost = money.MaxAmount + 1 },
		"markup over MaxAmount": func(e *Event) { e.Markup = money.MaxAmount + 1 },
		"tokens over MaxCount":  func(e *Event) { e.InputTokens = providers.MaxCount + 1 },
		"year 1":                func(e *Event) { e.Time = time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC) },
		"1677":                  func(e *Event) { e.Time = time.Date(1677, 9, 21, 0, 0, 0, 0, time.UTC) },
		"2262":                  func(e *Event) { e.Time = time.Date(2262, 4, 12, 0, 0, 0, 0, time.UTC) },
	} {
		e := ok()
		change(e)
		if _, err := s.Record(ctx, e); err == nil {
			t.Errorf("%s: recorded", name)
		}
	}
	if _, err := s.Record(ctx, ok()); err != nil {
		t.Fatalf("an event within the bounds: %v", err)
	}
	err := s.StoreReport(ctx, ReportFetch{Provider: "openai", From: at.Truncate(24 * time.Hour), To: at.Truncate(24*time.Hour).AddDate(0, 0, 1),
		Rows: []ReportRow{{Provider: "openai", Kind: ReportCost, Row: reports.Row{Day: at.Truncate(24 * time.Hour), Cost: money.USD(1 << 62), HasCost: true}}}})
	if err == nil || !strings.Contains(err.Error(), "outside $0") {
		t.Fatalf("a report row of 2^62 nano-dollars: %v", err)
	}
	if err := CheckTime(time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC)); !errors.Is(err, ErrTimeRange) || !strings.Contains(err.Error(), "1971-01-01 to 2261-12-31") {
		t.Fatalf("CheckTime(1969) = %v", err)
	}
}
