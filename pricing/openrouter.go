package pricing

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/byokhq/byok/money"
)

// openRouterModels is the part of OpenRouter's public model list
// (GET /api/v1/models, no key) that carries prices: per model, decimal
// strings of dollars per token, per request or per search
// (docs/wire-formats.md §1.3).
type openRouterModels struct {
	Data []struct {
		ID            string            `json:"id"`
		ContextLength int64             `json:"context_length"`
		Pricing       map[string]string `json:"pricing"`
		TopProvider   struct {
			MaxCompletionTokens int64 `json:"max_completion_tokens"`
		} `json:"top_provider"`
	} `json:"data"`
}

// ParseOpenRouterModels reads OpenRouter's model list and returns a price
// for every model whose prices byok can use, as provider "openrouter" and
// the slug as model ("anthropic/claude-sonnet-4.5"). Per-token prices
// become micro-dollars per million by shifting the decimal point of their
// text. A router model priced "-1" (its price depends on where a request
// goes), a model without prompt and completion prices, and prices byok
// does not meter (per input image, per audio second) are left out, the
// skipped models listed with the reason.
func ParseOpenRouterModels(r io.Reader) (Import, error) {
	var imp Import
	var list openRouterModels
	if err := json.NewDecoder(r).Decode(&list); err != nil {
		return imp, fmt.Errorf("read OpenRouter's model list: %w (is it the answer of GET /api/v1/models?)", err)
	}
	if list.Data == nil {
		return imp, fmt.Errorf("read OpenRouter's model list: no \"data\" array (is it the answer of GET /api/v1/models?)")
	}
	for _, m := range list.Data {
		if m.ID == "" {
			continue
		}
		p, reason, err := openRouterPrice(m.ID, m.Pricing)
		if err != nil {
			return imp, fmt.Errorf("OpenRouter model %s: %w", m.ID, err)
		}
		if reason != "" {
			imp.Skipped = append(imp.Skipped, Skipped{Key: m.ID, Reason: reason})
			continue
		}
		p.MaxInput = m.ContextLength
		p.MaxOutput = m.TopProvider.MaxCompletionTokens
		imp.Prices = append(imp.Prices, p)
	}
	return imp, nil
}

// Import is what a price-file reader returns: the prices, in file order,
// and the entries it left out with the reason for each.
type Import = LiteLLMImport

func openRouterPrice(id string, pr map[string]string) (Price, string, error) {
	p := Price{Provider: "openrouter", Model: id, Mode: "chat", Origin: "openrouter:" + id}
	if pr["prompt"] == "" || pr["completion"] == "" {
		return p, "no prompt and completion prices", nil
	}
	if pr["prompt"] == "-1" || pr["completion"] == "-1" {
		return p, "a router: the price depends on the model a request is sent to", nil
	}
	perToken := []struct {
		field string
		dst   *money.PerMillion
		has   *bool
	}{
		{"prompt", &p.Input, nil},
		{"completion", &p.Output, nil},
		{"input_cache_read", &p.CacheRead, &p.HasCacheRead},
		{"input_cache_write", &p.CacheWrite5m, &p.HasCacheWrite5m},
		{"internal_reasoning", &p.Reasoning, &p.HasReasoning},
	}
	for _, f := range perToken {
		// Dollars per token × 10^12 is micro-dollars per million tokens.
		v, present, err := openRouterAmount(pr, f.field, 12)
		switch {
		case err != nil:
			return p, "", err
		case !present, v == 0 && f.field == "internal_reasoning":
			// A zero reasoning price on a model that bills reasoning as
			// output means "no separate price", not "free".
			continue
		}
		if f.has != nil {
			*f.has = true
		}
		*f.dst = money.PerMillion(v)
	}
	perUnit := []struct {
		field string
		dst   *money.USD
	}{
		{"request", &p.PerRequest},
		{"web_search", &p.PerWebSearch},
	}
	for _, f := range perUnit {
		// Dollars × 10^9 is nano-dollars; an absent amount is none.
		v, _, err := openRouterAmount(pr, f.field, 9)
		if err != nil {
			return p, "", err
		}
		*f.dst = money.USD(v)
	}
	return p, "", nil
}

// openRouterAmount reads the decimal pr[field] scaled by 10^scale;
// present is false when the field is absent or empty.
func openRouterAmount(pr map[string]string, field string, scale int) (v int64, present bool, err error) {
	s := pr[field]
	if s == "" {
		return 0, false, nil
	}
	v, _, err = money.ScaleDecimal(s, scale)
	if err != nil {
		return 0, false, fmt.Errorf("%s %s: %w", field, strconv.Quote(s), err)
	}
	if v < 0 {
		return 0, false, fmt.Errorf("%s %s: a price cannot be negative", field, strconv.Quote(s))
	}
	return v, true, nil
}
