package pricing

import (
	"bytes"
	"testing"

	"github.com/byokhq/byok/providers"
)

// The benchmarks run only with -bench; the budget is ≤ 2 µs to price one
// event and ≤ 5 ms to load the embedded catalog.

func BenchmarkLookup(b *testing.B) {
	c := Default()
	names := []struct{ provider, model string }{
		{"openai", "gpt-4o"},
		{"anthropic", "anthropic/claude-sonnet-4-5"},
		{"google", "gemini-2.5-flash"},
		{"openrouter", "anthropic/claude-sonnet-4-5"},
		{"bedrock", "eu.anthropic.claude-3-5-haiku-20241022-v1:0"},
		{"openai", "gpt-4o-2099-01-31"},
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		n := names[i%len(names)]
		if _, ok := c.Lookup(n.provider, n.model); !ok {
			b.Fatalf("%s/%s not found", n.provider, n.model)
		}
	}
}

func BenchmarkCost(b *testing.B) {
	p, ok := Default().Lookup("anthropic", "claude-sonnet-4-5")
	if !ok {
		b.Fatal("claude-sonnet-4-5 not found")
	}
	u := providers.Usage{Input: 1200, CacheRead: 40_000, CacheWrite5m: 2000, CacheWrite1h: 1000, Output: 800, Reasoning: 300, WebSearches: 1}
	b.ReportAllocs()
	for b.Loop() {
		Cost(p, u, 550)
	}
}

// BenchmarkPriceEvent is one event priced end to end: look-up and cost.
func BenchmarkPriceEvent(b *testing.B) {
	c := Default()
	u := providers.Usage{Input: 1200, CacheRead: 40_000, Output: 800, ServiceTier: "default"}
	b.ReportAllocs()
	for b.Loop() {
		c.Price("openai", "gpt-4o-2024-08-06", u, 0)
	}
}

// BenchmarkLoadCatalog is what the first use of Default costs: the
// generated prices are already Go values, so this is the copy and the
// look-up indexes.
func BenchmarkLoadCatalog(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if c := embedded(); c.Len() == 0 {
			b.Fatal("empty catalog")
		}
	}
}

// BenchmarkReadCatalogJSON reads the same catalog from byok's JSON format
// with encoding/json, as an import of a byok file does: the peer that
// LoadCatalog is measured against.
func BenchmarkReadCatalogJSON(b *testing.B) {
	var buf bytes.Buffer
	if err := Default().WriteJSON(&buf); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadCatalog(bytes.NewReader(buf.Bytes())); err != nil {
			b.Fatal(err)
		}
	}
}
