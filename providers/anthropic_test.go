package providers

import (
	"net/http"
	"strings"
	"testing"

	"github.com/byokhq/byok/internal/ssetest"
)

const (
	msgStart = `{"type":"message_start","message":{"id":"msg_01AbC","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}`
	blockHi  = `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}`
	blockYou = `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" you"}}`
	msgDelta = `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}`
	msgStop  = `{"type":"message_stop"}`
)

func TestAnthropicStreamUsage(t *testing.T) {
	tests := []struct {
		name     string
		events   []string
		want     Usage
		wantText string
		wantReas string
	}{
		{
			name: "message_delta replaces the output count",
			events: []string{ev("message_start", msgStart), ev("ping", `{"type": "ping"}`),
				ev("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`),
				ev("content_block_delta", blockHi), ev("content_block_delta", blockYou),
				ev("content_block_stop", `{"type":"content_block_stop","index":0}`),
				ev("message_delta", msgDelta), ev("message_stop", msgStop)},
			want:     Usage{Input: 25, Output: 15},
			wantText: "Hello you",
		},
		{
			name: "newer servers repeat the input side in message_delta",
			events: []string{ev("message_start", msgStart), ev("content_block_delta", blockHi),
				ev("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":21,"cache_creation_input_tokens":1800,"cache_read_input_tokens":12000,"output_tokens":393}}`),
				ev("message_stop", msgStop)},
			want:     Usage{Input: 21, CacheRead: 12000, CacheWrite5m: 1800, Output: 393},
			wantText: "Hello",
		},
		{
			name: "cache write split, thinking, tier and geo",
			events: []string{
				ev("message_start", `{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"claude-opus-4-6","content":[],"usage":{"input_tokens":10,"cache_creation_input_tokens":3000,"cache_read_input_tokens":500,"cache_creation":{"ephemeral_5m_input_tokens":1000,"ephemeral_1h_input_tokens":2000},"output_tokens":1,"service_tier":"priority","inference_geo":"us"}}}`),
				ev("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me think"}}`),
				ev("content_block_delta", `{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Done"}}`),
				ev("message_delta", `{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":120,"output_tokens_details":{"thinking_tokens":100},"server_tool_use":{"web_search_requests":2}}}`),
				ev("message_stop", msgStop)},
			want:     Usage{Input: 10, CacheRead: 500, CacheWrite5m: 1000, CacheWrite1h: 2000, Output: 120, Reasoning: 100, WebSearches: 2, ServiceTier: "priority", Geo: "us"},
			wantText: "Done",
			wantReas: "Let me think",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("request-id", "req_011CAbc")
				ssetest.Write(w, tt.events...)
			})
			res, c, err := mustStream(t, specAt(t, "anthropic", f.URL), testAnthropicKey, hello("claude-sonnet-4-5"))
			if err != nil {
				t.Fatalf("Stream: %v", err)
			}
			if res.Text != tt.wantText || c.reasoning.String() != tt.wantReas {
				t.Errorf("text %q reasoning %q", res.Text, c.reasoning.String())
			}
			if !res.HasUsage || res.Usage != tt.want {
				t.Errorf("usage = %+v, want %+v", res.Usage, tt.want)
			}
			if res.RequestID != "req_011CAbc" {
				t.Errorf("request id = %q", res.RequestID)
			}
			req := f.only(t)
			if req.Path != "/v1/messages" {
				t.Errorf("path = %s", req.Path)
			}
			if req.Header.Get("x-api-key") != testAnthropicKey || req.Header.Get("anthropic-version") != "2023-06-01" {
				t.Errorf("headers x-api-key=%q anthropic-version=%q", req.Header.Get("x-api-key"), req.Header.Get("anthropic-version"))
			}
			if a := req.Header.Get("Authorization"); a != "" {
				t.Errorf("Authorization = %q, want none", a)
			}
			body := req.JSON(t)
			if body["stream"] != true || body["max_tokens"] != float64(64) || body["system"] == nil {
				t.Errorf("body = %s", req.Body)
			}
		})
	}
}

func TestAnthropicNoStream(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"id":"msg_01AbC","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{"type":"thinking","thinking":"hmm","signature":"x"},{"type":"text","text":"Hi!"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":21,"cache_creation_input_tokens":1800,"cache_read_input_tokens":12000,"cache_creation":{"ephemeral_5m_input_tokens":1800,"ephemeral_1h_input_tokens":0},"output_tokens":393,"service_tier":"standard","server_tool_use":{"web_search_requests":0,"web_fetch_requests":0}}}`)
	})
	req := hello("claude-sonnet-4-5")
	req.NoStream = true
	req.ReasoningEffort = "low"
	res, c, err := mustStream(t, specAt(t, "anthropic", f.URL), testAnthropicKey, req)
	if err != nil {
		t.Fatal(err)
	}
	want := Usage{Input: 21, CacheRead: 12000, CacheWrite5m: 1800, Output: 393, ServiceTier: "standard"}
	if res.Text != "Hi!" || c.reasoning.String() != "hmm" || res.Usage != want {
		t.Errorf("text %q reasoning %q usage %+v", res.Text, c.reasoning.String(), res.Usage)
	}
	body := f.only(t).JSON(t)
	thinking, _ := body["thinking"].(map[string]any)
	if thinking["budget_tokens"] != float64(1024) || body["max_tokens"].(float64) <= 1024 || body["temperature"] != nil {
		t.Errorf("thinking request = %v", body)
	}
}

func TestAnthropicCutAfterStart(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		cut(w, ev("message_start", msgStart), ev("content_block_delta", blockHi), ev("content_block_delta", blockYou))
	})
	res, _, err := mustStream(t, specAt(t, "anthropic", f.URL), testAnthropicKey, hello("claude"))
	asError(t, err, ClassNetwork)
	// The input side is the provider's; the output is counted locally.
	if !res.HasUsage || !res.Usage.Estimated || res.Usage.Input != 25 || res.Usage.Output != EstimateTokens("Hello you") {
		t.Errorf("usage = %+v has %v", res.Usage, res.HasUsage)
	}
	if res.Text != "Hello you" {
		t.Errorf("text = %q", res.Text)
	}
}

func TestAnthropicErrorEventMidStream(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		ssetest.Write(w, ev("message_start", msgStart), ev("content_block_delta", blockHi),
			ev("error", `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_mid"}`))
	})
	res, _, err := mustStream(t, specAt(t, "anthropic", f.URL), testAnthropicKey, hello("claude"))
	e := asError(t, err, ClassOverloaded)
	if !strings.Contains(e.Message, "mid-reply") || e.RequestID != "req_mid" {
		t.Errorf("error = %+v", e)
	}
	if res.Text != "Hello" || res.Usage.Input != 25 || !res.Usage.Estimated {
		t.Errorf("result = %+v", res)
	}
}
