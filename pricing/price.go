// Package pricing turns token counts into money: a dated price catalog
// embedded in the binary, user overrides, LiteLLM-format imports, and the
// cost engine that prices one usage record line by line in integer
// nano-dollars.
//
// Prices are kept per million units in integer micro-dollars
// (money.PerMillion), so every line is an exact product of whole numbers.
package pricing

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/byokhq/byok/money"
)

// Rates are the per-token prices of one row of a price: the base row, a
// long-context tier or a service tier. A Has flag is false when the source
// lists no such price; the cost engine then falls back as documented on
// Cost.
type Rates struct {
	Input, Output, CacheRead, CacheWrite5m, CacheWrite1h, Reasoning money.PerMillion

	HasCacheRead, HasCacheWrite5m, HasCacheWrite1h, HasReasoning bool
}

// Tier is a long-context row: when a request's whole prompt (cache reads and
// writes included) is larger than Above tokens, every token of the request is
// priced with these rates. Service names the service tier the row belongs to
// ("" for the standard tier, "priority", "flex", "batch").
type Tier struct {
	Above int64
	Rates
	Service string
}

// Price is everything byok knows about what one model of one provider costs.
type Price struct {
	Provider, Model string
	Rates
	// Tiers are the long-context rows, ascending by Above.
	Tiers []Tier
	// ServiceTiers are the "batch", "priority" and "flex" rows.
	ServiceTiers map[string]Rates

	// Per-unit prices, where the source lists them.
	PerRequest, PerWebSearch, PerImage money.USD
	PerSecond                          money.USD

	// Source is "catalog", "override" or "import:<file>"; Date is the day the
	// price was taken (the catalog date, or the day of an override); Ref
	// names the record in cost breakdowns, e.g. "catalog:2026-07-24:openai/gpt-4o".
	Source string
	Date   string
	Ref    string

	// Mode is the kind of model ("chat", "responses", "completion",
	// "embedding", "image_generation", "image_edit"), empty when unknown.
	Mode string
	// MaxInput and MaxOutput are the context limits in tokens, 0 when unknown.
	MaxInput, MaxOutput int64
	// Origin tells where the numbers came from, e.g. "litellm:gpt-4o" or
	// "catwalk:openrouter".
	Origin string
}

// Name returns the price's "provider/model" name.
func (p Price) Name() string { return p.Provider + "/" + p.Model }

// ServiceTierNames returns the service tiers the price has rows for, sorted.
func (p Price) ServiceTierNames() []string {
	names := make([]string, 0, len(p.ServiceTiers))
	for n := range p.ServiceTiers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ratesJSON is the wire form of Rates: dollars per million as decimal
// strings; an optional price is absent when its Has flag is false.
type ratesJSON struct {
	Input        string  `json:"input"`
	Output       string  `json:"output"`
	CacheRead    *string `json:"cache_read,omitempty"`
	CacheWrite5m *string `json:"cache_write_5m,omitempty"`
	CacheWrite1h *string `json:"cache_write_1h,omitempty"`
	Reasoning    *string `json:"reasoning,omitempty"`
}

type tierJSON struct {
	Above   int64  `json:"above"`
	Service string `json:"service,omitempty"`
	ratesJSON
}

type priceJSON struct {
	Provider string `json:"provider"`
	Model    string `json:"model"`
	Mode     string `json:"mode,omitempty"`
	ratesJSON
	Tiers        []tierJSON           `json:"tiers,omitempty"`
	ServiceTiers map[string]ratesJSON `json:"service_tiers,omitempty"`
	PerRequest   *money.USD           `json:"per_request,omitempty"`
	PerWebSearch *money.USD           `json:"per_web_search,omitempty"`
	PerImage     *money.USD           `json:"per_image,omitempty"`
	PerSecond    *money.USD           `json:"per_second,omitempty"`
	MaxInput     int64                `json:"max_input,omitempty"`
	MaxOutput    int64                `json:"max_output,omitempty"`
	Origin       string               `json:"origin,omitempty"`
	Source       string               `json:"source,omitempty"`
	Date         string               `json:"date,omitempty"`
	Ref          string               `json:"ref,omitempty"`
}

func optRate(has bool, v money.PerMillion) *string {
	if !has {
		return nil
	}
	s := v.String()
	return &s
}

func (r Rates) toJSON() ratesJSON {
	return ratesJSON{
		Input:        r.Input.String(),
		Output:       r.Output.String(),
		CacheRead:    optRate(r.HasCacheRead, r.CacheRead),
		CacheWrite5m: optRate(r.HasCacheWrite5m, r.CacheWrite5m),
		CacheWrite1h: optRate(r.HasCacheWrite1h, r.CacheWrite1h),
		Reasoning:    optRate(r.HasReasoning, r.Reasoning),
	}
}

// parseRate reads one dollars-per-million price; prices are never negative.
func parseRate(field, s string) (money.PerMillion, error) {
	v, err := money.ParsePerMillion(s)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", field, err)
	}
	if v < 0 {
		return 0, fmt.Errorf("%s: %q: a price cannot be negative", field, s)
	}
	return v, nil
}

