// Command gen builds pricing/catalog_gen.go, byok's embedded price catalog,
// from LiteLLM's price file and catwalk's provider files. Run it with
// `go generate ./pricing`.
//
// The catalog is written as Go source, a literal of every price, so the
// binary starts with the prices in place instead of parsing a file first.
//
// LiteLLM gives the prices, tiers and cache prices, with the corrections of
// pricing/corrections.go applied where a provider's own page says
// otherwise; catwalk adds models of
// byok's built-in providers that LiteLLM does not list yet, with their base
// input and output prices only. Only built-in providers are kept; Vertex AI
// is left out (byok talks to the Gemini API).
//
// Both sources live, with their licences, in testdata/ next to this file
// (testdata/SOURCES.md says where and when they were taken), so the catalog
// can be rebuilt from the repository alone.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/byokhq/byok/pricing"
)

// builtin are the byok providers whose prices the catalog carries. Ollama
// and LM Studio are local: the catalog prices all their models at 0 by rule.
var builtin = map[string]bool{
	"openai": true, "anthropic": true, "google": true, "openrouter": true, "groq": true,
	"together": true, "fireworks": true, "deepseek": true, "mistral": true, "xai": true,
	"cerebras": true, "perplexity": true, "nvidia": true, "sambanova": true, "novita": true,
	"hyperbolic": true, "chutes": true, "akash": true, "morpheus": true, "vercel": true,
	"azure": true, "bedrock": true, "bfl": true,
}

var local = []string{"lmstudio", "ollama"}

func main() {
	litellm := flag.String("litellm", "internal/gen/testdata/litellm_model_prices.json", "LiteLLM price file (relative to pricing/, where go generate runs)")
	catwalk := flag.String("catwalk", "internal/gen/testdata/catwalk", "directory of catwalk provider files")
	date := flag.String("date", "", "day the prices were taken (YYYY-MM-DD); required")
	generated := flag.String("generated", time.Now().UTC().Format(time.DateOnly), "day of generation (YYYY-MM-DD)")
	out := flag.String("out", "catalog_gen.go", "Go file to write")
	flag.Parse()
	if err := run(*litellm, *catwalk, *date, *generated, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(litellmPath, catwalkDir, date, generated, out string) error {
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return fmt.Errorf("-date %q: give the day the prices were taken as YYYY-MM-DD", date)
	}
	imp, err := readFile(litellmPath, pricing.ParseLiteLLM)
	if err != nil {
		return fmt.Errorf("LiteLLM file: %w", err)
	}
	var prices []pricing.Price
	for _, p := range imp.Prices {
		if builtin[p.Provider] {
			prices = append(prices, p)
		}
	}
	// Where LiteLLM's figure contradicts the provider's own page, the
	// provider's wins (pricing/corrections.go names the page).
	corrected := pricing.Correct(prices)
	fromLiteLLM := len(prices)

	files, err := filepath.Glob(filepath.Join(catwalkDir, "*.json"))
	if err != nil {
		return fmt.Errorf("list catwalk files: %w", err)
	}
	sort.Strings(files)
	for _, name := range files {
		ps, err := readFile(name, pricing.ImportCatwalk)
		if err != nil {
			return fmt.Errorf("catwalk file %s: %w", filepath.Base(name), err)
		}
		for _, p := range ps {
			if builtin[p.Provider] {
				prices = append(prices, p)
			}
		}
	}
	// LiteLLM comes first, so where both list a model its richer record
	// wins; a catwalk model is added only when no spelling of it is known.
	merged := pricing.Merge(pricing.CatalogInfo{Date: date}, prices[:fromLiteLLM], prices[fromLiteLLM:])
	var kept []pricing.Price
	for _, prov := range merged.Providers() {
		kept = append(kept, merged.Models(prov)...)
	}
	for i := range kept {
		// A corrected price keeps the day its provider's page was read.
		if !slices.Contains(corrected, kept[i].Name()) {
			kept[i].Date = ""
		}
		kept[i].Source, kept[i].Ref = "", ""
	}
	source := "LiteLLM model_prices_and_context_window.json (BerriAI/litellm, MIT) as of " + date +
		"; model lists from charmbracelet/catwalk provider files (MIT)"
	if len(corrected) > 0 {
		source += fmt.Sprintf("; %d prices corrected from the providers' own pages (pricing/corrections.go)", len(corrected))
	}
	if strings.TrimSpace(generated) == "" {
		generated = time.Now().UTC().Format(time.DateOnly)
	}
	cat := pricing.NewCatalog(pricing.CatalogInfo{Date: date, Generated: generated, Source: source, Local: local}, kept)
	src, err := goSource(cat)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, src, 0o644); err != nil {
		return fmt.Errorf("write catalog: %w", err)
	}
	fmt.Fprintf(os.Stderr, "gen: %d models across %d providers (%d from LiteLLM, %d of them corrected; %d from catwalk) -> %s\n",
		cat.Len(), len(cat.Providers()), fromLiteLLM, len(corrected), len(kept)-fromLiteLLM, out)
	return nil
}

// goSource writes cat as package pricing's catalogInfo and catalogPrices,
// one price per line so that a change of price reads well in a diff.
func goSource(cat *pricing.Catalog) ([]byte, error) {
	var body strings.Builder
	body.WriteString("// catalogInfo describes the embedded catalog.\nvar catalogInfo = ")
	if err := goLiteral(&body, reflect.ValueOf(cat.Info()), true); err != nil {
		return nil, fmt.Errorf("catalog info: %w", err)
	}
	body.WriteString("\n\n// catalogPrices are the embedded catalog's prices, sorted by provider and\n// model, with their source, date and reference filled in.\nvar catalogPrices = []Price{\n")
	for _, prov := range cat.Providers() {
		for _, p := range cat.Models(prov) {
			if err := goLiteral(&body, reflect.ValueOf(p), false); err != nil {
				return nil, fmt.Errorf("%s: %w", p.Name(), err)
			}
			body.WriteString(",\n")
		}
	}
	body.WriteString("}\n")

	var b bytes.Buffer
	b.WriteString("// Code generated by go generate ./pricing (pricing/internal/gen); DO NOT EDIT.\n\npackage pricing\n\n")
	if len(imports) > 0 {
		b.WriteString("import (\n")
		for _, p := range sortedImports() {
			fmt.Fprintf(&b, "\t%q\n", p)
		}
		b.WriteString(")\n\n")
	}
	b.WriteString(body.String())
	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("format the generated catalog: %w", err)
	}
	return src, nil
}

func sortedImports() []string {
	out := make([]string, 0, len(imports))
	for p := range imports {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// readFile reads the file at path with read.
func readFile[T any](path string, read func(io.Reader) (T, error)) (T, error) {
	f, err := os.Open(path)
	if err != nil {
		var zero T
		return zero, err
	}
	defer f.Close()
	return read(f)
}
