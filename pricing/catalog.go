package pricing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
)

//go:generate go run ./internal/gen -litellm internal/gen/testdata/litellm_model_prices.json -catwalk internal/gen/testdata/catwalk -date 2026-07-24 -out catalog_gen.go

// embedded builds a catalog from the generated prices (catalog_gen.go). The
// prices are Go values already, so this costs only the look-up indexes; it
// works on a copy so that no catalog shares storage with another.
func embedded() *Catalog {
	return newCatalog(catalogInfo, slices.Clone(catalogPrices), true)
}

var defaultCatalog = sync.OnceValue(embedded)

// Default returns the catalog embedded in the binary, parsed once. It is
// shared: never modify the prices it returns.
func Default() *Catalog { return defaultCatalog() }

// CatalogInfo describes a catalog: the day its prices were taken, the day
// it was generated, where the prices come from, and the local providers
// whose every model costs nothing.
type CatalogInfo struct {
	Date      string   `json:"date"`
	Generated string   `json:"generated,omitempty"`
	Source    string   `json:"source"`
	Local     []string `json:"local,omitempty"`
}

// Catalog is a set of prices with look-up by provider and model. A Catalog
// is never changed after it is built, so it is safe for concurrent use;
// WithOverrides and WithLocal return new catalogs.
type Catalog struct {
	info  CatalogInfo
	local map[string]bool
	// selfHosted marks providers that run on the user's own machine or
	// network (WithSelfHosted): with no prices of their own, their unpriced
	// requests count nothing rather than another provider's price.
	selfHosted map[string]bool
	prices     []Price
	byProv     map[string]*provIndex
	// fallback holds, per provider, the index of its highest-priced model;
	// top is the highest-priced model of the whole catalog (-1 when empty).
	fallback map[string]int
	top      int
	// override marks the prices that came from WithOverrides.
	override []bool
}

// provIndex finds a provider's prices by ever looser forms of a model name.
// The loose maps are built on first use, so loading a catalog stays cheap.
type provIndex struct {
	all   []int          // indexes into Catalog.prices, sorted by model
	exact map[string]int // lower-case model id

	once  sync.Once
	canon map[string]int // separators dropped: "claude-sonnet-4.5" = "claude-sonnet-4-5"
	loose map[string]int // canon after dropping dates, versions and region prefixes
	tail  map[string]int // loose form of the part after the last "/"
}

// fuzzy builds the loose maps once. Insertion order decides who wins a
// loose match: overrides first, then shorter names (undated aliases before
// dated snapshots).
func (ix *provIndex) fuzzy(c *Catalog) {
	ix.once.Do(func() {
		prices := c.prices
		order := append([]int(nil), ix.all...)
		sort.SliceStable(order, func(a, b int) bool {
			ia, ib := order[a], order[b]
			if c.override[ia] != c.override[ib] {
				return c.override[ia]
			}
			if len(prices[ia].Model) != len(prices[ib].Model) {
				return len(prices[ia].Model) < len(prices[ib].Model)
			}
			return prices[ia].Model < prices[ib].Model
		})
		ix.canon = make(map[string]int, len(order))
		ix.loose = make(map[string]int, len(order))
		ix.tail = map[string]int{}
		for _, i := range order {
			lower := strings.ToLower(prices[i].Model)
			putFirst(ix.canon, canon(lower), i)
			putFirst(ix.loose, loose(lower), i)
			if k := strings.LastIndexByte(lower, '/'); k >= 0 {
				putFirst(ix.tail, loose(lower[k+1:]), i)
			}
		}
	})
}

// NewCatalog builds a catalog from prices. Prices without a Source, Date or
// Ref get "catalog", info.Date and "catalog:<date>:<provider>/<model>".
// Provider aliases are folded to byok ids ("gemini" → "google"); when two
// prices name the same provider and model, the first wins.
func NewCatalog(info CatalogInfo, prices []Price) *Catalog {
	return newCatalog(info, prices, false)
}

