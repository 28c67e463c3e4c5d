package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/reports"
	"github.com/byokhq/byok/safetext"
)

func newProvidersCmd(f *Factory) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "providers",
		Short: "Supported providers, their base URLs and which have keys",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runProviders(cmd.Context(), f, asJSON) },
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

type providerRow struct {
	ID      string   `json:"id"`
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

func runProviders(ctx context.Context, f *Factory, asJSON bool) error {
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	keys, err := a.Keys(ctx)
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
		rows = append(rows, providerRow{s.ID, s.Name, string(s.Kind), s.BaseURL, s.KeyEnv, has[s.ID] || s.NoKey, s.Local, s.Aliases, len(a.Catalog().Models(s.ID)), c.Reports, c.Balance})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	if asJSON {
		return writeJSON(f.IO.Out, rows)
	}
	t := newTable(f.IO.Out, "ID", "NAME", "API", "BASE URL", "KEY ENV", "KEY", "MODELS", "SPEND API")
	var none []string
	for _, r := range rows {
		key := "-"
		switch {
		case r.Local:
			key = "local"
		case r.HasKey:
			key = "yes"
		}
		c := reports.Capabilities(r.ID)
		if !r.Local && !c.Reports && !c.Balance {
			none = append(none, r.Name)
		}
		t.row(r.ID, r.Name, r.Kind, r.BaseURL, strings.Join(r.KeyEnv, ","), key, itoa(int64(r.Priced)), spendAPI(c))
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintf(f.IO.Out, "\nSPEND API: what byok can read of the provider's own books. reports: daily usage and cost per key for\n"+
		"`byok reconcile` (an admin key: `byok keys add PROVIDER --admin`); balance: credits or balance for `byok balance`.\n"+
		"No usage or balance API for keys (see their consoles): %s.\n", strings.Join(none, ", "))
	return nil
}

func newModelsCmd(f *Factory) *cobra.Command {
	var live, asJSON bool
	var key string
	cmd := &cobra.Command{
		Use:   "models [PROVIDER]",
		Short: "Models from the catalog with prices, or the provider's own list with --live",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if live {
				if len(args) == 0 {
					return usageErrorf("--live needs a provider, e.g. `byok models openai --live`")
				}
				return runLiveModels(cmd.Context(), f, args[0], key, asJSON)
			}
			p := ""
			if len(args) == 1 {
				p = args[0]
			}
			return runPricingList(cmd.Context(), f, p, asJSON)
		},
	}
	cmd.Flags().BoolVar(&live, "live", false, "ask the provider for its current model list (cached for a day)")
	cmd.Flags().StringVar(&key, "key", "", "the key label to ask with")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func runLiveModels(ctx context.Context, f *Factory, provider, key string, asJSON bool) error {
	a, spec, err := f.appFor(ctx, provider)
	if err != nil {
		return err
	}
	list, err := a.ListModels(ctx, spec.ID, key)
	if err != nil {
		return err
	}
	if asJSON {
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
