package pricing

import (
	"strings"
	"testing"

	"github.com/byokhq/byok/providers"
)

// TestCorrectedPrices pins the figures of OpenAI's model pages (read
// 2026-12-06) in the embedded catalog: gpt-4o-mini-tts at $0.60 per
// million text input tokens and $12 per million audio output tokens
// (https://developers.openai.com/api/docs/models/gpt-4o-mini-tts), where
// LiteLLM lists $2.50 for the input; gpt-4o-transcribe at $2.50 audio
// input and $10 output, gpt-4o-mini-transcribe at $1.25 and $5 (LiteLLM's
// figures, which those pages state too).
func TestCorrectedPrices(t *testing.T) {
	cat := Default()
	for _, tc := range []struct {
		model                string
		input, output, audio int64 // per million tokens, micro-dollars
		audioIsInput, dated  bool
	}{
		{"gpt-4o-mini-tts", 600_000, 10_000_000, 12_000_000, false, true},
		{"gpt-4o-mini-tts-2025-03-20", 600_000, 10_000_000, 12_000_000, false, true},
		{"gpt-4o-mini-tts-2025-12-15", 600_000, 10_000_000, 12_000_000, false, true},
		{"gpt-4o-transcribe", 2_500_000, 10_000_000, 2_500_000, true, false},
		{"gpt-4o-mini-transcribe", 1_250_000, 5_000_000, 1_250_000, true, false},
	} {
		p, ok := cat.Lookup("openai", tc.model)
		if !ok {
			t.Fatalf("openai/%s is not in the catalog", tc.model)
		}
		audio := p.OutputAudio
		if tc.audioIsInput {
			audio = p.InputAudio
		}
		if int64(p.Input) != tc.input || int64(p.Output) != tc.output || int64(audio) != tc.audio {
			t.Errorf("%s: input %d, output %d, audio %d; want %d, %d, %d", tc.model, p.Input, p.Output, audio, tc.input, tc.output, tc.audio)
		}
		// A corrected price is dated the day OpenAI's page was read, so
		// events priced at LiteLLM's figure keep a reference of their own.
		if corrected := p.Date == "2026-12-06" && strings.Contains(p.Origin, "corrected from https://developers.openai.com/"); corrected != tc.dated {
			t.Errorf("%s: dated %s, origin %q; corrected %v, want %v", tc.model, p.Date, p.Origin, corrected, tc.dated)
		}
	}
	// 14 text tokens in, 101 audio tokens out, as OpenAI's speech stream
	// reports them: 14 × $0.60/M + 101 × $12/M.
	b := cat.Price("openai", "gpt-4o-mini-tts", providers.Usage{Input: 14, Output: 101, OutputAudio: 101}, 0)
	if b.Total != 1_220_400 {
		t.Errorf("gpt-4o-mini-tts, 14 in / 101 audio out: %s, want $0.0012204", b.Total)
	}
}

// TestCorrectOnlyWhatItWasWrittenAgainst: a correction replaces LiteLLM's
// wrong figure and nothing else: another provider's model of the same
// name, or a figure LiteLLM has since changed, is left as the file says.
func TestCorrectOnlyWhatItWasWrittenAgainst(t *testing.T) {
	prices := []Price{
		{Provider: "openai", Model: "gpt-4o-mini-tts", Rates: Rates{Input: 2_500_000, Output: 10_000_000}, Origin: "litellm:gpt-4o-mini-tts"},
		{Provider: "openai", Model: "gpt-4o-mini-tts-2025-12-15", Rates: Rates{Input: 700_000}, Origin: "litellm:gpt-4o-mini-tts-2025-12-15"},
		{Provider: "azure", Model: "gpt-4o-mini-tts", Rates: Rates{Input: 2_500_000}, Origin: "litellm:azure/gpt-4o-mini-tts"},
		{Provider: "openai", Model: "gpt-4o-mini", Rates: Rates{Input: 150_000}},
	}
	changed := Correct(prices)
	if len(changed) != 1 || changed[0] != "openai/gpt-4o-mini-tts" {
		t.Fatalf("changed %v, want only openai/gpt-4o-mini-tts", changed)
	}
	if p := prices[0]; p.Input != 600_000 || p.Output != 10_000_000 || p.Date != "2026-12-06" ||
		!strings.HasPrefix(p.Origin, "litellm:gpt-4o-mini-tts; input price corrected from https://developers.openai.com/api/docs/models/gpt-4o-mini-tts") {
		t.Errorf("corrected %+v", p)
	}
	if prices[1].Input != 700_000 || prices[2].Input != 2_500_000 || prices[3].Input != 150_000 {
		t.Errorf("left alone: %d, %d, %d", prices[1].Input, prices[2].Input, prices[3].Input)
	}
	for _, c := range corrections {
		if !strings.HasPrefix(c.Source, "https://") || c.Checked == "" || c.Was == c.Is || c.field(&Price{}) == nil {
			t.Errorf("a correction without a source page, a day, a change or a field it knows: %+v", c)
		}
	}
}
