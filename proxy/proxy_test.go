package proxy_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/store"
)

// Documented chat chunks (docs/wire-formats.md §2.1).
const (
	chatChunk1    = `data: {"id":"chatcmpl-abc123","object":"chat.completion.chunk","created":1760000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"finish_reason":null}],"usage":null}`
	chatChunk2    = `data: {"id":"chatcmpl-abc123","object":"chat.completion.chunk","created":1760000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"content":"lo!"},"finish_reason":null}],"usage":null}`
	chatChunkStop = `data: {"id":"chatcmpl-abc123","object":"chat.completion.chunk","created":1760000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":null}`
	chatUsage     = `data: {"id":"chatcmpl-abc123","object":"chat.completion.chunk","created":1760000000,"model":"gpt-4o-mini-2024-07-18","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`
	sseDone       = `data: [DONE]`
)

// gpt-4o-mini at $0.15 in / $0.60 out per 1M: 19 in + 10 out.
const chatCost = money.USD(19*150 + 10*600)

func TestOpenAIChatStreamUsage(t *testing.T) {
	tests := []struct {
		name         string
		body         string
		wantUsageOut bool // the client sees the usage chunk
	}{
		{"client did not ask for usage", `{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Say hello"}]}`, false},
		{"client asked for usage", `{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Say hello"}]}`, true},
		{"client sent null stream options", `{"model":"gpt-4o-mini","stream":true,"stream_options":null,"messages":[{"role":"user","content":"Say hello"}]}`, false},
		{"client turned usage off", `{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":false},"messages":[{"role":"user","content":"Say hello"}]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.upstream(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Access-Control-Allow-Origin", "*")
				w.Header().Set("X-Request-Id", "req_chat_1")
				sse(w, chatChunk1, chatChunk2, chatChunkStop, chatUsage, sseDone)
			})
			resp, body := e.do(e.request("POST", "/v1/chat/completions", tt.body))
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
				t.Errorf("the proxy passed a CORS header on: %q", got)
			}
			evs := readEvents(body)
			wantN := 4
			if tt.wantUsageOut {
				wantN = 5
			}
			if len(evs) != wantN || evs[len(evs)-1] != "[DONE]" {
				t.Fatalf("client got %d events %q, want %d ending in [DONE]", len(evs), evs, wantN)
			}
			if got := strings.Contains(body, `"choices":[],"usage"`); got != tt.wantUsageOut {
				t.Errorf("usage chunk seen by client = %v, want %v", got, tt.wantUsageOut)
			}
			call := e.lastCall()
			var sent struct {
				Model         string `json:"model"`
				StreamOptions struct {
					IncludeUsage bool `json:"include_usage"`
				} `json:"stream_options"`
			}
			if err := json.Unmarshal([]byte(call.Body), &sent); err != nil {
				t.Fatalf("upstream body: %v", err)
			}
			if !sent.StreamOptions.IncludeUsage || call.Path != "/v1/chat/completions" || sent.Model != "gpt-4o-mini" {
				t.Errorf("upstream got %s %s, want /v1/chat/completions with include_usage", call.Path, call.Body)
			}
			if got := call.Header.Get("Authorization"); got != "Bearer "+openaiKey {
				t.Errorf("upstream Authorization = %q, want the real key", got)
			}
			ev := e.waitEvents(1)[0]
			want := store.Event{Source: store.SourceProxy, Client: "OpenAI/Go", Provider: "openai", Model: "gpt-4o-mini",
				Status: store.StatusOK, HTTPStatus: 200, InputTokens: 19, OutputTokens: 10, Cost: chatCost,
				CostState: pricing.Computed, KeyName: "openai/work", RequestID: "req_chat_1"}
			checkEvent(t, ev, want)
			select {
			case got := <-e.recorded:
				if got.ID != ev.ID {
					t.Errorf("the Recorded hook got event %d, want %d", got.ID, ev.ID)
				}
			case <-time.After(5 * time.Second):
				t.Error("the Recorded hook was not called")
			}
		})
	}
}

// checkEvent compares the fields the proxy decides.
func checkEvent(t *testing.T, got, want store.Event) {
	t.Helper()
	type view struct {
		Source                           store.Source
		Client, Provider, Model, KeyName string
		Status                           store.Status
		HTTPStatus                       int
		Input, CacheRead, Output, Reason int64
		Cost                             money.USD
		State                            pricing.State
		RequestID                        string
	}
	g := view{got.Source, got.Client, got.Provider, got.Model, got.KeyName, got.Status, got.HTTPStatus,
		got.InputTokens, got.CacheReadTokens, got.OutputTokens, got.ReasoningTokens, got.Cost, got.CostState, got.RequestID}
	w := view{want.Source, want.Client, want.Provider, want.Model, want.KeyName, want.Status, want.HTTPStatus,
		want.InputTokens, want.CacheReadTokens, want.OutputTokens, want.ReasoningTokens, want.Cost, want.CostState, want.RequestID}
	if want.RequestID == "" {
		g.RequestID = ""
	}
	if g != w {
		t.Errorf("recorded event\n got %+v\nwant %+v", g, w)
	}
	if got.KeyID == 0 {
		t.Errorf("recorded event has no key id")
	}
}

func TestAPIsRecordUsage(t *testing.T) {
	anthropicStream := []string{
		"event: message_start\n" + `data: {"type":"message_start","message":{"id":"msg_01AbC","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":100,"output_tokens":1}}}`,
		"event: content_block_delta\n" + `data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}`,
		"event: message_delta\n" + `data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}`,
		"event: message_stop\n" + `data: {"type":"message_stop"}`,
	}
	geminiStream := []string{
		`data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]},"index":0}],"usageMetadata":{"promptTokenCount":31,"candidatesTokenCount":1,"totalTokenCount":32},"modelVersion":"gemini-2.5-flash"}`,
		`data: {"candidates":[{"content":{"role":"model","parts":[{"text":"!"}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":31,"candidatesTokenCount":7,"thoughtsTokenCount":120,"totalTokenCount":158},"modelVersion":"gemini-2.5-flash"}`,
	}
	responsesStream := []string{
		"event: response.output_text.delta\n" + `data: {"type":"response.output_text.delta","sequence_number":1,"delta":"Hi!"}`,
		"event: response.completed\n" + `data: {"type":"response.completed","sequence_number":42,"response":{"id":"resp_abc123","object":"response","status":"completed","model":"gpt-4o-mini","output":[],"usage":{"input_tokens":2100,"input_tokens_details":{"cached_tokens":1024},"output_tokens":300,"output_tokens_details":{"reasoning_tokens":256},"total_tokens":2400}}}`,
	}
	tests := []struct {
		name, method, path, body string
		headers                  []string
		stream                   []string // SSE events; else json
		json                     string
		wantPath, wantAuthHeader string
		wantAuth                 string
		want                     store.Event
	}{
		{
			name: "anthropic messages stream", method: "POST", path: "/anthropic/v1/messages",
			body:    `{"model":"claude-haiku-4-5","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"Hi"}]}`,
			headers: []string{"Authorization", "", "X-Api-Key", "TOKEN", "User-Agent", "Anthropic/Go 1.60.0"},
			stream:  anthropicStream, wantPath: "/v1/messages", wantAuthHeader: "X-Api-Key", wantAuth: anthropicKey,
			want: store.Event{Client: "Anthropic/Go", Provider: "anthropic", Model: "claude-haiku-4-5", KeyName: "anthropic/work",
				InputTokens: 25, CacheReadTokens: 100, OutputTokens: 15,
				Cost: money.USD(25*1000 + 100*100 + 15*5000), CostState: pricing.Computed},
		},
		{
			name: "anthropic SDK pointed at the root", method: "POST", path: "/v1/messages",
			body:    `{"model":"claude-haiku-4-5","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"Hi"}]}`,
			headers: []string{"Authorization", "", "X-Api-Key", "TOKEN", "User-Agent", "Anthropic/Go 1.60.0"},
			stream:  anthropicStream, wantPath: "/v1/messages", wantAuthHeader: "X-Api-Key", wantAuth: anthropicKey,
			want: store.Event{Client: "Anthropic/Go", Provider: "anthropic", Model: "claude-haiku-4-5", KeyName: "anthropic/work",
				InputTokens: 25, CacheReadTokens: 100, OutputTokens: 15,
				Cost: money.USD(25*1000 + 100*100 + 15*5000), CostState: pricing.Computed},
		},
		{
			name: "gemini stream with key in query", method: "POST", path: "/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=TOKEN",
			body:    `{"contents":[{"role":"user","parts":[{"text":"Hi"}]}]}`,
			headers: []string{"Authorization", "", "User-Agent", "google-genai-sdk/1.77.0 gl-go/1.26"},
			stream:  geminiStream, wantPath: "/v1beta/models/gemini-2.5-flash:streamGenerateContent", wantAuthHeader: "X-Goog-Api-Key", wantAuth: geminiKey,
			want: store.Event{Client: "google-genai-sdk", Provider: "google", Model: "gemini-2.5-flash", KeyName: "google/work",
				InputTokens: 31, OutputTokens: 127, ReasoningTokens: 120,
				Cost: money.USD(31*300 + 127*2500), CostState: pricing.Computed},
		},
		{
			name: "responses stream", method: "POST", path: "/v1/responses",
			body:   `{"model":"gpt-4o-mini","stream":true,"input":"Hi"}`,
			stream: responsesStream, wantPath: "/v1/responses", wantAuthHeader: "Authorization", wantAuth: "Bearer " + openaiKey,
			want: store.Event{Client: "OpenAI/Go", Provider: "openai", Model: "gpt-4o-mini", KeyName: "openai/work",
				InputTokens: 1076, CacheReadTokens: 1024, OutputTokens: 300, ReasoningTokens: 256,
				Cost: money.USD(1076*150 + 1024*75 + 300*600), CostState: pricing.Computed},
		},
		{
			name: "chat without stream, key picked by header", method: "POST", path: "/v1/chat/completions",
			body:     `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}]}`,
			headers:  []string{"X-Byok-Key", "personal"},
			json:     `{"id":"chatcmpl-abc123","object":"chat.completion","created":1760000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"Hi!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1486,"completion_tokens":651,"total_tokens":2137,"prompt_tokens_details":{"cached_tokens":1408},"completion_tokens_details":{"reasoning_tokens":512}}}`,
			wantPath: "/v1/chat/completions", wantAuthHeader: "Authorization", wantAuth: "Bearer " + openaiKey2,
			want: store.Event{Client: "OpenAI/Go", Provider: "openai", Model: "gpt-4o-mini", KeyName: "openai/personal",
				InputTokens: 78, CacheReadTokens: 1408, OutputTokens: 651, ReasoningTokens: 512,
				Cost: money.USD(78*150 + 1408*75 + 651*600), CostState: pricing.Computed},
		},
		{
			name: "anthropic messages without stream", method: "POST", path: "/anthropic/v1/messages",
			body:     `{"model":"claude-haiku-4-5","max_tokens":64,"messages":[{"role":"user","content":"Hi"}]}`,
			headers:  []string{"Authorization", "", "X-Api-Key", "TOKEN", "User-Agent", "curl/8.5.0"},
			json:     `{"id":"msg_01AbC","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001","content":[{"type":"text","text":"Hi!"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":21,"cache_creation_input_tokens":1800,"cache_read_input_tokens":12000,"cache_creation":{"ephemeral_5m_input_tokens":1800,"ephemeral_1h_input_tokens":0},"output_tokens":393}}`,
			wantPath: "/v1/messages", wantAuthHeader: "X-Api-Key", wantAuth: anthropicKey,
			want: store.Event{Client: "curl", Provider: "anthropic", Model: "claude-haiku-4-5", KeyName: "anthropic/work",
				InputTokens: 21, CacheReadTokens: 12000, OutputTokens: 393,
				Cost: money.USD(21*1000 + 12000*100 + 1800*1250 + 393*5000), CostState: pricing.Computed},
		},
		{
			name: "gemini generateContent", method: "POST", path: "/gemini/v1beta/models/gemini-2.5-flash:generateContent",
			body:     `{"contents":[{"role":"user","parts":[{"text":"Hi"}]}]}`,
			headers:  []string{"Authorization", "", "X-Goog-Api-Key", "TOKEN", "User-Agent", ""},
			json:     `{"candidates":[{"content":{"role":"model","parts":[{"text":"Hi!"}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":31,"candidatesTokenCount":7,"thoughtsTokenCount":120,"cachedContentTokenCount":0,"totalTokenCount":158},"modelVersion":"gemini-2.5-flash","responseId":"abcXYZ"}`,
			wantPath: "/v1beta/models/gemini-2.5-flash:generateContent", wantAuthHeader: "X-Goog-Api-Key", wantAuth: geminiKey,
			want: store.Event{Client: "Go-http-client", Provider: "google", Model: "gemini-2.5-flash", KeyName: "google/work",
				InputTokens: 31, OutputTokens: 127, ReasoningTokens: 120,
				Cost: money.USD(31*300 + 127*2500), CostState: pricing.Computed},
		},
		{
			name: "provider/model name on a custom provider", method: "POST", path: "/v1/chat/completions",
			body:     `{"model":"fakeai/tiny-1","messages":[{"role":"user","content":"Hi"}]}`,
			json:     `{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hi!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}`,
			wantPath: "/v1/chat/completions", wantAuthHeader: "Authorization", wantAuth: "Bearer " + fakeKey,
			want: store.Event{Client: "OpenAI/Go", Provider: "fakeai", Model: "tiny-1", KeyName: "fakeai/work",
				InputTokens: 5, OutputTokens: 2, CostState: pricing.Unpriced},
		},
		{
			name: "pass-through path with the provider header", method: "POST", path: "/p/fakeai/chat/completions",
			body:     `{"model":"tiny-1","messages":[{"role":"user","content":"Hi"}]}`,
			json:     `{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hi!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":6,"completion_tokens":3,"total_tokens":9}}`,
			wantPath: "/v1/chat/completions", wantAuthHeader: "Authorization", wantAuth: "Bearer " + fakeKey,
			want: store.Event{Client: "OpenAI/Go", Provider: "fakeai", Model: "tiny-1", KeyName: "fakeai/work",
				InputTokens: 6, OutputTokens: 3, CostState: pricing.Unpriced},
		},
		{
			// The base URL ends in /v1 already: a client that repeats it is
			// not sent to /v1/v1/chat/completions.
			name: "pass-through stream, the path repeating the base URL's /v1", method: "POST", path: "/p/fakeai/v1/chat/completions",
			body:   `{"model":"tiny-1","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hi"}]}`,
			stream: []string{chatChunk1, chatChunk2, chatChunkStop, chatUsage, sseDone}, wantPath: "/v1/chat/completions",
			wantAuthHeader: "Authorization", wantAuth: "Bearer " + fakeKey,
			want: store.Event{Client: "OpenAI/Go", Provider: "fakeai", Model: "tiny-1", KeyName: "fakeai/work",
				InputTokens: 19, OutputTokens: 10, CostState: pricing.Unpriced},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.upstream(func(w http.ResponseWriter, r *http.Request) {
				if tt.stream != nil {
					sse(w, tt.stream...)
					return
				}
				writeJSON(w, http.StatusOK, tt.json)
			})
			path := strings.ReplaceAll(tt.path, "TOKEN", e.token)
			hdr := make([]string, len(tt.headers))
			for i, h := range tt.headers {
				hdr[i] = strings.ReplaceAll(h, "TOKEN", e.token)
			}
			resp, body := e.do(e.request(tt.method, path, tt.body, hdr...))
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if tt.stream != nil {
				if got := len(readEvents(body)); got != len(tt.stream) {
					t.Errorf("client got %d events, want %d", got, len(tt.stream))
				}
			} else if body != tt.json {
				t.Errorf("client body differs from the provider's:\n got %s\nwant %s", body, tt.json)
			}
			call := e.lastCall()
			if call.Path != tt.wantPath {
				t.Errorf("upstream path %q, want %q", call.Path, tt.wantPath)
			}
			if got := call.Header.Get(tt.wantAuthHeader); got != tt.wantAuth {
				t.Errorf("upstream %s = %q, want the real key", tt.wantAuthHeader, got)
			}
			raw := call.Query + " " + call.Body
			for k, vs := range call.Header {
				raw += " " + k + ": " + strings.Join(vs, ",")
			}
			if strings.Contains(raw, e.token) {
				t.Errorf("the proxy token reached the provider: %s", raw)
			}
			if strings.Contains(strings.ToLower(raw), "x-byok-") {
				t.Errorf("a steering header reached the provider: %s", raw)
			}
			want := tt.want
			want.Source, want.Status, want.HTTPStatus = store.SourceProxy, store.StatusOK, 200
			checkEvent(t, e.waitEvents(1)[0], want)
		})
	}
}

func TestFreeCallsAreRecordedAtNoCost(t *testing.T) {
	tests := []struct {
		name, method, path, body, reply string
		headers                         []string
		wantPath, wantModel, wantProv   string
	}{
		{name: "openai model list", method: "GET", path: "/v1/models",
			reply:    `{"object":"list","data":[{"id":"gpt-4o","object":"model","created":1,"owned_by":"system"}]}`,
			wantPath: "/v1/models", wantProv: "openai", wantModel: "(GET models)"},
		{name: "anthropic count tokens", method: "POST", path: "/anthropic/v1/messages/count_tokens",
			body:     `{"model":"claude-haiku-4-5","messages":[{"role":"user","content":"Hi"}]}`,
			headers:  []string{"Authorization", "", "X-Api-Key", "TOKEN"},
			reply:    `{"input_tokens":12}`,
			wantPath: "/v1/messages/count_tokens", wantProv: "anthropic", wantModel: "claude-haiku-4-5"},
		{name: "gemini model list", method: "GET", path: "/gemini/v1beta/models?pageSize=1",
			headers:  []string{"Authorization", "", "X-Goog-Api-Key", "TOKEN"},
			reply:    `{"models":[{"name":"models/gemini-2.5-flash"}]}`,
			wantPath: "/v1beta/models", wantProv: "google", wantModel: "(GET v1beta/models)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.upstream(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, tt.reply) })
			hdr := make([]string, len(tt.headers))
			for i, h := range tt.headers {
				hdr[i] = strings.ReplaceAll(h, "TOKEN", e.token)
			}
			resp, body := e.do(e.request(tt.method, tt.path, tt.body, hdr...))
			if resp.StatusCode != 200 || body != tt.reply {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if call := e.lastCall(); call.Path != tt.wantPath || call.Method != tt.method {
				t.Errorf("upstream got %s %s, want %s %s", call.Method, call.Path, tt.method, tt.wantPath)
			}
			ev := e.waitEvents(1)[0]
			if ev.Provider != tt.wantProv || ev.Model != tt.wantModel || ev.Cost != 0 || ev.Fallback != 0 ||
				ev.InputTokens != 0 || ev.OutputTokens != 0 || ev.Status != store.StatusOK || ev.CostState != pricing.Computed {
				t.Errorf("recorded %s %s cost=%s fallback=%s in=%d out=%d %s, want a free ok event",
					ev.Provider, ev.Model, ev.Cost, ev.Fallback, ev.InputTokens, ev.OutputTokens, ev.Status)
			}
		})
	}
}

func TestAzureThroughItsJSONSecret(t *testing.T) {
	tests := []struct {
		name, label, path, secret string
		wantPath, wantQuery       string
	}{
		{name: "v1 API", label: "v1", path: "/v1/chat/completions",
			secret:   `{"endpoint":"UP","deployment":"mini","api_version":"v1","api_key":"azkey-v1-0123456789abcdef"}`,
			wantPath: "/openai/v1/chat/completions"},
		{name: "dated API", label: "dated", path: "/v1/chat/completions",
			secret:   `{"endpoint":"UP","deployment":"mini","api_version":"2024-10-21","api_key":"azkey-dated-0123456789abcdef"}`,
			wantPath: "/openai/deployments/mini/chat/completions", wantQuery: "api-version=2024-10-21"},
		{name: "pass-through", label: "pass", path: "/p/azure/openai/v1/chat/completions",
			secret:   `{"endpoint":"UP","deployment":"mini","api_version":"v1","api_key":"azkey-pass-0123456789abcdef"}`,
			wantPath: "/openai/v1/chat/completions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			secret := strings.ReplaceAll(tt.secret, "UP", e.up.URL)
			if _, err := e.app.AddKey(context.Background(), "azure", tt.label, secret, false); err != nil {
				t.Fatal(err)
			}
			e.upstream(func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, `{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hi!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}`)
			})
			resp, body := e.do(e.request("POST", tt.path, `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}]}`,
				"X-Byok-Provider", "azure", "X-Byok-Key", tt.label))
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			call := e.lastCall()
			if call.Path != tt.wantPath || call.Query != tt.wantQuery {
				t.Errorf("upstream got %s?%s, want %s?%s", call.Path, call.Query, tt.wantPath, tt.wantQuery)
			}
			var key struct {
				APIKey string `json:"api_key"`
			}
			if err := json.Unmarshal([]byte(secret), &key); err != nil {
				t.Fatal(err)
			}
			if call.Header.Get("Api-Key") != key.APIKey || call.Header.Get("Authorization") != "" {
				t.Errorf("upstream api-key %q, Authorization %q: want the Azure key in api-key only",
					call.Header.Get("Api-Key"), call.Header.Get("Authorization"))
			}
			ev := e.waitEvents(1)[0]
			if ev.Provider != "azure" || ev.InputTokens != 7 || ev.OutputTokens != 3 || ev.KeyName != "azure/"+tt.label {
				t.Errorf("recorded %s %s in=%d out=%d", ev.Provider, ev.KeyName, ev.InputTokens, ev.OutputTokens)
			}
		})
	}
}

