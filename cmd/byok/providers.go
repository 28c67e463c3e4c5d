package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/safetext"
)

type providersOptions struct {
	output outputOptions
}

func newProvidersCmd(f *Factory) *cobra.Command {
	var o providersOptions
	cmd := &cobra.Command{
		Use:   "providers",
		Short: "Supported providers, their base URLs and which have keys",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runProviders(cmd.Context(), f, o) },
	}
	o.output.addFlags(cmd, false)
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

func runProviders(ctx context.Context, f *Factory, o providersOptions) error {
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
	if o.output.json {
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
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.provider = args[0]
			}
			return runModels(cmd.Context(), f, o)
		},
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
		return runPricingList(ctx, f, pricingListOptions{provider: o.provider, output: o.output})
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
