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
	var note, date string
	add := &cobra.Command{
		Use:   "add PROVIDER AMOUNT",
		Short: "Add a manual spend entry (counted in totals and budgets)",
		Example: `  byok spend add openai 12.50 --note "ChatGPT playground"
  byok spend add anthropic 3 --date 2026-11-02`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSpendAdd(cmd.Context(), f, args[0], args[1], note, date)
		},
	}
	add.Flags().StringVar(&note, "note", "", "what the spend was for")
	add.Flags().StringVar(&date, "date", "", "when (a date or RFC 3339 time; default now)")
	cmd.AddCommand(add)
	return cmd
}

func runSpendAdd(ctx context.Context, f *Factory, provider, amount, note, date string) error {
	amt, err := parseAmount(amount)
	if err != nil {
		return err
	}
	a, spec, err := f.appFor(ctx, provider)
	if err != nil {
		return err
	}
	var at time.Time
	if date != "" {
		if at, err = a.ParseTime(date); err != nil {
			return usageError{err}
		}
		if at.After(a.Now()) {
			return usageErrorf("--date %s is in the future", date)
		}
	}
	e, err := a.AddSpend(ctx, spec.ID, amt, note, at)
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.Out, "Recorded %s for %s on %s (event %d).\n", amt, spec.Name, e.Time.In(a.Location()).Format("2006-01-02"), e.ID)
	return nil
}
