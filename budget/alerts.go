package budget

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/store"
)

// The anomaly rule: a day's spend for a provider, or for a key, is
// anomalous when it is more than AnomalyFactor times the median daily
// spend of the AnomalyDays calendar days before it (in the engine's zone,
// empty days counting as zero) and at least AnomalyMinimum. At least
// AnomalyMinDays of those days must have had some spend, so a scope with no
// history yet (a new key, a first day of use) has no "normal" to depart from.
const (
	AnomalyFactor  = 3
	AnomalyDays    = 14
	AnomalyMinDays = 3
	AnomalyMinimum = money.Dollar
)

// Evaluate runs after an event for t is recorded and stores the alerts it
// triggers, returning only those this call added:
//
//   - a threshold alert for the highest threshold the period's spend has
//     reached, for every budget covering t, once per budget, period
//     (PeriodKey) and threshold: one request crossing 50 % and 80 % at once
//     raises the 80 % alert alone, and the 50 % one is not raised later
//     unless the spend is found back below 80 % (a lower reported cost, a
//     raised limit, or processes whose evaluations interleave);
//   - a forecast alert, once per budget and period, when the projected
//     end-of-period spend (see forecast.go) exceeds the limit while the
//     spend has not reached it yet;
//   - an anomaly alert, once per day and scope, for t's provider
//     ("provider:ID") and key ("key:PROVIDER/LABEL"), following the rule
//     above.
//
// Alerts go through store.AddAlert, whose unique constraint keeps several
// processes evaluating at the same moment from storing an alert twice.
func (e *Engine) Evaluate(ctx context.Context, t Target) ([]store.Alert, error) {
	sts, err := e.covering(ctx, t, true)
	if err != nil {
		return nil, fmt.Errorf("evaluate budgets: %w", err)
	}
	now := e.now()
	var out []store.Alert
	add := func(a store.Alert) error {
		a.Time = now
		ok, err := e.Store.AddAlert(ctx, &a)
		if err != nil {
			return err
		}
		if ok {
			out = append(out, a)
		}
		return nil
	}
	for _, st := range sts {
		// One alert per crossing: a budget that passed 50 and 80 % at once
		// (or was set at 88 %) raises the 80 % alert alone.
		top := 0
		for _, th := range st.Budget.Thresholds {
			if th > top && atLeastPercent(st.Spent, st.Budget.Limit, th) {
				top = th
			}
		}
		if top > 0 {
			if err := add(store.Alert{
				Kind: store.AlertThreshold, Scope: st.Budget.Scope, BudgetID: st.Budget.ID,
				PeriodKey: st.PeriodKey, Threshold: top, Message: thresholdMessage(st, top),
			}); err != nil {
				return out, err
			}
		}
		if st.Projected && !st.Over() && st.Forecast > st.Budget.Limit {
			if err := add(store.Alert{
				Kind: store.AlertForecast, Scope: st.Budget.Scope, BudgetID: st.Budget.ID,
				PeriodKey: st.PeriodKey, Message: forecastMessage(st),
			}); err != nil {
				return out, err
			}
		}
	}
	anomalies, err := e.anomalies(ctx, t, now)
	if err != nil {
		return out, err
	}
	for _, a := range anomalies {
		if err := add(a); err != nil {
			return out, err
		}
	}
	return out, nil
}

func thresholdMessage(st Status, th int) string {
	reset := formatReset(st.End, st.End.Location())
	msg := fmt.Sprintf("%d%% of the %s budget %s reached: %s spent of %s; resets %s",
		th, periodNoun(st.Budget.Period), st.Budget.Scope, st.Spent, st.Budget.Limit, reset)
	if st.Blocks() {
		msg += "; requests in this scope are blocked until then"
	}
	return msg
}

func forecastMessage(st Status) string {
	return fmt.Sprintf("the %s budget %s is on track to reach %s by %s, over its %s limit (%s spent so far)",
		periodNoun(st.Budget.Period), st.Budget.Scope, st.Forecast, formatReset(st.End, st.End.Location()), st.Budget.Limit, st.Spent)
}

