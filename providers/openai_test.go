package providers

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/internal/ssetest"
	"github.com/byokhq/byok/money"
)

const (
	chunkHi    = `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1760000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}],"usage":null}`
	chunkThere = `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1760000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"content":" there"},"finish_reason":null}],"usage":null}`
	chunkStop  = `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1760000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}`
)

func TestChatStreamUsage(t *testing.T) {
	tests := []struct {
		name      string
		provider  string
		events    []string
		wantText  string
		wantReasn string
		want      Usage
		maxField  string // the max-tokens field the provider should get
		wantID    string // the request id, where the body names it
	}{
		{
			name:     "openai cached and reasoning tokens with service tier",
			provider: "openai",
			events: []string{chunkHi, chunkThere, chunkStop,
				`{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1760000000,"model":"gpt-4o-mini-2024-07-18","service_tier":"flex","choices":[],"usage":{"prompt_tokens":1486,"completion_tokens":651,"total_tokens":2137,"prompt_tokens_details":{"cached_tokens":1408,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":512}}}`,
				"[DONE]"},
			wantText: "Hi there",
			want:     Usage{Input: 78, CacheRead: 1408, Output: 651, Reasoning: 512, ServiceTier: "flex"},
			maxField: "max_completion_tokens",
		},
		{
			name:     "openai cache writes are a subset of the prompt",
			provider: "openai",
			events: []string{chunkHi,
				`{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-5.6-sol","choices":[],"usage":{"prompt_tokens":1000,"completion_tokens":10,"prompt_tokens_details":{"cached_tokens":200,"cache_write_tokens":300}}}`,
				"[DONE]"},
			wantText: "Hi",
			want:     Usage{Input: 500, CacheRead: 200, CacheWrite5m: 300, Output: 10},
			maxField: "max_completion_tokens",
		},
		{
			name:     "deepseek cache hit and miss with reasoning content",
			provider: "deepseek",
			events: []string{
				`{"id":"d","object":"chat.completion.chunk","created":1,"model":"deepseek-reasoner","choices":[{"index":0,"delta":{"reasoning_content":"thinking…"}}]}`,
				chunkHi,
				`{"id":"d","object":"chat.completion.chunk","created":1,"model":"deepseek-reasoner","choices":[],"usage":{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,"prompt_cache_hit_tokens":1024,"prompt_cache_miss_tokens":176,"completion_tokens_details":{"reasoning_tokens":180}}}`,
				"[DONE]"},
			wantText:  "Hi",
			wantReasn: "thinking…",
			want:      Usage{Input: 176, CacheRead: 1024, Output: 300, Reasoning: 180},
			maxField:  "max_tokens",
		},
		{
			name:     "openrouter reported cost",
			provider: "openrouter",
			events: []string{chunkHi,
				`{"id":"gen-1","object":"chat.completion.chunk","created":1,"model":"anthropic/claude-sonnet-4.5","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":194,"completion_tokens":2,"total_tokens":196,"prompt_tokens_details":{"cached_tokens":0,"cache_write_tokens":100,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0},"cost":0.00095,"is_byok":false,"cost_details":{"upstream_inference_cost":null}}}`,
				"[DONE]"},
			wantText: "Hi",
			want:     Usage{Input: 94, CacheWrite5m: 100, Output: 2, ReportedCost: 950 * money.Micro, CostReported: true},
			maxField: "max_tokens",
			wantID:   "gen-1", // OpenRouter's generation, for /generation?id= later
		},
		{
			name:     "openrouter byok adds the upstream cost",
			provider: "openrouter",
			events: []string{chunkHi,
				`{"id":"gen-2","object":"chat.completion.chunk","created":1,"model":"openai/gpt-4o","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"cost":0.0001,"is_byok":true,"cost_details":{"upstream_inference_cost":0.002}}}`,
				"[DONE]"},
			wantText: "Hi",
			want:     Usage{Input: 10, Output: 5, ReportedCost: 2100 * money.Micro, CostReported: true},
			maxField: "max_tokens",
		},
		{
			name:     "groq usage inside x_groq",
			provider: "groq",
			events: []string{chunkHi,
				`{"id":"g","object":"chat.completion.chunk","created":1,"model":"llama-3.3-70b-versatile","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"x_groq":{"id":"req_01abc","usage":{"queue_time":0.01,"prompt_tokens":40,"prompt_time":0.002,"completion_tokens":9,"completion_time":0.03,"total_tokens":49,"total_time":0.04}}}`,
				"[DONE]"},
			wantText: "Hi",
			want:     Usage{Input: 40, Output: 9},
			maxField: "max_tokens",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) { ssetest.Write(w, tt.events...) })
			res, c, err := mustStream(t, specAt(t, tt.provider, f.URL+"/v1"), testOpenAIKey, hello("m"))
			if err != nil {
				t.Fatalf("Stream: %v", err)
			}
			if res.Text != tt.wantText || c.text.String() != tt.wantText {
				t.Errorf("text = %q (emitted %q), want %q", res.Text, c.text.String(), tt.wantText)
			}
			if c.reasoning.String() != tt.wantReasn {
				t.Errorf("reasoning = %q, want %q", c.reasoning.String(), tt.wantReasn)
			}
			if !res.HasUsage || res.Usage != tt.want {
				t.Errorf("usage = %+v (has %v), want %+v", res.Usage, res.HasUsage, tt.want)
			}
			if tt.wantID != "" && res.RequestID != tt.wantID {
				t.Errorf("request id = %q, want %q", res.RequestID, tt.wantID)
			}
			if res.Status != http.StatusOK || res.FirstToken <= 0 || res.Latency < res.FirstToken {
				t.Errorf("status %d, first token %v, latency %v", res.Status, res.FirstToken, res.Latency)
			}
			req := f.only(t)
			if req.Path != "/v1/chat/completions" {
				t.Errorf("path = %s, want /v1/chat/completions", req.Path)
			}
			if got := req.Header.Get("Authorization"); got != "Bearer "+testOpenAIKey {
				t.Errorf("Authorization = %q", got)
			}
			if strings.Contains(req.Path+req.Query, testOpenAIKey) {
				t.Error("the key is in the URL")
			}
			body := req.JSON(t)
			if so, _ := body["stream_options"].(map[string]any); so["include_usage"] != true {
				t.Errorf("stream_options = %v, want include_usage true", body["stream_options"])
			}
			if body["stream"] != true {
				t.Errorf("stream = %v", body["stream"])
			}
			if body[tt.maxField] != float64(64) {
				t.Errorf("%s = %v in %s", tt.maxField, body[tt.maxField], req.Body)
			}
			msgs, _ := body["messages"].([]any)
			if len(msgs) != 2 {
				t.Errorf("messages = %v, want system + user", msgs)
			}
		})
	}
}

