package proxy_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go"
	antoption "github.com/anthropics/anthropic-sdk-go/option"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/tidwall/gjson"
	"google.golang.org/genai"

	"github.com/byokhq/byok/store"
)

// fakeProviders answers every API the official SDKs call, in the
// documented wire formats, streamed or not as the request asks.
func fakeProviders(w http.ResponseWriter, r *http.Request) {
	body := readBody(r)
	stream := gjson.Get(body, "stream").Bool()
	switch {
	case r.URL.Path == "/v1/chat/completions" && stream:
		if !gjson.Get(body, "stream_options.include_usage").Bool() {
			sse(w, chatChunk1, chatChunk2, chatChunkStop, sseDone)
			return
		}
		sse(w, chatChunk1, chatChunk2, chatChunkStop, chatUsage, sseDone)
	case r.URL.Path == "/v1/chat/completions":
		writeJSON(w, 200, `{"id":"chatcmpl-abc123","object":"chat.completion","created":1760000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"Hello!"},"finish_reason":"stop","logprobs":null}],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}`)
	case r.URL.Path == "/v1/messages" && stream:
		sse(w,
			"event: message_start\n"+`data: {"type":"message_start","message":{"id":"msg_01AbC","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}`,
			"event: content_block_start\n"+`data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`,
			"event: content_block_delta\n"+`data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}`,
			"event: content_block_stop\n"+`data: {"type":"content_block_stop","index":0}`,
			"event: message_delta\n"+`data: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}`,
			"event: message_stop\n"+`data: {"type":"message_stop"}`)
	case r.URL.Path == "/v1/messages":
		writeJSON(w, 200, `{"id":"msg_01AbC","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001","content":[{"type":"text","text":"Hello"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":15}}`)
	case strings.HasSuffix(r.URL.Path, ":streamGenerateContent"):
		sse(w,
			`data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Hel"}]},"index":0}],"usageMetadata":{"promptTokenCount":31,"candidatesTokenCount":1,"totalTokenCount":32},"modelVersion":"gemini-2.5-flash"}`,
			`data: {"candidates":[{"content":{"role":"model","parts":[{"text":"lo"}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":31,"candidatesTokenCount":7,"thoughtsTokenCount":120,"totalTokenCount":158},"modelVersion":"gemini-2.5-flash"}`)
	case strings.HasSuffix(r.URL.Path, ":generateContent"):
		writeJSON(w, 200, `{"candidates":[{"content":{"role":"model","parts":[{"text":"Hello"}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":31,"candidatesTokenCount":7,"thoughtsTokenCount":120,"totalTokenCount":158},"modelVersion":"gemini-2.5-flash","responseId":"abcXYZ"}`)
	default:
		writeJSON(w, 404, `{"error":{"message":"no such path in the fake","type":"invalid_request_error","param":null,"code":null}}`)
	}
}

func readBody(r *http.Request) string {
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := r.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			return b.String()
		}
	}
}

