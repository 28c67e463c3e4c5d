package providers

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/byokhq/byok/money"
)

// This file holds the one conversion per API kind from the provider's usage
// shape to the disjoint Usage (docs/wire-formats.md §2 and §6). The adapters and
// the proxy's UsageReader both call these functions; there is no second copy.
//
// Counts are read leniently: null, missing, negative, fractional, string or
// absurdly large values never fail a parse. Negative counts become 0,
// fractions are truncated, and counts are capped at MaxCount so that sums
// and prices cannot overflow.

// MaxCount is the largest token count byok accepts from a provider; larger
// values are capped. It is a hundred times the largest context window of
// any model, and small enough that billions of requests at that count, and
// their cost at any accepted price, still sum within an int64.
const MaxCount int64 = 1_000_000_000

// count reads a token count from a JSON value.
func count(r gjson.Result) int64 {
	var s string
	switch r.Type {
	case gjson.Number:
		s = r.Raw
	case gjson.String:
		s = strings.TrimSpace(r.Str)
	default:
		return 0
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return clampCount(n)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !isRangeErr(err) {
		return 0
	}
	switch {
	case math.IsNaN(f) || f <= 0:
		return 0
	case f >= float64(MaxCount):
		return MaxCount
	}
	return int64(f)
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func clampCount(n int64) int64 {
	switch {
	case n < 0:
		return 0
	case n > MaxCount:
		return MaxCount
	}
	return n
}

// text reads a string value; anything else is "".
func text(r gjson.Result) string {
	if r.Type != gjson.String {
		return ""
	}
	return r.Str
}

// present reports whether a JSON value is there and not null.
func present(r gjson.Result) bool { return r.Exists() && r.Type != gjson.Null }

// parseJSON returns the parsed document, or false for malformed JSON.
func parseJSON(data []byte) (gjson.Result, bool) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || !gjson.ValidBytes(data) {
		return gjson.Result{}, false
	}
	return gjson.ParseBytes(data), true
}

// splitPrompt divides a whole-prompt count into uncached input, cache reads
// and cache writes, capping the parts so that they never exceed the whole.
func splitPrompt(prompt, cached, written int64) (input, read, write int64) {
	read = min(cached, prompt)
	write = min(written, prompt-read)
	return prompt - read - write, read, write
}

// USDOf reads a dollar amount that a provider's reply or an agent's log
// reports (a JSON number, exponent form such as 1.5e-05 included, or a
// string holding one) exactly, to the nearest nano-dollar. It is false for
// anything else: null, a word, text longer than any amount is written
// (64 characters). An amount below zero is 0: no request pays the user
// back. One past money.MaxAmount, however large, is capped there, as
// pricing caps every cost: the request stays a reported outlier that
// budgets see, rather than a large amount counting as money.MaxAmount and
// a larger one as whatever its tokens would have cost.
func USDOf(r gjson.Result) (money.USD, bool) {
	s, ok := numberText(r)
	if !ok || len(s) > 64 {
		return 0, false
	}
	v, err := money.ParseDecimal(s, 0)
	switch {
	case errors.Is(err, money.ErrTooLarge):
		if strings.HasPrefix(s, "-") {
			return 0, true
		}
		return money.MaxAmount, true
	case err != nil:
		return 0, false
	}
	return min(max(v, 0), money.MaxAmount), true
}

// numberText is the text of a JSON number, or of a string holding one.
func numberText(r gjson.Result) (string, bool) {
	switch r.Type {
	case gjson.Number:
		return r.Raw, true
	case gjson.String:
		return strings.TrimSpace(r.Str), true
	}
	return "", false
}

// chatUsage converts an OpenAI Chat Completions usage object, including the
// compatible providers' additions: DeepSeek's prompt_cache_hit/miss_tokens,
// prompt_tokens_details.cache_write_tokens, Perplexity's citation tokens,
// and the costs providers report (see reportedCost). sem says how the
// provider counts (see Semantics): xAI and Perplexity bill reasoning tokens
// on top of completion_tokens.
func chatUsage(u gjson.Result, sem Semantics) Usage {
	var out Usage
	prompt := count(u.Get("prompt_tokens"))
	cached := count(u.Get("prompt_tokens_details.cached_tokens"))
	written := count(u.Get("prompt_tokens_details.cache_write_tokens"))
	hit, miss := u.Get("prompt_cache_hit_tokens"), u.Get("prompt_cache_miss_tokens")
	if present(hit) || present(miss) {
		// DeepSeek: hit + miss = prompt_tokens; hit is the cache read.
		h, m := count(hit), count(miss)
		if !present(miss) {
			m = max(prompt-h, 0)
		}
		out.CacheRead = h
		out.Input = m
	} else {
		out.Input, out.CacheRead, out.CacheWrite5m = splitPrompt(prompt, cached, written)
	}
	// Perplexity counts the tokens of the sources it cites apart from the
	// prompt and bills them as input.
	out.Input = min(out.Input+count(u.Get("citation_tokens")), MaxCount)
	out.Output = count(u.Get("completion_tokens"))
	reasoning := u.Get("completion_tokens_details.reasoning_tokens")
	if !present(reasoning) {
		// Perplexity puts the count at the top of usage.
		reasoning = u.Get("reasoning_tokens")
	}
	r := count(reasoning)
	if !sem.ReasoningInCompletion {
		out.Output = min(out.Output+r, MaxCount)
	}
	out.Reasoning = min(r, out.Output)
	// Perplexity's deep research bills each search query it runs; its
	// other models bill one request fee (usage.cost.request_cost) for the
	// search behind every request, which the catalog prices per search.
	out.WebSearches = count(u.Get("num_search_queries"))
	if fee, ok := USDOf(u.Get("cost.request_cost")); ok && fee > 0 && out.WebSearches == 0 {
		out.WebSearches = 1
	}
	out.ReportedCost, out.CostReported = reportedCost(u)
	return out
}

// reportedCost reads what the provider says the request was billed:
// xAI's usage.cost_in_usd_ticks, Perplexity's usage.cost object, or
// OpenRouter's usage.cost number (plus, with a BYOK key, what the upstream
// provider charges that key: the user pays both).
func reportedCost(u gjson.Result) (money.USD, bool) {
	if t := u.Get("cost_in_usd_ticks"); present(t) {
		return ticksOf(t)
	}
	c := u.Get("cost")
	if c.IsObject() {
		// Perplexity streams a zero-cost skeleton on every chunk before
		// the terminal one, which alone carries request_cost: a stream cut
		// before it has no reported cost.
		total, ok := USDOf(c.Get("total_cost"))
		if !ok || (total == 0 && !present(c.Get("request_cost"))) {
			return 0, false
		}
		return total, true
	}
	cost, ok := USDOf(c)
	if !ok {
		return 0, false
	}
	if u.Get("is_byok").Bool() {
		if up, ok := USDOf(u.Get("cost_details.upstream_inference_cost")); ok {
			cost += up
		}
	}
	return cost, true
}

// ticksPerNano is how many of xAI's ticks (1 USD = 10^10 ticks) make a
// nano-dollar.
const ticksPerNano = 10

// ticksOf converts xAI's integer ticks to nano-dollars. A tick is a tenth of
// a nano-dollar, byok's unit, so the amount is rounded half up to the
// nano-dollar: never more than half a tenth of a nano-dollar away.
func ticksOf(r gjson.Result) (money.USD, bool) {
	s, ok := numberText(r)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false
	}
	if n <= 0 {
		return 0, true
	}
	const maxTicks = int64(1_000_000) * int64(money.Dollar) * ticksPerNano // a million dollars
	if n > maxTicks {
		n = maxTicks
	}
	return money.USD((n + ticksPerNano/2) / ticksPerNano), true
}

