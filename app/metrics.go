package app

import (
	"context"
	"fmt"
	"net/http"

	"github.com/byokhq/byok/export"
)

// MetricsSnapshot reads what a Prometheus scrape reports: all-time usage
// by provider, model, key and source, every budget in its current period,
// and alert counts.
func (a *App) MetricsSnapshot(ctx context.Context) (export.Snapshot, error) {
	var s export.Snapshot
	var err error
	if s.Usage, err = a.db.UsageTotals(ctx); err != nil {
		return s, err
	}
	budgets, err := a.db.Budgets(ctx)
	if err != nil {
		return s, fmt.Errorf("read budgets: %w", err)
	}
	for _, b := range budgets {
		st, err := a.budgets.Status(ctx, b)
		if err != nil {
			return s, fmt.Errorf("budget %s: %w", b.Scope, err)
		}
		s.Budgets = append(s.Budgets, export.BudgetRow{Scope: b.Scope, Period: string(b.Period), Hard: b.Hard, Limit: b.Limit, Spent: st.Spent})
	}
	if s.Alerts, err = a.db.AlertCounts(ctx); err != nil {
		return s, err
	}
	return s, nil
}

// MetricsHandler serves the Prometheus exposition of MetricsSnapshot; the
// caller checks the token.
func (a *App) MetricsHandler() http.Handler {
	return export.PrometheusHandler(a.MetricsSnapshot)
}
