package providers

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/byokhq/byok/internal/ssetest"
	"github.com/byokhq/byok/money"
)

// semanticsCase is one row of the audit with the provider's documented
// example: the usage object of a reply, and where in a stream it comes.
type semanticsCase struct {
	name     string
	provider string
	model    string
	// usage is the documented usage object (the part that differs between
	// providers); finalOnly is the usage of the finish chunk for providers
	// that send it there instead of in an extra chunk.
	usage string
	// where is how the stream carries usage: "extra" (a last chunk with
	// empty choices), "finish" (on the chunk with finish_reason), "x_groq"
	// (Groq's x_groq.usage on the finish chunk), "every" (every chunk, the
	// earlier ones with interim counts given in interim).
	where   string
	interim string
	want    Usage
	// streamed and wantStreamed are the streamed example's usage and what
	// it converts to, where the provider documents one apart from its
	// whole reply; empty means the streamed reply carries usage too.
	streamed     string
	wantStreamed Usage
	// top is what the provider puts beside usage at the top of a reply and
	// of the chunk that carries usage (Cerebras's time_info), if anything.
	top string
	// frames and whole, when set, are the provider's exact stream (SSE
	// data, [DONE] included) and whole reply, served instead of the
	// generic ones built around usage; text is their reply text, "Hi"
	// when empty.
	frames []string
	whole  string
	text   string
}

