package pricing

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/providers"
)

// TestMediaCost prices the seeds' per-unit work from the embedded catalog.
// Every expected figure is OpenAI's or Black Forest Labs' published price,
// worked out by hand in the comment beside it.
func TestMediaCost(t *testing.T) {
	c := Default()
	cases := []struct {
		name            string
		provider, model string
		usage           providers.Usage
		lines           []Line
		total           money.USD
		state           State
	}{
		{
			name: "DALL·E 3 hd 1792x1024, two images", provider: "openai", model: "dall-e-3",
			usage: providers.Usage{Images: 2, ImageSize: "1792x1024", ImageQuality: "hd"},
			lines: []Line{{LineImage, 2, 120_000_000_000, 240_000_000}}, // 2 × $0.12
			total: 240_000_000, state: Computed,
		},
		{
			name: "DALL·E 3 standard 1024x1024", provider: "openai", model: "dall-e-3",
			usage: providers.Usage{Images: 1, ImageSize: "1024x1024", ImageQuality: "standard"},
			lines: []Line{{LineImage, 1, 40_000_000_000, 40_000_000}}, // $0.04
			total: 40_000_000, state: Computed,
		},
		{
			name: "DALL·E 2 512x512, read back from a per-pixel price", provider: "openai", model: "dall-e-2",
			usage: providers.Usage{Images: 3, ImageSize: "512x512"},
			lines: []Line{{LineImage, 3, 18_000_000_000, 54_000_000}}, // 3 × $0.018
			total: 54_000_000, state: Computed,
		},
		{
			name: "gpt-image-1 by its reported tokens, not per image", provider: "openai", model: "gpt-image-1",
			usage: providers.Usage{Input: 50, InputImage: 40, Output: 4160, OutputImage: 4160, Images: 1, ImageSize: "1024x1024", ImageQuality: "high"},
			lines: []Line{
				{LineInput, 10, 5_000_000, 50_000},               // 10 text tokens × $5/M
				{LineInputImage, 40, 10_000_000, 400_000},        // 40 image tokens × $10/M
				{LineOutputImage, 4160, 40_000_000, 166_400_000}, // 4160 image tokens × $40/M
			},
			total: 166_850_000, state: Computed,
		},
		{
			name: "whisper-1, 9.6 seconds billed as 10", provider: "openai", model: "whisper-1",
			usage: providers.Usage{AudioMillis: 9600},
			lines: []Line{{LineSecond, 10, 100_000_000, 1_000_000}}, // 10 s × $0.0001 ($0.006 a minute)
			total: 1_000_000, state: Computed,
		},
		{
			name: "gpt-4o-transcribe by its tokens", provider: "openai", model: "gpt-4o-transcribe",
			usage: providers.Usage{Input: 14, InputAudio: 14, Output: 45, AudioMillis: 9600},
			lines: []Line{
				{LineInputAudio, 14, 2_500_000, 35_000}, // 14 audio tokens × $2.50/M (LiteLLM and OpenAI's model page agree)
				{LineOutput, 45, 10_000_000, 450_000},   // 45 × $10/M
			},
			total: 485_000, state: Computed,
		},
		{
			name: "tts-1 per character", provider: "openai", model: "tts-1",
			usage: providers.Usage{Characters: 1000, AudioMillis: 61_000},
			lines: []Line{{LineCharacter, 1000, 15_000_000, 15_000_000}}, // 1000 × $15/M characters
			total: 15_000_000, state: Computed,
		},
		{
			name: "gpt-4o-mini-tts without reported tokens: per second, estimated", provider: "openai", model: "gpt-4o-mini-tts",
			usage: providers.Usage{Characters: 200, AudioMillis: 12_400},
			lines: []Line{{LineSecond, 12, 250_000_000, 3_000_000}}, // 12 s × $0.00025 ($0.015 a minute)
			total: 3_000_000, state: Estimated,
		},
		{
			name: "FLUX1.1 [pro] per image", provider: "bfl", model: "flux-pro-1.1",
			usage: providers.Usage{Images: 1},
			lines: []Line{{LineImage, 1, 40_000_000_000, 40_000_000}}, // $0.04
			total: 40_000_000, state: Computed,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := c.Price(tc.provider, tc.model, tc.usage, 0)
			if !reflect.DeepEqual(b.Lines, tc.lines) || b.Total != tc.total || b.State != tc.state {
				t.Fatalf("got %+v total %d %s, want %+v total %d %s", b.Lines, b.Total, b.State, tc.lines, tc.total, tc.state)
			}
		})
	}
}

