package pricing

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/providers"
)

func TestDefaultCatalogCoverage(t *testing.T) {
	c := Default()
	if c.Date() != "2026-07-24" {
		t.Errorf("Date() = %q, want the LiteLLM snapshot day 2026-07-24", c.Date())
	}
	if !strings.Contains(c.Source(), "LiteLLM") || !strings.Contains(c.Source(), "catwalk") {
		t.Errorf("Source() = %q, want it to name LiteLLM and catwalk", c.Source())
	}
	if c.Info().Generated == "" {
		t.Error("catalog has no generation date")
	}
	if c.Len() < 300 {
		t.Errorf("catalog has %d models, want at least 300", c.Len())
	}
	priced := 0
	for _, p := range c.Providers() {
		if len(c.Models(p)) > 0 {
			priced++
		}
	}
	if priced < 15 {
		t.Errorf("catalog prices models of %d providers, want at least 15: %v", priced, c.Providers())
	}
	for _, want := range []string{"openai", "anthropic", "google", "openrouter", "groq", "together", "fireworks",
		"deepseek", "mistral", "xai", "cerebras", "perplexity", "sambanova", "novita", "hyperbolic", "azure",
		"bedrock", "vercel", "chutes"} {
		if len(c.Models(want)) == 0 {
			t.Errorf("no models for built-in provider %s", want)
		}
	}
	for _, want := range []string{"ollama", "lmstudio"} {
		if !c.Local(want) {
			t.Errorf("%s should be a local provider", want)
		}
	}
	for _, p := range c.Providers() {
		for _, m := range c.Models(p) {
			// A price corrected from its provider's page is dated the day
			// the page was read (corrections.go).
			date := "2026-07-24"
			if strings.Contains(m.Origin, "corrected from") {
				date = "2026-12-06"
			}
			if m.Source != "catalog" || m.Date != date || m.Ref != "catalog:"+date+":"+m.Name() {
				t.Fatalf("%s: source/date/ref = %q %q %q", m.Name(), m.Source, m.Date, m.Ref)
			}
			if m.Input < 0 || m.Output < 0 {
				t.Fatalf("%s: negative price", m.Name())
			}
		}
	}
}

// TestCatalogFileRoundTrip writes the embedded catalog in byok's JSON
// format and reads it back: the format carries every price exactly.
func TestCatalogFileRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := Default().WriteJSON(&buf); err != nil {
		t.Fatal(err)
	}
	c2, err := ReadCatalog(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if c2.Info().Date != Default().Date() || c2.Len() != Default().Len() {
		t.Fatalf("read back %s with %d models, want %s with %d", c2.Date(), c2.Len(), Default().Date(), Default().Len())
	}
	if !reflect.DeepEqual(c2.prices, Default().prices) {
		t.Fatal("prices changed in a write/read round trip")
	}
}

