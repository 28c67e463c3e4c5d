// Package export sends byok's recorded events beyond the machine: to an
// OpenTelemetry Collector (or any OTLP/HTTP endpoint) in the GenAI semantic
// conventions, and to Prometheus as a scrape handler. It reads nothing
// itself: the use-case layer (app) hands it events from the store's outbox
// and a snapshot of totals and budgets, and moves the outbox cursor once a
// batch is delivered.
package export

import (
	"cmp"
	"strings"

	"github.com/byokhq/byok/store"
)

// The GenAI semantic conventions' names (open-telemetry/semantic-conventions-genai,
// model/gen-ai: registry, metrics and spans), as byok uses them.
const (
	attrOperation    = "gen_ai.operation.name"
	attrProvider     = "gen_ai.provider.name"
	attrRequestModel = "gen_ai.request.model"
	attrRespModel    = "gen_ai.response.model"
	attrResponseID   = "gen_ai.response.id"
	attrTokenType    = "gen_ai.token.type"
	attrErrorType    = "error.type"

	attrUsageInput      = "gen_ai.usage.input_tokens"
	attrUsageOutput     = "gen_ai.usage.output_tokens"
	attrUsageCacheRead  = "gen_ai.usage.cache_read.input_tokens"
	attrUsageCacheWrite = "gen_ai.usage.cache_creation.input_tokens"
	attrUsageReasoning  = "gen_ai.usage.reasoning.output_tokens"
	attrInputMessages   = "gen_ai.input.messages"
	attrOutputMessages  = "gen_ai.output.messages"

	metricTokenUsage = "gen_ai.client.token.usage"
	metricDuration   = "gen_ai.client.operation.duration"
	metricFirstChunk = "gen_ai.client.operation.time_to_first_chunk"

	// byok's own names: the conventions have no cost yet, and names in
	// gen_ai.* are the specification's to define (a proposed
	// gen_ai.usage.cost could still change meaning or unit).
	metricCost      = "byok.cost"
	attrEventID     = "byok.event.id"
	attrSource      = "byok.source"
	attrKey         = "byok.key"
	attrClient      = "byok.client"
	attrStatus      = "byok.status"
	attrCost        = "byok.cost"
	attrCostUSD     = "byok.cost.usd"
	attrCostState   = "byok.cost.state"
	attrCache       = "byok.token.cache"
	attrHTTPStatus  = "http.response.status_code"
	attrServiceName = "service.name"
)

// providerNames maps byok's provider ids to the values the conventions list
// for gen_ai.provider.name. Others keep byok's id, as the conventions ask
// for providers they do not list.
var providerNames = map[string]string{
	"openai":     "openai",
	"anthropic":  "anthropic",
	"google":     "gcp.gemini",
	"vertex":     "gcp.vertex_ai",
	"bedrock":    "aws.bedrock",
	"azure":      "azure.ai.openai",
	"xai":        "x_ai",
	"deepseek":   "deepseek",
	"groq":       "groq",
	"mistral":    "mistral_ai",
	"perplexity": "perplexity",
	"cohere":     "cohere",
}

// ProviderName returns gen_ai.provider.name for a byok provider id.
func ProviderName(id string) string {
	return cmp.Or(providerNames[id], id)
}

// OperationName returns gen_ai.operation.name for an event. byok records
// no operation, so it is told from the provider and the model: the Gemini
// API's generateContent, embeddings models, and chat for the rest (the
// Messages, Chat Completions, Responses and Converse APIs).
func OperationName(e *store.Event) string {
	m := strings.ToLower(e.Model)
	switch {
	case strings.Contains(m, "embed"):
		return "embeddings"
	case e.Provider == "google":
		return "generate_content"
	default:
		return "chat"
	}
}

// ErrorType returns error.type for a failed event (the error class byok
// stored, "cancelled" for a request the user stopped) and "" for one that
// succeeded.
func ErrorType(e *store.Event) string {
	switch e.Status {
	case store.StatusOK:
		return ""
	case store.StatusCancelled:
		return "cancelled"
	}
	if e.ErrorClass != "" {
		return e.ErrorClass
	}
	return "_OTHER"
}

// InputTokens is gen_ai.usage.input_tokens: the conventions count cached
// prompt tokens as input, where byok keeps uncached input, cache reads and
// cache writes apart.
func InputTokens(e *store.Event) int64 {
	return e.InputTokens + e.CacheReadTokens + e.CacheWriteTokens()
}

// isRequest tells a provider request from a manual spend entry, which has
// a cost but no tokens, duration or span.
func isRequest(e *store.Event) bool { return e.Source != store.SourceManual }