func TestChatNoStream(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"id":"chatcmpl-abc123","object":"chat.completion","created":1760000000,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","choices":[{"index":0,"message":{"role":"assistant","content":"Hi!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1486,"completion_tokens":651,"total_tokens":2137,"prompt_tokens_details":{"cached_tokens":1408,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":512,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}`,
			"x-request-id", "req_nonstream")
	})
	req := hello("gpt-4o-mini")
	req.NoStream = true
	res, c, err := mustStream(t, specAt(t, "openai", f.URL+"/v1"), testOpenAIKey, req)
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	want := Usage{Input: 78, CacheRead: 1408, Output: 651, Reasoning: 512, ServiceTier: "default"}
	if res.Text != "Hi!" || c.text.String() != "Hi!" || res.Usage != want || !res.HasUsage {
		t.Errorf("got text %q usage %+v, want Hi! and %+v", res.Text, res.Usage, want)
	}
	if res.RequestID != "req_nonstream" || res.Model != "gpt-4o-mini-2024-07-18" {
		t.Errorf("request id %q model %q", res.RequestID, res.Model)
	}
	if body := f.only(t).JSON(t); body["stream"] != nil || body["stream_options"] != nil {
		t.Errorf("a non-streamed request asked for a stream: %v", body)
	}
}

func TestChatStreamWithoutUsage(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		ssetest.Write(w, chunkHi, chunkThere, chunkStop, "[DONE]")
	})
	res, _, err := mustStream(t, specAt(t, "ollama", f.URL+"/v1"), "", hello("llama3"))
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	if res.HasUsage || !res.Usage.Estimated {
		t.Fatalf("usage %+v has %v, want an estimate", res.Usage, res.HasUsage)
	}
	if res.Usage.Output != EstimateTokens("Hi there") || res.Usage.Input != estimateRequest(hello("llama3")) {
		t.Errorf("estimate = %+v", res.Usage)
	}
	if got := f.only(t).Header.Get("Authorization"); got != "" {
		t.Errorf("a keyless local provider got Authorization %q", got)
	}
}

func TestChatCutStream(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { cut(w, chunkHi, chunkThere) })
	res, c, err := mustStream(t, specAt(t, "openai", f.URL+"/v1"), testOpenAIKey, hello("gpt-4o"))
	asError(t, err, ClassNetwork)
	if res.Text != "Hi there" || c.text.String() != "Hi there" {
		t.Errorf("partial text = %q", res.Text)
	}
	if res.HasUsage || !res.Usage.Estimated || res.Usage.Output != EstimateTokens("Hi there") || res.Usage.Input == 0 {
		t.Errorf("usage = %+v (has %v), want an estimate", res.Usage, res.HasUsage)
	}
	if res.Status != http.StatusOK {
		t.Errorf("status = %d", res.Status)
	}
}