// newCatalog is NewCatalog; owned says that nobody else holds prices, so
// the catalog may keep the slice and change it in place.
func newCatalog(info CatalogInfo, prices []Price, owned bool) *Catalog {
	c := &Catalog{info: info, local: map[string]bool{}}
	for _, l := range info.Local {
		c.local[normProvider(l)] = true
	}
	c.build(nil, prices, owned)
	return c
}

// ReadCatalog reads a catalog in byok's own JSON format, as WriteJSON
// writes it (`byok pricing import --format byok` takes such a file).
func ReadCatalog(r io.Reader) (*Catalog, error) {
	var f catalogFile
	dec := json.NewDecoder(r)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("read price catalog: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("read price catalog: unexpected data after the catalog")
	}
	if f.Date == "" {
		return nil, fmt.Errorf("read price catalog: no date; a catalog must say when its prices were taken")
	}
	prices := make([]Price, len(f.Models))
	for i := range f.Models {
		pj := &f.Models[i]
		if pj.Provider == "" || pj.Model == "" {
			return nil, fmt.Errorf("read price catalog: model %d has no provider or model name", i)
		}
		p, err := pj.toPrice()
		if err != nil {
			return nil, fmt.Errorf("read price catalog: %w", err)
		}
		p.Source, p.Ref = "", ""
		prices[i] = p
	}
	return newCatalog(f.CatalogInfo, prices, true), nil
}

// catalogFile is the JSON form of a catalog: its description and its
// prices, one object per model.
type catalogFile struct {
	CatalogInfo
	Models []priceJSON `json:"models"`
}

// WriteJSON writes the catalog's own prices (not overrides) in byok's
// catalog format, one model per line so that changes read well in a diff.
// A price dated otherwise than the catalog keeps its date.
func (c *Catalog) WriteJSON(w io.Writer) error {
	head, err := json.Marshal(c.info)
	if err != nil {
		return fmt.Errorf("write price catalog: %w", err)
	}
	var b bytes.Buffer
	b.Write(head[:len(head)-1])
	b.WriteString(",\n\"models\":[\n")
	first := true
	for _, p := range c.prices {
		if p.Source != "catalog" {
			continue
		}
		// A price keeps its own date only where it differs from the
		// catalog's: an updated catalog carries over the unchanged prices
		// with the day they were first taken.
		if p.Date == c.info.Date {
			p.Date = ""
		}
		p.Source, p.Ref = "", ""
		line, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("write price catalog: %s: %w", p.Name(), err)
		}
		if !first {
			b.WriteString(",\n")
		}
		first = false
		b.Write(line)
	}
	b.WriteString("\n]}\n")
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write price catalog: %w", err)
	}
	return nil
}

// Date returns the day the catalog's prices were taken (YYYY-MM-DD).
func (c *Catalog) Date() string { return c.info.Date }

// Source says where the catalog's prices come from.
func (c *Catalog) Source() string { return c.info.Source }

// Info returns the catalog's description.
func (c *Catalog) Info() CatalogInfo { return c.info }

// Len returns the number of priced models (local providers not counted).
func (c *Catalog) Len() int { return len(c.prices) }

// WithOverrides returns a catalog where ps win over the prices of the same
// provider and model, and add the models the catalog lacks. Overrides
// without a Source or Ref get "override" and "override:<date>:<provider>/<model>".
func (c *Catalog) WithOverrides(ps []Price) *Catalog {
	n := &Catalog{info: c.info, local: c.local, selfHosted: c.selfHosted}
	over := make([]Price, len(ps))
	for i, p := range ps {
		if p.Source == "" {
			p.Source = "override"
		}
		over[i] = p
	}
	n.build(over, c.prices, false)
	return n
}

// WithLocal returns a catalog where every model of the given providers
// costs nothing (local servers such as Ollama and LM Studio).
func (c *Catalog) WithLocal(providers ...string) *Catalog {
	n := *c
	n.local = withProviders(c.local, providers)
	n.info.Local = slices.Sorted(maps.Keys(n.local))
	return &n
}

// WithSelfHosted returns a catalog that knows the given providers are
// servers of the user's own (a custom provider on a loopback address or
// without a key, such as vLLM): while such a provider has no prices, its
// unpriced requests fall back to $0 (FallbackNone) instead of the dearest
// price of some other provider. Once it has a price, its own dearest price
// is the fallback as for any provider.
func (c *Catalog) WithSelfHosted(providers ...string) *Catalog {
	n := *c
	n.selfHosted = withProviders(c.selfHosted, providers)
	return &n
}

