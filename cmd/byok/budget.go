package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/budget"
	"github.com/byokhq/byok/store"
)

func newBudgetCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "budget",
		Short: "Spending limits per provider, key or model",
		Long: `Budgets limit spend over a daily, weekly (from Monday) or monthly period in
your configured time zone. Scopes: all, provider:ID, key:PROVIDER/LABEL,
model:PROVIDER/MODEL. A hard budget refuses new requests once reached; a soft one
only alerts, at 50, 80 and 100 % unless --alerts says otherwise.`,
	}
	var period, alerts string
	var hard bool
	set := &cobra.Command{
		Use:   "set SCOPE AMOUNT",
		Short: "Create or change a budget",
		Example: `  byok budget set all 100
  byok budget set provider:openai 20 --period weekly --hard
  byok budget set model:anthropic/claude-opus-4-1 5 --period daily --alerts 80,100`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBudgetSet(cmd.Context(), f, args[0], args[1], period, alerts, hard)
		},
	}
	set.Flags().StringVar(&period, "period", "monthly", "daily, weekly or monthly")
	set.Flags().BoolVar(&hard, "hard", false, "refuse requests once the limit is reached")
	set.Flags().StringVar(&alerts, "alerts", "50,80,100", "alert thresholds in percent")
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "Budgets with spend, forecast and reset time",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runBudgetList(cmd.Context(), f, asJSON) },
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	rm := &cobra.Command{
		Use:   "rm SCOPE",
		Short: "Remove a budget",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a, sc, err := budgetScope(cmd.Context(), f, args[0])
			if err != nil {
				return err
			}
			if err := a.Store.DeleteBudget(cmd.Context(), sc.String()); err != nil {
				return err
			}
			fmt.Fprintf(f.IO.Out, "Removed the budget for %s.\n", sc)
			return nil
		},
	}
	cmd.AddCommand(set, list, rm)
	return cmd
}

// budgetScope parses a scope and resolves provider aliases.
func budgetScope(ctx context.Context, f *Factory, s string) (*app.App, budget.Scope, error) {
	sc, err := budget.ParseScope(s)
	if err != nil {
		return nil, sc, usageError{err}
	}
	a, err := f.App(ctx)
	if err != nil {
		return nil, sc, err
	}
	if sc.Provider != "" {
		spec, err := a.Provider(sc.Provider)
		if err != nil {
			return nil, sc, usageError{err}
		}
		sc.Provider = spec.ID
	}
	return a, sc, nil
}

func runBudgetSet(ctx context.Context, f *Factory, scope, amount, period, alerts string, hard bool) error {
	amt, err := parseAmount(amount)
	if err != nil {
		return err
	}
	p, err := budget.ParsePeriod(period)
	if err != nil {
		return usageError{err}
	}
	ths, err := budget.ParseThresholds(alerts)
	if err != nil {
		return usageError{err}
	}
	a, sc, err := budgetScope(ctx, f, scope)
	if err != nil {
		return err
	}
	if sc.Kind == budget.KindKey {
		if _, err := a.Store.KeyByName(ctx, sc.Provider, sc.Label); err != nil {
			return usageErrorf("no key %s/%s: see `byok keys list`", sc.Provider, sc.Label)
		}
	}
	b := store.Budget{Scope: sc.String(), Period: p, Limit: amt, Hard: hard, Thresholds: ths}
	if err := a.Store.PutBudget(ctx, &b); err != nil {
		return err
	}
	st, err := a.Budget.Status(ctx, b)
	if err != nil {
		return err
	}
	kind := "soft"
	if hard {
		kind = "hard"
	}
	fmt.Fprintf(f.IO.Out, "%s budget for %s: %s %s; %s spent so far (%.0f%%), resets %s.\n",
		kind, sc, amt, p, st.Spent, st.Percent, st.End.In(a.Location()).Format("2006-01-02 15:04 MST"))
	if _, err := a.Budget.Evaluate(ctx, targetOf(ctx, a, sc)); err != nil {
		a.Log.Warn("evaluate alerts", "err", err)
	}
	return nil
}

// targetOf turns a scope into the request target whose alerts it covers.
func targetOf(ctx context.Context, a *app.App, sc budget.Scope) budget.Target {
	t := budget.Target{Provider: sc.Provider, Model: sc.Model}
	if sc.Kind == budget.KindKey {
		if k, err := a.Store.KeyByName(ctx, sc.Provider, sc.Label); err == nil {
			t.KeyID = k.ID
		}
	}
	return t
}

type budgetRow struct {
	Scope       string `json:"scope"`
	Period      string `json:"period"`
	LimitUSD    string `json:"limit_usd"`
	SpentUSD    string `json:"spent_usd"`
	Percent     string `json:"percent"`
	ForecastUSD string `json:"forecast_usd"`
	Projected   bool   `json:"projected"` // false: too early in the period, forecast_usd is the spend so far
	Hard        bool   `json:"hard"`
	State       string `json:"state"`
	ResetsAt    any    `json:"resets_at"`
	Unpriced    int64  `json:"unpriced_requests"`
	Thresholds  []int  `json:"alerts"`
}

func runBudgetList(ctx context.Context, f *Factory, asJSON bool) error {
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	sts, err := a.Budget.Statuses(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		rows := make([]budgetRow, len(sts))
		for i, s := range sts {
			rows[i] = budgetRow{s.Budget.Scope, string(s.Budget.Period), s.Budget.Limit.Decimal(), s.Spent.Decimal(),
				fmt.Sprintf("%.1f", s.Percent), s.Forecast.Decimal(), s.Projected, s.Budget.Hard, s.State, timeJSON(s.End), s.Unpriced, s.Budget.Thresholds}
		}
		return writeJSON(f.IO.Out, rows)
	}
	if len(sts) == 0 {
		fmt.Fprintln(f.IO.Out, "No budgets. Set one with `byok budget set all 50`.")
		return nil
	}
	loc := a.Location()
	t := newTable(f.IO.Out, "SCOPE", "PERIOD", "SPENT", "LIMIT", "USED", "FORECAST", "STATE", "RESETS")
	for _, s := range sts {
		kind := s.Budget.Period
		if s.Budget.Hard {
			kind += " (hard)"
		}
		spent := s.Spent.String()
		if s.Unpriced > 0 {
			spent += fmt.Sprintf(" (%d unpriced at fallback)", s.Unpriced)
		}
		t.row(s.Budget.Scope, string(kind), spent, s.Budget.Limit.String(), fmt.Sprintf("%.0f%%", s.Percent),
			s.ForecastText(), s.State, s.End.In(loc).Format("2006-01-02 15:04"))
	}
	return t.flush()
}