func (rj ratesJSON) toRates() (Rates, error) {
	var r Rates
	var err error
	if rj.Input != "" {
		if r.Input, err = parseRate("input", rj.Input); err != nil {
			return r, err
		}
	}
	if rj.Output != "" {
		if r.Output, err = parseRate("output", rj.Output); err != nil {
			return r, err
		}
	}
	opt := []struct {
		name string
		src  *string
		dst  *money.PerMillion
		has  *bool
	}{
		{"cache_read", rj.CacheRead, &r.CacheRead, &r.HasCacheRead},
		{"cache_write_5m", rj.CacheWrite5m, &r.CacheWrite5m, &r.HasCacheWrite5m},
		{"cache_write_1h", rj.CacheWrite1h, &r.CacheWrite1h, &r.HasCacheWrite1h},
		{"reasoning", rj.Reasoning, &r.Reasoning, &r.HasReasoning},
	}
	for _, o := range opt {
		if o.src == nil {
			continue
		}
		if *o.dst, err = parseRate(o.name, *o.src); err != nil {
			return r, err
		}
		*o.has = true
	}
	return r, nil
}

func optUSD(v money.USD) *money.USD {
	if v == 0 {
		return nil
	}
	return &v
}

// MarshalJSON writes the price with every amount as a decimal string of
// dollars (per million tokens for rates, per unit for per-unit prices).
func (p Price) MarshalJSON() ([]byte, error) {
	pj := priceJSON{
		Provider:     p.Provider,
		Model:        p.Model,
		Mode:         p.Mode,
		ratesJSON:    p.toJSON(),
		PerRequest:   optUSD(p.PerRequest),
		PerWebSearch: optUSD(p.PerWebSearch),
		PerImage:     optUSD(p.PerImage),
		PerSecond:    optUSD(p.PerSecond),
		MaxInput:     p.MaxInput,
		MaxOutput:    p.MaxOutput,
		Origin:       p.Origin,
		Source:       p.Source,
		Date:         p.Date,
		Ref:          p.Ref,
	}
	for _, t := range p.Tiers {
		pj.Tiers = append(pj.Tiers, tierJSON{Above: t.Above, Service: t.Service, ratesJSON: t.toJSON()})
	}
	if len(p.ServiceTiers) > 0 {
		pj.ServiceTiers = make(map[string]ratesJSON, len(p.ServiceTiers))
		for n, r := range p.ServiceTiers {
			pj.ServiceTiers[n] = r.toJSON()
		}
	}
	return json.Marshal(pj)
}

// UnmarshalJSON reads what MarshalJSON writes. Negative prices and prices
// finer than a micro-dollar per million are errors.
func (p *Price) UnmarshalJSON(b []byte) error {
	var pj priceJSON
	if err := json.Unmarshal(b, &pj); err != nil {
		return err
	}
	out, err := pj.toPrice()
	if err != nil {
		return err
	}
	*p = out
	return nil
}

func (pj *priceJSON) toPrice() (Price, error) {
	name := pj.Provider + "/" + pj.Model
	r, err := pj.toRates()
	if err != nil {
		return Price{}, fmt.Errorf("price %s: %w", name, err)
	}
	out := Price{
		Provider: pj.Provider, Model: pj.Model, Mode: pj.Mode, Rates: r,
		MaxInput: pj.MaxInput, MaxOutput: pj.MaxOutput,
		Origin: pj.Origin, Source: pj.Source, Date: pj.Date, Ref: pj.Ref,
	}
	for _, f := range []struct {
		name string
		src  *money.USD
		dst  *money.USD
	}{
		{"per_request", pj.PerRequest, &out.PerRequest},
		{"per_web_search", pj.PerWebSearch, &out.PerWebSearch},
		{"per_image", pj.PerImage, &out.PerImage},
		{"per_second", pj.PerSecond, &out.PerSecond},
	} {
		if f.src == nil {
			continue
		}
		if *f.src < 0 {
			return Price{}, fmt.Errorf("price %s: %s: a price cannot be negative", name, f.name)
		}
		*f.dst = *f.src
	}
	if len(pj.Tiers) > 0 {
		out.Tiers = make([]Tier, 0, len(pj.Tiers))
	}
	for i, tj := range pj.Tiers {
		tr, err := tj.toRates()
		if err != nil {
			return Price{}, fmt.Errorf("price %s: tier %d: %w", name, i, err)
		}
		if tj.Above <= 0 {
			return Price{}, fmt.Errorf("price %s: tier %d: above must be a positive token count", name, i)
		}
		out.Tiers = append(out.Tiers, Tier{Above: tj.Above, Rates: tr, Service: tj.Service})
	}
	sortTiers(out.Tiers)
	if len(pj.ServiceTiers) > 0 {
		out.ServiceTiers = make(map[string]Rates, len(pj.ServiceTiers))
		for n, rj := range pj.ServiceTiers {
			sr, err := rj.toRates()
			if err != nil {
				return Price{}, fmt.Errorf("price %s: service tier %s: %w", name, n, err)
			}
			out.ServiceTiers[n] = sr
		}
	}
	return out, nil
}

func sortTiers(ts []Tier) {
	sort.SliceStable(ts, func(i, j int) bool {
		if ts[i].Service != ts[j].Service {
			return ts[i].Service < ts[j].Service
		}
		return ts[i].Above < ts[j].Above
	})
}
