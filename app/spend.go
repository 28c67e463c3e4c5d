package app

import (
	"context"
	"fmt"
	"time"

	"github.com/byokhq/byok/budget"
	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/store"
)

// AddSpend records spend byok could not meter itself (a provider's web
// console, a subscription) as a manual event; it counts in totals and
// budgets like any other.
func (a *App) AddSpend(ctx context.Context, provider string, amount money.USD, note string, at time.Time) (store.Event, error) {
	spec, err := a.Provider(provider)
	if err != nil {
		return store.Event{}, err
	}
	if amount <= 0 {
		return store.Event{}, fmt.Errorf("the amount must be more than zero, not %s", amount.Decimal())
	}
	if at.IsZero() {
		at = a.now()
	}
	e := store.Event{
		Time: at, Source: store.SourceManual, Provider: spec.ID, Model: "manual", Status: store.StatusOK,
		Cost: amount, CostState: pricing.Reported, Note: note,
	}
	a.beforeRecord(ctx)
	if _, err := a.db.Record(ctx, &e); err != nil {
		return store.Event{}, err
	}
	a.afterRecord()
	a.audit(ctx, "spend.add", spec.ID, fmt.Sprintf("%s %s", amount.Decimal(), note))
	a.evaluate(ctx, budget.Target{Provider: spec.ID})
	return e, nil
}
