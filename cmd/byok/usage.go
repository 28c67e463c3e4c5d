package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/store"
)

type usageOptions struct {
	span   rangeOptions
	by     string
	source string
	output outputOptions
}

func newUsageCmd(f *Factory) *cobra.Command {
	var o usageOptions
	cmd := &cobra.Command{
		Use:   "usage",
		Short: "Spend and tokens grouped by provider, model, key, day, source or session",
		Example: `  byok usage                       this month by provider
  byok usage --since 7d --by model
  byok usage --source claude-code --by session
  byok usage --since 2026-10-01 --until 2026-11-01 --by day --csv`,
		Args: cobra.NoArgs,
		RunE: runWith(f, &o, runUsage),
	}
	o.span.addFlags(cmd, "start of this month; with --until alone, the first request")
	cmd.Flags().StringVar(&o.by, "by", "provider", "group by provider, model, key, day, source or session")
	cmd.Flags().StringVar(&o.source, "source", "", "only events of this source ("+sourceNames()+")")
	o.output.addFlags(cmd, true)
	return cmd
}

type usageRow struct {
	Group    string `json:"group"`
	Requests int64  `json:"requests"`
	Errors   int64  `json:"errors"`
	tokenColumns
	CostUSD          string `json:"cost_usd"`
	MarkupUSD        string `json:"markup_usd"`
	UnpricedRequests int64  `json:"unpriced_requests"`
	FallbackUSD      string `json:"unpriced_fallback_usd"`
}

func toUsageRow(g store.Group) usageRow {
	return usageRow{g.Key, g.Requests, g.Errors,
		tokenColumns{g.InputTokens, g.CacheReadTokens, g.CacheWriteTokens, g.OutputTokens, g.ReasoningTokens}, g.Cost.Decimal(), g.Markup.Decimal(), g.Unpriced, g.Fallback.Decimal()}
}

func runUsage(ctx context.Context, f *Factory, o usageOptions) error {
	if err := o.output.check(); err != nil {
		return err
	}
	by := store.GroupBy(o.by)
	switch by {
	case store.ByProvider, store.ByModel, store.ByKey, store.ByDay, store.BySource, store.BySession:
	default:
		return usageErrorf("--by %q: use provider, model, key, day, source or session", o.by)
	}
	if o.source != "" {
		if _, err := app.ParseEventSource(o.source); err != nil {
			return usageError{fmt.Errorf("--%w", err)}
		}
	}
	a, err := f.ReaderApp(ctx)
	if err != nil {
		return err
	}
	sc := store.Scope{Source: store.Source(o.source)}
	from, to, err := o.span.reportSpan(ctx, a, sc)
	if err != nil {
		return err
	}
	groups, err := a.Store.Breakdown(ctx, sc, from, to, by, a.Location())
	if err != nil {
		return err
	}
	w := f.IO.Out
	return listing[store.Group, usageRow]{
		row:    toUsageRow,
		header: slices.Concat([]string{"group", "requests", "errors"}, tokenHeader, []string{"cost_usd", "markup_usd", "unpriced_requests", "unpriced_fallback_usd"}),
		cells: func(_ store.Group, r usageRow) []string {
			return slices.Concat([]string{r.Group, itoa(r.Requests), itoa(r.Errors)}, r.cells(),
				[]string{r.CostUSD, r.MarkupUSD, itoa(r.UnpricedRequests), r.FallbackUSD})
		},
		table: func() error {
			fmt.Fprintf(w, "%s to %s, by %s\n\n", from.In(a.Location()).Format("2006-01-02 15:04"), to.In(a.Location()).Format("2006-01-02 15:04 MST"), by)
			return printUsage(w, by, groups)
		},
	}.print(w, o.output, groups)
}

// printUsage writes the groups' table with a TOTAL row, and says under it
// how many requests had no price.
func printUsage(w io.Writer, by store.GroupBy, groups []store.Group) error {
	var total store.Totals
	for _, g := range groups {
		total.Add(g.Totals)
	}
	// COST holds amounts only, so that the column lines up; how many
	// requests it leaves out for want of a price has its own column.
	cols := []string{strings.ToUpper(string(by)), "REQUESTS", "INPUT", "CACHE READ", "CACHE WRITE", "OUTPUT", "REASONING", "COST"}
	if total.Unpriced > 0 {
		cols = append(cols, "UNPRICED")
	}
	t := newTable(w, cols...)
	row := func(key string, g store.Totals) {
		cells := []string{key, count(g.Requests), count(g.InputTokens), count(g.CacheReadTokens), count(g.CacheWriteTokens), count(g.OutputTokens), count(g.ReasoningTokens), pricedText(g)}
		if total.Unpriced > 0 {
			cells = append(cells, count(g.Unpriced))
		}
		t.row(cells...)
	}
	for _, g := range groups {
		if by == store.ByDay && g.Requests == 0 {
			continue
		}
		row(g.Key, g.Totals)
	}
	row("TOTAL", total)
	if err := t.flush(); err != nil {
		return err
	}
	if total.Unpriced > 0 {
		fmt.Fprintf(w, "\n%s no known price; budgets count %s for them, at each provider's fallback price\n(`byok pricing cost PROVIDER/MODEL` says which). Set a price with `byok pricing set`.\n",
			counted(total.Unpriced, "request has", "requests have"), total.Fallback)
	}
	return nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// sourceNames lists the sources a --source flag takes, for its help.
func sourceNames() string {
	var names []string
	for _, s := range app.EventSources() {
		names = append(names, string(s))
	}
	return strings.Join(names, ", ")
}