var semanticsCases = []semanticsCase{
	{name: "groq", provider: "groq", model: "llama-3.3-70b-versatile", where: "x_groq",
		usage: `{"queue_time":0.037,"prompt_tokens":18,"prompt_time":0.000680,"completion_tokens":556,"completion_time":0.463,"total_tokens":574,"total_time":0.464,"prompt_tokens_details":{"cached_tokens":0}}`,
		want:  Usage{Input: 18, Output: 556}},
	// Together: its OpenAPI spec (togethercomputer/openapi, openapi.yaml)
	// gives usage as UsageData, prompt, completion and total tokens only,
	// on the reply and on the stream's chunks; its Python SDK's stream test
	// (together-python, tests/integration/resources/
	// test_completion_stream.py) takes usage from the last chunk without
	// asking for it. Neither gives a chat example with numbers, so these
	// counts are illustrative; the shape is the spec's.
	{name: "together", provider: "together", model: "meta-llama/Llama-3.3-70B-Instruct-Turbo", where: "finish",
		usage: `{"prompt_tokens":41,"completion_tokens":12,"total_tokens":53}`,
		want:  Usage{Input: 41, Output: 12}},
	// Fireworks: the reply its Python SDK's tests serve as "a realistic
	// chat completion response matching the Fireworks API format"
	// (fw-ai-external/python-sdk, tests/test_downstream_compat_unit.py);
	// the SDK's chunk type carries the same UsageInfo, which its request
	// docs put on the final chunk, the one with finish_reason.
	{name: "fireworks", provider: "fireworks", model: "accounts/fireworks/models/llama-v3p3-70b-instruct", where: "finish",
		usage: `{"prompt_tokens":10,"completion_tokens":2,"total_tokens":12}`,
		want:  Usage{Input: 10, Output: 2}},
	// Fireworks with a cache hit: UsageInfo's prompt_tokens_details
	// ("details about prompt tokens, including cached tokens") inside
	// prompt_tokens, as its OpenAI compatibility page says; the SDK shows
	// no example with a hit, so the counts are illustrative.
	{name: "fireworks cache hit", provider: "fireworks", model: "accounts/fireworks/models/deepseek-v3p1", where: "finish",
		usage: `{"prompt_tokens":2048,"completion_tokens":120,"total_tokens":2168,"prompt_tokens_details":{"cached_tokens":1536}}`,
		want:  Usage{Input: 512, CacheRead: 1536, Output: 120}},
	{name: "deepseek", provider: "deepseek", model: "deepseek-reasoner", where: "extra",
		usage: `{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,"prompt_tokens_details":{"cached_tokens":1024},"prompt_cache_hit_tokens":1024,"prompt_cache_miss_tokens":176,"completion_tokens_details":{"reasoning_tokens":180}}`,
		want:  Usage{Input: 176, CacheRead: 1024, Output: 300, Reasoning: 180}},
	// Mistral's docs (mistralai/platform-docs-public): the whole reply is
	// the prompt caching example (studio-api/conversations/advanced/
	// prompt-caching.md: 5 uncached + 1008 cached prompt tokens), the
	// streamed one the chat completion example (studio-api/conversations/
	// chat-completion.md), whose usage rides the finish_reason chunk.
	{name: "mistral", provider: "mistral", model: "mistral-large-latest", where: "finish",
		usage:    `{"prompt_tokens":1013,"total_tokens":1043,"completion_tokens":30,"prompt_tokens_details":{"cached_tokens":1008}}`,
		want:     Usage{Input: 5, CacheRead: 1008, Output: 30},
		streamed: `{"prompt_tokens":19,"completion_tokens":7,"total_tokens":26}`, wantStreamed: Usage{Input: 19, Output: 7}},
	{name: "xai reasoning outside completion, cost in ticks", provider: "xai", model: "grok-3-mini", where: "extra",
		// 96 visible and 1,212 reasoning tokens; 26 uncached + 6 cached
		// prompt tokens. At grok-3-mini's $0.30 / $0.075 / $0.50 that is
		// $0.00066225, which xAI reports as 6,622,500 ticks.
		usage: `{"prompt_tokens":32,"completion_tokens":96,"total_tokens":1340,"prompt_tokens_details":{"text_tokens":32,"audio_tokens":0,"image_tokens":0,"cached_tokens":6},"completion_tokens_details":{"reasoning_tokens":1212,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0},"num_sources_used":0,"cost_in_usd_ticks":6622500}`,
		want:  Usage{Input: 26, CacheRead: 6, Output: 1308, Reasoning: 1212, ReportedCost: 662_250, CostReported: true}},
	{name: "xai documented cost example", provider: "xai", model: "grok-4", where: "extra",
		usage: `{"prompt_tokens":125,"completion_tokens":48,"total_tokens":173,"prompt_tokens_details":{"text_tokens":125,"audio_tokens":0,"image_tokens":0,"cached_tokens":98},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0},"cost_in_usd_ticks":37756000}`,
		want:  Usage{Input: 27, CacheRead: 98, Output: 48, ReportedCost: 3_775_600, CostReported: true}},
	// Cerebras: recorded replies of api.cerebras.ai (charmbracelet/fantasy
	// providertests/testdata/TestCerebrasCommon/cerebras-qwen-3-coder-480b,
	// simple.yaml and simple_streaming.yaml); its docs show none. usage and
	// time_info come on the finish_reason chunk, as its SDK's README says.
	{name: "cerebras", provider: "cerebras", model: "qwen-3-coder-480b", where: "finish",
		usage:    `{"prompt_tokens":22,"completion_tokens":4,"total_tokens":26,"prompt_tokens_details":{"cached_tokens":0}}`,
		want:     Usage{Input: 22, Output: 4},
		streamed: `{"prompt_tokens":22,"completion_tokens":3,"total_tokens":25,"prompt_tokens_details":{"cached_tokens":0}}`, wantStreamed: Usage{Input: 22, Output: 3},
		top: `"time_info":{"queue_time":0.000533844,"prompt_time":0.00128098,"completion_time":0.003694258,"total_time":0.007519960403442383,"created":1761231233.440385}`},
	{name: "perplexity sonar request fee", provider: "perplexity", model: "sonar", where: "every",
		interim: `{"prompt_tokens":7,"completion_tokens":1,"total_tokens":8,"search_context_size":"low","cost":{"input_tokens_cost":0.0,"output_tokens_cost":0.0,"total_cost":0.0}}`,
		usage:   `{"prompt_tokens":7,"completion_tokens":160,"total_tokens":167,"search_context_size":"low","cost":{"input_tokens_cost":0.000007,"output_tokens_cost":0.00016,"request_cost":0.005,"total_cost":0.005167}}`,
		want:    Usage{Input: 7, Output: 160, WebSearches: 1, ReportedCost: 5_167_000, CostReported: true}},
	{name: "perplexity deep research reasoning, citations and searches", provider: "perplexity", model: "sonar-deep-research", where: "every",
		interim: `{"prompt_tokens":19,"completion_tokens":1,"total_tokens":20,"cost":{"input_tokens_cost":0.0,"output_tokens_cost":0.0,"total_cost":0.0}}`,
		usage:   `{"prompt_tokens":19,"completion_tokens":3000,"total_tokens":59019,"citation_tokens":6000,"num_search_queries":20,"reasoning_tokens":50000,"cost":{"input_tokens_cost":0.000038,"output_tokens_cost":0.024,"citation_tokens_cost":0.012,"reasoning_tokens_cost":0.15,"search_queries_cost":0.1,"total_cost":0.286038}}`,
		want:    Usage{Input: 6019, Output: 53000, Reasoning: 50000, WebSearches: 20, ReportedCost: 286_038_000, CostReported: true}},
	// NVIDIA NIM: the NIM proxy's chat completions example
	// (https://docs.nvidia.com/nemo/microservices/25.7.0/run-inference/nim-proxy/chat-completions.html);
	// it documents no streamed usage, so the stream is OpenAI's extra chunk.
	{name: "nvidia", provider: "nvidia", model: "meta/llama-3.1-8b-instruct", where: "extra",
		usage: `{"prompt_tokens":15,"completion_tokens":12,"total_tokens":27}`,
		want:  Usage{Input: 15, Output: 12}},
	// SambaNova: the whole reply's usage is the gpt-oss-120b reply
	// recorded in SambaNova's own LangChain integration
	// (sambanova/langchain-sambanova, docs/usage_guide.ipynb), with
	// prompt_tokens_details and throughput fields; the streamed one is the
	// usage of its chat model's docstring (langchain_sambanova/
	// chat_models.py), on the final chunk with empty choices that
	// stream_options.include_usage adds (sambanova-python's
	// completion_create_params.py: "usage metrics in a final chunk").
	{name: "sambanova", provider: "sambanova", model: "gpt-oss-120b", where: "extra",
		usage:        `{"acceptance_rate":null,"completion_tokens":42,"completion_tokens_after_first_per_sec":515.4159318559191,"completion_tokens_after_first_per_sec_first_ten":525.753055771265,"completion_tokens_after_first_per_sec_graph":525.753055771265,"completion_tokens_per_sec":321.98124343145406,"end_time":1770150874.949388,"is_last_response":true,"prompt_tokens":236,"prompt_tokens_details":{"cached_tokens":0},"start_time":1770150874.8189456,"time_to_first_token":0.050894975662231445,"total_latency":0.13044238090515137,"total_tokens":278,"total_tokens_per_sec":2131.209182712958,"stop_reason":"stop","time_to_first_token_graph":0.04826498031616211}`,
		want:         Usage{Input: 236, Output: 42},
		streamed:     `{"completion_tokens":16,"completion_tokens_after_first_per_sec":478.5578129872896,"completion_tokens_after_first_per_sec_first_ten":499.20304689359676,"completion_tokens_after_first_per_sec_graph":499.20304689359676,"completion_tokens_per_sec":177.65276251942407,"end_time":1759254758.8066719,"is_last_response":true,"prompt_tokens":42,"stop_reason":"stop","time_to_first_token":0.05871915817260742,"total_latency":0.09006333351135254,"total_tokens":58,"total_tokens_per_sec":643.9912641329122}`,
		wantStreamed: Usage{Input: 42, Output: 16},
		top:          `"system_fingerprint":"fastcoe"`},
	// Novita: its API reference documents usage as prompt, completion and
	// total tokens only, with placeholder values
	// (https://novita.ai/docs/api-reference/model-apis-llm-create-chat-completion).
	{name: "novita", provider: "novita", model: "deepseek/deepseek-r1", where: "extra",
		usage: `{"completion_tokens":420,"prompt_tokens":14,"total_tokens":434}`,
		want:  Usage{Input: 14, Output: 420}},
	// Hyperbolic: the replies its own AI SDK provider's tests serve for
	// api.hyperbolic.xyz (HyperbolicLabs/hyperbolic-ts, packages/
	// ai-sdk-provider/src/hyperbolic-chat-language-model.test.ts): "should
	// extract usage" for the whole reply, doStream's usage chunk with
	// empty choices for the stream. They keep OpenAI's model names and
	// fingerprint: fixtures in OpenAI's shape, not recorded replies.
	{name: "hyperbolic", provider: "hyperbolic", model: "meta-llama/Llama-3.3-70B-Instruct", where: "extra",
		usage:        `{"prompt_tokens":20,"total_tokens":25,"completion_tokens":5}`,
		want:         Usage{Input: 20, Output: 5},
		streamed:     `{"prompt_tokens":17,"total_tokens":244,"completion_tokens":227}`,
		wantStreamed: Usage{Input: 17, Output: 227},
		top:          `"system_fingerprint":"fp_3bc1b5746c"`},
	// Chutes: its gateway (chutesai/chutes-api, api/invocation/router.py)
	// turns stream_options.include_usage on for every streamed request to
	// a vLLM chute and bills the usage of the stream's last chunk
	// (api/chute/util.py); vLLM (chutesai/vllm, vllm/entrypoints/openai/
	// engine/protocol.py) writes it in this field order on a last chunk
	// with empty choices, and prompt_tokens_details as null in a whole
	// reply. The counts are illustrative: the code shows none.
	{name: "chutes", provider: "chutes", model: "deepseek-ai/DeepSeek-V3-0324", where: "extra",
		usage:        `{"prompt_tokens":12,"total_tokens":52,"completion_tokens":40,"prompt_tokens_details":null}`,
		want:         Usage{Input: 12, Output: 40},
		streamed:     `{"prompt_tokens":12,"total_tokens":52,"completion_tokens":40}`,
		wantStreamed: Usage{Input: 12, Output: 40}},
	{name: "akash", provider: "akash", model: "Meta-Llama-3-3-70B-Instruct", where: "extra",
		usage: `{"prompt_tokens":30,"completion_tokens":12,"total_tokens":42}`,
		want:  Usage{Input: 30, Output: 12}},
	// Morpheus: a stream from api.mor.org recorded in the gateway's own
	// repository (MorpheusAIs/Morpheus-Marketplace-API, .ai-docs/
	// toolcallingissue.md), asked for without stream_options: usage comes
	// on a last chunk with empty choices, beside an empty
	// system_fingerprint. No whole reply is recorded; it is served the
	// same usage.
	{name: "morpheus", provider: "morpheus", model: "llama-3.3-70b", where: "extra",
		usage: `{"prompt_tokens":383,"completion_tokens":26,"total_tokens":409}`,
		want:  Usage{Input: 383, Output: 26},
		top:   `"system_fingerprint":""`},
	{name: "openrouter", provider: "openrouter", model: "anthropic/claude-sonnet-4.5", where: "finish",
		usage: `{"prompt_tokens":194,"completion_tokens":2,"total_tokens":196,"prompt_tokens_details":{"cached_tokens":0,"cache_write_tokens":100,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0},"cost":0.00095,"is_byok":false,"cost_details":{"upstream_inference_cost":null,"upstream_inference_prompt_cost":0.0008,"upstream_inference_completions_cost":0.0004}}`,
		want:  Usage{Input: 94, CacheWrite5m: 100, Output: 2, ReportedCost: 950 * money.Micro, CostReported: true}},
	// Vercel AI Gateway: recorded replies of ai-gateway.vercel.sh
	// (charmbracelet/fantasy providertests/testdata/TestVercelCommon/gpt-5,
	// simple.yaml and simple_streaming.yaml); its docs show none. The
	// gateway reports what it billed in usage.cost, in dollars.
	{name: "vercel", provider: "vercel", model: "openai/gpt-5", where: "finish",
		usage:        `{"prompt_tokens":19,"completion_tokens":124,"total_tokens":143,"cost":0.00190375,"is_byok":false,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0,"video_tokens":0},"cost_details":{"upstream_inference_cost":null,"upstream_inference_prompt_cost":0,"upstream_inference_completions_cost":0},"completion_tokens_details":{"reasoning_tokens":64,"image_tokens":0},"cache_creation_input_tokens":0,"market_cost":0.00190375}`,
		want:         Usage{Input: 19, Output: 124, Reasoning: 64, ReportedCost: 1_903_750, CostReported: true},
		streamed:     `{"prompt_tokens":19,"completion_tokens":93,"total_tokens":112,"cost":0.00159375,"is_byok":false,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0,"video_tokens":0},"cost_details":{"upstream_inference_cost":null,"upstream_inference_prompt_cost":0,"upstream_inference_completions_cost":0},"completion_tokens_details":{"reasoning_tokens":64,"image_tokens":0},"cache_creation_input_tokens":0,"market_cost":0.00159375}`,
		wantStreamed: Usage{Input: 19, Output: 93, Reasoning: 64, ReportedCost: 1_593_750, CostReported: true}},
	{name: "azure", provider: "azure", model: "gpt-4o", where: "extra",
		usage: `{"prompt_tokens":1486,"completion_tokens":651,"total_tokens":2137,"prompt_tokens_details":{"cached_tokens":1408,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}`,
		want:  Usage{Input: 78, CacheRead: 1408, Output: 651}},
	// Ollama: the bytes its own OpenAI layer writes (ollama/ollama,
	// middleware/openai.go and openai/openai.go) for the reply of its test
	// TestChatWriter_StreamMixedThinkingAndContentEmitsSplitChunks
	// (middleware/openai_test.go): thinking "reasoning", content "final
	// answer", 3 prompt and 2 generated tokens. Streamed with
	// include_usage: a reasoning chunk, a content chunk, the finish chunk
	// with an empty delta, then usage on a chunk with empty choices.
	// Generated tokens (eval_count) count the thinking too, with no
	// reasoning_tokens beside them.
	{name: "ollama", provider: "ollama", model: "test-model",
		frames: []string{
			`{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1760000000,"model":"test-model","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","reasoning":"reasoning"},"finish_reason":null}]}`,
			`{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1760000000,"model":"test-model","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"content":"final answer"},"finish_reason":null}]}`,
			`{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1760000000,"model":"test-model","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`,
			`{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1760000000,"model":"test-model","system_fingerprint":"fp_ollama","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}`,
			"[DONE]",
		},
		whole: `{"id":"chatcmpl-123","object":"chat.completion","created":1760000000,"model":"test-model","system_fingerprint":"fp_ollama","choices":[{"index":0,"message":{"role":"assistant","content":"final answer","reasoning":"reasoning"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}` + "\n",
		text:  "final answer",
		want:  Usage{Input: 3, Output: 2}},
	// LM Studio: the chat completions example of
	// https://lmstudio.ai/docs/developer/rest/endpoints; streamed usage
	// (include_usage, since 0.3.18) has no example, so OpenAI's extra chunk.
	{name: "lmstudio", provider: "lmstudio", model: "granite-3.0-2b-instruct", where: "extra",
		usage: `{"prompt_tokens":24,"completion_tokens":53,"total_tokens":77}`,
		want:  Usage{Input: 24, Output: 53}},
}

