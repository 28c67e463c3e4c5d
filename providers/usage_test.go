package providers

import (
	"strings"
	"testing"

	"github.com/byokhq/byok/money"
)

func TestUsageReader(t *testing.T) {
	tests := []struct {
		name   string
		kind   Kind
		feed   []string
		want   Usage
		wantOK bool
	}{
		{name: "openai stream: the usage chunk before [DONE]", kind: KindOpenAI, wantOK: true,
			feed: []string{chunkHi, chunkStop,
				`{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","service_tier":"priority","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":3},"completion_tokens_details":{"reasoning_tokens":4}}}`,
				"[DONE]"},
			want: Usage{Input: 16, CacheRead: 3, Output: 10, Reasoning: 4, ServiceTier: "priority"}},
		{name: "openai stream cut before usage", kind: KindOpenAI, feed: []string{chunkHi, chunkThere}},
		{name: "openai whole body", kind: KindOpenAI, wantOK: true,
			feed: []string{`{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"}}],"usage":{"prompt_tokens":5,"completion_tokens":2}}`},
			want: Usage{Input: 5, Output: 2}},
		{name: "azure reads like openai", kind: KindAzure, wantOK: true,
			feed: []string{`{"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2}}`}, want: Usage{Input: 5, Output: 2}},
		{name: "deepseek hit and miss", kind: KindOpenAI, wantOK: true,
			feed: []string{`{"usage":{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,"prompt_cache_hit_tokens":1024,"prompt_cache_miss_tokens":176,"completion_tokens_details":{"reasoning_tokens":180}}}`},
			want: Usage{Input: 176, CacheRead: 1024, Output: 300, Reasoning: 180}},
		{name: "deepseek hit without miss", kind: KindOpenAI, wantOK: true,
			feed: []string{`{"usage":{"prompt_tokens":100,"completion_tokens":1,"prompt_cache_hit_tokens":64}}`},
			want: Usage{Input: 36, CacheRead: 64, Output: 1}},
		{name: "openrouter cost in exponent form", kind: KindOpenAI, wantOK: true,
			feed: []string{`{"usage":{"prompt_tokens":10,"completion_tokens":1,"cost":9.5e-4}}`},
			want: Usage{Input: 10, Output: 1, ReportedCost: 950 * money.Micro, CostReported: true}},
		{name: "openrouter cost rounds to the nano-dollar", kind: KindOpenAI, wantOK: true,
			feed: []string{`{"usage":{"prompt_tokens":1,"completion_tokens":1,"cost":0.0000000015}}`},
			want: Usage{Input: 1, Output: 1, ReportedCost: 2, CostReported: true}},
		{name: "groq x_groq usage", kind: KindOpenAI, wantOK: true,
			feed: []string{`{"choices":[{"delta":{},"finish_reason":"stop"}],"x_groq":{"id":"req_1","usage":{"prompt_tokens":40,"completion_tokens":9,"prompt_time":0.1}}}`},
			want: Usage{Input: 40, Output: 9}},
		{name: "cached above prompt is capped", kind: KindOpenAI, wantOK: true,
			feed: []string{`{"usage":{"prompt_tokens":10,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":50,"cache_write_tokens":9},"completion_tokens_details":{"reasoning_tokens":7}}}`},
			want: Usage{CacheRead: 10, Output: 2, Reasoning: 2}},
		{name: "responses completed event", kind: KindResponses, wantOK: true, feed: []string{respCompleted},
			want: Usage{Input: 1076, CacheRead: 1024, Output: 300, Reasoning: 256, ServiceTier: "default"}},
		{name: "responses whole body", kind: KindResponses, wantOK: true,
			feed: []string{`{"id":"resp_1","object":"response","status":"completed","usage":{"input_tokens":9,"output_tokens":3,"input_tokens_details":{"cached_tokens":0},"output_tokens_details":{"reasoning_tokens":0}}}`},
			want: Usage{Input: 9, Output: 3}},
		{name: "responses deltas carry no usage", kind: KindResponses,
			feed: []string{`{"type":"response.output_text.delta","delta":"Hi"}`}},
		{name: "anthropic start and last delta replace", kind: KindAnthropic, wantOK: true,
			feed: []string{msgStart, blockHi,
				`{"type":"message_delta","delta":{},"usage":{"output_tokens":7}}`,
				msgDelta, msgStop},
			want: Usage{Input: 25, Output: 15}},
		{name: "anthropic whole body with 1h cache", kind: KindAnthropic, wantOK: true,
			feed: []string{`{"id":"m","type":"message","usage":{"input_tokens":5,"cache_creation_input_tokens":300,"cache_read_input_tokens":40,"cache_creation":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":200},"output_tokens":9,"service_tier":"batch"}}`},
			want: Usage{Input: 5, CacheRead: 40, CacheWrite5m: 100, CacheWrite1h: 200, Output: 9, ServiceTier: "batch"}},
		{name: "anthropic a new message restarts", kind: KindAnthropic, wantOK: true,
			feed: []string{msgStart, msgDelta,
				`{"type":"message_start","message":{"usage":{"input_tokens":3,"output_tokens":1}}}`},
			want: Usage{Input: 3, Output: 1}},
		{name: "gemini last usageMetadata wins", kind: KindGemini, wantOK: true, feed: []string{gemChunk1, gemChunk2, gemChunk3},
			want: Usage{Input: 15, CacheRead: 16, Output: 127, Reasoning: 120}},
		{name: "gemini array body", kind: KindGemini, wantOK: true, feed: []string{"[" + gemChunk1 + "," + gemChunk2 + "]"},
			want: Usage{Input: 31, Output: 62, Reasoning: 60}},
		{name: "bedrock metadata event", kind: KindBedrock, wantOK: true,
			feed: []string{`{"usage":{"inputTokens":10,"outputTokens":5,"totalTokens":20,"cacheReadInputTokens":3,"cacheWriteInputTokens":2},"metrics":{"latencyMs":1}}`},
			want: Usage{Input: 10, CacheRead: 3, CacheWrite5m: 2, Output: 5}},
		{name: "garbage is ignored", kind: KindOpenAI, feed: []string{"", "   ", "{not json", `"usage"`, `{"usage":"many"}`}},
		{name: "unknown kind reads nothing", kind: Kind("fax"), feed: []string{`{"usage":{"prompt_tokens":1}}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewUsageReader(tt.kind, "p")
			for _, f := range tt.feed {
				r.Feed([]byte(f))
			}
			got, ok := r.Usage()
			if ok != tt.wantOK || got != tt.want {
				t.Errorf("Usage() = %+v, %v; want %+v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestCount(t *testing.T) {
	tests := []struct {
		name string
		json string
		want int64
	}{
		{"integer", `{"n":42}`, 42},
		{"null", `{"n":null}`, 0},
		{"missing", `{}`, 0},
		{"negative clamps to zero", `{"n":-5}`, 0},
		{"float truncates", `{"n":12.9}`, 12},
		{"exponent", `{"n":1e3}`, 1000},
		{"huge is capped", `{"n":99999999999999999999999}`, MaxCount},
		{"huge float is capped", `{"n":1e400}`, MaxCount},
		{"negative huge", `{"n":-1e400}`, 0},
		{"string number", `{"n":"17"}`, 17},
		{"word", `{"n":"many"}`, 0},
		{"bool", `{"n":true}`, 0},
		{"object", `{"n":{"x":1}}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, ok := parseJSON([]byte(tt.json))
			if !ok {
				t.Fatalf("test JSON %s does not parse", tt.json)
			}
			if got := count(doc.Get("n")); got != tt.want {
				t.Errorf("count = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestUSDOf: a reported dollar amount, as providers' replies and agents'
// logs write it, read exactly and kept within $0 to money.MaxAmount.
func TestUSDOf(t *testing.T) {
	const most = money.MaxAmount
	long := "0." + strings.Repeat("0", 70) + "1"
	tests := []struct {
		name, json string
		want       money.USD
		ok         bool
	}{
		{"Claude Code costUSD", `{"n":0.03375}`, 33_750_000, true},
		{"exponent", `{"n":1.5e-05}`, 15_000, true},
		{"upper-case exponent", `{"n":9.5E-4}`, 950_000, true},
		{"zero", `{"n":0}`, 0, true},
		{"below half a nano-dollar", `{"n":2.0000000004}`, 2_000_000_000, true},
		{"half a nano-dollar rounds up", `{"n":2.0000000005}`, 2_000_000_001, true},
		{"string amount", `{"n":"0.0123"}`, 12_300_000, true},
		{"string with spaces", `{"n":" 4.5 "}`, 4_500_000_000, true},
		{"negative is zero", `{"n":-1}`, 0, true},
		{"negative zero", `{"n":-0.0}`, 0, true},
		{"negative string", `{"n":"-5"}`, 0, true},
		{"negative past nine billion", `{"n":-1e30}`, 0, true},
		{"negative past any exponent", `{"n":-1e999}`, 0, true},
		{"tinier than a nano-dollar", `{"n":1e-999}`, 0, true},
		{"the largest amount", `{"n":1000000}`, most, true},
		{"a nano-dollar past it", `{"n":1000000.000000001}`, most, true},
		{"billions", `{"n":5e9}`, most, true},
		{"past nine billion", `{"n":1e30}`, most, true},
		{"past any exponent", `{"n":1e999}`, most, true},
		{"huge string", `{"n":"99999999999999999999999"}`, most, true},
		{"longer than any amount", `{"n":` + long + `}`, 0, false},
		{"null", `{"n":null}`, 0, false},
		{"missing", `{}`, 0, false},
		{"word", `{"n":"free"}`, 0, false},
		{"NaN string", `{"n":"NaN"}`, 0, false},
		{"hex string", `{"n":"0x10"}`, 0, false},
		{"empty string", `{"n":""}`, 0, false},
		{"bool", `{"n":true}`, 0, false},
		{"object", `{"n":{"total_cost":1}}`, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, ok := parseJSON([]byte(tt.json))
			if !ok {
				t.Fatalf("test JSON %s does not parse", tt.json)
			}
			got, ok := USDOf(doc.Get("n"))
			if got != tt.want || ok != tt.ok {
				t.Errorf("USDOf(%s) = %d, %v; want %d, %v", doc.Get("n").Raw, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// checkUsage asserts the invariants every conversion keeps whatever the
// input: no negative count, reasoning within output, no count above the cap.
func checkUsage(t *testing.T, u Usage, data []byte) {
	t.Helper()
	for name, v := range map[string]int64{"input": u.Input, "cache read": u.CacheRead, "cache write 5m": u.CacheWrite5m,
		"cache write 1h": u.CacheWrite1h, "output": u.Output, "reasoning": u.Reasoning, "web searches": u.WebSearches} {
		if v < 0 || v > 2*MaxCount {
			t.Fatalf("%s = %d out of range for %q", name, v, data)
		}
	}
	if u.Reasoning > u.Output {
		t.Fatalf("reasoning %d > output %d for %q", u.Reasoning, u.Output, data)
	}
	if u.ReportedCost < 0 || (!u.CostReported && u.ReportedCost != 0) {
		t.Fatalf("reported cost %d (%v) for %q", u.ReportedCost, u.CostReported, data)
	}
	if u.Estimated {
		t.Fatalf("a provider's usage was marked estimated for %q", data)
	}
}

// fuzzKind feeds arbitrary event payloads to one kind's reader.
func fuzzKind(f *testing.F, kind Kind, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewUsageReader(kind, "fuzz")
		// Feed it whole and line by line, as a proxy would see it.
		r.Feed(data)
		for line := range strings.SplitSeq(string(data), "\n") {
			r.Feed([]byte(line))
		}
		if u, ok := r.Usage(); ok {
			checkUsage(t, u, data)
		}
	})
}

func FuzzChatUsage(f *testing.F) {
	fuzzKind(f, KindOpenAI,
		`{"usage":{"prompt_tokens":19,"completion_tokens":10,"prompt_tokens_details":{"cached_tokens":3},"completion_tokens_details":{"reasoning_tokens":4}}}`,
		`{"usage":{"prompt_tokens":-1,"completion_tokens":1e30,"prompt_cache_hit_tokens":null,"prompt_cache_miss_tokens":-3,"cost":-1}}`)
}

func FuzzResponsesUsage(f *testing.F) {
	fuzzKind(f, KindResponses, respCompleted,
		`{"type":"response.completed","response":{"usage":{"input_tokens":1.5,"output_tokens":"7","output_tokens_details":{"reasoning_tokens":99}}}}`)
}

func FuzzAnthropicUsage(f *testing.F) {
	fuzzKind(f, KindAnthropic, msgStart+"\n"+msgDelta,
		`{"type":"message","usage":{"input_tokens":null,"cache_creation_input_tokens":-4,"cache_creation":{"ephemeral_5m_input_tokens":1e300,"ephemeral_1h_input_tokens":5},"output_tokens":2,"output_tokens_details":{"thinking_tokens":8}}}`)
}

func FuzzGeminiUsage(f *testing.F) {
	fuzzKind(f, KindGemini, gemChunk3,
		`[{"usageMetadata":{"promptTokenCount":-1,"cachedContentTokenCount":1e99,"thoughtsTokenCount":"x"}}]`)
}

func FuzzBedrockUsage(f *testing.F) {
	fuzzKind(f, KindBedrock, `{"usage":{"inputTokens":10,"outputTokens":5,"cacheReadInputTokens":3,"cacheWriteInputTokens":2}}`,
		`{"usage":{"inputTokens":-10,"outputTokens":5.9,"cacheReadInputTokens":null}}`)
}

// TestReadGenerationID: the proxy's reader keeps OpenRouter's generation
// id from a relayed chat stream (the first chunk names it), and only that
// kind of id.
func TestReadGenerationID(t *testing.T) {
	r := NewUsageReader(KindOpenAI, "openrouter")
	r.Feed([]byte(`{"id":"gen-1733400000-AbCdEf","object":"chat.completion.chunk","created":1,"model":"openai/gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hi"}}]}`))
	r.Feed([]byte(`{"id":"gen-other","object":"chat.completion.chunk","created":1,"model":"openai/gpt-4o-mini","choices":[]}`))
	if got := ReadGenerationID(r); got != "gen-1733400000-AbCdEf" {
		t.Fatalf("generation id %q", got)
	}
	o := NewUsageReader(KindOpenAI, "openai")
	o.Feed([]byte(`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[]}`))
	if got := ReadGenerationID(o); got != "" {
		t.Fatalf("OpenAI's chat id read as a generation: %q", got)
	}
}