func TestLookup(t *testing.T) {
	c := Default()
	tests := []struct {
		name, provider, model string
		want                  string // provider/model found, "" for none
	}{
		{"plain", "openai", "gpt-4o", "openai/gpt-4o"},
		{"prefixed dated snapshot", "openai", "openai/gpt-4o-2024-08-06", "openai/gpt-4o-2024-08-06"},
		{"unknown date falls back to the alias", "openai", "gpt-4o-2099-01-31", "openai/gpt-4o"},
		{"compact date suffix", "anthropic", "claude-haiku-4-5-20991231", "anthropic/claude-haiku-4-5"},
		{"anthropic prefix", "anthropic", "anthropic/claude-sonnet-4-5", "anthropic/claude-sonnet-4-5"},
		{"anthropic dotted version", "anthropic", "claude-sonnet-4.5", "anthropic/claude-sonnet-4-5"},
		{"anthropic case", "Anthropic", "Claude-Sonnet-4-5", "anthropic/claude-sonnet-4-5"},
		{"google prefix", "google", "google/gemini-2.5-flash", "google/gemini-2.5-flash"},
		{"bare gemini under google", "google", "gemini-2.5-flash", "google/gemini-2.5-flash"},
		{"gemini alias", "gemini", "gemini-2.5-flash", "google/gemini-2.5-flash"},
		{"gemini API resource name", "google", "models/gemini-2.5-flash", "google/gemini-2.5-flash"},
		{"provider from prefix", "", "google/gemini-2.5-flash", "google/gemini-2.5-flash"},
		{"provider from model family", "", "claude-sonnet-4-5", "anthropic/claude-sonnet-4-5"},
		{"openrouter slug", "openrouter", "anthropic/claude-sonnet-4.5", "openrouter/anthropic/claude-sonnet-4.5"},
		{"openrouter slug with dashes", "openrouter", "anthropic/claude-sonnet-4-5", "openrouter/anthropic/claude-sonnet-4.5"},
		{"openrouter prefixed slug", "openrouter", "openrouter/anthropic/claude-sonnet-4.5", "openrouter/anthropic/claude-sonnet-4.5"},
		{"openrouter without maker", "openrouter", "claude-sonnet-4.5", "openrouter/anthropic/claude-sonnet-4.5"},
		{"bedrock id", "bedrock", "anthropic.claude-3-5-haiku-20241022-v1:0", "bedrock/anthropic.claude-3-5-haiku-20241022-v1:0"},
		{"bedrock us profile", "bedrock", "us.anthropic.claude-3-5-haiku-20241022-v1:0", "bedrock/us.anthropic.claude-3-5-haiku-20241022-v1:0"},
		{"bedrock unknown region prefix", "bedrock", "ca.anthropic.claude-3-5-haiku-20241022-v1:0", "bedrock/anthropic.claude-3-5-haiku-20241022-v1:0"},
		{"bedrock ARN", "bedrock", "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0", "bedrock/anthropic.claude-3-5-haiku-20241022-v1:0"},
		{"bedrock converse alias", "bedrock_converse", "anthropic.claude-3-5-haiku-20241022-v1:0", "bedrock/anthropic.claude-3-5-haiku-20241022-v1:0"},
		{"azure deployment name", "azure", "gpt-35-turbo", "azure/gpt-35-turbo"},
		{"azure prefixed", "azure", "azure/gpt-4o", "azure/gpt-4o"},
		{"azure dated", "azure", "gpt-4o-2024-08-06", "azure/gpt-4o-2024-08-06"},
		{"azure data zone", "azure", "eu/gpt-4o-2024-08-06", "azure/eu/gpt-4o-2024-08-06"},
		{"fine-tuned model", "openai", "ft:gpt-4o-mini-2024-07-18:acme::abc123", "openai/ft:gpt-4o-mini-2024-07-18"},
		{"deepseek prefixed", "deepseek", "deepseek/deepseek-chat", "deepseek/deepseek-chat"},
		{"together litellm prefix", "together_ai", "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo", "together/meta-llama/Llama-3.3-70B-Instruct-Turbo"},
		{"fireworks path", "fireworks", "accounts/fireworks/models/llama-v3p1-8b-instruct", "fireworks/accounts/fireworks/models/llama-v3p1-8b-instruct"},
		{"chutes from catwalk", "chutes", "deepseek-ai/DeepSeek-V3.2-TEE", "chutes/deepseek-ai/DeepSeek-V3.2-TEE"},
		{"wrong provider", "openai", "claude-sonnet-4-5", ""},
		{"unknown model", "openai", "gpt-does-not-exist", ""},
		{"unknown provider", "nope", "gpt-4o", ""},
		{"nothing to go on", "", "mystery-model", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, ok := c.Lookup(tt.provider, tt.model)
			if tt.want == "" {
				if ok {
					t.Fatalf("Lookup(%q, %q) found %s, want nothing", tt.provider, tt.model, p.Name())
				}
				return
			}
			if !ok {
				t.Fatalf("Lookup(%q, %q) found nothing, want %s", tt.provider, tt.model, tt.want)
			}
			if p.Name() != tt.want {
				t.Fatalf("Lookup(%q, %q) = %s, want %s", tt.provider, tt.model, p.Name(), tt.want)
			}
		})
	}
}