// chatChunkUsage reads the usage a Chat Completions chunk or body carries:
// "usage", or Groq's "x_groq.usage" when "usage" is absent, plus the
// response's service_tier.
func chatChunkUsage(doc gjson.Result, sem Semantics) (Usage, bool) {
	u := doc.Get("usage")
	if !u.IsObject() {
		u = doc.Get("x_groq.usage")
	}
	if !u.IsObject() {
		return Usage{}, false
	}
	out := chatUsage(u, sem)
	out.ServiceTier = text(doc.Get("service_tier"))
	return out, true
}

// responsesUsage converts the usage of an OpenAI Responses API response
// object (the body, or the "response" of response.completed and friends).
func responsesUsage(resp gjson.Result) (Usage, bool) {
	u := resp.Get("usage")
	if !u.IsObject() {
		return Usage{}, false
	}
	var out Usage
	out.Input, out.CacheRead, out.CacheWrite5m = splitPrompt(
		count(u.Get("input_tokens")),
		count(u.Get("input_tokens_details.cached_tokens")),
		count(u.Get("input_tokens_details.cache_write_tokens")))
	out.Output = count(u.Get("output_tokens"))
	out.Reasoning = min(count(u.Get("output_tokens_details.reasoning_tokens")), out.Output)
	out.ServiceTier = text(resp.Get("service_tier"))
	return out, true
}

