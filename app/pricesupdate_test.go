package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/store"
)

// priceServer serves a LiteLLM price file (switchable, with an ETag per
// file) and OpenRouter's model list, as raw.githubusercontent.com and
// openrouter.ai do.
type priceServer struct {
	*httptest.Server
	mu          sync.Mutex
	file        string // testdata file served at /litellm.json
	conditional []string
	routerDown  bool
}

func newPriceServer(t *testing.T) *priceServer {
	t.Helper()
	ps := &priceServer{file: "litellm-2026-07-24.json"}
	ps.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ps.mu.Lock()
		file, routerDown := ps.file, ps.routerDown
		ps.mu.Unlock()
		switch r.URL.Path {
		case "/litellm.json":
			etag := `"` + file + `"`
			if inm := r.Header.Get("If-None-Match"); inm != "" {
				ps.mu.Lock()
				ps.conditional = append(ps.conditional, inm)
				ps.mu.Unlock()
				if inm == etag {
					w.WriteHeader(http.StatusNotModified)
					return
				}
			}
			w.Header().Set("ETag", etag)
			http.ServeFile(w, r, "testdata/prices/"+file)
		case "/api/v1/models":
			if routerDown {
				http.Error(w, `{"error":{"code":503,"message":"upstream down"}}`, http.StatusServiceUnavailable)
				return
			}
			if r.Header.Get("Authorization") != "" {
				t.Errorf("the model list was asked for with a key")
			}
			http.ServeFile(w, r, "testdata/prices/openrouter-models.json")
		case "/html":
			fmt.Fprint(w, "<html><body>Sign in to the network</body></html>")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ps.Close)
	return ps
}

func (ps *priceServer) serve(file string) {
	ps.mu.Lock()
	ps.file = file
	ps.mu.Unlock()
}

func (ps *priceServer) cfg() string {
	return fmt.Sprintf("[providers.openrouter]\nbase_url = %q\n", ps.URL+"/api/v1")
}

