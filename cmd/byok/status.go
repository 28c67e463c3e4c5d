package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/budget"
	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/store"
)

func newStatusCmd(f *Factory) *cobra.Command {
	var o statusOptions
	cmd := &cobra.Command{
		Use:   "status",
		Short: "One line of spend and budgets for a shell prompt or tmux",
		Long: `Print one short line: each budget's spend against its limit, and the
number of unacknowledged alerts (or today's spend when there are no budgets).
It opens the database read-only and reads rollups only, so it stays fast on
any amount of history.`,
		Example: `  byok status
  byok status --check || echo "over budget"
  byok status --format '{{range .Budgets}}{{.Name}} {{.Percent}}% {{end}}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runStatus(cmd.Context(), f, o) },
	}
	cmd.Flags().BoolVar(&o.check, "check", false, "exit 1 when any budget is over its limit or blocking")
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	cmd.Flags().StringVar(&o.format, "format", "", "a Go template over "+statusFields)
	return cmd
}

type statusOptions struct {
	check, json bool
	format      string
}

// statusData is what `status` shows, for --json and --format.
type statusData struct {
	TodayUSD string         `json:"today_usd"`
	Budgets  []statusBudget `json:"budgets"`
	Alerts   int            `json:"alerts"`
}

type statusBudget struct {
	Name     string `json:"name"`
	Scope    string `json:"scope"`
	Period   string `json:"period"`
	SpentUSD string `json:"spent_usd"`
	LimitUSD string `json:"limit_usd"`
	Percent  int    `json:"percent"`
	State    string `json:"state"`
	Hard     bool   `json:"hard"`
}

// statusFields names what --format can use.
const statusFields = ".TodayUSD, .Budgets (.Name .Scope .Period .SpentUSD .LimitUSD .Percent .State .Hard) and .Alerts"

// goTypeName is the Go type a template error names, which means nothing
// to the person who wrote the template.
var goTypeName = regexp.MustCompile(` in type [\w.*\[\]]+`)

// errOver makes `status --check` exit 1 without an error message.
var errOver = errors.New("a budget is over its limit")

func runStatus(ctx context.Context, f *Factory, o statusOptions) error {
	var tmpl *template.Template
	if o.format != "" {
		var err error
		if tmpl, err = template.New("status").Parse(o.format); err != nil {
			return usageErrorf("--format: %v", err)
		}
	}
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
	sts, err := a.Budgets(ctx)
	if err != nil {
		return err
	}
	alerts, err := a.Store.Alerts(ctx, false)
	if err != nil {
		return err
	}
	data := statusData{TodayUSD: today.BudgetSpend().Decimal(), Alerts: len(alerts), Budgets: []statusBudget{}}
	over := false
	parts := []string{}
	for _, s := range sts {
		name := s.Budget.Scope
		if s.Scope.Kind == budget.KindProvider {
			name = s.Scope.Provider
		}
		pct := int(s.Percent + 0.5)
		data.Budgets = append(data.Budgets, statusBudget{name, s.Budget.Scope, string(s.Budget.Period), s.Spent.Decimal(), s.Budget.Limit.Decimal(), pct, s.State, s.Budget.Hard})
		mark := ""
		switch {
		case s.Blocks():
			mark = " BLOCKED"
		case s.State == budget.StateOver:
			mark = " OVER"
		}
		if s.State == budget.StateOver || s.Blocks() {
			over = true
		}
		parts = append(parts, fmt.Sprintf("%s %s/%s %d%%%s", name, s.Spent, shortLimit(s.Budget.Limit), pct, mark))
	}
	switch {
	case o.json:
		if err := writeJSON(f.IO.Out, data); err != nil {
			return err
		}
	case tmpl != nil:
		// Into a buffer first: a template that fails halfway prints nothing.
		var b bytes.Buffer
		if err := tmpl.Execute(&b, data); err != nil {
			msg := goTypeName.ReplaceAllString(err.Error(), "")
			return usageErrorf("--format: %s; the fields are %s", msg, statusFields)
		}
		fmt.Fprintln(f.IO.Out, b.String())
	default:
		if len(parts) == 0 {
			parts = append(parts, "byok "+today.BudgetSpend().String()+" today")
		}
		if len(alerts) == 1 {
			parts = append(parts, "1 alert")
		} else if len(alerts) > 1 {
			parts = append(parts, fmt.Sprintf("%d alerts", len(alerts)))
		}
		fmt.Fprintln(f.IO.Out, strings.Join(parts, " · "))
	}
	if o.check && over {
		return silentExit{code: exitError, err: errOver}
	}
	return nil
}

// shortLimit writes a limit without cents when it has none: "$20".
func shortLimit(m money.USD) string {
	if m%money.Dollar == 0 {
		return fmt.Sprintf("$%d", m/money.Dollar)
	}
	return m.String()
}

// silentExit ends the command with a code and no message.
type silentExit struct {
	code int
	err  error
}

func (e silentExit) Error() string { return e.err.Error() }