// anthropicUsage accumulates Anthropic Messages usage: message_start
// carries the input side, every message_delta carries cumulative counts that
// replace — never add to — what came before.
type anthropicUsage struct {
	seen                          bool
	input, read, write, w5m, w1h  int64
	hasSplit                      bool
	output, thinking, webSearches int64
	tier, geo                     string
	// closed is set by the adapter once a message_delta arrived: the
	// output count is final.
	closed bool
}

// reset starts a new message.
func (a *anthropicUsage) reset() { *a = anthropicUsage{} }

// apply takes the fields present in one usage object.
func (a *anthropicUsage) apply(u gjson.Result) {
	if !u.IsObject() {
		return
	}
	a.seen = true
	set := func(dst *int64, path string) bool {
		if v := u.Get(path); present(v) {
			*dst = count(v)
			return true
		}
		return false
	}
	set(&a.input, "input_tokens")
	set(&a.read, "cache_read_input_tokens")
	set(&a.write, "cache_creation_input_tokens")
	if u.Get("cache_creation").IsObject() {
		a.hasSplit = true
		set(&a.w5m, "cache_creation.ephemeral_5m_input_tokens")
		set(&a.w1h, "cache_creation.ephemeral_1h_input_tokens")
	}
	set(&a.output, "output_tokens")
	set(&a.thinking, "output_tokens_details.thinking_tokens")
	set(&a.webSearches, "server_tool_use.web_search_requests")
	if t := text(u.Get("service_tier")); t != "" {
		a.tier = t
	}
	if g := text(u.Get("inference_geo")); g != "" {
		a.geo = g
	}
}

// usage returns the disjoint counts.
func (a *anthropicUsage) usage() (Usage, bool) {
	if !a.seen {
		return Usage{}, false
	}
	out := Usage{Input: a.input, CacheRead: a.read, Output: a.output, WebSearches: a.webSearches,
		ServiceTier: a.tier, Geo: a.geo}
	total := a.write
	if a.hasSplit {
		// The split is authoritative for the 1-hour part; whatever the total
		// says beyond the split has an unspecified TTL and counts as 5m.
		total = max(total, min(a.w5m+a.w1h, MaxCount))
		out.CacheWrite1h = min(a.w1h, total)
	}
	out.CacheWrite5m = total - out.CacheWrite1h
	out.Reasoning = min(a.thinking, out.Output)
	return out, true
}

// geminiCounts are the usageMetadata fields byok needs.
type geminiCounts struct {
	Prompt, Cached, Candidates, Thoughts, ToolUsePrompt int64
}

// geminiCountsOf reads a usageMetadata object.
func geminiCountsOf(m gjson.Result) geminiCounts {
	return geminiCounts{
		Prompt:        count(m.Get("promptTokenCount")),
		Cached:        count(m.Get("cachedContentTokenCount")),
		Candidates:    count(m.Get("candidatesTokenCount")),
		Thoughts:      count(m.Get("thoughtsTokenCount")),
		ToolUsePrompt: count(m.Get("toolUsePromptTokenCount")),
	}
}

// usage converts Gemini counts: the prompt includes cached content, thoughts
// are billed as output and kept as reasoning.
func (g geminiCounts) usage() Usage {
	g = geminiCounts{clampCount(g.Prompt), clampCount(g.Cached), clampCount(g.Candidates),
		clampCount(g.Thoughts), clampCount(g.ToolUsePrompt)}
	read := min(g.Cached, g.Prompt)
	return Usage{
		Input:     g.Prompt - read + g.ToolUsePrompt,
		CacheRead: read,
		Output:    g.Candidates + g.Thoughts,
		Reasoning: g.Thoughts,
	}
}

// bedrockCounts are the Converse API's usage fields. Bedrock, like
// Anthropic, reports inputTokens without the cache reads and writes.
type bedrockCounts struct {
	Input, Output, CacheRead, CacheWrite int64
}

func bedrockCountsOf(u gjson.Result) bedrockCounts {
	return bedrockCounts{
		Input:      count(u.Get("inputTokens")),
		Output:     count(u.Get("outputTokens")),
		CacheRead:  count(u.Get("cacheReadInputTokens")),
		CacheWrite: count(u.Get("cacheWriteInputTokens")),
	}
}