// recordTerra records one gpt-5.6-terra request priced with the catalog in
// use, as the request path does.
func recordTerra(t *testing.T, a *App) int64 {
	t.Helper()
	u := providers.Usage{Input: 100_000, Output: 10_000}
	b := a.Catalog().Price("openai", "gpt-5.6-terra", u, 0)
	e := &store.Event{Time: a.Now().UTC().Add(-time.Hour), Source: store.SourceCLI, Provider: "openai", Model: "gpt-5.6-terra",
		Status: store.StatusOK, InputTokens: u.Input, OutputTokens: u.Output, Cost: b.Total, CostState: b.State, PriceRef: b.Ref}
	id, err := a.db.Record(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func eventCost(t *testing.T, a *App, id int64) money.USD {
	t.Helper()
	e, err := a.Store.Event(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return e.Cost
}

func TestUpdatePrices(t *testing.T) {
	ctx := context.Background()
	ps := newPriceServer(t)
	home := t.TempDir()
	a := openHome(t, home, ps.cfg())
	embedded := pricing.Default().Date()
	today := a.Now().In(a.Location()).Format(time.DateOnly)
	src := ps.URL + "/litellm.json"

	// 1. The file of 2026-07-24 changes no price the catalog has; OpenRouter
	// adds the two models neither source listed before, the router stays out.
	rep, err := a.UpdatePrices(ctx, UpdateOptions{From: src})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Diff.Changed) != 0 || len(rep.Diff.Removed) != 0 {
		t.Fatalf("the same prices changed %d models and removed %d: %+v", len(rep.Diff.Changed), len(rep.Diff.Removed), rep.Diff.Changed)
	}
	var added []string
	for _, p := range rep.Diff.Added {
		added = append(added, p.Name())
	}
	if got := strings.Join(added, " "); got != "openrouter/nousresearch/hermes-4-70b openrouter/x-ai/grok-code-fast-1" {
		t.Fatalf("added %q", got)
	}
	if rep.OpenRouter.Models != 3 || rep.OpenRouter.Added != 2 || rep.OpenRouter.Error != "" {
		t.Fatalf("OpenRouter %+v", rep.OpenRouter)
	}
	if rep.Snapshot == "" || rep.Date != today || rep.Previous != embedded {
		t.Fatalf("snapshot %q dated %s after %s", rep.Snapshot, rep.Date, rep.Previous)
	}
	if fi, err := os.Stat(rep.Snapshot); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("snapshot file: %v %v", fi, err)
	}
	grok, ok := a.Catalog().Lookup("openrouter", "x-ai/grok-code-fast-1")
	if !ok || grok.Input != 200_000 || grok.Output != 1_500_000 || !grok.HasCacheRead || grok.CacheRead != 20_000 ||
		grok.Date != today || grok.Ref != "catalog:"+today+":openrouter/x-ai/grok-code-fast-1" || grok.MaxInput != 256_000 {
		t.Fatalf("grok-code-fast-1 from OpenRouter: %+v", grok)
	}
	// Models the excerpt does not list keep their price and its date; those
	// it lists unchanged keep theirs too.
	for _, name := range []string{"openai/gpt-4o", "openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5"} {
		p, ok := a.Catalog().Lookup("", name)
		if !ok || p.Date != embedded {
			t.Fatalf("%s after the update: %+v %v", name, p, ok)
		}
	}
	if len(rep.Retired) < 1000 {
		t.Fatalf("%d models reported as no longer listed", len(rep.Retired))
	}

	// A request priced now keeps its price through the next update.
	id := recordTerra(t, a)
	before := eventCost(t, a, id)

	// 2. Nothing new: the server answers 304 to the ETag of the download.
	rep, err = a.UpdatePrices(ctx, UpdateOptions{From: src})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.NotModified || rep.Changed() || rep.Snapshot != "" {
		t.Fatalf("second update: not modified %v, changed %v, snapshot %q", rep.NotModified, rep.Changed(), rep.Snapshot)
	}
	if len(ps.conditional) != 1 || ps.conditional[0] != `"litellm-2026-07-24.json"` {
		t.Fatalf("conditional requests %q", ps.conditional)
	}

	// 3. The later file cuts gpt-5.6-terra and drops o3.
	ps.serve("litellm-2026-07-30.json")
	rep, err = a.UpdatePrices(ctx, UpdateOptions{From: src})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Diff.Changed) != 1 || rep.Diff.Changed[0].Name != "openai/gpt-5.6-terra" {
		t.Fatalf("changed %+v", rep.Diff.Changed)
	}
	got := map[string]string{}
	for _, c := range rep.Diff.Changed[0].Changes {
		got[c.Field] = c.Old + " → " + c.New
	}
	// The batch row has no cache-read price of its own in the file and
	// takes the base one, so it changes with it.
	want := map[string]string{"input": "2.5 → 2", "output": "15 → 12", "cache_read": "0.25 → 0.2", "service_tiers.batch.cache_read": "0.25 → 0.2"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("changes %v, want %v", got, want)
	}
	o3, ok := a.Catalog().Lookup("openai", "o3")
	if !ok || o3.Date != embedded || o3.Input != 2_000_000 {
		t.Fatalf("o3, no longer listed, keeps its price: %+v %v", o3, ok)
	}
	found := false
	for _, p := range rep.Retired {
		found = found || p.Name() == "openai/o3"
	}
	if !found {
		t.Fatal("o3 is not reported as no longer listed")
	}
	if c := eventCost(t, a, id); c != before {
		t.Fatalf("the update re-priced a past request: %s, was %s", c, before)
	}

	// 4. Re-pricing since before the request charges it the new price.
	rep, err = a.UpdatePrices(ctx, UpdateOptions{From: src, RepriceSince: a.Now().Add(-2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	// 100k input at $2 + 10k output at $12 per million = $0.20 + $0.12
	// (it was $0.25 + $0.15).
	if before != 40*money.Cent {
		t.Fatalf("priced at %s before the update, want $0.40", before)
	}
	if c := eventCost(t, a, id); c != 32*money.Cent || len(rep.Repriced) != 1 || rep.Repriced[0].Events != 1 {
		t.Fatalf("after re-pricing: %s, %+v (was %s)", c, rep.Repriced, before)
	}

	// 5. The snapshot is the catalog of the next process.
	b := openHome(t, home, "")
	terra, ok := b.Catalog().Lookup("openai", "gpt-5.6-terra")
	if !ok || terra.Input != 2_000_000 || terra.Date != today || b.Catalog().Date() != today {
		t.Fatalf("reopened: %+v, catalog of %s", terra, b.Catalog().Date())
	}
	if mini, _ := b.Catalog().Lookup("openai", "gpt-4o-mini"); mini.Date != embedded {
		t.Fatalf("an unchanged price lost its date on reopening: %+v", mini)
	}
}

func TestUpdatePricesKeepsTheCatalogOnFailure(t *testing.T) {
	ctx := context.Background()
	ps := newPriceServer(t)
	a := openHome(t, t.TempDir(), ps.cfg())
	date := a.Catalog().Date()

	gone := httptest.NewServer(http.NotFoundHandler())
	offline := gone.URL + "/litellm.json"
	gone.Close()

	tests := []struct {
		name, from string
		offline    bool
		want       string
	}{
		{"offline", offline, true, "cannot reach"},
		{"not a price file", ps.URL + "/html", false, "is not a LiteLLM price file"},
		{"not found", ps.URL + "/nothing.json", false, "HTTP 404"},
		{"missing file", "testdata/prices/no-such-file.json", false, "cannot read"},
		{"no known provider", "testdata/prices/openrouter-models.json", false, "not a LiteLLM price file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.UpdatePrices(ctx, UpdateOptions{From: tt.from})
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "the catalog of "+date+" stays") {
				t.Fatalf("error %v, want one saying %q and that the catalog stays", err, tt.want)
			}
			if errors.Is(err, ErrOffline) != tt.offline {
				t.Fatalf("errors.Is(err, ErrOffline) = %v", !tt.offline)
			}
			if a.Catalog().Date() != date {
				t.Fatalf("the catalog changed to %s", a.Catalog().Date())
			}
		})
	}

	// OpenRouter down: the update goes on from LiteLLM's file alone.
	ps.mu.Lock()
	ps.routerDown = true
	ps.mu.Unlock()
	rep, err := a.UpdatePrices(ctx, UpdateOptions{From: "testdata/prices/litellm-2026-07-30.json"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.OpenRouter.Error, "503") || len(rep.Diff.Changed) != 1 {
		t.Fatalf("OpenRouter %+v, changed %+v", rep.OpenRouter, rep.Diff.Changed)
	}
}

func TestUpdatePricesDamagedSnapshot(t *testing.T) {
	home := t.TempDir()
	a := openHome(t, home, "")
	if err := os.MkdirAll(a.pricesDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(a.pricesDir()+"/catalog-2099-01-01.json", []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	b := openHome(t, home, "")
	if b.Catalog().Date() != pricing.Default().Date() || !strings.Contains(b.CatalogNote(), "cannot be read") {
		t.Fatalf("catalog %s, note %q", b.Catalog().Date(), b.CatalogNote())
	}
}

// TestUpdatePricesKeepsCorrections: a fresh LiteLLM file that still has
// the figure byok corrects (gpt-4o-mini-tts's text input, $2.50 where
// OpenAI's page says $0.60) does not bring it back; one that has since
// changed it is taken as it is.
func TestUpdatePricesKeepsCorrections(t *testing.T) {
	ctx := context.Background()
	ps := newPriceServer(t)
	a := openHome(t, t.TempDir(), ps.cfg())
	file := filepath.Join(t.TempDir(), "litellm.json")
	write := func(input string) {
		t.Helper()
		body := `{"gpt-4o-mini-tts":{"input_cost_per_token":` + input + `,"litellm_provider":"openai","mode":"audio_speech",` +
			`"output_cost_per_audio_token":1.2e-05,"output_cost_per_second":0.00025,"output_cost_per_token":1e-05}}`
		if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		litellm string
		want    money.PerMillion
	}{
		{"2.5e-06", 600_000}, // LiteLLM's figure: corrected
		{"7e-07", 700_000},   // a figure LiteLLM changed since: taken as it is
	} {
		write(tc.litellm)
		if _, err := a.UpdatePrices(ctx, UpdateOptions{From: file}); err != nil {
			t.Fatal(err)
		}
		p, ok := a.Catalog().Lookup("openai", "gpt-4o-mini-tts")
		if !ok || p.Input != tc.want || p.OutputAudio != 12_000_000 {
			t.Errorf("LiteLLM at %s per token: input %d, audio output %d; want %d and 12000000", tc.litellm, p.Input, p.OutputAudio, tc.want)
		}
	}
}
