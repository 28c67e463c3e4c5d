package providers

import "strings"

// Semantics is what one provider's own documentation says about the usage
// it returns: where it arrives in a stream, which counts contain which, and
// what the provider says it charged. The table below is the audit of every
// built-in provider that is not OpenAI itself; the usage conversion reads
// the two flags that change arithmetic (CachedInPrompt is true for all of
// them, ReasoningInCompletion is not), and the tests in semantics_test.go
// serve each row's documented example, streamed and not.
type Semantics struct {
	Provider string
	// StreamUsage says where the usage of a streamed reply arrives.
	StreamUsage string
	// CachedInPrompt: cached (cache-hit) tokens are part of prompt_tokens,
	// as on OpenAI, so the uncached input is prompt minus cached.
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
	{Provider: "together", StreamUsage: "usage on the last chunk (with include_usage), OpenAI's shape",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source: "Together chat completions reference: OpenAI-compatible usage"},
	{Provider: "fireworks", StreamUsage: "usage on the last chunk, OpenAI's shape",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source: "Fireworks OpenAI compatibility: prompt_tokens include prompt_tokens_details.cached_tokens"},
	{Provider: "deepseek", StreamUsage: "an extra last chunk with empty choices when stream_options.include_usage is set",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source: "DeepSeek API reference: prompt_tokens = prompt_cache_hit_tokens + prompt_cache_miss_tokens; completion_tokens_details.reasoning_tokens"},
	{Provider: "mistral", StreamUsage: "usage on the chunk with finish_reason",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source: "Mistral chat completion reference: UsageInfo prompt_tokens, completion_tokens, total_tokens"},
	{Provider: "xai", StreamUsage: "an extra last chunk with empty choices when stream_options.include_usage is set",
		CachedInPrompt: true, ReasoningInCompletion: false, ReportedCost: "usage.cost_in_usd_ticks (1 USD = 10^10 ticks)",
		RequestFees: "server-side tools per call (web and X search, code execution…), included in the ticks",
		Source:      "xAI docs: consumption and rate limits (reasoning tokens charged at the completion price, added to the total), cost tracking, prompt caching usage"},
	{Provider: "cerebras", StreamUsage: "usage (and time_info) on the last chunk",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source: "Cerebras inference docs: OpenAI-compatible usage, prompt caching reports prompt_tokens_details.cached_tokens"},
	{Provider: "perplexity", StreamUsage: "usage on every chunk, zero-cost until the terminal chunk, whose usage.cost carries request_cost",
		CachedInPrompt: true, ReasoningInCompletion: false, ReportedCost: "usage.cost.total_cost (USD)",
		RequestFees: "a request fee by search context size (usage.cost.request_cost) and search queries (num_search_queries, usage.cost.search_queries_cost); citation_tokens are input beside prompt_tokens",
		Source:      "Perplexity API reference (UsageInfo and Cost in perplexity-py)"},
	{Provider: "nvidia", StreamUsage: "an extra last chunk with empty choices when stream_options.include_usage is set",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source: "NVIDIA NIM LLM API: OpenAI-compatible chat completions"},
	{Provider: "sambanova", StreamUsage: "usage on the last chunk, with throughput fields (time_to_first_token, total_tokens_per_sec)",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source: "SambaNova Cloud chat completions reference"},
	{Provider: "novita", StreamUsage: "usage on the last chunk when stream_options.include_usage is set",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source: "Novita AI LLM API: OpenAI-compatible chat completions"},
	{Provider: "hyperbolic", StreamUsage: "usage on the last chunk when stream_options.include_usage is set",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source: "Hyperbolic docs: OpenAI-compatible chat completions"},
	{Provider: "chutes", StreamUsage: "usage on the last chunk when stream_options.include_usage is set",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source: "Chutes docs: OpenAI-compatible chat completions"},
	{Provider: "akash", StreamUsage: "usage on the last chunk when stream_options.include_usage is set",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source: "AkashChat API documentation: OpenAI-compatible chat completions"},
	{Provider: "morpheus", StreamUsage: "usage on the last chunk when stream_options.include_usage is set",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source: "Morpheus API gateway documentation: OpenAI-compatible chat completions"},
	{Provider: "openrouter", StreamUsage: "usage, with cost, on the last chunk before [DONE] (always sent)",
		CachedInPrompt: true, ReasoningInCompletion: true, ReportedCost: "usage.cost (credits = USD); with BYOK plus cost_details.upstream_inference_cost",
		RequestFees: "web search and the BYOK fee, included in usage.cost",
		Source:      "OpenRouter usage accounting docs"},
	{Provider: "vercel", StreamUsage: "an extra last chunk when stream_options.include_usage is set, OpenAI's shape",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source: "Vercel AI Gateway: OpenAI Chat Completions API (implements OpenAI's specification)"},
	{Provider: "azure", StreamUsage: "an extra last chunk with empty choices when stream_options.include_usage is set; the first chunk carries only prompt_filter_results",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source: "Azure OpenAI REST reference, chat completions"},
	{Provider: "bedrock", StreamUsage: "the metadata event of ConverseStream; Converse's body has usage",
		CachedInPrompt: false, ReasoningInCompletion: true,
		Source: "Amazon Bedrock Converse API: TokenUsage inputTokens (without cache), cacheReadInputTokens, cacheWriteInputTokens, outputTokens"},
	{Provider: "ollama", StreamUsage: "an extra last chunk with empty choices when stream_options.include_usage is set",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source: "Ollama OpenAI compatibility docs (runs locally: free)"},
	{Provider: "lmstudio", StreamUsage: "usage on the last chunk when stream_options.include_usage is set",
		CachedInPrompt: true, ReasoningInCompletion: true,
		Source: "LM Studio OpenAI compatibility docs (runs locally: free)"},
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