func (b bedrockCounts) usage() Usage {
	return Usage{Input: clampCount(b.Input), Output: clampCount(b.Output),
		CacheRead: clampCount(b.CacheRead), CacheWrite5m: clampCount(b.CacheWrite)}
}

// UsageReader reads usage from provider responses as they pass through a
// proxy, without decoding anything else.
type UsageReader interface {
	// Feed takes one SSE event's data payload, or a whole JSON response
	// body. Anything it does not understand is ignored.
	Feed(data []byte)
	// Usage returns the usage read so far, and whether any was seen.
	Usage() (Usage, bool)
}

// NewUsageReader returns a reader for responses of the given API kind.
// KindAzure reads like KindOpenAI. An unknown kind reads nothing.
// providerID picks the provider's row of the Semantics table (xAI's
// reasoning tokens lie outside completion_tokens); the readers recognise the
// other providers' additions (DeepSeek's cache hit/miss, reported costs,
// Groq's x_groq.usage) by their fields.
func NewUsageReader(kind Kind, providerID string) UsageReader {
	switch kind {
	case KindOpenAI, KindAzure:
		return &chatReader{sem: SemanticsOf(providerID)}
	case KindResponses:
		return &responsesReader{}
	case KindAnthropic:
		return &anthropicReader{}
	case KindGemini:
		return &geminiReader{}
	case KindBedrock:
		return &bedrockReader{}
	}
	return nopReader{}
}

type nopReader struct{}

func (nopReader) Feed([]byte)          {}
func (nopReader) Usage() (Usage, bool) { return Usage{}, false }

// lastUsage keeps the most recent usage seen.
type lastUsage struct {
	u    Usage
	seen bool
}

func (l *lastUsage) set(u Usage, ok bool) {
	if ok {
		l.u, l.seen = u, true
	}
}

func (l *lastUsage) Usage() (Usage, bool) { return l.u, l.seen }

type chatReader struct {
	lastUsage
	sem Semantics
	gen string
}

func (r *chatReader) Feed(data []byte) {
	if doc, ok := parseJSON(data); ok {
		r.set(chatChunkUsage(doc, r.sem))
		if r.gen == "" {
			r.gen = GenerationID(doc.Get("id").String())
		}
	}
}

// GenerationID returns id when it is an OpenRouter generation id
// ("gen-…"), which GET /api/v1/generation?id= prices exactly after the
// fact; otherwise "".
func GenerationID(id string) string {
	if strings.HasPrefix(id, "gen-") && len(id) <= 200 {
		return id
	}
	return ""
}

// ReadGenerationID returns the OpenRouter generation id a reader has seen
// in a chat response, or "".
func ReadGenerationID(r UsageReader) string {
	if c, ok := r.(*chatReader); ok {
		return c.gen
	}
	return ""
}

type responsesReader struct{ lastUsage }

func (r *responsesReader) Feed(data []byte) {
	doc, ok := parseJSON(data)
	if !ok {
		return
	}
	if resp := doc.Get("response"); resp.IsObject() {
		r.set(responsesUsage(resp))
		return
	}
	if text(doc.Get("object")) == "response" {
		r.set(responsesUsage(doc))
	}
}

type anthropicReader struct{ acc anthropicUsage }

func (r *anthropicReader) Feed(data []byte) {
	doc, ok := parseJSON(data)
	if !ok {
		return
	}
	switch text(doc.Get("type")) {
	case "message_start":
		r.acc.reset()
		r.acc.apply(doc.Get("message.usage"))
	case "message_delta":
		r.acc.apply(doc.Get("usage"))
	case "message":
		r.acc.reset()
		r.acc.apply(doc.Get("usage"))
	}
}

func (r *anthropicReader) Usage() (Usage, bool) { return r.acc.usage() }

type geminiReader struct{ lastUsage }

func (r *geminiReader) Feed(data []byte) {
	doc, ok := parseJSON(data)
	if !ok {
		return
	}
	// A non-SSE streamGenerateContent body is a JSON array of chunks.
	chunks := []gjson.Result{doc}
	if doc.IsArray() {
		chunks = doc.Array()
	}
	for _, c := range chunks {
		if m := c.Get("usageMetadata"); m.IsObject() {
			r.set(geminiCountsOf(m).usage(), true)
		}
	}
}

type bedrockReader struct{ lastUsage }

func (r *bedrockReader) Feed(data []byte) {
	if doc, ok := parseJSON(data); ok {
		if u := doc.Get("usage"); u.IsObject() {
			r.set(bedrockCountsOf(u).usage(), true)
		}
	}
}
