package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/budget"
	"github.com/byokhq/byok/store"
)

func newStatusCmd(f *Factory) *cobra.Command {
	var check bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "One line of spend and budgets for a shell prompt or tmux",
		Example: `  byok status
  byok status --check || echo "over budget"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runStatus(cmd.Context(), f, check) },
	}
	cmd.Flags().BoolVar(&check, "check", false, "exit 1 when any budget is over its limit")
	return cmd
}

// errOver makes `status --check` exit 1 without an error message.
var errOver = errors.New("a budget is over its limit")

func runStatus(ctx context.Context, f *Factory, check bool) error {
	a, err := f.ReadOnlyApp(ctx)
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintln(f.IO.Out, "byok: no data yet")
		return nil
	}
	if err != nil {
		return err
	}
	from, to, _ := a.PeriodRange("today")
	today, err := a.Store.Totals(ctx, store.Scope{}, from, to)
	if err != nil {
		return err
	}
	sts, err := a.Budget.Statuses(ctx)
	if err != nil {
		return err
	}
	alerts, err := a.Store.Alerts(ctx, false)
	if err != nil {
		return err
	}
	parts := []string{"byok " + today.BudgetSpend().String() + " today"}
	over := false
	var worst *budget.Status
	for i, s := range sts {
		if s.State == budget.StateOver {
			over = true
		}
		if worst == nil || s.Percent > worst.Percent {
			worst = &sts[i]
		}
	}
	if worst != nil {
		mark := ""
		switch worst.State {
		case budget.StateOver:
			mark = " OVER"
		case budget.StateWarn:
			mark = " !"
		}
		parts = append(parts, fmt.Sprintf("%s %s/%s %.0f%%%s", worst.Budget.Scope, worst.Spent, worst.Budget.Limit, worst.Percent, mark))
	}
	if len(alerts) > 0 {
		parts = append(parts, fmt.Sprintf("%d alert(s)", len(alerts)))
	}
	fmt.Fprintln(f.IO.Out, strings.Join(parts, " · "))
	if check && over {
		return silentExit{code: exitError, err: errOver}
	}
	return nil
}

// silentExit ends the command with a code and no message.
type silentExit struct {
	code int
	err  error
}

func (e silentExit) Error() string { return e.err.Error() }