// TestMediaUnpriced: units a price cannot cover leave the request unpriced
// with its fallback, never at $0 or at some other size's price.
func TestMediaUnpriced(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		name            string
		provider, model string
		usage           providers.Usage
	}{
		{"a size DALL·E 3 does not make", "openai", "dall-e-3", providers.Usage{Images: 1, ImageSize: "512x512", ImageQuality: "standard"}},
		{"seconds of a model priced per character", "openai", "tts-1", providers.Usage{AudioMillis: 5000}},
		{"images of a chat model", "openai", "gpt-4o-mini", providers.Usage{Images: 1}},
		{"characters of a transcription model", "openai", "whisper-1", providers.Usage{Characters: 30}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := c.Price(tc.provider, tc.model, tc.usage, 0)
			if b.State != Unpriced || b.Total != 0 {
				t.Fatalf("got %s %d, want unpriced", b.State, b.Total)
			}
		})
	}
}

// TestImageFor picks the size and quality row, falls back to the size's
// row without a quality, and refuses sizes the model does not list.
func TestImageFor(t *testing.T) {
	p := Price{PerImage: 40_000_000, Images: []ImagePrice{
		{Size: "1024x1024", Quality: "hd", PerImage: 80_000_000},
		{Size: "1024x1024", Quality: "standard", PerImage: 40_000_000},
		{Size: "256x256", PerImage: 16_000_000},
	}}
	for _, tc := range []struct {
		size, quality string
		want          money.USD
		ok            bool
	}{
		{"1024x1024", "hd", 80_000_000, true},
		{"1024-x-1024", "HD", 80_000_000, true},
		{"256x256", "standard", 16_000_000, true},
		{"", "", 40_000_000, true},
		{"1792x1024", "hd", 0, false},
		{"1024x1024", "ultra", 0, false},
	} {
		got, ok := p.ImageFor(tc.size, tc.quality)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ImageFor(%q, %q) = %d, %v; want %d, %v", tc.size, tc.quality, got, ok, tc.want, tc.ok)
		}
	}
}

// TestWorstImage: what a size or quality left open could cost, the
// request's spelling normalised as ImageFor's is, never below PerImage.
func TestWorstImage(t *testing.T) {
	p := Price{PerImage: 40_000_000, Images: []ImagePrice{
		{Size: "1024x1024", Quality: "hd", PerImage: 80_000_000},
		{Size: "1024x1024", Quality: "standard", PerImage: 40_000_000},
		{Size: "256x256", PerImage: 16_000_000},
		{Size: "1792x1024", Quality: "hd", PerImage: 120_000_000},
	}}
	for _, tc := range []struct {
		size, quality string
		want          money.USD
	}{
		{"", "", 120_000_000},
		{"1024-x-1024", "", 80_000_000},
		{" 1024X1024 ", "Standard", 40_000_000},
		{"", "standard", 40_000_000},
		{"", "HD", 120_000_000},
		{"512x512", "", 40_000_000},
	} {
		if got := p.WorstImage(tc.size, tc.quality); got != tc.want {
			t.Errorf("WorstImage(%q, %q) = %d; want %d", tc.size, tc.quality, got, tc.want)
		}
	}
	if got := (Price{PerImage: 5}).WorstImage("1024x1024", "hd"); got != 5 {
		t.Errorf("no entries: WorstImage = %d; want PerImage, 5", got)
	}
}

