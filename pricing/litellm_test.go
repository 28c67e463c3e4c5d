package pricing

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/byokhq/byok/money"
)

// litellmFile is the real LiteLLM catalog the embedded one is built from,
// kept with its licence among the generator's test data.
const litellmFile = "internal/gen/testdata/litellm_model_prices.json"

// importLiteLLMFile imports the LiteLLM price file the catalog is generated
// from.
func importLiteLLMFile(t *testing.T) LiteLLMImport {
	t.Helper()
	f, err := os.Open(litellmFile)
	if err != nil {
		t.Fatalf("the LiteLLM file belongs to the repository: %v", err)
	}
	defer f.Close()
	imp, err := ParseLiteLLM(f)
	if err != nil {
		t.Fatal(err)
	}
	return imp
}

// parseLiteLLM parses a LiteLLM file given as text, and indexes its prices
// by name.
func parseLiteLLM(t *testing.T, src string) (LiteLLMImport, map[string]Price) {
	t.Helper()
	imp, err := ParseLiteLLM(strings.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	byName := make(map[string]Price, len(imp.Prices))
	for _, p := range imp.Prices {
		byName[p.Name()] = p
	}
	return imp, byName
}

func TestImportRealLiteLLMFile(t *testing.T) {
	imp := importLiteLLMFile(t)
	if len(imp.Prices) < 2000 {
		t.Fatalf("imported %d models, want at least 2000", len(imp.Prices))
	}
	found := false
	for _, s := range imp.Skipped {
		if s.Key == "sample_spec" {
			found = true
		}
		if s.Reason == "" {
			t.Fatalf("%s skipped without a reason", s.Key)
		}
	}
	if !found {
		t.Fatal("sample_spec was not skipped")
	}
	for _, p := range imp.Prices {
		if p.Model == "" || p.Provider == "" || p.Input < 0 || p.Output < 0 {
			t.Fatalf("bad price %+v", p)
		}
	}
}

func TestParseLiteLLM(t *testing.T) {
	const file = `{
	"sample_spec": {"input_cost_per_token": 0, "litellm_provider": "one of the providers"},
	"claude-x": {
		"litellm_provider": "anthropic", "mode": "chat",
		"input_cost_per_token": 3e-06, "output_cost_per_token": 1.5e-05,
		"cache_read_input_token_cost": 3e-07, "cache_creation_input_token_cost": 3.75e-06,
		"cache_creation_input_token_cost_above_1hr": 6e-06,
		"input_cost_per_token_above_200k_tokens": 6e-06, "output_cost_per_token_above_200k_tokens": 2.25e-05,
		"cache_creation_input_token_cost_above_1hr_above_200k_tokens": 1.2e-05,
		"search_context_cost_per_query": {"search_context_size_low": 0.01, "search_context_size_medium": 0.02},
		"max_input_tokens": 200000, "max_output_tokens": 64000
	},
	"gpt-y": {
		"litellm_provider": "openai", "mode": "responses",
		"input_cost_per_token": 0.0000025, "output_cost_per_token": 0.00001,
		"input_cost_per_token_priority": 4.25e-06, "output_cost_per_token_batches": 5e-06,
		"input_cost_per_token_above_272k_tokens_priority": 8.5e-06,
		"output_cost_per_reasoning_token": 1.2e-05, "input_cost_per_request": 0.005
	},
	"deepseek-z": {"litellm_provider": "deepseek", "input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06},
	"deepseek/deepseek-z": {"litellm_provider": "deepseek", "input_cost_per_token": 2.8e-07, "output_cost_per_token": 4.2e-07, "input_cost_per_token_cache_hit": 2.8e-08},
	"gemini/gemini-w": {"litellm_provider": "gemini", "mode": "chat", "input_cost_per_token": 1.25e-07, "output_cost_per_token": 0},
	"bedrock/us-east-1/vendor.model-v1:0": {"litellm_provider": "bedrock", "input_cost_per_token": 1e-06, "output_cost_per_token": 1e-06},
	"qwen-tiered": {"litellm_provider": "dashscope", "tiered_pricing": [
		{"range": [0, 256000.0], "input_cost_per_token": 5e-08, "output_cost_per_token": 4e-07},
		{"range": [256000.0, 1000000.0], "input_cost_per_token": 2.5e-07, "output_cost_per_token": 2e-06}]},
	"whisper-1": {"litellm_provider": "openai", "mode": "audio_transcription", "input_cost_per_second": 0.0001},
	"gpt-rt": {"litellm_provider": "openai", "mode": "realtime", "input_cost_per_token": 1e-06},
	"fireworks-ai-up-to-4b": {"litellm_provider": "fireworks_ai", "input_cost_per_token": 1e-07, "output_cost_per_token": 1e-07},
	"low/1024-x-1024/img": {"litellm_provider": "openai", "mode": "image_generation", "output_cost_per_image": 0.011},
	"img-model": {"litellm_provider": "openai", "mode": "image_generation", "output_cost_per_image": 0.04},
	"unpriced": {"litellm_provider": "openai", "mode": "chat"}
}`
	imp, got := parseLiteLLM(t, file)
	want := map[string]Price{
		"anthropic/claude-x": {
			Provider: "anthropic", Model: "claude-x", Mode: "chat",
			Rates: Rates{Input: 3_000_000, Output: 15_000_000, CacheRead: 300_000, HasCacheRead: true,
				CacheWrite5m: 3_750_000, HasCacheWrite5m: true, CacheWrite1h: 6_000_000, HasCacheWrite1h: true},
			Tiers: []Tier{{Above: 200_000, Rates: Rates{Input: 6_000_000, Output: 22_500_000, CacheRead: 300_000, HasCacheRead: true,
				CacheWrite5m: 3_750_000, HasCacheWrite5m: true, CacheWrite1h: 12_000_000, HasCacheWrite1h: true}}},
			PerWebSearch: 2 * money.Cent, MaxInput: 200_000, MaxOutput: 64_000,
			Origin: "litellm:claude-x", Source: "import",
		},
		"openai/gpt-y": {
			Provider: "openai", Model: "gpt-y", Mode: "responses",
			Rates: Rates{Input: 2_500_000, Output: 10_000_000, Reasoning: 12_000_000, HasReasoning: true},
			ServiceTiers: map[string]Rates{
				"priority": {Input: 4_250_000, Output: 10_000_000, Reasoning: 12_000_000, HasReasoning: true},
				"batch":    {Input: 2_500_000, Output: 5_000_000, Reasoning: 12_000_000, HasReasoning: true},
			},
			Tiers:      []Tier{{Above: 272_000, Service: "priority", Rates: Rates{Input: 8_500_000, Output: 10_000_000, Reasoning: 12_000_000, HasReasoning: true}}},
			PerRequest: 5_000_000,
			Origin:     "litellm:gpt-y", Source: "import",
		},
		"deepseek/deepseek-z": {
			Provider: "deepseek", Model: "deepseek-z", Mode: "chat",
			Rates:  Rates{Input: 280_000, Output: 420_000, CacheRead: 28_000, HasCacheRead: true},
			Origin: "litellm:deepseek/deepseek-z", Source: "import",
		},
		"google/gemini-w": {
			Provider: "google", Model: "gemini-w", Mode: "chat", Rates: Rates{Input: 125_000},
			Origin: "litellm:gemini/gemini-w", Source: "import",
		},
		"bedrock/vendor.model-v1:0": {
			Provider: "bedrock", Model: "vendor.model-v1:0", Mode: "chat", Rates: Rates{Input: 1_000_000, Output: 1_000_000},
			Origin: "litellm:bedrock/us-east-1/vendor.model-v1:0", Source: "import",
		},
		"dashscope/qwen-tiered": {
			Provider: "dashscope", Model: "qwen-tiered", Mode: "chat", Rates: Rates{Input: 50_000, Output: 400_000},
			Tiers:  []Tier{{Above: 256_000, Rates: Rates{Input: 250_000, Output: 2_000_000}}},
			Origin: "litellm:qwen-tiered", Source: "import",
		},
		"openai/whisper-1": {
			Provider: "openai", Model: "whisper-1", Mode: "audio_transcription", PerSecond: 100_000,
			Origin: "litellm:whisper-1", Source: "import",
		},
		"openai/img-model": {
			Provider: "openai", Model: "img-model", Mode: "image_generation", PerImage: 4 * money.Cent,
			Origin: "litellm:img-model", Source: "import",
		},
	}
	if !reflect.DeepEqual(got, want) {
		for k, w := range want {
			if !reflect.DeepEqual(got[k], w) {
				t.Errorf("%s:\n got %+v\nwant %+v", k, got[k], w)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected price %s", k)
			}
		}
	}
	skipped := map[string]string{}
	for _, s := range imp.Skipped {
		skipped[s.Key] = s.Reason
	}
	for key, reason := range map[string]string{
		"sample_spec":           "not a model",
		"deepseek-z":            `same model as "deepseek/deepseek-z"`,
		"gpt-rt":                "realtime",
		"fireworks-ai-up-to-4b": "size-bucket",
		"low/1024-x-1024/img":   "model the file does not price",
		"unpriced":              "no per-token",
	} {
		if !strings.Contains(skipped[key], reason) {
			t.Errorf("%s skipped for %q, want a reason mentioning %q", key, skipped[key], reason)
		}
	}
}

func TestParseLiteLLMErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"negative price", `{"m1": {"litellm_provider": "openai", "input_cost_per_token": -1e-06}}`,
			[]string{`"m1"`, `"input_cost_per_token"`, "negative"}},
		{"string price", `{"m2": {"litellm_provider": "openai", "output_cost_per_token": "cheap"}}`,
			[]string{`"m2"`, `"output_cost_per_token"`, "want a number"}},
		{"NaN price", `{"m3": {"litellm_provider": "openai", "input_cost_per_token": NaN}}`,
			[]string{`"m3"`, `"input_cost_per_token"`, "NaN"}},
		{"infinite price", `{"m4": {"litellm_provider": "openai", "cache_read_input_token_cost": Infinity}}`,
			[]string{`"m4"`, `"cache_read_input_token_cost"`, "Infinity"}},
		{"boolean tier price", `{"m5": {"litellm_provider": "openai", "input_cost_per_token_above_200k_tokens": true}}`,
			[]string{`"m5"`, "above_200k", "boolean"}},
		{"bad web search price", `{"m6": {"litellm_provider": "openai", "input_cost_per_token": 1e-06, "search_context_cost_per_query": 0.01}}`,
			[]string{`"m6"`, "search_context_cost_per_query"}},
		{"huge number", `{"m7": {"litellm_provider": "openai", "input_cost_per_token": 1e300}}`,
			[]string{`"m7"`, "too large"}},
		{"model not an object", `{"m8": 3}`, []string{`"m8"`, "object"}},
		{"not an object", `[1, 2]`, []string{"one JSON object"}},
		{"not JSON", `price list`, []string{"JSON"}},
		{"truncated", `{"m9": {"litellm_provider": "openai"`, []string{"m9"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseLiteLLM(strings.NewReader(tt.in))
			if err == nil {
				t.Fatal("want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %s", err, w)
				}
			}
		})
	}
}

