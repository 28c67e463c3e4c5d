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
	"maps"
	"slices"
	"sort"
	"strings"

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

	// Per-unit prices, where the source lists them. PerImage prices an
	// image whose size and quality Images does not list; PerSecond a second
	// of audio (transcribed or spoken); PerCharacter a character of text
	// turned into speech.
	PerRequest, PerWebSearch, PerImage money.USD
	PerSecond, PerCharacter            money.USD
	// Images are per-image prices by size and quality (DALL·E 3 standard
	// and hd at 1024x1024 or 1792x1024…), where the source lists them.
	Images []ImagePrice

	// Modality token prices per million tokens: image and audio tokens of
	// the input and of the output. A Has flag is false when the source
	// lists no such price; the text price of the row then applies.
	Modal

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

// ImagePrice is the price of one image of a size ("1024x1024") and a
// quality ("standard", "hd", "low"…; "" when the model has one quality).
type ImagePrice struct {
	Size, Quality string
	PerImage      money.USD
}

// Modal holds the prices of image and audio tokens.
type Modal struct {
	InputImage, OutputImage, InputAudio, OutputAudio             money.PerMillion
	HasInputImage, HasOutputImage, HasInputAudio, HasOutputAudio bool
}

// ImageFor returns the price of one image of size and quality: the entry
// for both, else the entry for the size with no quality named; with no
// entries at all (or no size asked), PerImage. ok is false when the model
// lists sizes and this one is not among them, or when it has no per-image
// price: such an image is never priced at some other size's price.
func (p Price) ImageFor(size, quality string) (money.USD, bool) {
	size, quality = imageKey(size, quality)
	if size != "" && len(p.Images) > 0 {
		for _, ip := range p.Images {
			if ip.Size == size && ip.Quality == quality {
				return ip.PerImage, true
			}
		}
		for _, ip := range p.Images {
			if ip.Size == size && ip.Quality == "" {
				return ip.PerImage, true
			}
		}
		return 0, false
	}
	return p.PerImage, p.PerImage > 0
}

// imageKey spells a request's image size and quality as the price's
// entries do: "1024-x-1024" and "1024X1024" are "1024x1024".
func imageKey(size, quality string) (string, string) {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(size), "-x-", "x")),
		strings.ToLower(strings.TrimSpace(quality))
}

// WorstImage is the most one image can cost when a request names size and
// quality (either may be ""): the dearest entry the request leaves
// possible, since a provider picks the size or quality a request leaves
// open; PerImage when the model lists no entries. A budget is checked
// against it before the image is made.
func (p Price) WorstImage(size, quality string) money.USD {
	size, quality = imageKey(size, quality)
	worst := p.PerImage
	for _, ip := range p.Images {
		if (size == "" || ip.Size == size) && (quality == "" || ip.Quality == quality || ip.Quality == "") {
			worst = max(worst, ip.PerImage)
		}
	}
	return worst
}

// Name returns the price's "provider/model" name.
func (p Price) Name() string { return p.Provider + "/" + p.Model }

// ServiceTierNames returns the service tiers the price has rows for, sorted.
func (p Price) ServiceTierNames() []string {
	return slices.Sorted(maps.Keys(p.ServiceTiers))
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

type imageJSON struct {
	Size     string    `json:"size"`
	Quality  string    `json:"quality,omitempty"`
	PerImage money.USD `json:"per_image"`
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
	PerCharacter *money.USD           `json:"per_character,omitempty"`
	Images       []imageJSON          `json:"images,omitempty"`
	InputImage   *string              `json:"input_image,omitempty"`
	OutputImage  *string              `json:"output_image,omitempty"`
	InputAudio   *string              `json:"input_audio,omitempty"`
	OutputAudio  *string              `json:"output_audio,omitempty"`
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
	err = parseOptionalRates([]optionalRate{
		{"cache_read", rj.CacheRead, &r.CacheRead, &r.HasCacheRead},
		{"cache_write_5m", rj.CacheWrite5m, &r.CacheWrite5m, &r.HasCacheWrite5m},
		{"cache_write_1h", rj.CacheWrite1h, &r.CacheWrite1h, &r.HasCacheWrite1h},
		{"reasoning", rj.Reasoning, &r.Reasoning, &r.HasReasoning},
	})
	return r, err
}

// optionalRate is a rate a price may leave out: its JSON name, its text
// (nil when left out), where it goes and the flag that says it is there.
type optionalRate struct {
	name string
	src  *string
	dst  *money.PerMillion
	has  *bool
}

// parseOptionalRates parses each of rates that is there.
func parseOptionalRates(rates []optionalRate) error {
	for _, o := range rates {
		if o.src == nil {
			continue
		}
		v, err := parseRate(o.name, *o.src)
		if err != nil {
			return err
		}
		*o.dst, *o.has = v, true
	}
	return nil
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
		PerCharacter: optUSD(p.PerCharacter),
		InputImage:   optRate(p.HasInputImage, p.InputImage),
		OutputImage:  optRate(p.HasOutputImage, p.OutputImage),
		InputAudio:   optRate(p.HasInputAudio, p.InputAudio),
		OutputAudio:  optRate(p.HasOutputAudio, p.OutputAudio),
		MaxInput:     p.MaxInput,
		MaxOutput:    p.MaxOutput,
		Origin:       p.Origin,
		Source:       p.Source,
		Date:         p.Date,
		Ref:          p.Ref,
	}
	for _, ip := range p.Images {
		pj.Images = append(pj.Images, imageJSON(ip))
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
		{"per_character", pj.PerCharacter, &out.PerCharacter},
	} {
		if f.src == nil {
			continue
		}
		if *f.src < 0 {
			return Price{}, fmt.Errorf("price %s: %s: a price cannot be negative", name, f.name)
		}
		*f.dst = *f.src
	}
	if err := parseOptionalRates([]optionalRate{
		{"input_image", pj.InputImage, &out.InputImage, &out.HasInputImage},
		{"output_image", pj.OutputImage, &out.OutputImage, &out.HasOutputImage},
		{"input_audio", pj.InputAudio, &out.InputAudio, &out.HasInputAudio},
		{"output_audio", pj.OutputAudio, &out.OutputAudio, &out.HasOutputAudio},
	}); err != nil {
		return Price{}, fmt.Errorf("price %s: %w", name, err)
	}
	for i, ij := range pj.Images {
		if ij.Size == "" || ij.PerImage < 0 {
			return Price{}, fmt.Errorf("price %s: image %d: give a size (WIDTHxHEIGHT) and a per_image price that is not negative", name, i)
		}
		out.Images = append(out.Images, ImagePrice(ij))
	}
	sortImages(out.Images)
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

// sortImages orders per-image prices by size, then quality, so catalogs
// and their JSON read the same whatever order the source listed them in.
func sortImages(ims []ImagePrice) {
	sort.SliceStable(ims, func(i, j int) bool {
		if ims[i].Size != ims[j].Size {
			return ims[i].Size < ims[j].Size
		}
		return ims[i].Quality < ims[j].Quality
	})
}
