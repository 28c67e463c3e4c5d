package providers

import "strings"

// Semantics is what one provider's own material (documentation, SDKs, the
// code of its API where it is public) says about the usage it returns:
// where it arrives in a stream, which counts contain which, and what the
// provider says it charged. The table below is the audit of every built-in
// provider that is not OpenAI itself; the usage conversion reads
// ReasoningInCompletion, the flag that changes arithmetic for an
// OpenAI-shaped usage object, and the tests in semantics_test.go serve each
// row's example, streamed and not.
type Semantics struct {
	Provider string
	// StreamUsage says where the usage of a streamed reply arrives.
	StreamUsage string
	// CachedInPrompt: cached (cache-hit) tokens are part of prompt_tokens,
	// as on OpenAI, so the uncached input is prompt minus cached. False
	// where the prompt count leaves them out: Bedrock reports them beside
	// inputTokens, Ollama in no count at all.
	CachedInPrompt bool
	// ReasoningInCompletion: reasoning_tokens are part of
	// completion_tokens, as on OpenAI. When false they are billed on top of
	// completion_tokens at the output price.
	ReasoningInCompletion bool
	// ReportedCost names the field that carries what the request was
	// billed, or "" when the provider sends none.
	ReportedCost string
	// RequestFees names charges beyond tokens, or "".
	RequestFees string
	// Source is where the row was checked.
	Source string
	// Example is where the provider's own documented usage example (or,
	// lacking one, a recorded reply) was taken from for the row's test,
	// or which pages were checked and showed none.
	Example string
}

// openAISemantics is how OpenAI's own Chat Completions count, and what any
// compatible provider without a row (custom ones from the config) is read as.
var openAISemantics = Semantics{
	Provider:              "openai",
	StreamUsage:           "an extra last chunk with empty choices when stream_options.include_usage is set",
	CachedInPrompt:        true,
	ReasoningInCompletion: true,
	Source:                "OpenAI API reference, Chat Completions object and chunk",
}