// chunk is one streamed chat completion chunk.
func semChunk(model, choices, extra string) string {
	return `{"id":"chatcmpl-sem","object":"chat.completion.chunk","created":1760000000,"model":"` + model + `","choices":[` + choices + `]` + extra + `}`
}

// streamUsage is the usage the case's stream carries, and what it
// converts to.
func (c semanticsCase) streamUsage() (string, Usage) {
	if c.streamed != "" {
		return c.streamed, c.wantStreamed
	}
	return c.usage, c.want
}

// beside is what goes after a reply's or chunk's usage: the provider's
// other top-level fields, if any.
func (c semanticsCase) beside() string {
	if c.top == "" {
		return ""
	}
	return "," + c.top
}

// stream returns the case's SSE events as the provider sends them.
func (c semanticsCase) stream() []string {
	if c.frames != nil {
		return c.frames
	}
	usage, _ := c.streamUsage()
	hi := `{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}`
	stop := `{"index":0,"delta":{},"finish_reason":"stop"}`
	var evs []string
	if c.provider == "azure" {
		// Azure's first chunk carries only the prompt's content filter results.
		evs = append(evs, `{"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}`)
	}
	switch c.where {
	case "extra":
		evs = append(evs, semChunk(c.model, hi, `,"usage":null`), semChunk(c.model, stop, `,"usage":null`),
			semChunk(c.model, "", `,"usage":`+usage+c.beside()))
	case "finish":
		evs = append(evs, semChunk(c.model, hi, ""), semChunk(c.model, stop, `,"usage":`+usage+c.beside()))
	case "x_groq":
		evs = append(evs, semChunk(c.model, hi, `,"x_groq":{"id":"req_01sem"}`),
			semChunk(c.model, stop, `,"x_groq":{"id":"req_01sem","usage":`+usage+`}`))
	case "every":
		evs = append(evs, semChunk(c.model, hi, `,"usage":`+c.interim), semChunk(c.model, stop, `,"usage":`+usage))
	}
	return append(evs, "[DONE]")
}

