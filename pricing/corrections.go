package pricing

import (
	"fmt"
	"slices"

	"github.com/byokhq/byok/money"
)

// correction is a price LiteLLM's file states differently from the
// provider's own page. It is applied where LiteLLM's prices enter byok: by
// the generator of the embedded catalog (go generate ./pricing) and by
// `byok pricing update`. It replaces only the figure it was written
// against (Was): once LiteLLM's file fixes or changes that figure, the
// file's own figure is taken again and the correction stops applying.
type correction struct {
	Provider string
	// Models are the model and its dated snapshots, which share a price.
	Models []string
	// Field names the corrected price: "input" is the text input price per
	// million tokens.
	Field string
	// Was is LiteLLM's figure, Is the provider's.
	Was, Is money.PerMillion
	// Source is the provider's page that states Is, Checked the day it was
	// read.
	Source, Checked string
}

// corrections are the prices byok corrects. Checked against OpenAI's model
// pages on 2026-12-06 and kept as LiteLLM has them: gpt-4o-transcribe
// ($2.50 audio input, $10 output per million tokens) and
// gpt-4o-mini-transcribe ($1.25 and $5), whose pages
// (developers.openai.com/api/docs/models/gpt-4o-transcribe and
// compare?model=gpt-4o-mini-transcribe) state LiteLLM's figures.
var corrections = []correction{
	{
		// LiteLLM lists $2.50 per million text input tokens; OpenAI's model
		// page lists $0.60 (text input) and $12 (audio output), which
		// LiteLLM has right.
		Provider: "openai",
		Models:   []string{"gpt-4o-mini-tts", "gpt-4o-mini-tts-2025-03-20", "gpt-4o-mini-tts-2025-12-15"},
		Field:    "input", Was: 2_500_000, Is: 600_000,
		Source:  "https://developers.openai.com/api/docs/models/gpt-4o-mini-tts",
		Checked: "2026-12-06",
	},
}

// Correct applies the corrections to prices (LiteLLM's, as ParseLiteLLM
// read them) in place, notes each in the price's Origin, dates it the day
// the provider's page was read (so its reference differs from the one
// events priced at LiteLLM's figure carry), and returns the names of the
// prices it changed.
func Correct(prices []Price) []string {
	var changed []string
	for i := range prices {
		p := &prices[i]
		for _, c := range corrections {
			if p.Provider != c.Provider || !slices.Contains(c.Models, p.Model) {
				continue
			}
			field := c.field(p)
			if field == nil || *field != c.Was {
				continue
			}
			*field = c.Is
			p.Date = c.Checked
			p.Origin += fmt.Sprintf("; %s price corrected from %s (checked %s)", c.Field, c.Source, c.Checked)
			changed = append(changed, p.Name())
		}
	}
	return changed
}

// field points at the price a correction names.
func (c correction) field(p *Price) *money.PerMillion {
	switch c.Field {
	case "input":
		return &p.Input
	case "output":
		return &p.Output
	case "input_audio":
		return &p.InputAudio
	case "output_audio":
		return &p.OutputAudio
	}
	return nil
}