func TestChatCancel(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { stall(w, r, chunkHi) })
	s, err := New(specAt(t, "openai", f.URL+"/v1"), testOpenAIKey, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err := s.Stream(ctx, hello("gpt-4o"), func(e Event) {
		if e.Type == EventText {
			cancel()
		}
	})
	asError(t, err, ClassCancelled)
	if res.Text != "Hi" || !res.Usage.Estimated || res.Usage.Output == 0 {
		t.Errorf("result = %+v", res)
	}
}

func TestChatTimeout(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { stall(w, r, chunkHi) })
	s, err := New(specAt(t, "groq", f.URL+"/v1"), testOpenAIKey, Options{Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Stream(context.Background(), hello("llama"), nil)
	asError(t, err, ClassTimeout)
	if res.Text != "Hi" {
		t.Errorf("partial text = %q", res.Text)
	}
}

func TestChatErrors(t *testing.T) {
	tests := []struct {
		name      string
		provider  string
		status    int
		body      string
		header    []string
		class     Class
		retry     time.Duration
		requestID string
		says      string // part of the message telling what to do
	}{
		{name: "openai invalid key echoing the key", provider: "openai", status: 401,
			body:  `{"error":{"message":"Incorrect API key provided: ` + testOpenAIKey + `. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`,
			class: ClassAuth, says: "byok keys test", header: []string{"x-request-id", "req_401"}, requestID: "req_401"},
		{name: "openai out of quota is credit, not rate limit", provider: "openai", status: 429,
			body:  `{"error":{"message":"You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`,
			class: ClassCredit, says: "nothing was charged"},
		{name: "openai rate limit with retry-after", provider: "openai", status: 429,
			body:   `{"error":{"message":"Rate limit reached for gpt-4o in organization org-xxx on tokens per min (TPM): Limit 30000, Used 29937, Requested 385. Please try again in 644ms.","type":"tokens","param":null,"code":"rate_limit_exceeded"}}`,
			header: []string{"retry-after", "12"}, class: ClassRateLimit, retry: 12 * time.Second, says: "retry in 12s"},
		{name: "retry-after-ms wins over retry-after", provider: "groq", status: 429,
			body:   `{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`,
			header: []string{"retry-after", "30", "retry-after-ms", "1500"}, class: ClassRateLimit, retry: 1500 * time.Millisecond},
		{name: "retry wait from the message", provider: "openai", status: 429,
			body:  `{"error":{"message":"Rate limit reached. Please try again in 644ms. Visit …","type":"tokens","code":"rate_limit_exceeded"}}`,
			class: ClassRateLimit, retry: 644 * time.Millisecond},
		{name: "openrouter invalid key", provider: "openrouter", status: 401,
			body: `{"error":{"message":"No auth credentials found","code":401}}`, class: ClassAuth},
		{name: "openrouter out of credit", provider: "openrouter", status: 402,
			body: `{"error":{"message":"Insufficient credits. Add more using https://openrouter.ai/settings/credits","code":402}}`, class: ClassCredit},
		{name: "openrouter key limit", provider: "openrouter", status: 402,
			body:  `{"error":{"message":"Key limit exceeded","code":402,"metadata":{"limit_source":"openrouter_key_limit"}}}`,
			class: ClassCredit, says: "spending limit"},
		{name: "deepseek invalid key", provider: "deepseek", status: 401,
			body: `{"error":{"message":"Authentication Fails, Your api key: ****abcd is invalid","type":"authentication_error","param":null,"code":"invalid_request_error"}}`, class: ClassAuth},
		{name: "deepseek out of balance", provider: "deepseek", status: 402,
			body: `{"error":{"message":"Insufficient Balance","type":"unknown_error","param":null,"code":"invalid_request_error"}}`, class: ClassCredit},
		{name: "deepseek overloaded", provider: "deepseek", status: 503, body: `Server Overloaded`, class: ClassOverloaded},
		{name: "openrouter upstream down", provider: "openrouter", status: 502,
			body: `{"error":{"message":"Provider returned error","code":502}}`, class: ClassOverloaded},
		{name: "server error", provider: "openai", status: 500,
			body: `{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}`, class: ClassServer},
		{name: "malformed json body", provider: "together", status: 500, body: `{"error": {"message": "oops`, class: ClassServer},
		{name: "empty body", provider: "fireworks", status: 500, body: ``, class: ClassServer},
		{name: "model not found", provider: "openai", status: 404,
			body:  `{"error":{"message":"The model 'gpt-9' does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}`,
			class: ClassNotFound, says: "byok models openai --live"},
		{name: "context length", provider: "openai", status: 400,
			body:  `{"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`,
			class: ClassContextLength},
		{name: "bad request", provider: "mistral", status: 422,
			body: `{"object":"error","message":"temperature must be <= 1.5","type":"invalid_request_error","param":null,"code":null}`, class: ClassBadRequest},
		{name: "openrouter moderation", provider: "openrouter", status: 403,
			body: `{"error":{"message":"Input was flagged by moderation","code":403,"metadata":{"reasons":["violence"]}}}`, class: ClassBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) { reply(w, tt.status, tt.body, tt.header...) })
			res, _, err := mustStream(t, specAt(t, tt.provider, f.URL+"/v1"), testOpenAIKey, hello("m"))
			e := asError(t, err, tt.class)
			noSecret(t, err, testOpenAIKey)
			f.only(t) // no retries inside the adapter
			if e.Status != tt.status || res.Status != tt.status {
				t.Errorf("status = %d (result %d), want %d", e.Status, res.Status, tt.status)
			}
			if e.RetryAfter != tt.retry {
				t.Errorf("retry after = %v, want %v", e.RetryAfter, tt.retry)
			}
			if e.RequestID != tt.requestID {
				t.Errorf("request id = %q, want %q", e.RequestID, tt.requestID)
			}
			if tt.says != "" && !strings.Contains(e.Message, tt.says) {
				t.Errorf("message %q does not say %q", e.Message, tt.says)
			}
			if e.Provider != tt.provider || !strings.HasPrefix(e.Error(), tt.provider+": ") {
				t.Errorf("Error() = %q", e.Error())
			}
			if res.HasUsage || res.Usage != (Usage{}) {
				t.Errorf("a refused request has usage %+v", res.Usage)
			}
		})
	}
}

