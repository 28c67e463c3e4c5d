package pricing

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/providers"
)

// costCase is a request priced by hand: every expected line is worked out in
// the comment next to it as tokens × micro-dollars per million / 1000.
type costCase struct {
	name            string
	provider, model string
	usage           providers.Usage
	markupBP        int64
	lines           []Line
	markup          money.USD
	total           money.USD
}

func costCases() []costCase {
	return []costCase{
		{
			name: "gpt-4o with cached input", provider: "openai", model: "gpt-4o",
			usage: providers.Usage{Input: 1000, CacheRead: 2000, Output: 500},
			lines: []Line{
				{LineInput, 1000, 2_500_000, 2_500_000},     // 1000 × $2.50/M
				{LineCacheRead, 2000, 1_250_000, 2_500_000}, // 2000 × $1.25/M
				{LineOutput, 500, 10_000_000, 5_000_000},    // 500 × $10/M
			},
			total: 10_000_000, // $0.01
		},
		{
			name: "gpt-4o cache write falls back to input", provider: "openai", model: "gpt-4o",
			usage: providers.Usage{CacheWrite5m: 1000, CacheWrite1h: 400},
			lines: []Line{
				{LineCacheWrite5m, 1000, 2_500_000, 2_500_000},
				{LineCacheWrite1h, 400, 2_500_000, 1_000_000},
			},
			total: 3_500_000,
		},
		{
			name: "gpt-4o priority tier", provider: "openai", model: "gpt-4o",
			usage: providers.Usage{Input: 1000, CacheRead: 1000, Output: 1000, ServiceTier: "priority"},
			lines: []Line{
				{"input (priority)", 1000, 4_250_000, 4_250_000},
				{"cache read (priority)", 1000, 2_125_000, 2_125_000},
				{"output (priority)", 1000, 17_000_000, 17_000_000},
			},
			total: 23_375_000,
		},
		{
			name: "gpt-4o batch tier", provider: "openai", model: "gpt-4o",
			usage: providers.Usage{Input: 1000, Output: 1000, ServiceTier: "batch"},
			lines: []Line{
				{"input (batch)", 1000, 1_250_000, 1_250_000},
				{"output (batch)", 1000, 5_000_000, 5_000_000},
			},
			total: 6_250_000,
		},
		{
			name: "default service tier is the base row", provider: "openai", model: "gpt-4o",
			usage: providers.Usage{Input: 1000, Output: 1000, ServiceTier: "default"},
			lines: []Line{
				{LineInput, 1000, 2_500_000, 2_500_000},
				{LineOutput, 1000, 10_000_000, 10_000_000},
			},
			total: 12_500_000,
		},
		{
			name: "claude sonnet 4.5 cache writes 1.25x and 2x input", provider: "anthropic", model: "claude-sonnet-4-5",
			usage: providers.Usage{Input: 100, CacheRead: 10_000, CacheWrite5m: 2000, CacheWrite1h: 1000, Output: 300},
			lines: []Line{
				{LineInput, 100, 3_000_000, 300_000},
				{LineCacheRead, 10_000, 300_000, 3_000_000},
				{LineCacheWrite5m, 2000, 3_750_000, 7_500_000}, // 1.25 × $3
				{LineCacheWrite1h, 1000, 6_000_000, 6_000_000}, // 2 × $3
				{LineOutput, 300, 15_000_000, 4_500_000},
			},
			total: 21_300_000,
		},
		{
			name: "claude sonnet 4.5 above 200k counts cache in the prompt", provider: "anthropic", model: "claude-sonnet-4-5",
			// 150 000 uncached + 60 000 cached = 210 000 > 200 000.
			usage: providers.Usage{Input: 150_000, CacheRead: 60_000, Output: 1000},
			lines: []Line{
				{"input (above 200k)", 150_000, 6_000_000, 900_000_000},
				{"cache read (above 200k)", 60_000, 600_000, 36_000_000},
				{"output (above 200k)", 1000, 22_500_000, 22_500_000},
			},
			total: 958_500_000,
		},
		{
			name: "gemini 2.5 pro above 200k", provider: "google", model: "gemini-2.5-pro",
			usage: providers.Usage{Input: 190_000, CacheRead: 20_000, Output: 2000, Reasoning: 1500},
			lines: []Line{
				{"input (above 200k)", 190_000, 2_500_000, 475_000_000},
				{"cache read (above 200k)", 20_000, 250_000, 5_000_000},
				// No own reasoning price: thinking is billed as output.
				{"output (above 200k)", 2000, 15_000_000, 30_000_000},
			},
			total: 510_000_000,
		},
		{
			name: "gemini 2.5 pro at exactly 200k stays on the base row", provider: "google", model: "gemini-2.5-pro",
			usage: providers.Usage{Input: 200_000},
			lines: []Line{{LineInput, 200_000, 1_250_000, 250_000_000}},
			total: 250_000_000,
		},
		{
			name: "gemini 2.5 flash prices reasoning apart", provider: "google", model: "gemini-2.5-flash",
			usage: providers.Usage{Input: 1000, Output: 1000, Reasoning: 400},
			lines: []Line{
				{LineInput, 1000, 300_000, 300_000},
				{LineOutput, 600, 2_500_000, 1_500_000},
				{LineReasoning, 400, 2_500_000, 1_000_000},
			},
			total: 2_800_000,
		},
		{
			name: "deepseek cache hit and miss", provider: "deepseek", model: "deepseek-chat",
			usage: providers.Usage{Input: 1000, CacheRead: 9000, Output: 100},
			lines: []Line{
				{LineInput, 1000, 280_000, 280_000},    // miss
				{LineCacheRead, 9000, 28_000, 252_000}, // hit
				{LineOutput, 100, 420_000, 42_000},
			},
			total: 574_000,
		},
		{
			name: "anthropic web search and markup", provider: "anthropic", model: "claude-sonnet-4-5",
			usage:    providers.Usage{Input: 1000, Output: 100, WebSearches: 3},
			markupBP: 550,
			lines: []Line{
				{LineInput, 1000, 3_000_000, 3_000_000},
				{LineOutput, 100, 15_000_000, 1_500_000},
				{LineWebSearch, 3, 10_000_000_000, 30_000_000}, // $0.01 a search
			},
			markup: 1_897_500, // 34 500 000 × 5.5 %
			total:  36_397_500,
		},
	}
}

