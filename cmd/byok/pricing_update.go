package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
)

// pricingUpdateOptions are the flags of `byok pricing update`.
type pricingUpdateOptions struct {
	from         string
	repriceSince string
	output       outputOptions
}

// updateListLimit is how many models of each kind the text output lists;
// --json lists them all.
const updateListLimit = 40

func newPricingUpdateCmd(f *Factory) *cobra.Command {
	var opts pricingUpdateOptions
	cmd := &cobra.Command{
		Use:   "update [--from URL|FILE] [--reprice-since D]",
		Short: "Fetch LiteLLM's current prices (and OpenRouter's model list) and show what changed",
		Long: `Fetch LiteLLM's published price file, check it, save it as a dated snapshot
and use it from now on; OpenRouter's public model list prices the OpenRouter
models LiteLLM lacks. Prints the models added, changed (old → new, field by
field) and no longer listed (those keep their last price).

Past requests keep the price they were charged at; --reprice-since prices
those since a date again with the new catalog. Without a network the current
catalog stays.`,
		Example: `  byok pricing update
  byok pricing update --from ./model_prices_and_context_window.json
  byok pricing update --reprice-since 2026-12-01`,
		Args: cobra.NoArgs,
		RunE: runWith(f, &opts, runPricingUpdate),
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.from, "from", "", "a URL or file in LiteLLM's format (default: LiteLLM's published file)")
	fl.StringVar(&opts.repriceSince, "reprice-since", "", "price the requests since this date again with the new prices")
	opts.output.addFlags(cmd, false)
	return cmd
}

func runPricingUpdate(ctx context.Context, f *Factory, opts pricingUpdateOptions) error {
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	var uo app.UpdateOptions
	uo.From = opts.from
	if opts.repriceSince != "" {
		if uo.RepriceSince, _, err = (rangeOptions{since: opts.repriceSince}).times(a); err != nil {
			return err
		}
	}
	if note := a.CatalogNote(); note != "" {
		fmt.Fprintln(f.IO.Err, "Note: "+note+".")
	}
	rep, err := a.UpdatePrices(ctx, uo)
	if errors.Is(err, app.ErrOffline) {
		return fmt.Errorf("no price update: %w", err)
	}
	if err != nil {
		return err
	}
	if opts.output.json {
		return writeJSON(f.IO.Out, rep)
	}
	return printUpdate(f.IO.Out, rep, opts.repriceSince != "")
}

// printUpdate writes what the update changed; repriced says whether it
// re-priced past requests too.
func printUpdate(w io.Writer, rep app.UpdateReport, repriced bool) error {
	if rep.NotModified {
		fmt.Fprintf(w, "LiteLLM's price file has not changed since the last update (%s).\n", rep.Source)
	} else {
		fmt.Fprintf(w, "Read LiteLLM's price file from %s.\n", rep.Source)
	}
	switch or := rep.OpenRouter; {
	case or.URL == "":
	case or.Error != "":
		fmt.Fprintf(w, "OpenRouter's model list could not be read (%s); the OpenRouter prices from before stay.\n", or.Error)
	default:
		fmt.Fprintf(w, "OpenRouter's model list priced %s; %s LiteLLM lacks.\n", counted(or.Models, "model", "models"), counted(or.Added, "of them is a model", "of them are models"))
	}
	d := rep.Diff
	if !rep.Changed() {
		fmt.Fprintf(w, "No price changed: the catalog of %s stays.\n", rep.Date)
	} else {
		fmt.Fprintf(w, "\nCatalog of %s (was %s): %s added, %s changed, %s unchanged.\n",
			rep.Date, rep.Previous, count(int64(len(d.Added))), count(int64(len(d.Changed))), count(int64(d.Unchanged)))
		if len(d.Added) > 0 {
			fmt.Fprintln(w, "\nAdded (USD per million tokens):")
			lines := make([]string, len(d.Added))
			for i, p := range d.Added {
				lines[i] = fmt.Sprintf("  + %s  %s", p.Name(), priceSummary(p))
			}
			printLimited(w, lines)
		}
		if len(d.Changed) > 0 {
			fmt.Fprintln(w, "\nChanged (USD per million tokens):")
			lines := make([]string, len(d.Changed))
			for i, c := range d.Changed {
				parts := make([]string, len(c.Changes))
				for j, ch := range c.Changes {
					parts[j] = fmt.Sprintf("%s %s → %s", ch.Field, fieldValue(ch.Field, ch.Old), fieldValue(ch.Field, ch.New))
				}
				lines[i] = fmt.Sprintf("  ~ %s  %s", c.Name, strings.Join(parts, ", "))
			}
			printLimited(w, lines)
		}
		if len(d.Removed) > 0 {
			fmt.Fprintln(w, "\nRemoved (another spelling of the model is priced now):")
			lines := make([]string, len(d.Removed))
			for i, p := range d.Removed {
				lines[i] = "  - " + p.Name()
			}
			printLimited(w, lines)
		}
	}
	if len(rep.Retired) > 0 {
		fmt.Fprintf(w, "\nNo longer listed by LiteLLM, kept at their last price (%s):\n", count(int64(len(rep.Retired))))
		lines := make([]string, len(rep.Retired))
		for i, p := range rep.Retired {
			lines[i] = fmt.Sprintf("  - %s  (price of %s)", p.Name(), p.Date)
		}
		printLimited(w, lines)
	}
	if rep.Snapshot != "" {
		fmt.Fprintf(w, "\nSaved as %s; it is the catalog from now on.\n", rep.Snapshot)
	}
	switch {
	case !repriced && rep.Changed():
		fmt.Fprintln(w, "Past requests keep the price they were charged at; `byok pricing reprice --since D` prices them again.")
	case repriced && len(rep.Repriced) == 0:
		fmt.Fprintln(w, "\nRe-priced: no past request's cost changed.")
	case repriced:
		fmt.Fprintln(w, "\nRe-priced with the new catalog:")
		return repriceTable(w, rep.Repriced)
	}
	return nil
}

// priceSummary names the rates a new price has.
func priceSummary(p pricing.Price) string {
	parts := []string{"input " + p.Input.Dollars(), "output " + p.Output.Dollars()}
	if p.HasCacheRead {
		parts = append(parts, "cache read "+p.CacheRead.Dollars())
	}
	if p.HasCacheWrite5m {
		parts = append(parts, "cache write "+p.CacheWrite5m.Dollars())
	}
	if p.PerRequest > 0 {
		parts = append(parts, "per request $"+p.PerRequest.Decimal())
	}
	return strings.Join(parts, ", ")
}

// fieldValue writes a changed field's value as the other listings do:
// rates in dollars per million with at least two decimals, per-unit
// prices in dollars; a field the price did not have reads "none".
func fieldValue(field, v string) string {
	if v == "" {
		return "none"
	}
	last := field[strings.LastIndexByte(field, '.')+1:]
	if strings.HasPrefix(last, "per_") {
		if d, err := money.Parse(v); err == nil {
			return "$" + d.Decimal()
		}
		return v
	}
	if r, err := money.ParsePerMillion(v); err == nil {
		return r.Dollars()
	}
	return v
}

func printLimited(w io.Writer, lines []string) {
	for i, l := range lines {
		if i == updateListLimit {
			fmt.Fprintf(w, "  … and %s more (--json lists every one)\n", count(int64(len(lines)-i)))
			return
		}
		fmt.Fprintln(w, l)
	}
}
