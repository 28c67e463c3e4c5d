package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/money"
)

// reconcileOptions are the arguments of `byok reconcile`.
type reconcileOptions struct {
	Providers    []string
	Since, Until string
	output       outputOptions
}

func newReconcileCmd(f *Factory) *cobra.Command {
	var o reconcileOptions
	cmd := &cobra.Command{
		Use:   "reconcile [PROVIDER…]",
		Short: "Compare byok's records with the providers' own usage and cost reports",
		Long: `Reads the providers' daily usage and cost reports with their admin keys
(byok keys add PROVIDER --admin: OpenAI, Anthropic, OpenRouter), stores them,
and prints per provider and UTC day what byok recorded, what the provider
billed, the difference and a state:

  match    within a cent, or 1 % of the larger amount
  unseen   the provider billed more than byok saw (another tool used the key)
  over     byok recorded more than the provider billed (check byok's prices)
  pending  today or yesterday (UTC), while the provider's data still arrives

The spend a provider reports beyond byok's own records is recorded with source
"reconciled" and replaced, never added twice, on every later reconcile, so
usage, status, budgets (hard ones too), forecasts and alerts include it once.
A UTC day's reconciled spend is placed at noon UTC, on byok's keys in
proportion to what each was billed beyond byok's records (OpenAI says each
key's money; Anthropic's cost is shared by the keys' tokens at byok's
prices), the rest under no key, so key budgets count it too. Rows under a
day show each key's billed money and request counts against byok's.

A reconcile stores a week at a time; one that failed half-way is continued by
the next, which does not ask again for the settled days already stored. For
OpenRouter it first asks the billed cost of requests byok carried without an
inline cost (GET /api/v1/generation), with the key that sent them.

In the TUI (byok), the Reconcile tab (press 9) shows the same days; r there
reconciles now.`,
		Example: `  byok reconcile                          every provider with an admin key, last 30 days
  byok reconcile openai --since 2026-11-01 --until 2026-12-01
  byok reconcile anthropic --json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Providers = args
			return runReconcile(cmd.Context(), f, o)
		},
	}
	cmd.Flags().StringVar(&o.Since, "since", "", "first UTC day: a date, or an age like 7d (default: 30 days ago)")
	cmd.Flags().StringVar(&o.Until, "until", "", "the UTC day to stop before (exclusive), same forms (default: through today)")
	o.output.addFlags(cmd, false)
	return cmd
}

// utcDayFlag reads a --since/--until day: a plain date is that UTC day,
// anything else the UTC day holding the time it names.
func utcDayFlag(a *app.App, name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.Parse(time.DateOnly, strings.TrimSpace(s)); err == nil {
		return d, nil
	}
	t, err := a.ParseTime(s)
	if err != nil {
		return time.Time{}, usageErrorf("--%s: %v", name, err)
	}
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
}

type reconcileRowJSON struct {
	Provider         string  `json:"provider"`
	Day              string  `json:"day"`
	Key              *string `json:"key"`
	KeyID            *int64  `json:"key_id"`
	ProviderKey      *string `json:"provider_key"`
	ByokUSD          string  `json:"byok_usd"`
	ReportedUSD      *string `json:"reported_usd"`
	DiffUSD          *string `json:"diff_usd"`
	ByokRequests     int64   `json:"byok_requests"`
	ReportedRequests *int64  `json:"reported_requests"`
	ReconciledUSD    string  `json:"reconciled_usd"`
	State            string  `json:"state"`
}

func toReconcileJSON(r app.ReconcileRow) reconcileRowJSON {
	j := reconcileRowJSON{Provider: r.Provider, Day: r.Day.Format(time.DateOnly), ByokUSD: r.Byok.Decimal(),
		ByokRequests: r.ByokRequests, ReconciledUSD: r.Reconciled.Decimal(), State: string(r.State)}
	if r.KeyName != "" {
		name, id := r.KeyName, r.KeyID
		j.Key, j.KeyID = &name, &id
	}
	if r.ProviderKey != "" {
		pk := r.ProviderKey
		j.ProviderKey = &pk
	}
	j.ReportedUSD, j.DiffUSD = usdJSON(r.Reported, r.HasReported), usdJSON(r.Diff, r.HasReported)
	if r.HasReportedRequests {
		n := r.ReportedRequests
		j.ReportedRequests = &n
	}
	return j
}

func runReconcile(ctx context.Context, f *Factory, o reconcileOptions) error {
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	var opts app.ReconcileOptions
	for _, p := range o.Providers {
		spec, err := a.Provider(p)
		if err != nil {
			return usageError{err}
		}
		opts.Providers = append(opts.Providers, spec.ID)
	}
	if opts.Since, err = utcDayFlag(a, "since", o.Since); err != nil {
		return err
	}
	if opts.Until, err = utcDayFlag(a, "until", o.Until); err != nil {
		return err
	}
	if !opts.Since.IsZero() && !opts.Until.IsZero() && !opts.Since.Before(opts.Until) {
		return usageErrorf("--since %s must come before --until %s", o.Since, o.Until)
	}
	if !o.output.json {
		fmt.Fprintln(f.IO.Err, "Reading the providers' reports …")
	}
	res, err := a.Reconcile(ctx, opts)
	if err != nil {
		return err
	}
	if o.output.json {
		if err := writeJSON(f.IO.Out, jsonRows(res.Rows, toReconcileJSON)); err != nil {
			return err
		}
	} else if err := printReconcile(f, res); err != nil {
		return err
	}
	return providerErrors(res.Errors)
}

// providerErrors joins the providers' failures, each named, in order.
func providerErrors(errs map[string]error) error {
	ids := slices.Sorted(maps.Keys(errs))
	var out []error
	for _, id := range ids {
		out = append(out, fmt.Errorf("%s: %w", id, errs[id]))
	}
	return errors.Join(out...)
}

func printReconcile(f *Factory, res app.ReconcileResult) error {
	w := f.IO.Out
	if len(res.Rows) == 0 {
		return nil
	}
	fmt.Fprintf(w, "UTC days %s to %s\n\n", res.From.Format(time.DateOnly), res.To.AddDate(0, 0, -1).Format(time.DateOnly))
	t := newTable(w, "PROVIDER", "DAY", "KEY", "BYOK", "REPORTED", "DIFF", "REQUESTS", "STATE")
	var unseen money.USD
	for _, r := range res.Rows {
		day, key := r.Day.Format(time.DateOnly), ""
		if r.KeyName != "" || r.ProviderKey != "" {
			day = "  └"
			key = r.ProviderKey
			if r.KeyName != "" {
				key = r.KeyName
			}
		}
		reported, diff, reqs := "—", "", fmt.Sprintf("%d", r.ByokRequests)
		if r.HasReported {
			reported, diff = r.Reported.String(), signed(r.Diff)
		}
		if r.HasReportedRequests {
			reqs += " / " + fmt.Sprint(r.ReportedRequests)
		}
		state := string(r.State)
		if r.Reconciled > 0 {
			state += " (+" + r.Reconciled.String() + " counted)"
			if r.KeyName == "" && r.ProviderKey == "" {
				unseen += r.Reconciled // a key's row holds its share of its day's
			}
		}
		t.row(r.Provider, day, key, r.Byok.String(), reported, diff, reqs, state)
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nREQUESTS are byok's / the provider's. A day's reconciled spend is placed at noon UTC, on the keys whose\n"+
		"billed money exceeds byok's records (in proportion to the gap) and the rest under no key.")
	if unseen > 0 {
		fmt.Fprintf(w, "%s the providers billed beyond byok's records now counts in usage, status and budgets (source reconciled).\n", unseen)
	}
	for _, n := range res.Notes {
		fmt.Fprintln(w, "Note: "+n+".")
	}
	return nil
}

// signed writes a difference with its sign: "+$1.20", "-$0.40", "$0.00".
func signed(d money.USD) string {
	switch {
	case d > 0:
		return "+" + d.String()
	case d < 0:
		return d.String()
	}
	return "$0.00"
}