func TestLookupLocalProvider(t *testing.T) {
	c := Default()
	for _, prov := range []string{"ollama", "lmstudio", "lm-studio"} {
		p, ok := c.Lookup(prov, "llama3.2:3b")
		if !ok {
			t.Fatalf("%s: local model not priced", prov)
		}
		if p.Input != 0 || p.Output != 0 || p.Ref != "local:"+normProvider(prov) || p.Model != "llama3.2:3b" {
			t.Fatalf("%s: got %+v, want a zero price with ref local:…", prov, p)
		}
	}
	c2 := c.WithLocal("my-vllm")
	if _, ok := c2.Lookup("my-vllm", "anything"); !ok {
		t.Fatal("WithLocal provider not priced")
	}
	if _, ok := c.Lookup("my-vllm", "anything"); ok {
		t.Fatal("WithLocal changed the original catalog")
	}
}

func TestProviderOf(t *testing.T) {
	c := Default()
	tests := []struct {
		name, model, want string
		ok                bool
	}{
		{"openai", "gpt-4o", "openai", true},
		{"openai dated", "gpt-4o-2024-08-06", "openai", true},
		{"openai reasoning", "o3", "openai", true},
		{"anthropic", "claude-sonnet-4-5", "anthropic", true},
		{"anthropic unreleased", "claude-future-9", "anthropic", true},
		{"google", "gemini-2.5-flash", "google", true},
		{"xai", "grok-4", "xai", true},
		{"deepseek", "deepseek-chat", "deepseek", true},
		{"mistral", "mistral-large-latest", "mistral", true},
		{"prefix decides", "openrouter/anthropic/claude-sonnet-4.5", "openrouter", true},
		{"gemini prefix alias", "gemini/gemini-2.5-pro", "google", true},
		{"unknown", "mystery-model", "", false},
		{"empty", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := c.ProviderOf(tt.model)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("ProviderOf(%q) = %q, %v; want %q, %v", tt.model, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestFallback(t *testing.T) {
	c := Default()
	fb, ok := c.Fallback("openai")
	if !ok || fb.Provider != "openai" {
		t.Fatalf("Fallback(openai) = %s, %v", fb.Name(), ok)
	}
	for _, m := range c.Models("openai") {
		if textMode(m.Mode) && m.Input+m.Output > fb.Input+fb.Output {
			t.Fatalf("%s (%v+%v) is dearer than the fallback %s (%v+%v)", m.Name(), m.Input, m.Output, fb.Name(), fb.Input, fb.Output)
		}
	}
	top, ok := c.Fallback("a-provider-nobody-knows")
	if !ok {
		t.Fatal("no fallback for an unknown provider")
	}
	for _, p := range c.prices {
		if textMode(p.Mode) && p.Input+p.Output > top.Input+top.Output {
			t.Fatalf("%s is dearer than the catalog-wide fallback %s", p.Name(), top.Name())
		}
	}
	if top.Input+top.Output < fb.Input+fb.Output {
		t.Fatal("catalog-wide fallback is cheaper than a provider's")
	}
	local, ok := c.Fallback("ollama")
	if !ok || local.Input != 0 || local.Output != 0 {
		t.Fatalf("local fallback should cost nothing, got %+v", local)
	}
	if _, ok := NewCatalog(CatalogInfo{Date: "2026-01-01"}, nil).Fallback("openai"); ok {
		t.Fatal("an empty catalog has no fallback")
	}
	for p, want := range map[string]FallbackBasis{"openai": FallbackProvider, "ollama": FallbackLocal, "a-provider-nobody-knows": FallbackCatalog} {
		if got := c.FallbackBasis(p); got != want {
			t.Errorf("FallbackBasis(%s) = %s, want %s", p, got, want)
		}
	}
}

// A self-hosted provider with no prices falls back to nothing, never to
// another provider's price; once it has a price, its own dearest is the
// fallback. A self-hosted mark does not cheapen a provider with prices.
func TestFallbackSelfHosted(t *testing.T) {
	c := Default().WithSelfHosted("vllm", "openai")
	fb, ok := c.Fallback("vllm")
	if !ok || fb.Input != 0 || fb.Output != 0 || c.FallbackBasis("vllm") != FallbackNone {
		t.Fatalf("self-hosted vllm without prices: %+v (%s)", fb, c.FallbackBasis("vllm"))
	}
	u := providers.Usage{Input: 1000, Output: 500}
	if b := c.Price("vllm", "llama-3-8b", u, 0); b.State != Unpriced || b.Fallback != 0 {
		t.Fatalf("vllm request: %+v", b)
	}
	if b := Default().Price("vllm", "llama-3-8b", u, 0); b.Fallback == 0 {
		t.Fatal("a provider not marked self-hosted should keep the catalog-wide fallback")
	}
	if fb, _ := c.Fallback("openai"); fb.Provider != "openai" || fb.Input == 0 || c.FallbackBasis("openai") != FallbackProvider {
		t.Fatalf("openai marked self-hosted lost its own fallback: %+v", fb)
	}
	priced := c.WithOverrides([]Price{
		{Provider: "vllm", Model: "small", Mode: "chat", Rates: Rates{Input: 100_000, Output: 200_000}},
		{Provider: "vllm", Model: "big", Mode: "chat", Rates: Rates{Input: 300_000, Output: 900_000}},
	})
	fb, _ = priced.Fallback("vllm")
	if fb.Model != "big" || priced.FallbackBasis("vllm") != FallbackProvider {
		t.Fatalf("vllm with prices falls back to %s (%s), want vllm/big", fb.Name(), priced.FallbackBasis("vllm"))
	}
	if b := priced.Price("vllm", "unknown", u, 0); b.State != Unpriced || b.Fallback != Cost(fb, u, 0).Total || b.Fallback == 0 {
		t.Fatalf("vllm unknown model after prices: %+v", b)
	}
}

func TestWithOverrides(t *testing.T) {
	base := Default()
	over := []Price{
		{Provider: "openai", Model: "gpt-4o", Rates: Rates{Input: 1_000_000, Output: 2_000_000}, Date: "2026-11-26"},
		{Provider: "gemini", Model: "my-tuned-model", Rates: Rates{Input: 5, Output: 7}, Date: "2026-11-26"},
	}
	c := base.WithOverrides(over)
	p, ok := c.Lookup("openai", "gpt-4o")
	if !ok || p.Input != 1_000_000 || p.Source != "override" || p.Ref != "override:2026-11-26:openai/gpt-4o" {
		t.Fatalf("override not applied: %+v", p)
	}
	// A dated name that loosely resolves to the overridden alias gets the
	// override, not another snapshot.
	if p, _ := c.Lookup("openai", "gpt-4o-2099-01-31"); p.Source != "override" {
		t.Fatalf("loose look-up missed the override: %s from %s", p.Name(), p.Source)
	}
	if p, ok := c.Lookup("google", "my-tuned-model"); !ok || p.Provider != "google" || p.Output != 7 {
		t.Fatalf("new model from override not found: %+v %v", p, ok)
	}
	if p, _ := base.Lookup("openai", "gpt-4o"); p.Source != "catalog" {
		t.Fatal("WithOverrides changed the original catalog")
	}
	if c.Len() != base.Len()+1 {
		t.Fatalf("Len = %d, want %d", c.Len(), base.Len()+1)
	}
}

func TestPriceJSONRoundTrip(t *testing.T) {
	p, ok := Default().Lookup("openai", "gpt-5.4")
	if !ok {
		t.Fatal("gpt-5.4 missing")
	}
	if got := p.ServiceTierNames(); !reflect.DeepEqual(got, []string{"batch", "flex", "priority"}) {
		t.Errorf("ServiceTierNames() = %v", got)
	}
	p.PerRequest = 5_000 * money.Micro
	p.PerImage = 4 * money.Cent
	p.PerSecond = 1
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"input":"2.5"`, `"output":"15"`, `"cache_read":"0.25"`, `"above":272000`, `"per_request":"0.005"`, `"per_image":"0.04"`, `"per_second":"0.000000001"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("JSON lacks %s: %s", want, b)
		}
	}
	var back Price
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, p) {
		t.Fatalf("round trip changed the price:\n got %+v\nwant %+v", back, p)
	}
}

func TestPriceJSONErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"negative rate", `{"provider":"a","model":"b","input":"-1","output":"1"}`, "negative"},
		{"too precise", `{"provider":"a","model":"b","input":"0.0000001","output":"1"}`, "6 decimal places"},
		{"not a number", `{"provider":"a","model":"b","input":"cheap","output":"1"}`, "input"},
		{"negative unit", `{"provider":"a","model":"b","input":"1","output":"1","per_request":"-0.1"}`, "per_request"},
		{"bad tier", `{"provider":"a","model":"b","input":"1","output":"1","tiers":[{"above":0,"input":"1","output":"1"}]}`, "above"},
		{"bad service tier", `{"provider":"a","model":"b","input":"1","output":"1","service_tiers":{"flex":{"input":"x","output":"1"}}}`, "flex"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p Price
			err := json.Unmarshal([]byte(tt.in), &p)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestReadCatalogErrors(t *testing.T) {
	tests := []struct{ name, in string }{
		{"not JSON", `nope`},
		{"no date", `{"source":"x","models":[]}`},
		{"nameless model", `{"date":"2026-01-01","models":[{"provider":"openai","input":"1","output":"1"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ReadCatalog(strings.NewReader(tt.in)); err == nil {
				t.Fatal("want an error")
			}
		})
	}
}

func TestReadCatalogEdges(t *testing.T) {
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"unknown keys are skipped", `{"date":"d","future":{"a":[1,true,null,"x"]},"models":[{"provider":"p","model":"m","input":"1","output":"2","new_field":[{}]}]}`, true},
		{"escaped strings", `{"date":"d","source":"a \"quoted\" \u00e9","models":[]}`, true},
		{"trailing data", `{"date":"d","models":[]} x`, false},
		{"bad rate", `{"date":"d","models":[{"provider":"p","model":"m","input":"-1"}]}`, false},
		{"bad tier", `{"date":"d","models":[{"provider":"p","model":"m","tiers":[{"above":-1}]}]}`, false},
		{"bad max", `{"date":"d","models":[{"provider":"p","model":"m","max_input":1.5}]}`, false},
		{"unterminated", `{"date":"d","models":[{"provider":"p`, false},
		{"missing comma", `{"date":"d" "models":[]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadCatalog(strings.NewReader(tt.in))
			if (err == nil) != tt.ok {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

// TestLookupConcurrent builds the lazy look-up maps from many goroutines
// at once; run with -race it proves the catalog is safe to share.
func TestLookupConcurrent(t *testing.T) {
	c := embedded()
	done := make(chan string)
	for g := 0; g < 8; g++ {
		go func() {
			p, _ := c.Lookup("openrouter", "anthropic/claude-sonnet-4-5")
			done <- p.Name()
		}()
	}
	for g := 0; g < 8; g++ {
		if got := <-done; got != "openrouter/anthropic/claude-sonnet-4.5" {
			t.Fatalf("concurrent look-up found %q", got)
		}
	}
}