func TestChatErrorInsideStream(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		ssetest.Write(w, chunkHi,
			`{"id":"gen-1","object":"chat.completion.chunk","created":1,"model":"x","error":{"code":502,"message":"Upstream provider went away"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}`)
	})
	res, _, err := mustStream(t, specAt(t, "openrouter", f.URL+"/api/v1"), testOpenAIKey, hello("x"))
	e := asError(t, err, ClassOverloaded)
	if e.Status != 502 || !strings.Contains(e.Message, "mid-reply") || !strings.Contains(e.Message, "Upstream provider went away") {
		t.Errorf("error = %+v", e)
	}
	if res.Text != "Hi" || !res.Usage.Estimated {
		t.Errorf("result = %+v", res)
	}
}

func TestChatUserAgent(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { ssetest.Write(w, chunkHi, "[DONE]") })
	s, err := New(specAt(t, "openai", f.URL+"/v1"), testOpenAIKey, Options{UserAgent: "byok/test"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stream(context.Background(), hello("m"), nil); err != nil {
		t.Fatal(err)
	}
	if got := f.only(t).Header.Get("User-Agent"); got != "byok/test" {
		t.Errorf("User-Agent = %q", got)
	}
}

func TestChatUnreachable(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {})
	base := f.URL + "/v1"
	f.Close()
	res, _, err := mustStream(t, specAt(t, "lmstudio", base), "", hello("m"))
	e := asError(t, err, ClassNetwork)
	if !strings.Contains(e.Message, "could not connect") || res.Status != 0 || res.Usage != (Usage{}) {
		t.Errorf("error %q, result %+v", e.Message, res)
	}
}

func TestChatMalformedChunk(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		ssetest.Write(w, chunkHi, `{"id":"x","choices":[{"delta":{"content":"oops"`)
	})
	res, _, err := mustStream(t, specAt(t, "together", f.URL+"/v1"), testOpenAIKey, hello("m"))
	e := asError(t, err, ClassServer)
	if !strings.Contains(e.Message, "malformed") || res.Text != "Hi" || !res.Usage.Estimated {
		t.Errorf("error %q result %+v", e.Message, res)
	}
}

func TestChatFinishReasonError(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		ssetest.Write(w, chunkHi, `{"id":"gen-1","object":"chat.completion.chunk","created":1,"model":"x","choices":[{"index":0,"delta":{},"finish_reason":"error"}]}`)
	})
	res, _, err := mustStream(t, specAt(t, "openrouter", f.URL+"/api/v1"), testOpenAIKey, hello("x"))
	e := asError(t, err, ClassServer)
	if strings.Contains(e.Message, "chat.completion.chunk") || !strings.Contains(e.Message, "mid-reply") || res.Text != "Hi" {
		t.Errorf("error %q result %+v", e.Message, res)
	}
}
