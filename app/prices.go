package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/safetext"
	"github.com/byokhq/byok/store"
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
	if err := a.putOverrides(ctx, []pricing.Price{p}); err != nil {
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
	if err := a.putOverrides(ctx, nil, spec.ID+"/"+model); err != nil {
		return err
	}
	a.audit(ctx, "price.rm", spec.ID+"/"+model, "")
	return nil
}

// putOverrides adds overrides (replacing same-named ones) and removes the
// ones named "provider/model" in remove, which must exist, then stores them
// and rebuilds the catalog.
func (a *App) putOverrides(ctx context.Context, add []pricing.Price, remove ...string) error {
	ovs, err := a.Overrides(ctx)
	if err != nil {
		return err
	}
	byName := map[string]pricing.Price{}
	for _, o := range ovs {
		byName[o.Provider+"/"+o.Model] = o
	}
	for _, p := range add {
		if err := safetext.Check("model name", p.Model); err != nil {
			return inputError{err}
		}
		byName[p.Provider+"/"+p.Model] = p
	}
	for _, n := range remove {
		if _, ok := byName[n]; !ok {
			return fmt.Errorf("no price override for %s (see `byok pricing list`)", n)
		}
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
	if err := a.db.SetSetting(ctx, overridesSetting, body); err != nil {
		return fmt.Errorf("save price overrides: %w", err)
	}
	return a.reloadCatalog(ctx)
}

// Reprice prices the metered events since a time again with the current
// catalog and overrides. Without apply it only reports the change.
func (a *App) Reprice(ctx context.Context, since time.Time, apply bool) ([]store.RepriceDiff, error) {
	cat := a.Catalog()
	diffs, err := a.db.Reprice(ctx, since, func(e store.Event) store.Repriced {
		u := providers.Usage{Input: e.InputTokens, CacheRead: e.CacheReadTokens, CacheWrite5m: e.CacheWrite5mTokens,
			CacheWrite1h: e.CacheWrite1hTokens, Output: e.OutputTokens, Reasoning: e.ReasoningTokens,
			Estimated: e.CostState == pricing.Estimated}
		e.Units.Apply(&u)
		if e.CostState == pricing.Computed && e.PriceRef == "" && e.Cost == 0 {
			// A free call (a model listing, a token count, a poll of an
			// image task) stays free.
			return store.Repriced{Cost: e.Cost, Markup: e.Markup, Fallback: e.Fallback, State: e.CostState, Ref: e.PriceRef}
		}
		b := cat.Price(e.Provider, e.Model, u, a.Config.Markup(e.Provider))
		return store.Repriced{Cost: b.Total, Markup: b.Markup, Fallback: b.Fallback, State: b.State, Ref: b.Ref}
	}, apply)
	if err != nil {
		return nil, err
	}
	if apply {
		n := int64(0)
		for _, d := range diffs {
			n += d.Events
		}
		a.audit(ctx, "price.reprice", "events", fmt.Sprintf("%d events since %s", n, since.Format(time.RFC3339)))
	}
	return diffs, nil
}

// ImportReport says what an import did.
type ImportReport struct {
	Added, Changed, Unchanged int
	Ignored                   []pricing.Skipped
}

// ImportPriceFile reads prices in LiteLLM's format ("litellm") or byok's
// own catalog format ("byok"), stores them as overrides, and reports what
// was added, changed, unchanged and ignored (and why).
func (a *App) ImportPriceFile(ctx context.Context, r io.Reader, name, format string) (ImportReport, error) {
	var rep ImportReport
	var ps []pricing.Price
	switch format {
	case "", "litellm":
		imp, err := pricing.ParseLiteLLM(r)
		if err != nil {
			return rep, fmt.Errorf("import %s: %w", name, err)
		}
		ps, rep.Ignored = imp.Prices, imp.Skipped
	case "byok":
		cat, err := pricing.ReadCatalog(r)
		if err != nil {
			return rep, fmt.Errorf("import %s: %w", name, err)
		}
		for _, p := range cat.Providers() {
			ps = append(ps, cat.Models(p)...)
		}
	default:
		return rep, fmt.Errorf("unknown price file format %q: use litellm or byok", format)
	}
	cur := a.Catalog()
	date := a.now().In(a.Location()).Format("2006-01-02")
	for i := range ps {
		p := &ps[i]
		old, ok := cur.Lookup(p.Provider, p.Model)
		switch {
		case !ok || old.Provider != p.Provider || old.Model != p.Model:
			rep.Added++
		case old.Rates == p.Rates && len(old.Tiers) == len(p.Tiers):
			rep.Unchanged++
		default:
			rep.Changed++
		}
		p.Source = "import:" + name
		p.Date = date
		p.Ref = "import:" + date + ":" + p.Provider + "/" + p.Model
	}
	if err := a.putOverrides(ctx, ps); err != nil {
		return rep, err
	}
	a.audit(ctx, "price.import", name, fmt.Sprintf("%d added, %d changed, %d unchanged, %d ignored", rep.Added, rep.Changed, rep.Unchanged, len(rep.Ignored)))
	return rep, nil
}