func checkCase(t *testing.T, c *Catalog, tt costCase) {
	t.Helper()
	p, ok := c.Lookup(tt.provider, tt.model)
	if !ok {
		t.Fatalf("%s/%s not in the catalog", tt.provider, tt.model)
	}
	b := Cost(p, tt.usage, tt.markupBP)
	if !reflect.DeepEqual(b.Lines, tt.lines) {
		t.Errorf("lines:\n got %+v\nwant %+v", b.Lines, tt.lines)
	}
	if b.Markup != tt.markup || b.Total != tt.total {
		t.Errorf("markup, total = %d, %d; want %d, %d", b.Markup, b.Total, tt.markup, tt.total)
	}
	if b.State != Computed || b.Ref != p.Ref {
		t.Errorf("state, ref = %s, %s; want computed, %s", b.State, b.Ref, p.Ref)
	}
}

func TestCostEmbedded(t *testing.T) {
	for _, tt := range costCases() {
		t.Run(tt.name, func(t *testing.T) { checkCase(t, Default(), tt) })
	}
}

// TestCostAfterImport prices the same requests from a catalog built by
// importing the real LiteLLM file, so the importer and the generator agree.
func TestCostAfterImport(t *testing.T) {
	imp := importLiteLLMFile(t)
	c := NewCatalog(CatalogInfo{Date: "2026-07-24"}, imp.Prices)
	for _, tt := range costCases() {
		t.Run(tt.name, func(t *testing.T) { checkCase(t, c, tt) })
	}
}