// body returns the case's whole (non-streamed) reply.
func (c semanticsCase) body() string {
	if c.whole != "" {
		return c.whole
	}
	return `{"id":"chatcmpl-sem","object":"chat.completion","created":1760000000,"model":"` + c.model +
		`","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],"usage":` + c.usage + c.beside() + `}`
}

// semSpec returns the provider's spec pointed at the fake server, and the
// secret to use.
func semSpec(t *testing.T, id, url string) (Spec, string) {
	t.Helper()
	switch id {
	case "azure":
		return specAt(t, id, ""), azureSecret(url, "2024-10-21")
	case "ollama", "lmstudio":
		return specAt(t, id, url+"/v1"), ""
	}
	return specAt(t, id, url+"/v1"), testOpenAIKey
}

// TestProviderSemantics serves every audited provider's documented usage,
// streamed and not, to the adapter and to the proxy's usage reader.
func TestProviderSemantics(t *testing.T) {
	for _, c := range semanticsCases {
		t.Run(c.name, func(t *testing.T) {
			for _, noStream := range []bool{false, true} {
				mode := "streamed"
				if noStream {
					mode = "not streamed"
				}
				f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
					if noStream {
						reply(w, 200, c.body())
						return
					}
					ssetest.Write(w, c.stream()...)
				})
				spec, secret := semSpec(t, c.provider, f.URL)
				req := hello(c.model)
				req.NoStream = noStream
				want := c.want
				if !noStream {
					_, want = c.streamUsage()
				}
				res, _, err := mustStream(t, spec, secret, req)
				if err != nil {
					t.Fatalf("%s: %v", mode, err)
				}
				text := c.text
				if text == "" {
					text = "Hi"
				}
				if res.Text != text || !res.HasUsage || res.Usage != want {
					t.Errorf("%s: text %q usage %+v, want %+v", mode, res.Text, res.Usage, want)
				}

				reader := NewUsageReader(spec.Kind, c.provider)
				if noStream {
					reader.Feed([]byte(c.body()))
				} else {
					for _, e := range c.stream() {
						reader.Feed([]byte(e))
					}
				}
				if u, ok := reader.Usage(); !ok || u != want {
					t.Errorf("%s through the proxy's reader: %+v, want %+v", mode, u, want)
				}
			}
		})
	}
}

