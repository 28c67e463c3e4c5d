package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/reports"
	"github.com/byokhq/byok/safetext"
)

func newProvidersCmd(f *Factory) *cobra.Command {
	return newOutputCmd(f, "providers", "Supported providers, their base URLs and which have keys", runProviders)
}

type providerRow struct {
	ID      string   `json:"provider"`
	Name    string   `json:"name"`
	Kind    string   `json:"kind"`
	BaseURL string   `json:"base_url"`
	KeyEnv  []string `json:"key_env"`
	HasKey  bool     `json:"has_key"`
	Local   bool     `json:"local"`
	Aliases []string `json:"aliases,omitempty"`
	Priced  int      `json:"priced_models"`
	// Reports and Balance say whether byok can read the provider's own
	// usage and cost reports (reconcile) and its balance.
	Reports bool `json:"reports"`
	Balance bool `json:"balance"`
}

// spendAPI says in a word what byok can read of a provider's own books.
func spendAPI(c reports.Capability) string {
	switch {
	case c.Reports && c.Balance:
		return "reports, balance"
	case c.Reports:
		return "reports"
	case c.Balance:
		return "balance"
	}
	return "none"
}

func runProviders(ctx context.Context, f *Factory, o outputOptions) error {
	a, keys, err := ask(ctx, f.ReaderApp, (*app.App).Keys)
	if err != nil {
		return err
	}
	has := map[string]bool{}
	for _, k := range keys {
		if !k.Revoked() {
			has[k.Provider] = true
		}
	}
	var rows []providerRow
	for _, s := range a.Registry.All() {
		c := reports.Capabilities(s.ID)
		// A provider whose key no variable holds has an empty key_env, a
		// list like every other, never null.
		keyEnv := append([]string{}, s.KeyEnv...)
		rows = append(rows, providerRow{s.ID, s.Name, string(s.Kind), s.BaseURL, keyEnv, has[s.ID] || s.NoKey, s.Local, s.Aliases, len(a.Catalog().Models(s.ID)), c.Reports, c.Balance})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	if o.json {
		return writeJSON(f.IO.Out, rows)
	}
	t := newTable(f.IO.Out, "PROVIDER", "NAME", "API", "BASE URL", "KEY ENV", "KEY", "MODELS", "SPEND API")
	var none, said []string
	for _, r := range rows {
		key := "-"
		switch {
		case r.Local:
			key = "local"
		case r.HasKey:
			key = "yes"
		}
		c := reports.Capabilities(r.ID)
		switch {
		case r.Local || c.Reports || c.Balance:
		case c.None == reports.NoSpendAPI || strings.HasPrefix(c.None, "no usage or balance API"):
			none = append(none, r.Name)
		default:
			said = append(said, r.Name+": "+c.None+".")
		}
		t.row(r.ID, r.Name, r.Kind, r.BaseURL, strings.Join(r.KeyEnv, ","), key, itoa(int64(r.Priced)), spendAPI(c))
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintf(f.IO.Out, "\nSPEND API: what byok can read of the provider's own books. reports: daily usage and cost per key for\n"+
		"`byok reconcile` (an admin key: `byok keys add PROVIDER --admin`); balance: credits or balance for `byok balance`.\n"+
		"No usage or balance API for keys (see their consoles): %s.\n", strings.Join(none, ", "))
	for _, s := range said {
		fmt.Fprintln(f.IO.Out, s)
	}
	return nil
}

type modelsOptions struct {
	provider string
	live     bool
	key      string // the key label --live asks with
	output   outputOptions
}

func newModelsCmd(f *Factory) *cobra.Command {
	var o modelsOptions
	cmd := &cobra.Command{
		Use:   "models [PROVIDER]",
		Short: "Models from the catalog with prices, or the provider's own list with --live",
		Args:  cobra.MaximumNArgs(1),
		RunE:  runWith(f, &o, runModels, &o.provider),
	}
	cmd.Flags().BoolVar(&o.live, "live", false, "ask the provider for its current model list (cached for a day)")
	cmd.Flags().StringVar(&o.key, "key", "", "the key label to ask with")
	o.output.addFlags(cmd, false)
	return cmd
}

// runModels lists the catalog's models, as `pricing list` does, or with
// --live the provider's own list.
func runModels(ctx context.Context, f *Factory, o modelsOptions) error {
	if !o.live {
		return runPricingList(ctx, f, argOutputOptions{arg: o.provider, output: o.output})
	}
	if o.provider == "" {
		return usageErrorf("--live needs a provider, e.g. `byok models openai --live`")
	}
	a, spec, err := f.appFor(ctx, o.provider)
	if err != nil {
		return err
	}
	list, err := a.ListModels(ctx, spec.ID, o.key)
	if err != nil {
		return err
	}
	if o.output.json {
		return writeJSON(f.IO.Out, list.Models)
	}
	for _, m := range list.Models {
		fmt.Fprintln(f.IO.Out, safetext.Clean(m))
	}
	if list.Cached {
		fmt.Fprintln(f.IO.Err, "(from the cache of the last day)")
	}
	return nil
}
