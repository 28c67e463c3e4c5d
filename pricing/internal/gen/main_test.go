package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/byokhq/byok/pricing"
)

// TestCatalogUpToDate regenerates the catalog from the data files and
// compares it with the committed pricing/catalog.json, so a changed
// generator or importer cannot ship with a stale catalog.
func TestCatalogUpToDate(t *testing.T) {
	const data = "testdata"
	litellm := filepath.Join(data, "litellm_model_prices.json")
	committed, err := os.ReadFile("../../catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := pricing.ReadCatalog(bytes.NewReader(committed))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "catalog.json")
	if err := run(litellm, filepath.Join(data, "catwalk"), cat.Date(), cat.Info().Generated, out); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, committed) {
		t.Fatal("pricing/catalog.json is stale: run go generate ./pricing and commit the result")
	}
}

func TestRunRejectsBadDate(t *testing.T) {
	for _, d := range []string{"", "24/07/2026", "2026-13-01"} {
		if err := run("unused", "unused", d, "2026-01-01", filepath.Join(t.TempDir(), "x.json")); err == nil {
			t.Errorf("date %q accepted", d)
		}
	}
}
