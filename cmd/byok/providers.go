package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

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
		rows = append(rows, providerRow{s.ID, s.Name, string(s.Kind), s.BaseURL, s.KeyEnv, has[s.ID] || s.NoKey, s.Local, s.Aliases, len(a.Catalog().Models(s.ID))})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	if asJSON {
		return writeJSON(f.IO.Out, rows)
	}
	t := newTable(f.IO.Out, "ID", "NAME", "API", "BASE URL", "KEY ENV", "KEY", "MODELS")
	for _, r := range rows {
		key := "-"
		switch {
		case r.Local:
			key = "local"
		case r.HasKey:
			key = "yes"
		}
		t.row(r.ID, r.Name, r.Kind, r.BaseURL, strings.Join(r.KeyEnv, ","), key, itoa(int64(r.Priced)))
	}
	return t.flush()
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