// TestOfficialSDKs points the official OpenAI, Anthropic and Gemini Go
// SDKs at the proxy with the proxy token as their key.
func TestOfficialSDKs(t *testing.T) {
	type usage struct{ in, out int64 }
	tests := []struct {
		name   string
		call   func(ctx context.Context, e *env) (string, error)
		client string
		want   usage
	}{
		{"openai chat", func(ctx context.Context, e *env) (string, error) {
			c := openai.NewClient(option.WithBaseURL(e.base+"/v1"), option.WithAPIKey(e.token), option.WithMaxRetries(0))
			res, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gpt-4o-mini",
				Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Say hello")}})
			if err != nil {
				return "", err
			}
			return res.Choices[0].Message.Content, nil
		}, "OpenAI/Go", usage{19, 10}},
		{"openai chat stream", func(ctx context.Context, e *env) (string, error) {
			c := openai.NewClient(option.WithBaseURL(e.base+"/v1"), option.WithAPIKey(e.token), option.WithMaxRetries(0))
			st := c.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{Model: "gpt-4o-mini",
				Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Say hello")}})
			defer st.Close()
			var text strings.Builder
			for st.Next() {
				ch := st.Current()
				if len(ch.Choices) == 0 {
					return "", errUsageChunk
				}
				text.WriteString(ch.Choices[0].Delta.Content)
			}
			return text.String(), st.Err()
		}, "OpenAI/Go", usage{19, 10}},
		{"anthropic messages", func(ctx context.Context, e *env) (string, error) {
			c := anthropic.NewClient(antoption.WithBaseURL(e.base+"/anthropic"), antoption.WithAPIKey(e.token), antoption.WithMaxRetries(0))
			msg, err := c.Messages.New(ctx, anthropic.MessageNewParams{Model: "claude-haiku-4-5", MaxTokens: 64,
				Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Say hello"))}})
			if err != nil {
				return "", err
			}
			return msg.Content[0].Text, nil
		}, "Anthropic/Go", usage{25, 15}},
		{"anthropic messages stream", func(ctx context.Context, e *env) (string, error) {
			c := anthropic.NewClient(antoption.WithBaseURL(e.base+"/anthropic"), antoption.WithAPIKey(e.token), antoption.WithMaxRetries(0))
			st := c.Messages.NewStreaming(ctx, anthropic.MessageNewParams{Model: "claude-haiku-4-5", MaxTokens: 64,
				Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Say hello"))}})
			defer st.Close()
			var msg anthropic.Message
			for st.Next() {
				if err := msg.Accumulate(st.Current()); err != nil {
					return "", err
				}
			}
			if err := st.Err(); err != nil {
				return "", err
			}
			return msg.Content[0].Text, nil
		}, "Anthropic/Go", usage{25, 15}},
		{"gemini generateContent", func(ctx context.Context, e *env) (string, error) {
			c, err := genaiClient(ctx, e)
			if err != nil {
				return "", err
			}
			res, err := c.Models.GenerateContent(ctx, "gemini-2.5-flash", genai.Text("Say hello"), nil)
			if err != nil {
				return "", err
			}
			return res.Text(), nil
		}, "google-genai-sdk", usage{31, 127}},
		{"gemini stream", func(ctx context.Context, e *env) (string, error) {
			c, err := genaiClient(ctx, e)
			if err != nil {
				return "", err
			}
			var text strings.Builder
			for res, err := range c.Models.GenerateContentStream(ctx, "gemini-2.5-flash", genai.Text("Say hello"), nil) {
				if err != nil {
					return "", err
				}
				text.WriteString(res.Text())
			}
			return text.String(), nil
		}, "google-genai-sdk", usage{31, 127}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.upstream(fakeProviders)
			text, err := tt.call(context.Background(), e)
			if err != nil {
				t.Fatalf("SDK call through the proxy: %v", err)
			}
			if !strings.HasPrefix(text, "Hel") {
				t.Errorf("SDK read %q, want the reply", text)
			}
			ev := e.waitEvents(1)[0]
			if ev.Status != store.StatusOK || ev.InputTokens != tt.want.in || ev.OutputTokens != tt.want.out || ev.Cost == 0 {
				t.Errorf("recorded %s in=%d out=%d cost=%s, want ok %d/%d priced", ev.Status, ev.InputTokens, ev.OutputTokens, ev.Cost, tt.want.in, tt.want.out)
			}
			if !strings.HasPrefix(ev.Client, tt.client) {
				t.Errorf("recorded client %q, want %s", ev.Client, tt.client)
			}
		})
	}
}

// errUsageChunk is returned when a client sees the usage chunk it did not
// ask for.
var errUsageChunk = errors.New("the client saw a usage-only chunk it did not ask for")

func genaiClient(ctx context.Context, e *env) (*genai.Client, error) {
	attempts := int32(1)
	return genai.NewClient(ctx, &genai.ClientConfig{
		APIKey:  e.token,
		Backend: genai.BackendGeminiAPI,
		HTTPOptions: genai.HTTPOptions{
			BaseURL:      e.base + "/gemini/",
			RetryOptions: &genai.HTTPRetryOptions{Attempts: &attempts},
		},
	})
}