// TestBedrockSemantics serves Bedrock's documented Converse usage, where
// inputTokens exclude the cache, streamed and not.
func TestBedrockSemantics(t *testing.T) {
	const usage = `{"inputTokens":1200,"outputTokens":310,"totalTokens":4010,"cacheReadInputTokens":2048,"cacheWriteInputTokens":452}`
	want := Usage{Input: 1200, CacheRead: 2048, CacheWrite5m: 452, Output: 310}
	for _, noStream := range []bool{false, true} {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			if noStream {
				reply(w, 200, `{"output":{"message":{"role":"assistant","content":[{"text":"Hi"}]}},"stopReason":"end_turn","usage":`+usage+`,"metrics":{"latencyMs":80}}`)
				return
			}
			awsStream(w, awsEvent(t, "messageStart", `{"role":"assistant"}`),
				awsEvent(t, "contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"Hi"}}`),
				awsEvent(t, "messageStop", `{"stopReason":"end_turn"}`),
				awsEvent(t, "metadata", `{"usage":`+usage+`,"metrics":{"latencyMs":120}}`))
		})
		req := hello("anthropic.claude-sonnet-4-5-20250929-v1:0")
		req.NoStream = noStream
		res, _, err := mustStream(t, specAt(t, "bedrock", f.URL), testBedrockSecret, req)
		if err != nil {
			t.Fatal(err)
		}
		if res.Text != "Hi" || res.Usage != want {
			t.Errorf("no stream %v: text %q usage %+v, want %+v", noStream, res.Text, res.Usage, want)
		}
	}
	r := NewUsageReader(KindBedrock, "bedrock")
	r.Feed([]byte(`{"usage":` + usage + `}`))
	if u, _ := r.Usage(); u != want {
		t.Errorf("reader: %+v", u)
	}
}