func TestCustomProviderOverHeader(t *testing.T) {
	e := newEnv(t)
	e.upstream(func(w http.ResponseWriter, r *http.Request) {
		sse(w, chatChunk1, chatUsage, sseDone)
	})
	resp, body := e.do(e.request("POST", "/v1/chat/completions",
		`{"model":"openai/gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Hi"}]}`, "X-Byok-Provider", "fakeai"))
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	// With the provider named by header, a slash in the model is the
	// provider's own model id (OpenRouter style) and is sent unchanged.
	if call := e.lastCall(); !strings.Contains(call.Body, `"model":"openai/gpt-4o-mini"`) || call.Header.Get("Authorization") != "Bearer "+fakeKey {
		t.Errorf("upstream got %s with %q", call.Body, call.Header.Get("Authorization"))
	}
	ev := e.waitEvents(1)[0]
	if ev.Provider != "fakeai" || ev.Model != "openai/gpt-4o-mini" || ev.InputTokens != 19 {
		t.Errorf("recorded %s %s in=%d", ev.Provider, ev.Model, ev.InputTokens)
	}
}

// TestClientOnlyHeadersStayWithTheProxy: what concerns only the hop from
// the client — its cookies, where it came from, the expectation of a 100
// Continue the proxy already answered by reading the body, the proxy's
// own steering headers — never reaches the provider; the rest passes.
func TestClientOnlyHeadersStayWithTheProxy(t *testing.T) {
	e := newEnv(t)
	e.upstream(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, benchReply) })
	req := e.request("POST", "/v1/chat/completions", chatBody,
		"Expect", "100-continue",
		"Cookie", "session=abc",
		"Referer", "http://localhost:3000/app",
		"X-Forwarded-For", "10.0.0.9",
		"Connection", "keep-alive, X-Hop",
		"X-Hop", "only for this hop",
		"X-Byok-Key", "work",
		"Openai-Organization", "org-kept",
		"X-Stainless-Lang", "go")
	resp, body := e.do(req)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	h := e.lastCall().Header
	for _, k := range []string{"Expect", "Cookie", "Referer", "X-Forwarded-For", "Connection", "X-Hop", "X-Byok-Key"} {
		if v := h.Values(k); len(v) > 0 {
			t.Errorf("the provider got %s: %q", k, v)
		}
	}
	for k, want := range map[string]string{"Openai-Organization": "org-kept", "X-Stainless-Lang": "go", "Authorization": "Bearer " + openaiKey} {
		if got := h.Get(k); got != want {
			t.Errorf("the provider got %s = %q, want %q", k, got, want)
		}
	}
}
