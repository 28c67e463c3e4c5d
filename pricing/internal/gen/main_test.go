package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/byokhq/byok/pricing"
)

// TestCatalogUpToDate regenerates the catalog from the data files in
// testdata and compares it with the committed pricing/catalog_gen.go, so a
// changed generator, importer or data file cannot ship with a stale catalog.
func TestCatalogUpToDate(t *testing.T) {
	const data = "testdata"
	committed, err := os.ReadFile("../../catalog_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	info := pricing.Default().Info()
	out := filepath.Join(t.TempDir(), "catalog_gen.go")
	if err := run(filepath.Join(data, "litellm_model_prices.json"), filepath.Join(data, "catwalk"), info.Date, info.Generated, out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, committed) {
		t.Fatal("pricing/catalog_gen.go is stale: run go generate ./pricing and commit the result")
	}
}

func TestRunRejectsBadDate(t *testing.T) {
	for _, d := range []string{"", "24/07/2026", "2026-13-01"} {
		if err := run("unused", "unused", d, "2026-01-01", filepath.Join(t.TempDir(), "x.go")); err == nil {
			t.Errorf("date %q accepted", d)
		}
	}
}

// TestGoLiteral checks the source writer on the shapes a price has: zero
// fields left out, nested and embedded structs, slices, sorted maps, and
// quoting.
func TestGoLiteral(t *testing.T) {
	p := pricing.Price{
		Provider: "p", Model: `m "q"`,
		Rates:        pricing.Rates{Input: 2_500_000, HasCacheRead: true},
		Tiers:        []pricing.Tier{{Above: 200_000, Rates: pricing.Rates{Input: 5}}},
		ServiceTiers: map[string]pricing.Rates{"priority": {Output: 7}, "batch": {Input: 1}},
	}
	var b strings.Builder
	if err := goLiteral(&b, reflect.ValueOf(p), true); err != nil {
		t.Fatal(err)
	}
	want := `Price{Provider: "p", Model: "m \"q\"", Rates: Rates{Input: 2500000, HasCacheRead: true}, ` +
		`Tiers: []Tier{{Above: 200000, Rates: Rates{Input: 5}}}, ` +
		`ServiceTiers: map[string]Rates{"batch": {Input: 1}, "priority": {Output: 7}}}`
	if got := b.String(); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if err := goLiteral(&b, reflect.ValueOf(struct{ f float64 }{1}), true); err == nil {
		t.Fatal("an unexported field was written")
	}
}