// withProviders returns a new set holding set's providers and the given
// ones, normalized; set itself is shared by older catalogs and never
// changed.
func withProviders(set map[string]bool, providers []string) map[string]bool {
	out := make(map[string]bool, len(set)+len(providers))
	for p := range set {
		out[p] = true
	}
	for _, p := range providers {
		out[normProvider(p)] = true
	}
	return out
}

// Local reports whether every model of provider costs nothing.
func (c *Catalog) Local(provider string) bool { return c.local[normProvider(provider)] }

// build fills the catalog from overrides (which win) and base prices.
// With owned set (and no overrides) base is the caller's scratch slice and
// is reused in place: prices are only ever written at or before the index
// being read.
func (c *Catalog) build(over, base []Price, owned bool) {
	type key struct{ provider, lower string }
	n := len(over) + len(base)
	seen := make(map[key]bool, n)
	var all []Price
	if owned && len(over) == 0 {
		all = base[:0]
	} else {
		all = make([]Price, 0, n)
	}
	lowers := make([]string, 0, n)
	isOver := make([]bool, 0, n)
	for r, list := range [][]Price{over, base} {
		for i := range list {
			all = append(all, list[i])
			p := &all[len(all)-1]
			p.Provider = normProvider(p.Provider)
			p.Model = strings.TrimSpace(p.Model)
			lower := strings.ToLower(p.Model)
			id := key{p.Provider, lower}
			if p.Provider == "" || p.Model == "" || seen[id] {
				all = all[:len(all)-1]
				continue
			}
			seen[id] = true
			if p.Source == "" {
				p.Source = "catalog"
			}
			if p.Date == "" && p.Source == "catalog" {
				p.Date = c.info.Date
			}
			if p.Ref == "" {
				p.Ref = p.Source + ":" + p.Date + ":" + p.Name()
			}
			lowers = append(lowers, lower)
			isOver = append(isOver, r == 0)
		}
	}
	byName := func(i, j int) bool {
		if all[i].Provider != all[j].Provider {
			return all[i].Provider < all[j].Provider
		}
		return all[i].Model < all[j].Model
	}
	// The embedded catalog is written sorted; only overrides need a sort.
	if !sort.SliceIsSorted(all, byName) {
		perm := make([]int, len(all))
		for i := range perm {
			perm[i] = i
		}
		sort.SliceStable(perm, func(a, b int) bool { return byName(perm[a], perm[b]) })
		all2, lowers2, over2 := make([]Price, len(all)), make([]string, len(all)), make([]bool, len(all))
		for i, j := range perm {
			all2[i], lowers2[i], over2[i] = all[j], lowers[j], isOver[j]
		}
		all, lowers, isOver = all2, lowers2, over2
	}
	c.prices = all
	c.override = isOver
	c.byProv = map[string]*provIndex{}
	c.fallback = map[string]int{}
	c.top = -1

	for i := range all {
		prov := all[i].Provider
		ix := c.byProv[prov]
		if ix == nil {
			ix = &provIndex{exact: map[string]int{}}
			c.byProv[prov] = ix
		}
		ix.all = append(ix.all, i)
		ix.exact[lowers[i]] = i
	}

	// Fallback prices: the dearest text model (input + output per million)
	// of each provider and of the whole catalog.
	dearer := func(a, b int) bool {
		sa := all[a].Input + all[a].Output
		sb := all[b].Input + all[b].Output
		if sa != sb {
			return sa > sb
		}
		if all[a].Provider != all[b].Provider {
			return all[a].Provider < all[b].Provider
		}
		return all[a].Model < all[b].Model
	}
	for i, p := range all {
		if !textMode(p.Mode) {
			continue
		}
		if j, ok := c.fallback[p.Provider]; !ok || dearer(i, j) {
			c.fallback[p.Provider] = i
		}
		if c.top < 0 || dearer(i, c.top) {
			c.top = i
		}
	}
}