func TestImportCatwalk(t *testing.T) {
	const file = `{"name": "X", "id": "gemini", "models": [
		{"id": "gemini-9", "cost_per_1m_in": 0.75, "cost_per_1m_out": 3.75, "cost_per_1m_in_cached": 0.075, "cost_per_1m_out_cached": 3.75, "context_window": 1048576},
		{"id": "free-model:free", "cost_per_1m_in": 0, "cost_per_1m_out": 0},
		{"id": "unknown-price", "cost_per_1m_in": 0, "cost_per_1m_out": 0}]}`
	ps, err := ImportCatwalk(strings.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	want := []Price{
		{Provider: "google", Model: "gemini-9", Mode: "chat", Rates: Rates{Input: 750_000, Output: 3_750_000}, MaxInput: 1_048_576, Origin: "catwalk:gemini", Source: "import"},
		{Provider: "google", Model: "free-model:free", Mode: "chat", Origin: "catwalk:gemini", Source: "import"},
	}
	if !reflect.DeepEqual(ps, want) {
		t.Fatalf("got %+v\nwant %+v", ps, want)
	}
	for _, bad := range []string{`{"models": []}`, `{"id": "x", "models": [{"id": "m", "cost_per_1m_in": -1}]}`, `nope`} {
		if _, err := ImportCatwalk(strings.NewReader(bad)); err == nil {
			t.Errorf("ImportCatwalk(%s): want an error", bad)
		}
	}
}

// FuzzImportLiteLLM checks that no input makes the importer panic, and that
// whatever it accepts is a set of sane prices that survive a JSON round trip.
func FuzzImportLiteLLM(f *testing.F) {
	f.Add([]byte(`{"gpt-4o": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 2.5e-06, "output_cost_per_token": 1e-05}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		imp, err := ParseLiteLLM(strings.NewReader(string(data)))
		if err != nil {
			return
		}
		ps := imp.Prices
		for _, p := range ps {
			if p.Input < 0 || p.Output < 0 || p.CacheRead < 0 || p.CacheWrite5m < 0 || p.CacheWrite1h < 0 || p.Reasoning < 0 ||
				p.PerRequest < 0 || p.PerImage < 0 || p.PerSecond < 0 || p.PerWebSearch < 0 {
				t.Fatalf("negative price accepted: %+v", p)
			}
			b, err := json.Marshal(p)
			if err != nil {
				t.Fatalf("marshal %+v: %v", p, err)
			}
			var back Price
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("unmarshal %s: %v", b, err)
			}
			if !reflect.DeepEqual(normalizeEmpty(back), normalizeEmpty(p)) {
				t.Fatalf("round trip changed %+v into %+v", p, back)
			}
		}
	})
}

// normalizeEmpty treats nil and empty tier lists and maps as the same.
func normalizeEmpty(p Price) Price {
	if len(p.Tiers) == 0 {
		p.Tiers = nil
	}
	if len(p.ServiceTiers) == 0 {
		p.ServiceTiers = nil
	}
	return p
}