// TestSemanticsCoverBuiltins keeps the audit whole: every built-in
// OpenAI-compatible provider but OpenAI itself, Azure and Bedrock has a row
// and a documented-example case, and no row names an unknown provider.
func TestSemanticsCoverBuiltins(t *testing.T) {
	var rows []string
	for _, s := range SemanticsTable() {
		rows = append(rows, s.Provider)
		if s.StreamUsage == "" || s.Source == "" {
			t.Errorf("row %s says nothing of where usage lives or where it was checked", s.Provider)
		}
	}
	tested := map[string]bool{"bedrock": true}
	for _, c := range semanticsCases {
		tested[c.provider] = true
	}
	for _, spec := range Builtin() {
		// OpenAI's own semantics are the reference; Anthropic, Gemini and
		// Black Forest Labs speak APIs of their own.
		if spec.ID == "openai" || spec.Kind != KindOpenAI && spec.Kind != KindAzure && spec.Kind != KindBedrock {
			continue
		}
		if spec.Kind == KindBFL {
			// An image API: no token usage to audit; BFLSubmit reads its
			// answers (media_test.go).
			continue
		}
		if !slices.Contains(rows, spec.ID) {
			t.Errorf("built-in provider %s has no row in the semantics table", spec.ID)
		}
		if !tested[spec.ID] {
			t.Errorf("built-in provider %s has no documented-example case", spec.ID)
		}
	}
	for _, id := range rows {
		if _, ok := NewRegistry(Builtin()...).Get(id); !ok {
			t.Errorf("row %s names no built-in provider", id)
		}
	}
	// The rows once resting on compatibility claims alone say where their
	// test's usage comes from, or which docs showed none.
	for _, id := range []string{"together", "fireworks", "mistral", "cerebras", "nvidia", "sambanova", "novita",
		"hyperbolic", "chutes", "akash", "morpheus", "vercel", "ollama", "lmstudio"} {
		if SemanticsOf(id).Example == "" {
			t.Errorf("row %s does not say where its documented example is, or that its docs show none", id)
		}
	}
	if s := SemanticsOf("my-vllm"); s.Provider != "openai" || !s.ReasoningInCompletion {
		t.Errorf("a custom provider reads as %+v, want OpenAI's semantics", s)
	}
}

// TestPerplexityCutStreamReportsNoCost: the zero-cost skeleton of the
// interim chunks is not a reported cost of $0.
func TestPerplexityCutStreamReportsNoCost(t *testing.T) {
	c := semanticsCases[slices.IndexFunc(semanticsCases, func(c semanticsCase) bool { return c.model == "sonar" })]
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { cut(w, c.stream()[0]) })
	spec, secret := semSpec(t, "perplexity", f.URL)
	res, _, err := mustStream(t, spec, secret, hello("sonar"))
	if err == nil {
		t.Fatal("a cut stream succeeded")
	}
	if res.Usage.CostReported {
		t.Errorf("the interim skeleton was taken as a reported cost: %+v", res.Usage)
	}
	if !strings.Contains(res.Text, "Hi") {
		t.Errorf("text %q", res.Text)
	}
}