func textMode(mode string) bool {
	return mode == "" || mode == "chat" || mode == "responses" || mode == "completion"
}

func putFirst(m map[string]int, k string, i int) {
	if k == "" {
		return
	}
	if _, ok := m[k]; !ok {
		m[k] = i
	}
}

// providerAliases folds other names of a provider to its byok id.
var providerAliases = map[string]string{
	"gemini":    "google",
	"lm-studio": "lmstudio",
	"lm_studio": "lmstudio",
	"vercel-ai": "vercel",
}

// normProvider returns the byok id for a provider name or alias.
func normProvider(p string) string {
	p = strings.ToLower(strings.TrimSpace(p))
	if id, ok := providerAliases[p]; ok {
		return id
	}
	return ProviderID(p)
}

// arnPrefix is the part of a Bedrock model or inference-profile ARN before
// the model id.
var arnPrefix = regexp.MustCompile(`^arn:aws[a-z-]*:bedrock:[^/]*:(?:foundation-model|inference-profile|application-inference-profile)/`)

// regionPrefixes are Bedrock's cross-region inference prefixes.
var regionPrefixes = []string{"us.", "eu.", "apac.", "global.", "us-gov.", "jp.", "au.", "ca."}

// trimRegion drops a Bedrock cross-region prefix ("us.", "eu."…).
func trimRegion(s string) string {
	for _, r := range regionPrefixes {
		if len(s) > len(r) && strings.EqualFold(s[:len(r)], r) {
			return s[len(r):]
		}
	}
	return s
}

// trimDigits returns s without its trailing digits and how many it dropped.
func trimDigits(s string) (string, int) {
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	return s[:i], len(s) - i
}

// trimVersion drops a Bedrock version suffix: "-v1", "-v2:0".
func trimVersion(s string) string {
	t, n := trimDigits(s)
	if n > 0 && strings.HasSuffix(t, ":") {
		if t2, n2 := trimDigits(t[:len(t)-1]); n2 > 0 {
			t, n = t2, n2
		}
	}
	if n > 0 && strings.HasSuffix(t, "-v") {
		return t[:len(t)-2]
	}
	return s
}

// trimDate drops a date suffix: "-20250929", "@20251001", "-2024-08-06".
func trimDate(s string) string {
	t, n := trimDigits(s)
	if n == 8 && (strings.HasSuffix(t, "-") || strings.HasSuffix(t, "@")) {
		return t[:len(t)-1]
	}
	if n == 2 && len(s) >= 11 {
		d := s[len(s)-11:]
		if d[0] == '-' && d[5] == '-' && d[8] == '-' && allDigits(d[1:5]) && allDigits(d[6:8]) && allDigits(d[9:]) {
			return s[:len(s)-11]
		}
	}
	return s
}

