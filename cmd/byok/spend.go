package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/app"
)

func newSpendCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "spend",
		Short: "Record spend byok cannot meter itself",
	}
	cmd.AddCommand(newSpendAddCmd(f), newSpendListCmd(f), newSpendRmCmd(f))
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
		RunE: runWith(f, &o, runSpendAdd, &o.provider, &o.amount),
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
	fmt.Fprintf(f.IO.Out, "Recorded %s for %s on %s (entry %d; `byok spend rm %d` removes it).\n", amt, spec.Name, e.Time.In(a.Location()).Format("2006-01-02"), e.ID, e.ID)
	return nil
}

type spendListOptions struct {
	provider string
	limit    int
	output   outputOptions
}

// spendRow is one entry in `spend list --json`.
type spendRow struct {
	ID       int64  `json:"id"`
	Time     any    `json:"time"`
	Provider string `json:"provider"`
	CostUSD  string `json:"cost_usd"`
	Note     string `json:"note"`
}

func newSpendListCmd(f *Factory) *cobra.Command {
	var o spendListOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List manual spend entries, newest first",
		Example: `  byok spend list
  byok spend list --provider openai --json`,
		Args: cobra.NoArgs,
		RunE: runWith(f, &o, runSpendList),
	}
	fl := cmd.Flags()
	fl.StringVar(&o.provider, "provider", "", "only this provider's entries")
	fl.IntVar(&o.limit, "limit", 100, "how many entries to show")
	o.output.addFlags(cmd, true)
	return cmd
}

func runSpendList(ctx context.Context, f *Factory, o spendListOptions) error {
	if err := o.output.check(); err != nil {
		return err
	}
	if o.limit <= 0 || o.limit > 100000 {
		return usageErrorf("--limit %d: use 1 to 100000", o.limit)
	}
	a, err := f.ReaderApp(ctx)
	if err != nil {
		return err
	}
	es, err := a.SpendEntries(ctx, o.provider, o.limit)
	if err != nil {
		return err
	}
	rows := make([]spendRow, len(es))
	for i, e := range es {
		rows[i] = spendRow{e.ID, timeJSON(e.Time), e.Provider, e.Cost.Decimal(), e.Note}
	}
	w := f.IO.Out
	header := []string{"id", "time", "provider", "cost_usd", "note"}
	if done, err := writeRows(w, o.output, rows, header, func(_ int, r spendRow) []string {
		return []string{itoa(r.ID), fmt.Sprint(r.Time), r.Provider, r.CostUSD, r.Note}
	}); done || err != nil {
		return err
	}
	if len(es) == 0 {
		fmt.Fprintln(w, "No manual spend entries. Add one with `byok spend add PROVIDER AMOUNT`.")
		return nil
	}
	loc := a.Location()
	t := newTable(w, "ID", "DATE", "PROVIDER", "AMOUNT", "NOTE")
	for _, e := range es {
		t.row(itoa(e.ID), e.Time.In(loc).Format("2006-01-02 15:04"), e.Provider, e.Cost.String(), e.Note)
	}
	return t.flush()
}

func newSpendRmCmd(f *Factory) *cobra.Command {
	cmd := newArgCmd(f, "rm ID", "Remove a manual spend entry (see `byok spend list`)", runSpendRm)
	cmd.Example = `  byok spend rm 42`
	return cmd
}

func runSpendRm(ctx context.Context, f *Factory, arg string) error {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id <= 0 {
		return usageErrorf("%q is not an entry id: see `byok spend list`", arg)
	}
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	e, err := a.RemoveSpend(ctx, id)
	if errors.Is(err, app.ErrNotSpendEntry) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.Out, "Removed spend entry %d: %s for %s on %s.\n", e.ID, e.Cost, e.Provider, e.Time.In(a.Location()).Format("2006-01-02"))
	return nil
}
