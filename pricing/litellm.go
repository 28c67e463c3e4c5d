package pricing

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/byokhq/byok/money"
)

// litellmProviders maps LiteLLM's litellm_provider values to byok provider
// ids. Providers not listed keep their LiteLLM name (see ProviderID).
var litellmProviders = map[string]string{
	"openai":                        "openai",
	"text-completion-openai":        "openai",
	"anthropic":                     "anthropic",
	"gemini":                        "google",
	"openrouter":                    "openrouter",
	"groq":                          "groq",
	"together_ai":                   "together",
	"fireworks_ai":                  "fireworks",
	"fireworks_ai-embedding-models": "fireworks",
	"deepseek":                      "deepseek",
	"mistral":                       "mistral",
	"xai":                           "xai",
	"cerebras":                      "cerebras",
	"perplexity":                    "perplexity",
	"nvidia_nim":                    "nvidia",
	"sambanova":                     "sambanova",
	"novita":                        "novita",
	"hyperbolic":                    "hyperbolic",
	"azure":                         "azure",
	"azure_text":                    "azure",
	"bedrock":                       "bedrock",
	"bedrock_converse":              "bedrock",
	"vercel_ai_gateway":             "vercel",
	"ollama":                        "ollama",
	"lm_studio":                     "lmstudio",
	"black_forest_labs":             "bfl",
}

// ProviderID returns the byok provider id for a LiteLLM litellm_provider
// value: the mapped id for providers byok knows ("gemini" → "google",
// "together_ai" → "together", "bedrock_converse" → "bedrock"…), and the
// LiteLLM name itself otherwise, with the Vertex AI families
// ("vertex_ai-language-models"…) folded into "vertex_ai".
func ProviderID(litellmProvider string) string {
	if id, ok := litellmProviders[litellmProvider]; ok {
		return id
	}
	if strings.HasPrefix(litellmProvider, "vertex_ai") {
		return "vertex_ai"
	}
	return litellmProvider
}

// keptModes are the LiteLLM modes whose prices byok uses. Realtime, video,
// rerank, search, OCR and moderation models are billed in units byok does
// not meter.
var keptModes = map[string]bool{
	"chat": true, "responses": true, "completion": true, "embedding": true,
	"image_generation": true, "image_edit": true,
	"audio_transcription": true, "audio_speech": true,
}

// variantReason is the skip reason of an image size or quality entry
// ("hd/1024-x-1792/dall-e-3"); ParseLiteLLM folds those into their model's
// Images instead of listing them as skipped.
const variantReason = "image size or quality variant"

// Skipped is one entry of an import that did not become a price, and why.
type Skipped struct {
	Key    string
	Reason string
}

// LiteLLMImport is what ParseLiteLLM read: the prices, in file order, and
// the entries it left out with the reason for each.
type LiteLLMImport struct {
	Prices  []Price
	Skipped []Skipped
}