func TestCostRules(t *testing.T) {
	base := Price{Provider: "x", Model: "m", Ref: "r", Rates: Rates{Input: 4_000_000, Output: 8_000_000}}
	reasoning := base
	reasoning.Reasoning, reasoning.HasReasoning = 10_000_000, true
	withUnits := base
	withUnits.PerRequest = 5 * money.Micro * 1000 // $0.005
	tiered := base
	tiered.Tiers = []Tier{
		{Above: 100, Rates: Rates{Input: 1_000_000, Output: 1_000_000}},
		{Above: 1000, Rates: Rates{Input: 2_000_000, Output: 2_000_000}},
		{Above: 100, Service: "flex", Rates: Rates{Input: 3_000_000, Output: 3_000_000}},
	}
	tiered.ServiceTiers = map[string]Rates{"flex": {Input: 500_000, Output: 500_000}, "priority": {Input: 9_000_000, Output: 9_000_000}}

	tests := []struct {
		name  string
		p     Price
		u     providers.Usage
		bp    int64
		lines []Line
		total money.USD
	}{
		{"cache read without a price costs input", base, providers.Usage{CacheRead: 1000},
			0, []Line{{LineCacheRead, 1000, 4_000_000, 4_000_000}}, 4_000_000},
		{"own reasoning price splits output", reasoning, providers.Usage{Output: 1000, Reasoning: 400},
			0, []Line{{LineOutput, 600, 8_000_000, 4_800_000}, {LineReasoning, 400, 10_000_000, 4_000_000}}, 8_800_000},
		{"reasoning above output is capped", reasoning, providers.Usage{Output: 10, Reasoning: 50},
			0, []Line{{LineReasoning, 10, 10_000_000, 100_000}}, 100_000},
		{"no reasoning price bills all output at output", base, providers.Usage{Output: 1000, Reasoning: 400},
			0, []Line{{LineOutput, 1000, 8_000_000, 8_000_000}}, 8_000_000},
		{"per request", withUnits, providers.Usage{Input: 1},
			0, []Line{{LineInput, 1, 4_000_000, 4000}, {LineRequest, 1, 5_000_000_000, 5_000_000}}, 5_004_000},
		{"largest matching threshold wins", tiered, providers.Usage{Input: 1001},
			0, []Line{{"input (above 1k)", 1001, 2_000_000, 2_002_000}}, 2_002_000},
		{"threshold uses the whole prompt", tiered, providers.Usage{Input: 50, CacheWrite5m: 51},
			0, []Line{{"input (above 100)", 50, 1_000_000, 50_000}, {"cache write 5m (above 100)", 51, 1_000_000, 51_000}}, 101_000},
		{"service tier with its own long row", tiered, providers.Usage{Input: 200, ServiceTier: "flex"},
			0, []Line{{"input (flex, above 100)", 200, 3_000_000, 600_000}}, 600_000},
		{"service tier without a long row uses the standard long row", tiered, providers.Usage{Input: 200, ServiceTier: "priority"},
			0, []Line{{"input (above 100)", 200, 1_000_000, 200_000}}, 200_000},
		{"short prompt in a service tier", tiered, providers.Usage{Input: 50, ServiceTier: "FLEX"},
			0, []Line{{"input (flex)", 50, 500_000, 25_000}}, 25_000},
		{"unknown tier is the base row", base, providers.Usage{Input: 1, ServiceTier: "scale"},
			0, []Line{{LineInput, 1, 4_000_000, 4000}}, 4000},
		{"negative counts are ignored", base, providers.Usage{Input: -5, Output: 1},
			0, []Line{{LineOutput, 1, 8_000_000, 8000}}, 8000},
		{"empty usage costs nothing", base, providers.Usage{}, 550, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := Cost(tt.p, tt.u, tt.bp)
			if !reflect.DeepEqual(b.Lines, tt.lines) || b.Total != tt.total {
				t.Fatalf("got %+v total %d; want %+v total %d", b.Lines, b.Total, tt.lines, tt.total)
			}
		})
	}
}

