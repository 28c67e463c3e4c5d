package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/app"
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

type liveCache struct {
	At     time.Time `json:"at"`
	Models []string  `json:"models"`
}

func runLiveModels(ctx context.Context, f *Factory, provider, key string, asJSON bool) error {
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	models, cached, err := liveModels(ctx, a, provider, key)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(f.IO.Out, models)
	}
	for _, m := range models {
		fmt.Fprintln(f.IO.Out, safetext.Clean(m))
	}
	if cached {
		fmt.Fprintln(f.IO.Err, "(from the cache of the last day)")
	}
	return nil
}

// liveModels returns a provider's model list, cached in the store for a day.
func liveModels(ctx context.Context, a *app.App, provider, key string) ([]string, bool, error) {
	spec, err := a.Provider(provider)
	if err != nil {
		return nil, false, usageError{err}
	}
	cacheKey := "models.live." + spec.ID
	if v, err := a.Store.Setting(ctx, cacheKey); err == nil {
		var c liveCache
		if json.Unmarshal([]byte(v), &c) == nil && a.Now().Sub(c.At) < 24*time.Hour {
			return c.Models, true, nil
		}
	}
	models, err := a.ListModels(ctx, spec.ID, key)
	if err != nil {
		return nil, false, err
	}
	sort.Strings(models)
	if b, err := json.Marshal(liveCache{a.Now(), models}); err == nil {
		if err := a.Store.SetSetting(ctx, cacheKey, string(b)); err != nil {
			a.Log.Warn("cache the model list", "err", err)
		}
	}
	return models, false, nil
}
