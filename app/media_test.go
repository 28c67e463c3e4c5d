package app

import (
	"context"
	"testing"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/store"
)

// TestMediaEventsKeepTheirUnits records an image, a transcription, a
// speech request and a free poll, then re-prices them: each keeps its
// units and its cost (an image re-priced from its tokens alone would read
// $0), and the free call stays free.
func TestMediaEventsKeepTheirUnits(t *testing.T) {
	a := openHome(t, t.TempDir(), "[providers.openai]\nno_key = true\nbase_url = \"http://127.0.0.1:9/v1\"\n")
	ctx := context.Background()
	cases := []struct {
		model string
		free  bool
		u     providers.Usage
		cost  money.USD
	}{
		{"dall-e-3", false, providers.Usage{Images: 2, ImageSize: "1792x1024", ImageQuality: "hd"}, 240_000_000},
		{"gpt-image-1", false, providers.Usage{Input: 50, InputImage: 40, Output: 4160, OutputImage: 4160, Images: 1}, 166_850_000},
		{"whisper-1", false, providers.Usage{AudioMillis: 9600}, 1_000_000},
		{"tts-1", false, providers.Usage{Characters: 1000, AudioMillis: 61_000}, 15_000_000},
		{"(GET models)", true, providers.Usage{}, 0},
	}
	for _, c := range cases {
		r, err := a.Begin(ctx, Call{Provider: "openai", Model: c.model, Source: store.SourceProxy, Free: c.free})
		if err != nil {
			t.Fatal(err)
		}
		out, err := r.Finish(ctx, providers.Result{Status: 200, Usage: c.u, HasUsage: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if out.Event.Cost != c.cost {
			t.Errorf("%s recorded at %s, want %s", c.model, out.Event.Cost, c.cost)
		}
	}
	diffs, err := a.Reprice(ctx, time.Time{}, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Errorf("re-pricing changed %d events of %s: %s → %s", d.Events, d.Provider, d.Old, d.New)
	}
	evs, err := a.Store.Events(ctx, store.Filter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	byModel := map[string]store.Event{}
	for _, e := range evs {
		byModel[e.Model] = e
	}
	for _, c := range cases {
		e := byModel[c.model]
		if e.Cost != c.cost || e.Units != store.UnitsOf(c.u) {
			t.Errorf("%s read back: %s, units %+v; want %s, %+v", c.model, e.Cost, e.Units, c.cost, store.UnitsOf(c.u))
		}
	}
	if e := byModel["(GET models)"]; e.CostState != pricing.Computed {
		t.Errorf("the free call is %s after re-pricing", e.CostState)
	}
}

// TestImageWorstCase: a budget is checked against the dearest image a
// request allows before it is made. GPT Image bills its pictures as output
// tokens only the reply reports, so the bound comes from the per-image
// entries: the size and quality asked, or the dearest of them when the
// request leaves either open.
func TestImageWorstCase(t *testing.T) {
	a := openHome(t, t.TempDir(), "[providers.openai]\nno_key = true\nbase_url = \"http://127.0.0.1:9/v1\"\n")
	ctx := context.Background()
	cases := []struct {
		model, size, quality string
		n                    int64
		atLeast, below       money.USD
	}{
		{"gpt-image-1", "", "", 1, 250_000_000, 260_000_000},                  // 1024x1536 or 1536x1024 high: $0.25
		{"gpt-image-1", "1024x1024", "", 2, 2 * 167_000_000, 2 * 175_000_000}, // 1024x1024 high: $0.167 each
		{"gpt-image-1", "1024x1024", "low", 1, 11_000_000, 20_000_000},        // $0.011
		{"dall-e-3", "1792x1024", "hd", 1, 120_000_000, 121_000_000},          // $0.12
	}
	for _, c := range cases {
		worst, _, err := a.Estimate(ctx, Call{Provider: "openai", Model: c.model,
			Units: providers.Usage{Images: c.n, ImageSize: c.size, ImageQuality: c.quality}})
		if err != nil {
			t.Fatal(err)
		}
		if worst < c.atLeast || worst >= c.below {
			t.Errorf("%s %s %s ×%d: worst case %s, want from %s to under %s", c.model, c.size, c.quality, c.n, worst, c.atLeast, c.below)
		}
	}
}
