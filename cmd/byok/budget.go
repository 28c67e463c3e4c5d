package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/budget"
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
	cmd.AddCommand(
		newBudgetSetCmd(f),
		newOutputCmd(f, "list", "Budgets with spend, forecast and reset time", false, runBudgetList),
		newArgCmd(f, "rm SCOPE", "Remove a budget", runBudgetRm),
	)
	return cmd
}

type budgetSetOptions struct {
	scope, amount  string
	period, alerts string
	hard           bool
}

func newBudgetSetCmd(f *Factory) *cobra.Command {
	var o budgetSetOptions
	cmd := &cobra.Command{
		Use:   "set SCOPE AMOUNT",
		Short: "Create or change a budget",
		Example: `  byok budget set all 100
  byok budget set provider:openai 20 --period weekly --hard
  byok budget set model:anthropic/claude-opus-4-1 5 --period daily --alerts 80,100`,
		Args: cobra.ExactArgs(2),
		RunE: runWith(f, &o, runBudgetSet, &o.scope, &o.amount),
	}
	cmd.Flags().StringVar(&o.period, "period", "monthly", "monthly (calendar), weekly (from Monday) or daily, in the configured time zone")
	cmd.Flags().BoolVar(&o.hard, "hard", false, "refuse requests once the limit is reached")
	cmd.Flags().StringVar(&o.alerts, "alerts", "50,80,100", "alert thresholds in percent")
	return cmd
}

func runBudgetSet(ctx context.Context, f *Factory, o budgetSetOptions) error {
	amt, err := parseAmount(o.amount)
	if err != nil {
		return err
	}
	p, err := budget.ParsePeriod(o.period)
	if err != nil {
		return usageError{err}
	}
	ths, err := budget.ParseThresholds(o.alerts)
	if err != nil {
		return usageError{err}
	}
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	saved, err := a.SetBudget(ctx, app.BudgetInput{Scope: o.scope, Limit: amt, Period: p, Hard: o.hard, Thresholds: ths})
	if err != nil {
		return err
	}
	for _, w := range saved.Warnings {
		fmt.Fprintf(f.IO.Err, "warning: %s\n", w)
	}
	st := saved.Status
	kind := "soft"
	if st.Budget.Hard {
		kind = "hard"
	}
	fmt.Fprintf(f.IO.Out, "%s budget for %s: %s %s; %s spent so far (%.0f%%), resets %s.\n",
		kind, st.Budget.Scope, st.Budget.Limit, st.Budget.Period, st.Spent, st.Percent, st.End.In(a.Location()).Format("2006-01-02 15:04 MST"))
	for _, al := range saved.Alerts {
		fmt.Fprintf(f.IO.Err, "alert: %s\n", al.Message)
	}
	return nil
}

type budgetRow struct {
	Scope       string      `json:"scope"`
	Period      string      `json:"period"`
	LimitUSD    string      `json:"limit_usd"`
	SpentUSD    string      `json:"spent_usd"`
	Percent     json.Number `json:"percent"` // a number with one decimal, as status's
	ForecastUSD string      `json:"forecast_usd"`
	Projected   bool        `json:"projected"` // false: too early in the period, forecast_usd is the spend so far
	Hard        bool        `json:"hard"`
	State       string      `json:"state"`
	ResetsAt    any         `json:"resets_at"`
	Unpriced    int64       `json:"unpriced_requests"`
	Thresholds  []int       `json:"thresholds"`
}

func toBudgetRow(s budget.Status) budgetRow {
	return budgetRow{s.Budget.Scope, string(s.Budget.Period), s.Budget.Limit.Decimal(), s.Spent.Decimal(),
		json.Number(fmt.Sprintf("%.1f", s.Percent)), s.Forecast.Decimal(), s.Projected, s.Budget.Hard, s.State, timeJSON(s.End), s.Unpriced, s.Budget.Thresholds}
}

func runBudgetList(ctx context.Context, f *Factory, o outputOptions) error {
	a, sts, err := ask(ctx, f.ReaderApp, (*app.App).Budgets)
	if err != nil {
		return err
	}
	return printList(f.IO.Out, o, sts, toBudgetRow, "No budgets. Set one with `byok budget set all 50`.",
		func() error { return printBudgets(f.IO.Out, a.Location(), sts) })
}

// printBudgets writes the budgets' table and, under it, which count
// unpriced requests.
func printBudgets(w io.Writer, loc *time.Location, sts []budget.Status) error {
	t := newTable(w, "SCOPE", "PERIOD", "SPENT", "LIMIT", "USED", "FORECAST", "STATE", "RESETS")
	var notes []string
	for _, s := range sts {
		kind := s.Budget.Period
		if s.Budget.Hard {
			kind += " (hard)"
		}
		if s.Unpriced > 0 {
			// Said under the table, so that SPENT holds amounts alone.
			notes = append(notes, fmt.Sprintf("%s: %s counts %s at the fallback price.", s.Budget.Scope, s.Spent, counted(s.Unpriced, "unpriced request", "unpriced requests")))
		}
		t.row(s.Budget.Scope, string(kind), s.Spent.String(), s.Budget.Limit.String(), fmt.Sprintf("%.0f%%", s.Percent),
			s.ForecastText(), s.State, s.End.In(loc).Format("2006-01-02 15:04"))
	}
	if err := t.flush(); err != nil {
		return err
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, n)
		}
	}
	return nil
}

func runBudgetRm(ctx context.Context, f *Factory, scope string) error {
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	sc, err := a.DeleteBudget(ctx, scope)
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.Out, "Removed the budget for %s.\n", sc)
	return nil
}
