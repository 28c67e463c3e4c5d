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
