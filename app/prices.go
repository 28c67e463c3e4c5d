package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/byokhq/byok/pricing"
)

// SetPrice stores a user price for provider/model (it wins over the
// catalog), dated today and audited.
func (a *App) SetPrice(ctx context.Context, p pricing.Price) (pricing.Price, error) {
	spec, err := a.Provider(p.Provider)
	if err != nil {
		return pricing.Price{}, err
	}
	if p.Model == "" {
		return pricing.Price{}, fmt.Errorf("name the model as %s/MODEL", spec.ID)
	}
	p.Provider = spec.ID
	p.Source = "override"
	p.Date = a.now().In(a.Location()).Format("2006-01-02")
	p.Ref = "override:" + p.Date + ":" + p.Provider + "/" + p.Model
	if err := a.putOverrides(ctx, []pricing.Price{p}, nil); err != nil {
		return pricing.Price{}, err
	}
	a.audit(ctx, "price.set", p.Provider+"/"+p.Model, fmt.Sprintf("input %s output %s cache_read %s cache_write %s per 1M", p.Input, p.Output, p.CacheRead, p.CacheWrite5m))
	return p, nil
}

// RemovePrice removes the user price of provider/model.
func (a *App) RemovePrice(ctx context.Context, provider, model string) error {
	spec, err := a.Provider(provider)
	if err != nil {
		return err
	}
	ovs, err := a.Overrides(ctx)
	if err != nil {
		return err
	}
	found := false
	for _, o := range ovs {
		if o.Provider == spec.ID && o.Model == model {
			found = true
		}
	}
	if !found {
		return fmt.Errorf("no price override for %s/%s (see `byok pricing list`)", spec.ID, model)
	}
	if err := a.putOverrides(ctx, nil, map[string]bool{spec.ID + "/" + model: true}); err != nil {
		return err
	}
	a.audit(ctx, "price.rm", spec.ID+"/"+model, "")
	return nil
}

// ImportPrices reads a LiteLLM-format file and stores its prices as
// overrides named after the file. It returns how many were imported.
func (a *App) ImportPrices(ctx context.Context, r io.Reader, name string) (int, error) {
	ps, err := pricing.ImportLiteLLM(r)
	if err != nil {
		return 0, fmt.Errorf("import %s: %w", name, err)
	}
	date := a.now().In(a.Location()).Format("2006-01-02")
	for i := range ps {
		ps[i].Source = "import:" + name
		ps[i].Date = date
		ps[i].Ref = "import:" + date + ":" + ps[i].Provider + "/" + ps[i].Model
	}
	if err := a.putOverrides(ctx, ps, nil); err != nil {
		return 0, err
	}
	a.audit(ctx, "price.import", name, fmt.Sprintf("%d prices", len(ps)))
	return len(ps), nil
}

// putOverrides adds (replacing same-named) and removes overrides, stores
// them and rebuilds the catalog.
func (a *App) putOverrides(ctx context.Context, add []pricing.Price, remove map[string]bool) error {
	ovs, err := a.Overrides(ctx)
	if err != nil {
		return err
	}
	byName := map[string]pricing.Price{}
	for _, o := range ovs {
		byName[o.Provider+"/"+o.Model] = o
	}
	for _, p := range add {
		byName[p.Provider+"/"+p.Model] = p
	}
	for n := range remove {
		delete(byName, n)
	}
	out := make([]pricing.Price, 0, len(byName))
	for _, p := range byName {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		return strings.Compare(out[i].Provider+"/"+out[i].Model, out[j].Provider+"/"+out[j].Model) < 0
	})
	body := ""
	if len(out) > 0 {
		b, err := json.Marshal(out)
		if err != nil {
			return err
		}
		body = string(b)
	}
	if err := a.Store.SetSetting(ctx, overridesSetting, body); err != nil {
		return fmt.Errorf("save price overrides: %w", err)
	}
	return a.reloadCatalog(ctx)
}