// allDigits reports whether s is made of ASCII digits only.
func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// canon drops case and the separators people and providers swap freely:
// "claude-sonnet-4.5", "Claude_Sonnet_4-5" and "claude-sonnet-4-5" are one
// name; so are "gpt-35-turbo" and "gpt-3.5-turbo".
func canon(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-' || c == '.' || c == '_' || c == ':' || c == ' ':
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// loose is canon after dropping what names a snapshot rather than a model:
// a Bedrock cross-region prefix ("us."), a version suffix ("-v1:0") and a
// date suffix ("-20250929", "-2024-08-06", "@20251001").
func loose(s string) string {
	return canon(trimDate(trimVersion(trimRegion(s))))
}

// variants returns the spellings of model worth trying under provider:
// the name as given, without a "provider/" prefix, without a Bedrock ARN or
// region prefix, and a fine-tune's base model.
func variants(provider, model string) []string {
	m := strings.TrimSpace(model)
	out := []string{m}
	add := func(s string) {
		if s == "" {
			return
		}
		for _, o := range out {
			if o == s {
				return
			}
		}
		out = append(out, s)
	}
	// A "provider/" prefix naming this same provider (or one of its
	// aliases) is dropped; other prefixes are part of router slugs.
	for {
		pre, rest, ok := strings.Cut(m, "/")
		if !ok || (normProvider(pre) != provider && pre != "models") {
			break
		}
		m = rest
		add(m)
	}
	if strings.HasPrefix(m, "arn:") {
		if s := arnPrefix.ReplaceAllString(m, ""); s != m {
			m = s
			add(m)
		}
	}
	if s := trimRegion(m); s != m {
		add(s)
	}
	// Fine-tuned OpenAI models are "ft:<base>:<org>:<name>:<id>" and cost
	// what LiteLLM lists for "ft:<base>".
	if strings.HasPrefix(m, "ft:") {
		if parts := strings.SplitN(m, ":", 3); len(parts) == 3 {
			add("ft:" + parts[1])
		}
	}
	return out
}

// Lookup finds the price of model at provider. model may carry a
// "provider/" prefix; provider may be an alias ("gemini") or empty, when
// the prefix or ProviderOf decides. Names are matched exactly first, then
// ignoring case and separators, then ignoring dates, versions and Bedrock
// region prefixes, then (for router slugs such as "anthropic/claude-sonnet-4.5")
// by the part after the last "/". Every model of a local provider is found,
// at price 0.
func (c *Catalog) Lookup(provider, model string) (Price, bool) {
	prov := normProvider(provider)
	if prov == "" {
		pre, rest, ok := strings.Cut(strings.TrimSpace(model), "/")
		switch {
		case ok && c.knownProvider(normProvider(pre)):
			prov, model = normProvider(pre), rest
		default:
			p, found := c.ProviderOf(model)
			if !found {
				return Price{}, false
			}
			prov = p
		}
	}
	if c.local[prov] {
		m := strings.TrimSpace(model)
		if pre, rest, ok := strings.Cut(m, "/"); ok && normProvider(pre) == prov {
			m = rest
		}
		return Price{Provider: prov, Model: m, Mode: "chat", Source: "local", Ref: "local:" + prov}, true
	}
	i, ok := c.find(prov, model, true)
	if !ok {
		return Price{}, false
	}
	return c.prices[i], true
}

func (c *Catalog) knownProvider(p string) bool {
	_, ok := c.byProv[p]
	return ok || c.local[p]
}

// find runs the look-up steps of Lookup within one provider.
func (c *Catalog) find(provider, model string, useTail bool) (int, bool) {
	ix := c.byProv[provider]
	if ix == nil {
		return 0, false
	}
	vs := variants(provider, model)
	for _, v := range vs {
		if i, ok := ix.exact[strings.ToLower(v)]; ok {
			return i, true
		}
	}
	ix.fuzzy(c)
	for _, v := range vs {
		if i, ok := ix.canon[canon(v)]; ok {
			return i, true
		}
	}
	for _, v := range vs {
		if i, ok := ix.loose[loose(v)]; ok {
			return i, true
		}
	}
	if useTail {
		for _, v := range vs {
			t := v
			if k := strings.LastIndex(v, "/"); k >= 0 {
				t = v[k+1:]
			}
			if i, ok := ix.tail[loose(t)]; ok {
				return i, true
			}
		}
	}
	return 0, false
}

// Models returns the prices of provider's models, sorted by model name.
func (c *Catalog) Models(provider string) []Price {
	ix := c.byProv[normProvider(provider)]
	if ix == nil {
		return nil
	}
	out := make([]Price, len(ix.all))
	for k, i := range ix.all {
		out[k] = c.prices[i]
	}
	return out
}

// Providers returns the ids of the providers with prices, local ones
// included, sorted.
func (c *Catalog) Providers() []string {
	set := make(map[string]bool, len(c.byProv)+len(c.local))
	for p := range c.byProv {
		set[p] = true
	}
	for p := range c.local {
		set[p] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// providerRank orders providers for ProviderOf: model makers first, then
// hosts of open models, then clouds, then routers.
var providerRank = []string{
	"openai", "anthropic", "google", "xai", "deepseek", "mistral", "perplexity",
	"groq", "cerebras", "together", "fireworks", "sambanova", "novita", "hyperbolic",
	"nvidia", "chutes", "azure", "bedrock", "openrouter", "vercel",
}

// namePrefixes guess the maker of a model the catalog does not list.
var namePrefixes = []struct{ prefix, provider string }{
	{"gpt-", "openai"}, {"chatgpt-", "openai"}, {"o1", "openai"}, {"o3", "openai"}, {"o4", "openai"},
	{"text-embedding-", "openai"}, {"dall-e", "openai"}, {"davinci", "openai"}, {"babbage", "openai"},
	{"claude-", "anthropic"},
	{"gemini-", "google"}, {"gemma-", "google"}, {"imagen-", "google"},
	{"grok-", "xai"},
	{"deepseek-", "deepseek"},
	{"mistral-", "mistral"}, {"codestral", "mistral"}, {"magistral", "mistral"}, {"devstral", "mistral"},
	{"ministral", "mistral"}, {"pixtral", "mistral"}, {"open-mistral", "mistral"}, {"open-mixtral", "mistral"},
	{"sonar", "perplexity"},
}

// ProviderOf says which provider serves a model named without one, for the
// proxy: a "provider/" prefix decides; otherwise the first provider in
// maker-first order whose catalog has the model ("gpt-4o" → openai,
// "claude-sonnet-4-5" → anthropic, "gemini-2.5-flash" → google); otherwise a
// guess from the name's family ("gpt-…", "claude-…", "gemini-…").
func (c *Catalog) ProviderOf(model string) (string, bool) {
	m := strings.TrimSpace(model)
	if pre, _, ok := strings.Cut(m, "/"); ok {
		if p := normProvider(pre); c.knownProvider(p) {
			return p, true
		}
	}
	if m == "" {
		return "", false
	}
	for _, p := range providerRank {
		if _, ok := c.find(p, m, false); ok {
			return p, true
		}
	}
	for _, p := range c.Providers() {
		if slices.Contains(providerRank, p) || c.local[p] {
			continue
		}
		if _, ok := c.find(p, m, false); ok {
			return p, true
		}
	}
	lm := strings.ToLower(m)
	for _, np := range namePrefixes {
		if strings.HasPrefix(lm, np.prefix) {
			return np.provider, true
		}
	}
	return "", false
}

// FallbackBasis says where the price that budgets count for an unpriced
// request comes from, so that every message can name it truthfully.
type FallbackBasis string

const (
	// FallbackLocal: a local provider (Ollama, LM Studio); it costs nothing.
	FallbackLocal FallbackBasis = "local"
	// FallbackProvider: the provider's own dearest text model.
	FallbackProvider FallbackBasis = "provider"
	// FallbackCatalog: the dearest text model of the whole catalog, for a
	// provider with no prices that is not self-hosted (a custom cloud
	// provider), so that its hard budgets still stop spending.
	FallbackCatalog FallbackBasis = "catalog"
	// FallbackNone: a self-hosted provider with no prices; its unpriced
	// requests count $0 until the user sets a price.
	FallbackNone FallbackBasis = "none"
)

// Fallback returns the conservative price used for requests nobody can
// price: the dearest text model (input + output) of provider; for a
// provider with no prices, nothing when it is self-hosted and the dearest
// of the whole catalog otherwise (FallbackBasis tells which). A local
// provider's fallback costs nothing. ok is false only for an empty catalog.
func (c *Catalog) Fallback(provider string) (Price, bool) {
	prov := normProvider(provider)
	switch c.FallbackBasis(prov) {
	case FallbackLocal:
		return Price{Provider: prov, Mode: "chat", Source: "local", Ref: "local:" + prov}, true
	case FallbackNone:
		return Price{Provider: prov, Mode: "chat", Source: "none", Ref: "none:" + prov}, true
	case FallbackProvider:
		return c.prices[c.fallback[prov]], true
	}
	if c.top >= 0 {
		return c.prices[c.top], true
	}
	return Price{}, false
}

// FallbackBasis says which price Fallback returns for provider.
func (c *Catalog) FallbackBasis(provider string) FallbackBasis {
	prov := normProvider(provider)
	_, own := c.fallback[prov]
	switch {
	case c.local[prov]:
		return FallbackLocal
	case own:
		return FallbackProvider
	case c.selfHosted[prov]:
		return FallbackNone
	}
	return FallbackCatalog
}