// anomalies returns the anomaly alerts due for t's provider and key today.
func (e *Engine) anomalies(ctx context.Context, t Target, now time.Time) ([]store.Alert, error) {
	if t.Provider == "" {
		return nil, nil
	}
	type scoped struct {
		scope string
		sc    store.Scope
	}
	scopes := []scoped{{"provider:" + t.Provider, store.Scope{Provider: t.Provider}}}
	if t.KeyID != 0 {
		k, err := e.Store.KeyByID(ctx, t.KeyID)
		if err != nil {
			return nil, fmt.Errorf("anomaly check: %w", err)
		}
		scopes = append(scopes, scoped{"key:" + k.Name(), store.Scope{Provider: k.Provider, KeyID: k.ID}})
	}
	loc := e.loc()
	today, tomorrow := Bounds(store.Daily, now, loc)
	y, m, d := today.In(loc).Date()
	from := midnight(y, m, d-AnomalyDays, loc)
	var out []store.Alert
	dayKey := today.In(loc).Format(time.DateOnly)
	for _, s := range scopes {
		// Up to the end of today rather than now: nothing is recorded in
		// the future, and whole days read rollups only.
		tot, err := e.Store.Totals(ctx, s.sc, today, tomorrow)
		if err != nil {
			return nil, fmt.Errorf("anomaly check for %s: %w", s.scope, err)
		}
		spent := tot.BudgetSpend()
		if spent < AnomalyMinimum {
			continue
		}
		base, err := e.baseline(ctx, s.scope, s.sc, from, today, dayKey, loc)
		if err != nil {
			return nil, err
		}
		if base.active < AnomalyMinDays || spent <= AnomalyFactor*base.median {
			continue
		}
		out = append(out, store.Alert{
			Kind: store.AlertAnomaly, Scope: s.scope, PeriodKey: dayKey,
			Message: fmt.Sprintf("%s spent %s today (%s), %s its usual %s a day (the median of the previous %d days)",
				s.scope, spent, dayKey, ratio(spent, base.median), base.median, AnomalyDays),
		})
	}
	return out, nil
}

// baseline returns the median daily spend of a scope over [from, today),
// computed once per scope and day.
func (e *Engine) baseline(ctx context.Context, scope string, sc store.Scope, from, today time.Time, dayKey string, loc *time.Location) (baseline, error) {
	key := scope + "|" + dayKey
	e.mu.Lock()
	b, ok := e.baselines[key]
	e.mu.Unlock()
	if ok {
		return b, nil
	}
	days, err := e.Store.Breakdown(ctx, sc, from, today, store.ByDay, loc)
	if err != nil {
		return baseline{}, fmt.Errorf("anomaly check for %s: %w", scope, err)
	}
	history := make([]money.USD, len(days))
	for i, d := range days {
		history[i] = d.BudgetSpend()
		if history[i] > 0 {
			b.active++
		}
	}
	b.median = median(history)
	e.mu.Lock()
	if e.baselines == nil || len(e.baselines) > 1000 {
		e.baselines = map[string]baseline{}
	}
	e.baselines[key] = b
	e.mu.Unlock()
	return b, nil
}

// median returns the median of vs (the mean of the middle two for an even
// count, rounded down).
func median(vs []money.USD) money.USD {
	s := slices.Clone(vs)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return s[n/2-1] + (s[n/2]-s[n/2-1])/2
}

// ratio describes spent against usual for a message: "6.2×", or "far
// above" when usual is nothing.
func ratio(spent, usual money.USD) string {
	if usual <= 0 {
		return "far above"
	}
	tenths := mulDiv(int64(spent), 10, int64(usual))
	return fmt.Sprintf("%d.%d×", tenths/10, tenths%10)
}

// RotationAlerts raises one "rotation" alert for every live key older than
// days since it was added or last rotated; each fires once per key and
// rotation (rotating the key starts a new age). days <= 0 turns the
// reminder off. It returns only the alerts this call added.
func (e *Engine) RotationAlerts(ctx context.Context, days int) ([]store.Alert, error) {
	if days <= 0 {
		return nil, nil
	}
	keys, err := e.Store.Keys(ctx)
	if err != nil {
		return nil, err
	}
	now := e.now()
	var out []store.Alert
	for _, k := range keys {
		if k.Revoked() {
			continue
		}
		since, verb := k.CreatedAt, "added"
		if k.RotatedAt.After(since) {
			since, verb = k.RotatedAt, "last rotated"
		}
		age := now.Sub(since)
		if age < time.Duration(days)*24*time.Hour {
			continue
		}
		a := store.Alert{
			Time: now, Kind: store.AlertRotation, Scope: "key:" + k.Name(),
			PeriodKey: since.UTC().Format(time.RFC3339),
			Message: fmt.Sprintf("key %s was %s %d days ago (%s); rotate it (`r` on the Keys view, or `byok keys rotate %d`)",
				k.Name(), verb, int(age/(24*time.Hour)), since.In(e.loc()).Format(time.DateOnly), k.ID),
		}
		ok, err := e.Store.AddAlert(ctx, &a)
		if err != nil {
			return out, err
		}
		if ok {
			out = append(out, a)
		}
	}
	return out, nil
}
