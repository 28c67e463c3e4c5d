package pricing

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/byokhq/byok/money"
)

// catwalkProviders maps catwalk provider ids to byok ids where they differ.
var catwalkProviders = map[string]string{
	"gemini":         "google",
	"bedrock-europe": "bedrock",
}

type catwalkFile struct {
	ID     string `json:"id"`
	Models []struct {
		ID            string      `json:"id"`
		In            json.Number `json:"cost_per_1m_in"`
		Out           json.Number `json:"cost_per_1m_out"`
		ContextWindow json.Number `json:"context_window"`
	} `json:"models"`
}

// ImportCatwalk reads one catwalk provider file (a provider id and its
// models with prices in USD per million tokens) and returns base input and
// output prices.
//
// Catwalk's cache fields do not mean what their names say and differ from
// file to file, so no cache price is taken from them: cache reads and writes
// of these models fall back to the input price. A model listed at 0/0 is
// taken as free only when its id says so (":free"); otherwise the price is
// taken as unknown and the model skipped.
func ImportCatwalk(r io.Reader) ([]Price, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var f catwalkFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("read catwalk provider file: %w", err)
	}
	if f.ID == "" {
		return nil, fmt.Errorf("read catwalk provider file: no provider id")
	}
	provider := f.ID
	if id, ok := catwalkProviders[provider]; ok {
		provider = id
	}
	var out []Price
	for _, m := range f.Models {
		if m.ID == "" {
			continue
		}
		field := func(name string, n json.Number, scale int) (int64, error) {
			if n == "" {
				return 0, nil
			}
			v, _, err := money.ScaleDecimal(string(n), scale)
			if err != nil {
				return 0, fmt.Errorf("catwalk %s model %q, field %q: %q: %w", f.ID, m.ID, name, string(n), err)
			}
			if v < 0 {
				return 0, fmt.Errorf("catwalk %s model %q, field %q: a price cannot be negative", f.ID, m.ID, name)
			}
			return v, nil
		}
		in, err := field("cost_per_1m_in", m.In, 6)
		if err != nil {
			return nil, err
		}
		outp, err := field("cost_per_1m_out", m.Out, 6)
		if err != nil {
			return nil, err
		}
		if in == 0 && outp == 0 && !strings.HasSuffix(m.ID, ":free") {
			continue
		}
		ctx, err := field("context_window", m.ContextWindow, 0)
		if err != nil {
			return nil, err
		}
		out = append(out, Price{
			Provider: provider,
			Model:    m.ID,
			Mode:     "chat",
			Rates:    Rates{Input: money.PerMillion(in), Output: money.PerMillion(outp)},
			MaxInput: ctx,
			Origin:   "catwalk:" + f.ID,
			Source:   "import",
		})
	}
	return out, nil
}