// TestCostRounding pins the rounding rule: each line rounds its exact
// pico-dollar product half up to the nano-dollar once, and the total is the
// sum of the rounded lines plus the rounded markup.
func TestCostRounding(t *testing.T) {
	p := Price{Rates: Rates{Input: 1, Output: 1}} // $0.000001 per million: 1/1000 nano a token
	tests := []struct {
		name   string
		u      providers.Usage
		bp     int64
		amount []money.USD
		markup money.USD
		total  money.USD
	}{
		{"below half rounds down", providers.Usage{Input: 499}, 0, []money.USD{0}, 0, 0},
		{"half rounds up", providers.Usage{Input: 500}, 0, []money.USD{1}, 0, 1},
		{"each line rounds once", providers.Usage{Input: 500, Output: 500}, 0, []money.USD{1, 1}, 0, 2},
		{"whole part kept", providers.Usage{Input: 1499}, 0, []money.USD{1}, 0, 1},
		{"markup half rounds up", providers.Usage{Input: 3000}, 5000, []money.USD{3}, 2, 5},
		{"markup below half rounds down", providers.Usage{Input: 1000}, 4999, []money.USD{1}, 0, 1},
		{"negative markup is a discount", providers.Usage{Input: 3000}, -5000, []money.USD{3}, -2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := Cost(p, tt.u, tt.bp)
			var got []money.USD
			for _, l := range b.Lines {
				got = append(got, l.Amount)
			}
			if !reflect.DeepEqual(got, tt.amount) || b.Markup != tt.markup || b.Total != tt.total {
				t.Fatalf("amounts %v markup %d total %d; want %v %d %d", got, b.Markup, b.Total, tt.amount, tt.markup, tt.total)
			}
		})
	}
	// A line whose product does not fit in 64 bits neither wraps nor
	// passes money.MaxAmount, and neither does the total with its markup:
	// one absurd reply must not break every later sum.
	big := Price{Rates: Rates{Input: 10_000_000_000, Output: 10_000_000_000}} // $10 000 per million
	if got := Cost(big, providers.Usage{Input: 2_000_000_000, Output: 2_000_000_000}, 550); got.Total != money.MaxAmount {
		t.Fatalf("2e9 tokens at $10 000/M = %d nano-dollars (markup %d), want money.MaxAmount", got.Total, got.Markup)
	}
	// Within the bounds the product is exact.
	if got := Cost(big, providers.Usage{Input: 99_999_999}, 0).Total; got != 999_999_990_000_000 {
		t.Fatalf("99,999,999 tokens at $10 000/M = %d nano-dollars, want 999999990000000", got)
	}
}

// TestCostPartsAddUp is a property test: for random usages over real
// prices, the lines plus the markup always make the total, and every line
// amount is its units × rate rounded half up.
func TestCostPartsAddUp(t *testing.T) {
	c := Default()
	r := rand.New(rand.NewPCG(1, 2))
	prices := c.prices
	tiers := []string{"", "default", "priority", "flex", "batch"}
	for i := 0; i < 5000; i++ {
		p := prices[r.IntN(len(prices))]
		out := r.Int64N(200_000)
		u := providers.Usage{
			Input: r.Int64N(400_000), CacheRead: r.Int64N(300_000),
			CacheWrite5m: r.Int64N(50_000), CacheWrite1h: r.Int64N(50_000),
			Output: out, Reasoning: r.Int64N(out + 1), WebSearches: r.Int64N(3),
			ServiceTier: tiers[r.IntN(len(tiers))],
		}
		bp := r.Int64N(2000)
		b := Cost(p, u, bp)
		var sum money.USD
		var units int64
		for _, l := range b.Lines {
			if want := money.USD((l.Units*int64(l.Rate) + 500) / 1000); l.Amount != want {
				t.Fatalf("%s %s: amount %d, want %d", p.Name(), l.Name, l.Amount, want)
			}
			sum += l.Amount
			if l.Name != LineWebSearch && l.Name != LineRequest {
				units += l.Units
			}
		}
		if sum+b.Markup != b.Total {
			t.Fatalf("%s %+v: lines %d + markup %d != total %d", p.Name(), u, sum, b.Markup, b.Total)
		}
		if units != u.Total() {
			t.Fatalf("%s %+v: lines count %d tokens, usage has %d", p.Name(), u, units, u.Total())
		}
	}
}