// semanticsTable is the audit. Every built-in OpenAI-compatible provider has
// a row; Azure and Bedrock have rows too although they speak other kinds,
// so that the table answers for every built-in provider.
var semanticsTable = []Semantics{
	{Provider: "groq", StreamUsage: "x_groq.usage on the chunk with finish_reason; usage on the include_usage chunk as well",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source: "Groq API reference (CompletionUsage in groq-typescript: prompt_tokens_details.cached_tokens, completion_tokens_details.reasoning_tokens, queue/prompt/completion/total_time)"},
	{Provider: "together", StreamUsage: "usage on the last chunk, the one with finish_reason, without stream_options",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source:  "Together's OpenAPI spec (UsageData: prompt_tokens, completion_tokens, total_tokens, on ChatCompletionResponse and ChatCompletionChunk); no cache or reasoning counts are documented",
		Example: "no chat example with numbers: the shape from togethercomputer/openapi openapi.yaml (UsageData, ChatCompletionChunk) at 090263a, streamed usage from the last chunk as togethercomputer/together-python tests/integration/resources/test_completion_stream.py reads it (at eba5e5f); docs.together.ai showed none"},
	{Provider: "fireworks", StreamUsage: "usage on the final chunk, the one with finish_reason (the chat request takes no stream_options)",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source:  "Fireworks OpenAI compatibility: prompt_tokens include prompt_tokens_details.cached_tokens; its Python SDK's UsageInfo (prompt_tokens, completion_tokens, total_tokens, prompt_tokens_details.cached_tokens) on the reply and the chunk",
		Example: "fw-ai-external/python-sdk at 8399c12: tests/test_downstream_compat_unit.py MOCK_CHAT_RESPONSE (usage 10/2/12, not streamed; its stream fixture has no usage), src/fireworks/types/shared/usage_info.py, src/fireworks/types/chat/completion_create_params.py (perf_metrics in the final chunk, the one with finish_reason); docs.fireworks.ai showed none"},
	{Provider: "deepseek", StreamUsage: "an extra last chunk with empty choices when stream_options.include_usage is set",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source: "DeepSeek API reference: prompt_tokens = prompt_cache_hit_tokens + prompt_cache_miss_tokens; completion_tokens_details.reasoning_tokens"},
	{Provider: "mistral", StreamUsage: "usage on the chunk with finish_reason (which carries the last text too)",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source:  "Mistral docs: chat completion (UsageInfo), prompt caching (prompt_tokens contains the cached tokens; uncached = prompt_tokens - cached_tokens)",
		Example: "docs.mistral.ai, from mistralai/platform-docs-public: studio-api/conversations/chat-completion.md (streamed: usage 19/7/26 on the finish chunk) and studio-api/conversations/advanced/prompt-caching.md (1013 prompt, 1008 cached, 30 completion)"},
	{Provider: "xai", StreamUsage: "an extra last chunk with empty choices when stream_options.include_usage is set",
		CachedInPrompt: true, ReasoningInCompletion: false, ReportedCost: "usage.cost_in_usd_ticks (1 USD = 10^10 ticks)",
		RequestFees: "server-side tools per call (web and X search, code execution…), included in the ticks",
		Source:      "xAI docs: consumption and rate limits (reasoning tokens charged at the completion price, added to the total), cost tracking, prompt caching usage"},
	{Provider: "cerebras", StreamUsage: "usage and time_info on the last chunk, the one with finish_reason",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source:  "Cerebras Cloud SDK (cerebras-cloud-sdk-python README: usage and time_info only in the final chunk; ChatCompletionResponseUsage has prompt_tokens_details.cached_tokens and no reasoning count)",
		Example: "no usage example in inference-docs.cerebras.ai; recorded replies of api.cerebras.ai in charmbracelet/fantasy providertests/testdata/TestCerebrasCommon (simple.yaml, simple_streaming.yaml)"},
	{Provider: "perplexity", StreamUsage: "usage on every chunk, zero-cost until the terminal chunk, whose usage.cost carries request_cost",
		CachedInPrompt: true, ReasoningInCompletion: false, ReportedCost: "usage.cost.total_cost (USD)",
		RequestFees: "a request fee by search context size (usage.cost.request_cost) and search queries (num_search_queries, usage.cost.search_queries_cost); citation_tokens are input beside prompt_tokens",
		Source:      "Perplexity API reference (UsageInfo and Cost in perplexity-py)"},
	{Provider: "nvidia", StreamUsage: "an extra last chunk with empty choices when stream_options.include_usage is set",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source:  "NVIDIA NIM LLM API: OpenAI-compatible chat completions",
		Example: "docs.nvidia.com/nemo/microservices/25.7.0/run-inference/nim-proxy/chat-completions.html (usage 15/12/27, not streamed); no streamed example"},
	{Provider: "sambanova", StreamUsage: "a final chunk with empty choices when stream_options.include_usage is set, usage with throughput fields (time_to_first_token, total_tokens_per_sec…)",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source:  "SambaNova's Python SDK (sambanova-python: Usage has prompt_tokens_details.cached_tokens and completion_tokens_details.reasoning_tokens, total_tokens = prompt + completion; include_usage puts usage in a final chunk)",
		Example: "sambanova/langchain-sambanova at 6097e1b: docs/usage_guide.ipynb (a recorded gpt-oss-120b reply, usage 236/42/278 with prompt_tokens_details, not streamed) and langchain_sambanova/chat_models.py's docstring (usage 42/16/58, served streamed; its _stream takes chunks with empty choices); sambanova/sambanova-python at 233d37b src/sambanova/types/chat/ (chat_completion_stream_response.py, completion_create_params.py)"},
	{Provider: "novita", StreamUsage: "usage on the last chunk when stream_options.include_usage is set",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source:  "Novita AI LLM API: OpenAI-compatible chat completions",
		Example: "novita.ai/docs/api-reference/model-apis-llm-create-chat-completion: the reply's usage has prompt_tokens, completion_tokens and total_tokens only (placeholder values, no cache or reasoning details); the request takes stream_options.include_usage; no streamed example"},
	{Provider: "hyperbolic", StreamUsage: "an extra last chunk with empty choices when stream_options.include_usage is set",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source:  "Hyperbolic docs: OpenAI-compatible chat completions; its AI SDK provider asks for include_usage and reads the last chunk's usage",
		Example: "HyperbolicLabs/hyperbolic-ts at 0d8756c: packages/ai-sdk-provider/src/hyperbolic-chat-language-model.test.ts (usage 20/5/25 not streamed, 17/227/244 on a chunk with empty choices streamed); fixtures in OpenAI's shape (they keep OpenAI's model names), not recorded replies; docs.hyperbolic.xyz showed none"},
	{Provider: "chutes", StreamUsage: "an extra last chunk with empty choices (vLLM's), always: the gateway sets stream_options.include_usage on every streamed request to a vLLM chute",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source:  "Chutes' gateway code (chutes-api: forces include_usage, bills the last chunk's prompt and completion tokens after checking them against its own estimate) and its vLLM (completion_tokens count every generated token, thinking included; docs: <think> traces consume tokens)",
		Example: "no example with numbers; the shape from code: chutesai/chutes-api at d390a53 api/invocation/router.py and api/chute/util.py, chutesai/vllm at 1199a68 vllm/entrypoints/openai/engine/protocol.py (UsageInfo), chutesai/chutes-docs src/guides/reasoning-models.md"},
	{Provider: "akash", StreamUsage: "usage on the last chunk when stream_options.include_usage is set",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source:  "AkashChat API documentation: OpenAI-compatible chat completions",
		Example: "none found: a search of AkashChat's API docs turned up no usage example, and akash-network/akash-chat (at f0a4ae0; app/api/chat/route.ts has only the chat app's own AI SDK stream stubs) shows no reply of the API"},
	{Provider: "morpheus", StreamUsage: "an extra last chunk with empty choices, sent without stream_options",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source:  "Morpheus API gateway (Morpheus-Marketplace-API) and its consumer node (Morpheus-Lumerin-Node proxy-router): the model's usage passes through untouched; the node adds usage_from_consumer (its own token count) beside it on the final chunk and the whole reply, and the gateway meters from that and usage_from_provider",
		Example: "MorpheusAIs/Morpheus-Marketplace-API at bb34a9f .ai-docs/toolcallingissue.md (a stream recorded from api.mor.org: usage 383/26/409 on a chunk with empty choices); no whole reply recorded"},
	{Provider: "openrouter", StreamUsage: "usage, with cost, on the last chunk before [DONE] (always sent)",
		CachedInPrompt: true, ReasoningInCompletion: true, ReportedCost: "usage.cost (credits = USD); with BYOK plus cost_details.upstream_inference_cost",
		RequestFees: "web search and the BYOK fee, included in usage.cost",
		Source:      "OpenRouter usage accounting docs"},
	{Provider: "vercel", StreamUsage: "usage, with cost, on the chunk with finish_reason",
		CachedInPrompt: true, ReasoningInCompletion: true, ReportedCost: "usage.cost (USD; market_cost beside it)",
		Source:  "Vercel AI Gateway: OpenAI Chat Completions API; its replies carry usage.cost, is_byok and cost_details as OpenRouter's do",
		Example: "no usage example in vercel.com/docs/ai-gateway; recorded replies of ai-gateway.vercel.sh in charmbracelet/fantasy providertests/testdata/TestVercelCommon/gpt-5 (simple.yaml, simple_streaming.yaml)"},
	{Provider: "azure", StreamUsage: "an extra last chunk with empty choices when stream_options.include_usage is set; the first chunk carries only prompt_filter_results",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source: "Azure OpenAI REST reference, chat completions"},
	{Provider: "bedrock", StreamUsage: "the metadata event of ConverseStream; Converse's body has usage",
		CachedInPrompt: false, ReasoningInCompletion: true,
		Source: "Amazon Bedrock Converse API: TokenUsage inputTokens (without cache), cacheReadInputTokens, cacheWriteInputTokens, outputTokens"},
	{Provider: "ollama", StreamUsage: "an extra last chunk with empty choices, after the finish chunk, when stream_options.include_usage is set; none otherwise",
		CachedInPrompt: false, ReasoningInCompletion: true,
		Source:  "Ollama's OpenAI layer (openai/openai.go ToUsage): prompt_tokens is prompt_eval_count, the prompt tokens evaluated for this request, so a cached prefix is in no count; completion_tokens is eval_count, every generated token, thinking included, with no reasoning_tokens (runs locally: free)",
		Example: "ollama/ollama at fb30760: the exact bytes of middleware/openai.go (ChatWriter) and openai/openai.go for TestChatWriter_StreamMixedThinkingAndContentEmitsSplitChunks in middleware/openai_test.go (usage 3/2/5, streamed with include_usage and not); its docs (docs/api/openai-compatibility.mdx) show no usage object"},
	{Provider: "lmstudio", StreamUsage: "usage on the last chunk when stream_options.include_usage is set",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source:  "LM Studio OpenAI compatibility docs; stream_options.include_usage since 0.3.18 (api-changelog) (runs locally: free)",
		Example: "lmstudio.ai/docs/developer/rest/endpoints (lmstudio-ai/docs 1_developer/2_rest/endpoints.mdx: usage 24/53/77, not streamed); no streamed example"},
}

// SemanticsTable returns the audit, one row per built-in provider that is
// not OpenAI, in the registry's order.
func SemanticsTable() []Semantics { return append([]Semantics(nil), semanticsTable...) }

// SemanticsOf returns the row of a provider id, or OpenAI's semantics for a
// provider without one (OpenAI itself and custom compatible providers).
func SemanticsOf(providerID string) Semantics {
	id := strings.ToLower(strings.TrimSpace(providerID))
	for _, s := range semanticsTable {
		if s.Provider == id {
			return s
		}
	}
	return openAISemantics
}