// ParseLiteLLM reads a LiteLLM-format price file. Per-token prices (USD per
// token) become micro-dollars per million by shifting the decimal point of
// the number's own text, never through a float; a price finer than a
// micro-dollar per million (1e-12 USD a token) is rounded half up to it.
//
// It keeps chat, responses, completion, embedding and image models; it skips
// "sample_spec", other modes, size-bucket entries and image size variants,
// and entries with no price, listing each in Skipped. When two keys name the
// same provider and model ("deepseek-chat" and "deepseek/deepseek-chat"),
// the provider-prefixed key wins, as in LiteLLM's own look-up order.
//
// A value that is not a valid price (negative, not a number, NaN) is an
// error that names the model key and the field.
func ParseLiteLLM(r io.Reader) (LiteLLMImport, error) {
	var imp LiteLLMImport
	data, err := io.ReadAll(r)
	if err != nil {
		return imp, fmt.Errorf("read LiteLLM price file: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(quoteNonFinite(data)))
	tok, err := dec.Token()
	if err != nil {
		return imp, fmt.Errorf("read LiteLLM price file: %w (is it JSON?)", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return imp, errors.New("read LiteLLM price file: the file must be one JSON object keyed by model name")
	}
	type kept struct {
		rank int
		key  string
	}
	seen := map[string]kept{}
	index := map[string]int{}
	type variant struct {
		key string
		ImagePrice
	}
	variants := map[string][]variant{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return imp, fmt.Errorf("read LiteLLM price file: %w", err)
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return imp, fmt.Errorf("read LiteLLM price file: model %q: %w", key, err)
		}
		p, rank, reason, err := convertLiteLLM(key, raw)
		if err != nil {
			return imp, err
		}
		if reason == variantReason && len(p.Images) == 1 {
			id := p.Provider + "/" + strings.ToLower(p.Model)
			variants[id] = append(variants[id], variant{key: key, ImagePrice: p.Images[0]})
			continue
		}
		if reason != "" {
			imp.Skipped = append(imp.Skipped, Skipped{Key: key, Reason: reason})
			continue
		}
		id := p.Provider + "/" + strings.ToLower(p.Model)
		if prev, dup := seen[id]; dup {
			if rank >= prev.rank {
				imp.Skipped = append(imp.Skipped, Skipped{Key: key, Reason: "same model as " + strconv.Quote(prev.key)})
				continue
			}
			imp.Skipped = append(imp.Skipped, Skipped{Key: prev.key, Reason: "same model as " + strconv.Quote(key)})
			imp.Prices[index[id]] = p
			seen[id] = kept{rank, key}
			continue
		}
		seen[id] = kept{rank, key}
		index[id] = len(imp.Prices)
		imp.Prices = append(imp.Prices, p)
	}
	if _, err := dec.Token(); err != nil {
		return imp, fmt.Errorf("read LiteLLM price file: %w", err)
	}
	ids := slices.Sorted(maps.Keys(variants))
	for _, id := range ids {
		i, ok := index[id]
		if !ok {
			for _, v := range variants[id] {
				imp.Skipped = append(imp.Skipped, Skipped{Key: v.key, Reason: "image size or quality of a model the file does not price"})
			}
			continue
		}
		p := &imp.Prices[i]
		for _, v := range variants[id] {
			dup := false
			for _, have := range p.Images {
				dup = dup || (have.Size == v.Size && have.Quality == v.Quality)
			}
			if dup {
				imp.Skipped = append(imp.Skipped, Skipped{Key: v.key, Reason: "same image size and quality listed before"})
				continue
			}
			p.Images = append(p.Images, v.ImagePrice)
		}
		sortImages(p.Images)
	}
	return imp, nil
}

// quoteNonFinite turns the bare NaN, Infinity and -Infinity that Python's
// json module writes into strings, so the decoder reaches the field and the
// error can name it instead of failing on a byte offset.
func quoteNonFinite(b []byte) []byte {
	if !bytes.Contains(b, []byte("NaN")) && !bytes.Contains(b, []byte("Infinity")) {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	inStr, esc := false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inStr {
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
			out = append(out, c)
			continue
		}
		if c == '"' {
			inStr = true
			out = append(out, c)
			continue
		}
		quoted := false
		for _, w := range []string{"NaN", "-Infinity", "Infinity"} {
			if bytes.HasPrefix(b[i:], []byte(w)) {
				out = append(out, '"')
				out = append(out, w...)
				out = append(out, '"')
				i += len(w) - 1
				quoted = true
				break
			}
		}
		if !quoted {
			out = append(out, c)
		}
	}
	return out
}

// rateField is one per-token price of a row.
type rateField int

const (
	fInput rateField = iota
	fOutput
	fCacheRead
	fCacheWrite5m
	fCacheWrite1h
	fReasoning
	nFields
)

// rateKey matches LiteLLM's per-token price keys with their long-context
// threshold and service-tier suffixes, e.g.
// "cache_read_input_token_cost_above_272k_tokens_priority".
var rateKey = regexp.MustCompile(`^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|cache_creation_input_token_cost_above_1hr|cache_creation_input_token_cost|output_cost_per_reasoning_token)(?:_above_(\d+)k_tokens)?(?:_(priority|flex|batches))?$`)

var rateNames = map[string]rateField{
	"input_cost_per_token":                      fInput,
	"output_cost_per_token":                     fOutput,
	"cache_read_input_token_cost":               fCacheRead,
	"cache_creation_input_token_cost":           fCacheWrite5m,
	"cache_creation_input_token_cost_above_1hr": fCacheWrite1h,
	"output_cost_per_reasoning_token":           fReasoning,
}

// row collects the prices of one (threshold, service tier) row.
type row struct {
	v   [nFields]money.PerMillion
	has [nFields]bool
}

type rowID struct {
	above   int64
	service string
}

// over returns base with every price this row lists put over it.
func (r row) over(base Rates) Rates {
	out := base
	if r.has[fInput] {
		out.Input = r.v[fInput]
	}
	if r.has[fOutput] {
		out.Output = r.v[fOutput]
	}
	if r.has[fCacheRead] {
		out.CacheRead, out.HasCacheRead = r.v[fCacheRead], true
	}
	if r.has[fCacheWrite5m] {
		out.CacheWrite5m, out.HasCacheWrite5m = r.v[fCacheWrite5m], true
	}
	if r.has[fCacheWrite1h] {
		out.CacheWrite1h, out.HasCacheWrite1h = r.v[fCacheWrite1h], true
	}
	if r.has[fReasoning] {
		out.Reasoning, out.HasReasoning = r.v[fReasoning], true
	}
	return out
}

var (
	awsRegion    = regexp.MustCompile(`^[a-z]{2}(?:-gov)?-[a-z]+-\d+$`)
	imageVariant = regexp.MustCompile(`^(?:\d+|max)-x-(?:\d+|max)$`)
)

// entry reads the fields of one LiteLLM model object and reports bad values
// with the model key and field name.
type entry struct {
	key string
	m   map[string]any
}

func (e entry) fail(field, format string, a ...any) error {
	return fmt.Errorf("LiteLLM model %q, field %q: %s", e.key, field, fmt.Sprintf(format, a...))
}

func (e entry) str(field string) string {
	s, _ := e.m[field].(string)
	return s
}

// number reads field scaled by 10^scale; present is false when the field is
// absent or null.
func (e entry) number(field string, v any, scale int) (n int64, present bool, err error) {
	if v == nil {
		return 0, false, nil
	}
	num, ok := v.(json.Number)
	if !ok {
		if s, isStr := v.(string); isStr && (s == "NaN" || strings.HasSuffix(s, "Infinity")) {
			return 0, false, e.fail(field, "%s is not a price; use a plain decimal number", s)
		}
		return 0, false, e.fail(field, "want a number, found %s", describe(v))
	}
	n, _, err = money.ScaleDecimal(string(num), scale)
	if err != nil {
		return 0, false, e.fail(field, "%q: %v", string(num), err)
	}
	if n < 0 {
		return 0, false, e.fail(field, "%s: a price cannot be negative", string(num))
	}
	// Prices per token (scale 12, read as per million) and per unit (scale
	// 9, nano-dollars) are bounded like every other price and amount, so
	// costs computed from them cannot overflow a sum.
	switch {
	case scale == 12 && n > int64(money.MaxPrice):
		return 0, false, e.fail(field, "%s: more than %s per million tokens; check the file", string(num), money.MaxPrice.Dollars())
	case scale == 9 && n > int64(money.MaxAmount):
		return 0, false, e.fail(field, "%s: more than %s per unit; check the file", string(num), money.MaxAmount)
	}
	return n, true, nil
}

func describe(v any) string {
	switch v.(type) {
	case string:
		return fmt.Sprintf("the string %q", v)
	case bool:
		return "a boolean"
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// convertLiteLLM turns one entry into a price. It returns a skip reason for
// entries byok does not keep, and rank (lower wins) to settle duplicates.
func convertLiteLLM(key string, raw json.RawMessage) (p Price, rank int, reason string, err error) {
	if key == "sample_spec" {
		return p, 0, "schema description, not a model", nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil || m == nil {
		return p, 0, "", fmt.Errorf("LiteLLM model %q: the value must be a JSON object", key)
	}
	e := entry{key: key, m: m}
	lp := e.str("litellm_provider")
	if lp == "" {
		return p, 0, "no litellm_provider", nil
	}
	mode := e.str("mode")
	if mode == "" {
		mode = "chat"
	}
	if !keptModes[mode] {
		return p, 0, "mode " + mode + " is not billed per token", nil
	}
	p.Provider = ProviderID(lp)
	p.Mode = mode
	p.Origin = "litellm:" + key
	p.Source = "import"
	model, rank := modelID(key, lp, p.Provider)
	if model == "" {
		return p, 0, "empty model name", nil
	}
	if strings.HasPrefix(model, "fireworks-ai-") || strings.HasPrefix(model, "together-ai-") {
		return p, 0, "size-bucket price, not a model", nil
	}
	if strings.HasPrefix(mode, "image_") {
		segs := strings.Split(model, "/")
		var size, quality string
		variantOf := false
		for _, s := range segs[:len(segs)-1] {
			switch {
			case imageVariant.MatchString(s):
				variantOf, size = true, strings.Replace(s, "-x-", "x", 1)
			case s == "low", s == "medium", s == "high", s == "standard", s == "hd":
				variantOf, quality = true, s
			}
		}
		if variantOf {
			if each, ok, err := e.variantPrice(size); err != nil {
				return p, 0, "", err
			} else if ok && size != "" {
				p.Model = segs[len(segs)-1]
				p.Images = []ImagePrice{{Size: size, Quality: quality, PerImage: each}}
			}
			return p, 0, variantReason, nil
		}
	}
	p.Model = model

	rows := map[rowID]*row{}
	keys := slices.Sorted(maps.Keys(m))
	for _, k := range keys {
		sub := rateKey.FindStringSubmatch(k)
		if sub == nil {
			continue
		}
		n, present, err := e.number(k, m[k], 12)
		if err != nil {
			return p, 0, "", err
		}
		if !present {
			continue
		}
		id := rowID{service: sub[3]}
		if sub[2] != "" {
			th, _ := strconv.ParseInt(sub[2], 10, 64)
			id.above = th * 1000
		}
		if id.service == "batches" {
			id.service = "batch"
		}
		rw := rows[id]
		if rw == nil {
			rw = &row{}
			rows[id] = rw
		}
		f := rateNames[sub[1]]
		rw.v[f], rw.has[f] = money.PerMillion(n), true
	}
	if n, present, err := e.number("input_cost_per_token_cache_hit", m["input_cost_per_token_cache_hit"], 12); err != nil {
		return p, 0, "", err
	} else if present {
		base := rows[rowID{}]
		if base == nil {
			base = &row{}
			rows[rowID{}] = base
		}
		if !base.has[fCacheRead] {
			base.v[fCacheRead], base.has[fCacheRead] = money.PerMillion(n), true
		}
	}
	if tp, ok := m["tiered_pricing"]; ok && tp != nil {
		if err := e.tieredPricing(tp, rows); err != nil {
			return p, 0, "", err
		}
	}

	base := rows[rowID{}]
	if base == nil {
		base = &row{}
	}
	p.Rates = base.over(Rates{})
	for id, rw := range rows {
		switch {
		case id.above == 0 && id.service != "":
			if p.ServiceTiers == nil {
				p.ServiceTiers = map[string]Rates{}
			}
			p.ServiceTiers[id.service] = rw.over(p.Rates)
		case id.above > 0 && id.service == "":
			p.Tiers = append(p.Tiers, Tier{Above: id.above, Rates: rw.over(p.Rates)})
		}
	}
	// A long-context row of a service tier inherits from that service tier,
	// which inherits from the base row.
	for id, rw := range rows {
		if id.above > 0 && id.service != "" {
			under := p.Rates
			if st, ok := p.ServiceTiers[id.service]; ok {
				under = st
			}
			p.Tiers = append(p.Tiers, Tier{Above: id.above, Service: id.service, Rates: rw.over(under)})
		}
	}
	sortTiers(p.Tiers)

	if err := e.units(&p); err != nil {
		return p, 0, "", err
	}
	priced := base.has[fInput] || base.has[fOutput] || p.PerRequest > 0 || p.PerImage > 0 || p.PerSecond > 0 ||
		p.PerCharacter > 0 || p.HasInputImage || p.HasOutputImage || p.HasInputAudio || p.HasOutputAudio
	if !priced {
		return p, 0, "no per-token or per-unit price", nil
	}
	return p, rank, "", nil
}

// variantPrice reads the per-image price of an image size or quality
// entry: its per-image price, or its per-pixel price times the pixels of
// size. LiteLLM derives those per-pixel prices from OpenAI's per-image
// ones (DALL·E 3 hd 1024x1792 is $0.12 / 1,835,008 pixels, written as
// 6.539e-08) and rounds them, so the product is rounded back to a tenth of
// a cent, the unit every per-image price of those models is given in
// ($0.016, $0.018, $0.02 for DALL·E 2; $0.04 to $0.12 for DALL·E 3).
func (e entry) variantPrice(size string) (money.USD, bool, error) {
	for _, name := range []string{"output_cost_per_image", "input_cost_per_image"} {
		n, present, err := e.number(name, e.m[name], 9)
		if err != nil || present {
			return money.USD(n), present, err
		}
	}
	w, h, ok := strings.Cut(size, "x")
	wi, err1 := strconv.ParseInt(w, 10, 64)
	hi, err2 := strconv.ParseInt(h, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return 0, false, nil
	}
	pico, present, err := e.number("input_cost_per_pixel", e.m["input_cost_per_pixel"], 12)
	if err != nil || !present || pico == 0 {
		return 0, false, err
	}
	const tenthCent = int64(1_000_000_000) // $0.001 in pico-dollars
	total := pico * wi * hi
	rounded := (total + tenthCent/2) / tenthCent * tenthCent
	return money.USD(rounded / 1000), true, nil
}

// units reads per-unit prices and context limits.
func (e entry) units(p *Price) error {
	perImage := []string{"output_cost_per_image"}
	if strings.HasPrefix(p.Mode, "image_") {
		// LiteLLM lists DALL·E's price per generated image as its input
		// cost; for chat models input_cost_per_image prices an image sent
		// in the prompt, which byok does not meter.
		perImage = append(perImage, "input_cost_per_image")
	}
	var perChar []string
	if p.Mode == "audio_speech" {
		perChar = []string{"input_cost_per_character"}
	}
	for _, f := range []struct {
		fields []string
		dst    *money.USD
	}{
		{[]string{"input_cost_per_request"}, &p.PerRequest},
		{perImage, &p.PerImage},
		{[]string{"output_cost_per_second", "input_cost_per_second"}, &p.PerSecond},
		{perChar, &p.PerCharacter},
	} {
		if err := readFirst(e, f.dst, 9, f.fields); err != nil {
			return err
		}
	}
	for _, m := range []struct {
		field string
		dst   *money.PerMillion
		has   *bool
	}{
		{"input_cost_per_image_token", &p.InputImage, &p.HasInputImage},
		{"output_cost_per_image_token", &p.OutputImage, &p.HasOutputImage},
		{"input_cost_per_audio_token", &p.InputAudio, &p.HasInputAudio},
		{"output_cost_per_audio_token", &p.OutputAudio, &p.HasOutputAudio},
	} {
		n, present, err := e.number(m.field, e.m[m.field], 12)
		if err != nil {
			return err
		}
		if present {
			*m.dst, *m.has = money.PerMillion(n), true
		}
	}
	if sc, ok := e.m["search_context_cost_per_query"]; ok && sc != nil {
		obj, isObj := sc.(map[string]any)
		if !isObj {
			return e.fail("search_context_cost_per_query", "want an object of search_context_size_low/medium/high, found %s", describe(sc))
		}
		// The medium context size is the providers' default for a web search.
		for _, size := range []string{"search_context_size_medium", "search_context_size_low", "search_context_size_high"} {
			n, present, err := e.number("search_context_cost_per_query."+size, obj[size], 9)
			if err != nil {
				return err
			}
			if present {
				p.PerWebSearch = money.USD(n)
				break
			}
		}
	}
	for _, f := range []struct {
		fields []string
		dst    *int64
	}{
		{[]string{"max_input_tokens", "max_tokens"}, &p.MaxInput},
		{[]string{"max_output_tokens", "max_tokens"}, &p.MaxOutput},
	} {
		if err := readFirst(e, f.dst, 0, f.fields); err != nil {
			return err
		}
	}
	return nil
}

// readFirst sets *dst to the first of fields present in e, read at scale
// (see number); it leaves *dst alone when none is.
func readFirst[T ~int64](e entry, dst *T, scale int, fields []string) error {
	for _, name := range fields {
		n, present, err := e.number(name, e.m[name], scale)
		if err != nil {
			return err
		}
		if present {
			*dst = T(n)
			return nil
		}
	}
	return nil
}

// tieredPricing reads LiteLLM's "tiered_pricing" list: ranges of prompt
// sizes, each with its own rates for the whole request. The range starting
// at 0 fills the base row when the entry has none; the others become
// long-context rows above their lower bound.
func (e entry) tieredPricing(v any, rows map[rowID]*row) error {
	list, ok := v.([]any)
	if !ok {
		return e.fail("tiered_pricing", "want a list, found %s", describe(v))
	}
	for i, item := range list {
		obj, ok := item.(map[string]any)
		if !ok {
			return e.fail("tiered_pricing", "item %d: want an object, found %s", i, describe(item))
		}
		rng, ok := obj["range"].([]any)
		if !ok || len(rng) != 2 {
			return e.fail("tiered_pricing", "item %d: want a range of two numbers", i)
		}
		lo, _, err := e.number(fmt.Sprintf("tiered_pricing[%d].range", i), rng[0], 0)
		if err != nil {
			return err
		}
		id := rowID{above: lo}
		if rows[id] != nil {
			continue
		}
		rw := &row{}
		for name, f := range rateNames {
			n, present, err := e.number(fmt.Sprintf("tiered_pricing[%d].%s", i, name), obj[name], 12)
			if err != nil {
				return err
			}
			if present {
				rw.v[f], rw.has[f] = money.PerMillion(n), true
			}
		}
		rows[id] = rw
	}
	return nil
}

// modelID derives the model id a byok provider uses from a LiteLLM key by
// dropping the LiteLLM provider prefix ("gemini/gemini-2.5-pro" →
// "gemini-2.5-pro", "openrouter/anthropic/claude-sonnet-4.5" →
// "anthropic/claude-sonnet-4.5"). rank orders duplicates: a prefixed key (0)
// beats a bare one (1), which beats an AWS-region-specific one (2).
func modelID(key, litellmProvider, provider string) (string, int) {
	prefixes := []string{litellmProvider, provider}
	for lp, id := range litellmProviders {
		if id == provider {
			prefixes = append(prefixes, lp)
		}
	}
	// Longest first, so "fireworks_ai-embedding-models" is not cut as "fireworks_ai".
	sort.Slice(prefixes, func(i, j int) bool { return len(prefixes[i]) > len(prefixes[j]) })
	for _, pre := range prefixes {
		rest, ok := strings.CutPrefix(key, pre+"/")
		if !ok {
			continue
		}
		if provider == "bedrock" {
			if region, model, found := strings.Cut(rest, "/"); found && awsRegion.MatchString(region) {
				return model, 2
			}
		}
		return rest, 0
	}
	return key, 1
}