func TestCatalogPrice(t *testing.T) {
	c := Default()
	u := providers.Usage{Input: 1000, Output: 500}
	tests := []struct {
		name, provider, model string
		u                     providers.Usage
		markupBP              int64
		state                 State
		total, markup         money.USD
		ref                   string
		// fallback: the total the budgets count is the provider's fallback
		// price of u (and more than nothing); otherwise there is none.
		fallback bool
	}{
		{name: "computed", provider: "openai", model: "gpt-4o", u: u,
			state: Computed, total: 7_500_000, ref: "catalog:2026-07-24:openai/gpt-4o"},
		{name: "estimated", provider: "openai", model: "gpt-4o", u: providers.Usage{Input: 1000, Output: 500, Estimated: true},
			state: Estimated, total: 7_500_000, ref: "catalog:2026-07-24:openai/gpt-4o"},
		// 12 345 × 5.5 % = 678.975 → 679
		{name: "reported wins, with markup", provider: "openrouter", model: "anthropic/claude-sonnet-4.5",
			u: providers.Usage{Input: 1000, Output: 500, CostReported: true, ReportedCost: 12_345}, markupBP: 550,
			state: Reported, total: 13_024, markup: 679, ref: "reported:openrouter"},
		{name: "reported zero is free, not unpriced", provider: "openrouter", model: "some/free-model:free",
			u:     providers.Usage{Input: 1000, Output: 500, CostReported: true},
			state: Reported, total: 0, ref: "reported:openrouter"},
		{name: "unpriced carries the fallback", provider: "openai", model: "gpt-not-in-the-catalog", u: u,
			state: Unpriced, fallback: true},
		{name: "unknown provider falls back to the dearest model", provider: "mystery", model: "model", u: u,
			state: Unpriced, fallback: true},
		{name: "local provider costs nothing", provider: "ollama", model: "llama3.2", u: u,
			state: Computed, total: 0, ref: "local:ollama"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := c.Price(tt.provider, tt.model, tt.u, tt.markupBP)
			if b.State != tt.state || b.Total != tt.total || b.Markup != tt.markup || b.Ref != tt.ref {
				t.Fatalf("got %+v, want %s total %d markup %d ref %q", b, tt.state, tt.total, tt.markup, tt.ref)
			}
			var fallback money.USD
			if tt.fallback {
				fb, _ := c.Fallback(tt.provider)
				if fallback = Cost(fb, tt.u, 0).Total; fallback <= 0 {
					t.Fatalf("the fallback price of %s costs %d", tt.provider, fallback)
				}
			}
			if b.Fallback != fallback {
				t.Fatalf("fallback %d, want %d", b.Fallback, fallback)
			}
			// A reported cost is the breakdown's one line; a reported
			// zero has none.
			if tt.state == Reported {
				reported := len(b.Lines) == 1 && b.Lines[0].Amount == tt.u.ReportedCost
				if tt.u.ReportedCost == 0 && len(b.Lines) != 0 || tt.u.ReportedCost != 0 && !reported {
					t.Fatalf("lines %+v for a reported %d", b.Lines, tt.u.ReportedCost)
				}
			}
		})
	}
	t.Run("reported keeps what the catalog computes beside it", func(t *testing.T) {
		tests := []struct {
			name, provider, model string
			u                     providers.Usage
			computed              money.USD
		}{
			// xAI's documented-example usage (providers' semantics test):
			// 26 input, 6 cached, 96 visible + 1,212 reasoning output at
			// $0.30 / $0.075 / $0.50, which xAI billed as 6,622,500 ticks.
			{"xai grok-3-mini", "xai", "grok-3-mini",
				providers.Usage{Input: 26, CacheRead: 6, Output: 1308, Reasoning: 1212, ReportedCost: 662_250, CostReported: true}, 662_250},
			// Perplexity's deep research: citations as input, reasoning at
			// its own $3, 20 searches at $5 per thousand.
			{"perplexity deep research", "perplexity", "sonar-deep-research",
				providers.Usage{Input: 6019, Output: 53000, Reasoning: 50000, WebSearches: 20, ReportedCost: 286_038_000, CostReported: true}, 286_038_000},
			// Perplexity's sonar with a low search context: the catalog
			// knows one request fee ($8 per thousand, the medium context),
			// so the drift is the difference of the fees.
			{"perplexity sonar request fee", "perplexity", "sonar",
				providers.Usage{Input: 7, Output: 160, WebSearches: 1, ReportedCost: 5_167_000, CostReported: true}, 8_167_000},
			{"drift shows", "xai", "grok-4",
				providers.Usage{Input: 1000, Output: 100, ReportedCost: 5_000_000, CostReported: true}, 4_500_000},
		}
		for _, tt := range tests {
			b := c.Price(tt.provider, tt.model, tt.u, 0)
			if b.State != Reported || b.Total != tt.u.ReportedCost || !b.HasComputed || b.Computed != tt.computed {
				t.Errorf("%s: got %+v, want reported %d with computed %d", tt.name, b, tt.u.ReportedCost, tt.computed)
			}
		}
		b := c.Price("openrouter", "some/model-not-in-the-catalog", providers.Usage{Input: 10, CostReported: true, ReportedCost: 7}, 0)
		if b.State != Reported || b.HasComputed {
			t.Errorf("an uncatalogued model has no computed figure: %+v", b)
		}
	})
}

