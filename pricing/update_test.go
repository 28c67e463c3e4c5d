package pricing

import (
	"os"
	"strings"
	"testing"
)

func TestParseOpenRouterModels(t *testing.T) {
	f, err := os.Open("../app/testdata/prices/openrouter-models.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	imp, err := ParseOpenRouterModels(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(imp.Prices) != 3 || len(imp.Skipped) != 1 || imp.Skipped[0].Key != "openrouter/auto" {
		t.Fatalf("prices %d, skipped %+v", len(imp.Prices), imp.Skipped)
	}
	// $0.000003 a token is $3 per million; $0.01 a search is 10,000,000
	// nano-dollars; a zero reasoning price is no separate price.
	p := imp.Prices[2]
	if p.Name() != "openrouter/anthropic/claude-sonnet-4.5" || p.Input != 3_000_000 || p.Output != 15_000_000 ||
		p.CacheRead != 300_000 || !p.HasCacheRead || p.CacheWrite5m != 3_750_000 || !p.HasCacheWrite5m ||
		p.HasReasoning || p.PerWebSearch != 10_000_000 || p.PerRequest != 0 || p.MaxInput != 1_000_000 || p.MaxOutput != 64_000 {
		t.Fatalf("claude-sonnet-4.5: %+v", p)
	}

	bad := []struct{ name, in, want string }{
		{"not JSON", `<html>`, "model list"},
		{"no data", `{"models": []}`, "no \"data\""},
		{"negative", `{"data":[{"id":"a/b","pricing":{"prompt":"-0.1","completion":"0"}}]}`, "cannot be negative"},
		{"not a number", `{"data":[{"id":"a/b","pricing":{"prompt":"cheap","completion":"0"}}]}`, "a/b"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseOpenRouterModels(strings.NewReader(tt.in)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestPriceChanges(t *testing.T) {
	a := Price{Provider: "p", Model: "m", Rates: Rates{Input: 2_500_000, Output: 10_000_000},
		Tiers: []Tier{{Above: 200_000, Rates: Rates{Input: 5_000_000, Output: 15_000_000}}}, Source: "catalog", Date: "2026-01-01", Origin: "x"}
	b := a
	b.Date, b.Origin, b.Ref, b.MaxInput = "2026-02-01", "y", "r", 99
	if !SamePrice(a, b) {
		t.Fatalf("dates and provenance counted as a price change: %+v", priceChanges(a, b))
	}
	b.Output = 8_000_000
	b.Tiers = []Tier{{Above: 200_000, Rates: Rates{Input: 5_000_000, Output: 15_000_000}}, {Above: 500_000, Rates: Rates{Input: 6_000_000, Output: 20_000_000}}}
	b.CacheRead, b.HasCacheRead = 250_000, true
	var got []string
	for _, c := range priceChanges(a, b) {
		got = append(got, c.Field+" "+c.Old+">"+c.New)
	}
	want := "cache_read >0.25|output 10>8|tiers.above_500000.input >6|tiers.above_500000.output >20"
	if strings.Join(got, "|") != want {
		t.Fatalf("changes %q\nwant    %q", strings.Join(got, "|"), want)
	}
}

func TestMergeAndDiff(t *testing.T) {
	primary := []Price{{Provider: "openai", Model: "gpt-x", Rates: Rates{Input: 1, Output: 2}}}
	extra := []Price{
		{Provider: "openai", Model: "gpt-x-2026-01-01", Rates: Rates{Input: 9, Output: 9}}, // another spelling: left out
		{Provider: "openai", Model: "gpt-y", Rates: Rates{Input: 3, Output: 4}},
	}
	old := NewCatalog(CatalogInfo{Date: "2026-01-01"}, []Price{
		{Provider: "openai", Model: "gpt-x", Rates: Rates{Input: 1, Output: 3}},
		{Provider: "openai", Model: "gpt-z", Rates: Rates{Input: 1, Output: 1}},
	})
	next := Merge(CatalogInfo{Date: "2026-02-01"}, primary, extra)
	if next.Len() != 2 {
		t.Fatalf("merged %d models, want gpt-x and gpt-y", next.Len())
	}
	d := Diff(old, next)
	if len(d.Added) != 1 || d.Added[0].Model != "gpt-y" || len(d.Removed) != 1 || d.Removed[0].Model != "gpt-z" ||
		len(d.Changed) != 1 || d.Changed[0].Name != "openai/gpt-x" || d.Changed[0].Changes[0].Field != "output" || d.Unchanged != 0 {
		t.Fatalf("diff %+v", d)
	}
}