// TestLiteLLMImageVariants folds LiteLLM's size and quality entries into
// their model, per-image and per-pixel alike, and keeps audio models with
// their per-second, per-character and audio-token prices.
func TestLiteLLMImageVariants(t *testing.T) {
	src := `{
	"dall-e-3": {"litellm_provider": "openai", "mode": "image_generation", "input_cost_per_image": 0.04},
	"hd/1024-x-1792/dall-e-3": {"litellm_provider": "openai", "mode": "image_generation", "input_cost_per_pixel": 6.539e-08, "output_cost_per_pixel": 0.0},
	"standard/1024-x-1024/dall-e-3": {"litellm_provider": "openai", "mode": "image_generation", "input_cost_per_pixel": 3.81469e-08, "output_cost_per_pixel": 0.0},
	"low/1024-x-1024/gpt-image-9": {"litellm_provider": "openai", "mode": "image_generation", "input_cost_per_image": 0.011},
	"whisper-1": {"litellm_provider": "openai", "mode": "audio_transcription", "input_cost_per_second": 0.0001, "output_cost_per_second": 0.0001},
	"tts-1": {"litellm_provider": "openai", "mode": "audio_speech", "input_cost_per_character": 1.5e-05},
	"gpt-4o-transcribe": {"litellm_provider": "openai", "mode": "audio_transcription", "input_cost_per_token": 2.5e-06, "input_cost_per_audio_token": 6e-06, "output_cost_per_token": 1e-05},
	"black_forest_labs/flux-dev": {"litellm_provider": "black_forest_labs", "mode": "image_generation", "output_cost_per_image": 0.025}
}`
	imp, got := parseLiteLLM(t, src)
	d3 := got["openai/dall-e-3"]
	wantImages := []ImagePrice{{"1024x1024", "standard", 40_000_000}, {"1024x1792", "hd", 120_000_000}}
	if d3.PerImage != 40_000_000 || !reflect.DeepEqual(d3.Images, wantImages) {
		t.Errorf("dall-e-3: per image %d, images %+v; want 40000000, %+v", d3.PerImage, d3.Images, wantImages)
	}
	if w := got["openai/whisper-1"]; w.PerSecond != 100_000 {
		t.Errorf("whisper-1 per second = %d, want 100000 ($0.0001)", w.PerSecond)
	}
	if s := got["openai/tts-1"]; s.PerCharacter != 15_000 {
		t.Errorf("tts-1 per character = %d, want 15000 ($0.000015)", s.PerCharacter)
	}
	if g := got["openai/gpt-4o-transcribe"]; !g.HasInputAudio || g.InputAudio != 6_000_000 {
		t.Errorf("gpt-4o-transcribe audio input = %d (%v), want $6/M", g.InputAudio, g.HasInputAudio)
	}
	if f := got["bfl/flux-dev"]; f.PerImage != 25_000_000 {
		t.Errorf("bfl/flux-dev per image = %d, want $0.025", f.PerImage)
	}
	var orphan bool
	for _, s := range imp.Skipped {
		orphan = orphan || s.Key == "low/1024-x-1024/gpt-image-9"
	}
	if !orphan {
		t.Errorf("a size entry of a model the file does not price is not listed as skipped: %+v", imp.Skipped)
	}
}

// TestMediaPriceJSON: the new fields survive the byok JSON format that
// overrides and imports are written in.
func TestMediaPriceJSON(t *testing.T) {
	p := Price{Provider: "openai", Model: "m", Mode: "image_generation",
		Rates: Rates{Input: 5_000_000}, PerCharacter: 15_000, PerSecond: 100_000,
		Images: []ImagePrice{{"1024x1024", "hd", 80_000_000}, {"256x256", "", 16_000_000}},
		Modal:  Modal{InputImage: 10_000_000, HasInputImage: true, OutputAudio: 12_000_000, HasOutputAudio: true}}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back Price
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, p) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", back, p)
	}
	if err := json.Unmarshal([]byte(`{"provider":"openai","model":"m","images":[{"per_image":"0.04"}]}`), &back); err == nil {
		t.Error("an image price without a size was accepted")
	}
}

// TestMediaFallback: an unpriced media request counts for budgets at the
// model's dearest per-unit price, never at $0.
func TestMediaFallback(t *testing.T) {
	c := Default()
	b := c.Price("openai", "dall-e-3", providers.Usage{Images: 2, ImageSize: "512x512"}, 0)
	if b.State != Unpriced || b.Fallback != 240_000_000 { // 2 × $0.12, the dearest DALL·E 3 image
		t.Errorf("dall-e-3 at an unlisted size: %s, fallback %d; want unpriced, 240000000", b.State, b.Fallback)
	}
	b = c.Price("openai", "whisper-1", providers.Usage{Unmeasured: true}, 0)
	if b.State != Unpriced || b.Fallback != 100_000 { // a second at $0.0001
		t.Errorf("whisper-1 of unknown length: %s, fallback %d; want unpriced, 100000", b.State, b.Fallback)
	}
}
