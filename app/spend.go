package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/byokhq/byok/budget"
	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/safetext"
	"github.com/byokhq/byok/store"
)

// AddSpend records spend byok could not meter itself (a provider's web
// console, a subscription) as a manual event; it counts in totals and
// budgets like any other. The amount is bounded (money.MaxAmount) and so is
// the total it joins (money.MaxTotal), so no sum over the history can
// overflow.
func (a *App) AddSpend(ctx context.Context, provider string, amount money.USD, note string, at time.Time) (store.Event, error) {
	spec, err := a.Provider(provider)
	if err != nil {
		return store.Event{}, err
	}
	switch {
	case amount <= 0:
		return store.Event{}, fmt.Errorf("the amount must be more than zero, not %s", amount.Decimal())
	case amount > money.MaxAmount:
		return store.Event{}, fmt.Errorf("%s is more than byok records in one entry (%s): split it, or check the amount", amount, money.MaxAmount)
	}
	if err := safetext.Check("the note", note); err != nil {
		return store.Event{}, inputError{err}
	}
	if at.IsZero() {
		at = a.now()
	}
	if err := store.CheckTime(at); err != nil {
		return store.Event{}, fmt.Errorf("the date: %w", err)
	}
	all, err := a.Store.Totals(ctx, store.Scope{}, store.MinTime, store.MaxTime)
	if err != nil {
		return store.Event{}, err
	}
	if _, ok := money.AddChecked(all.BudgetSpend(), amount); !ok {
		return store.Event{}, fmt.Errorf("recorded spend would pass %s in all, more than byok can add up: check the amount, or remove wrong entries with `byok spend list` and `byok spend rm ID`", money.MaxTotal)
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

// SpendEntries lists the manual spend entries, newest first; provider,
// when not empty, keeps one provider's.
func (a *App) SpendEntries(ctx context.Context, provider string, limit int) ([]store.Event, error) {
	sc := store.Scope{Source: store.SourceManual}
	if provider != "" {
		spec, err := a.Provider(provider)
		if err != nil {
			return nil, err
		}
		sc.Provider = spec.ID
	}
	return a.Store.Events(ctx, store.Filter{Scope: sc, Limit: limit})
}

// ErrNotSpendEntry is returned by RemoveSpend for an id that is not a
// manual spend entry.
var ErrNotSpendEntry = errors.New("not a manual spend entry")

// RemoveSpend deletes the manual spend entry id; totals and budgets drop
// by its amount. Requests byok metered cannot be removed.
func (a *App) RemoveSpend(ctx context.Context, id int64) (store.Event, error) {
	e, err := a.db.DeleteManual(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return store.Event{}, store.Refuse(ErrNotSpendEntry, "no spend entry %d: see `byok spend list` for their ids", id)
	case errors.Is(err, store.ErrNotManual):
		return store.Event{}, store.Refuse(ErrNotSpendEntry, "event %d is a request byok recorded, not a manual spend entry; only those can be removed (see `byok spend list`)", id)
	case err != nil:
		return store.Event{}, err
	}
	a.audit(ctx, "spend.rm", e.Provider, fmt.Sprintf("entry %d: %s %s", e.ID, e.Cost.Decimal(), e.Note))
	return e, nil
}
