package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"
)

func newSpendCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "spend",
		Short: "Record spend byok cannot meter itself",
	}
	cmd.AddCommand(newSpendAddCmd(f))
	return cmd
}

type spendAddOptions struct {
	provider, amount string
	note, date       string
}

func newSpendAddCmd(f *Factory) *cobra.Command {
	var o spendAddOptions
	cmd := &cobra.Command{
		Use:   "add PROVIDER AMOUNT",
		Short: "Add a manual spend entry (counted in totals and budgets)",
		Example: `  byok spend add openai 12.50 --note "ChatGPT playground"
  byok spend add anthropic 3 --date 2026-11-02`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.provider, o.amount = args[0], args[1]
			return runSpendAdd(cmd.Context(), f, o)
		},
	}
	cmd.Flags().StringVar(&o.note, "note", "", "what the spend was for")
	cmd.Flags().StringVar(&o.date, "date", "", "when (a date or RFC 3339 time; default now)")
	return cmd
}

func runSpendAdd(ctx context.Context, f *Factory, o spendAddOptions) error {
	amt, err := parseAmount(o.amount)
	if err != nil {
		return err
	}
	a, spec, err := f.appFor(ctx, o.provider)
	if err != nil {
		return err
	}
	var at time.Time
	if o.date != "" {
		if at, err = a.ParseTime(o.date); err != nil {
			return usageError{err}
		}
		if at.After(a.Now()) {
			return usageErrorf("--date %s is in the future", o.date)
		}
	}
	e, err := a.AddSpend(ctx, spec.ID, amt, o.note, at)
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.Out, "Recorded %s for %s on %s (event %d).\n", amt, spec.Name, e.Time.In(a.Location()).Format("2006-01-02"), e.ID)
	return nil
}