func TestWorstCase(t *testing.T) {
	c := Default()
	tests := []struct {
		name, provider, model string
		input, output         int64
		want                  money.USD
	}{
		// 10 000 × $2.50/M + 4 000 × $10/M
		{"gpt-4o", "openai", "gpt-4o", 10_000, 4000, 25_000_000 + 40_000_000},
		// long prompt: 250 000 × $2.50/M + 1 000 × $15/M
		{"gemini 2.5 pro long", "google", "gemini-2.5-pro", 250_000, 1000, 625_000_000 + 15_000_000},
		{"nothing", "openai", "gpt-4o", 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := c.Lookup(tt.provider, tt.model)
			if !ok {
				t.Fatal("model missing")
			}
			if got := WorstCase(p, tt.input, tt.output); got != tt.want {
				t.Fatalf("WorstCase = %d, want %d", got, tt.want)
			}
		})
	}
	dear := Price{Rates: Rates{Input: 1_000_000, Output: 2_000_000, Reasoning: 6_000_000, HasReasoning: true}, PerRequest: 7}
	if got := WorstCase(dear, 1000, 1000); got != 1_000_000+6_000_000+7 {
		t.Fatalf("WorstCase with a dearer reasoning price = %d", got)
	}
}

func TestFormatCost(t *testing.T) {
	tests := []struct {
		name   string
		cost   money.USD
		state  State
		screen string
		exact  string
	}{
		{"computed", 14_032_000, Computed, "$0.01403", "0.014032"},
		{"reported", 2 * money.Dollar, Reported, "$2.00", "2"},
		{"estimated is marked", 165_300, Estimated, "~$0.0001653", "~0.0001653"},
		{"unpriced is never $0.00", 0, Unpriced, "unpriced", "unpriced"},
		{"unpriced ignores a stray amount", 5, Unpriced, "unpriced", "unpriced"},
		{"free is $0.00", 0, Computed, "$0.00", "0"},
	}
	for _, tt := range tests {
		if got := FormatCost(tt.cost, tt.state, Screen); got != tt.screen {
			t.Errorf("%s: screen %q, want %q", tt.name, got, tt.screen)
		}
		if got := FormatCost(tt.cost, tt.state, Exact); got != tt.exact {
			t.Errorf("%s: exact %q, want %q", tt.name, got, tt.exact)
		}
	}
}
