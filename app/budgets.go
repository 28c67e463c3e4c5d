package app

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/byokhq/byok/budget"
	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/store"
)

// ErrInput marks an error in what the user asked for: a malformed scope,
// an unknown provider or key. The CLI exits with its usage code on it; the
// TUI shows it like any other failure.
var ErrInput = errors.New("invalid input")

// inputError wraps an error so that it matches ErrInput while its message
// stays the one written for the user.
type inputError struct{ err error }

func (e inputError) Error() string        { return e.err.Error() }
func (e inputError) Unwrap() error        { return e.err }
func (e inputError) Is(target error) bool { return target == ErrInput }

// BudgetInput is a budget as the user sets it, from the CLI's arguments or
// the TUI's form alike.
type BudgetInput struct {
	Scope      string // all, provider:ID, key:PROVIDER/LABEL or model:PROVIDER/MODEL
	Limit      money.USD
	Period     store.Period
	Hard       bool
	Thresholds []int // percent; nil means budget.DefaultThresholds
}

// SavedBudget is what SetBudget did: where the budget stands now, the
// alerts saving it raised (announced as a request's are), and warnings
// about a scope that may not be what the user meant.
type SavedBudget struct {
	Status   budget.Status
	Alerts   []store.Alert
	Warnings []string
}

// BudgetScope parses a scope and resolves its provider alias ("gemini" is
// google). A key scope must name a key this home knows: a budget on a
// misspelt label would count nothing, silently, for ever.
func (a *App) BudgetScope(ctx context.Context, s string) (budget.Scope, error) {
	sc, err := budget.ParseScope(s)
	if err != nil {
		return sc, inputError{err}
	}
	if sc.Kind == budget.KindAll {
		return sc, nil
	}
	spec, err := a.Provider(sc.Provider)
	if err != nil {
		return sc, inputError{err}
	}
	sc.Provider = spec.ID
	if sc.Kind == budget.KindKey {
		if _, err := a.db.KeyByName(ctx, sc.Provider, sc.Label); errors.Is(err, store.ErrNotFound) {
			return sc, inputError{fmt.Errorf("no key %s/%s: see `byok keys list` (or the Keys view) for the keys this home knows", sc.Provider, sc.Label)}
		} else if err != nil {
			return sc, err
		}
	}
	return sc, nil
}

// SetBudget creates or replaces the budget of a scope, then evaluates its
// alerts at once: a budget set below what the period has spent already
// says so now, not at the next request.
func (a *App) SetBudget(ctx context.Context, in BudgetInput) (SavedBudget, error) {
	var out SavedBudget
	sc, err := a.BudgetScope(ctx, in.Scope)
	if err != nil {
		return out, err
	}
	if in.Limit <= 0 {
		return out, inputError{fmt.Errorf("the amount must be more than $0, not %s", in.Limit.Decimal())}
	}
	ths := in.Thresholds
	if ths == nil {
		ths = slices.Clone(budget.DefaultThresholds)
	}
	if sc.Kind == budget.KindModel {
		if p, ok := a.Catalog().Lookup(sc.Provider, sc.Model); !ok || p.Provider != sc.Provider {
			out.Warnings = append(out.Warnings, fmt.Sprintf("%s/%s is not in the price catalog: check its spelling with `byok models %s`; the budget counts it once requests to it are recorded",
				sc.Provider, sc.Model, sc.Provider))
		}
	}
	b := store.Budget{Scope: sc.String(), Period: in.Period, Limit: in.Limit, Hard: in.Hard, Thresholds: ths}
	if err := a.db.PutBudget(ctx, &b); err != nil {
		return out, err
	}
	if out.Status, err = a.budgets.Status(ctx, b); err != nil {
		return out, err
	}
	out.Alerts = a.evaluate(ctx, a.target(ctx, sc))
	return out, nil
}

// target turns a scope into the request target whose alerts it covers.
func (a *App) target(ctx context.Context, sc budget.Scope) budget.Target {
	t := budget.Target{Provider: sc.Provider, Model: sc.Model}
	if sc.Kind == budget.KindKey {
		if k, err := a.db.KeyByName(ctx, sc.Provider, sc.Label); err == nil {
			t.KeyID = k.ID
		}
	}
	return t
}

// DeleteBudget removes the budget of a scope (written as the user likes:
// provider aliases resolve). Its alerts stay in the list.
func (a *App) DeleteBudget(ctx context.Context, scope string) (budget.Scope, error) {
	sc, err := budget.ParseScope(scope)
	if err != nil {
		return sc, inputError{err}
	}
	if sc.Kind != budget.KindAll {
		spec, err := a.Provider(sc.Provider)
		if err != nil {
			return sc, inputError{err}
		}
		sc.Provider = spec.ID
	}
	if err := a.db.DeleteBudget(ctx, sc.String()); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return sc, inputError{err}
		}
		return sc, err
	}
	return sc, nil
}

// Budgets returns every budget with where it stands in its period.
func (a *App) Budgets(ctx context.Context) ([]budget.Status, error) {
	return a.budgets.Statuses(ctx)
}

// Alerts lists alerts newest first (with all, the acknowledged ones too).
// Keys past rotate_after_days raise their reminder first, so every list
// shows it whichever screen the user looks at; a read-only app only reads.
func (a *App) Alerts(ctx context.Context, all bool) ([]store.Alert, error) {
	if !a.readOnly {
		if _, err := a.budgets.RotationAlerts(ctx, a.Config.RotateAfterDays); err != nil {
			a.Log.Warn("rotation alerts", "err", err)
		}
	}
	return a.db.Alerts(ctx, all)
}

// AckAlerts acknowledges alerts. It goes on past an alert it cannot
// acknowledge and reports every failure; an id that names no alert is the
// user's mistake.
func (a *App) AckAlerts(ctx context.Context, ids ...int64) error {
	var errs []error
	for _, id := range ids {
		if err := a.db.AckAlert(ctx, id); errors.Is(err, store.ErrNotFound) {
			errs = append(errs, inputError{err})
		} else if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
