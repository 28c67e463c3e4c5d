package providers

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

const testBedrockSecret = `{"access_key_id":"AKIATESTKEYID000000","secret_access_key":"` + testAWSSecret + `","region":"us-east-1"}`

// awsEvent encodes one AWS event-stream message: an event, or an exception
// when kind starts with "!".
func awsEvent(t *testing.T, kind, payload string) []byte {
	t.Helper()
	var h eventstream.Headers
	if name, ok := strings.CutPrefix(kind, "!"); ok {
		h.Set(":message-type", eventstream.StringValue("exception"))
		h.Set(":exception-type", eventstream.StringValue(name))
	} else {
		h.Set(":message-type", eventstream.StringValue("event"))
		h.Set(":event-type", eventstream.StringValue(kind))
	}
	h.Set(":content-type", eventstream.StringValue("application/json"))
	var buf bytes.Buffer
	if err := eventstream.NewEncoder().Encode(&buf, eventstream.Message{Headers: h, Payload: []byte(payload)}); err != nil {
		t.Fatalf("encode event: %v", err)
	}
	return buf.Bytes()
}

// awsStream answers with event-stream messages.
func awsStream(w http.ResponseWriter, msgs ...[]byte) {
	w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
	w.Header().Set("x-amzn-RequestId", "aws-req-1")
	w.WriteHeader(http.StatusOK)
	for _, m := range msgs {
		_, _ = w.Write(m)
		if fl, ok := w.(http.Flusher); ok {
			fl.Flush()
		}
	}
}

func TestBedrockStream(t *testing.T) {
	t.Setenv("AWS_BEARER_TOKEN_BEDROCK", "env-bearer-token-that-must-not-be-used")
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
	msgs := [][]byte{
		awsEvent(t, "messageStart", `{"role":"assistant"}`),
		awsEvent(t, "contentBlockDelta", `{"contentBlockIndex":0,"delta":{"reasoningContent":{"text":"Pondering"}}}`),
		awsEvent(t, "contentBlockDelta", `{"contentBlockIndex":1,"delta":{"text":"Hi"}}`),
		awsEvent(t, "contentBlockDelta", `{"contentBlockIndex":1,"delta":{"text":"!"}}`),
		awsEvent(t, "contentBlockStop", `{"contentBlockIndex":1}`),
		awsEvent(t, "messageStop", `{"stopReason":"end_turn"}`),
		awsEvent(t, "metadata", `{"usage":{"inputTokens":10,"outputTokens":5,"totalTokens":20,"cacheReadInputTokens":3,"cacheWriteInputTokens":2},"metrics":{"latencyMs":120}}`),
	}
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { awsStream(w, msgs...) })
	res, c, err := mustStream(t, specAt(t, "bedrock", f.URL), testBedrockSecret, hello("anthropic.claude-haiku"))
	if err != nil {
		t.Fatal(err)
	}
	want := Usage{Input: 10, CacheRead: 3, CacheWrite5m: 2, Output: 5}
	if res.Text != "Hi!" || c.reasoning.String() != "Pondering" || res.Usage != want || !res.HasUsage {
		t.Errorf("text %q reasoning %q usage %+v", res.Text, c.reasoning.String(), res.Usage)
	}
	if res.RequestID != "aws-req-1" {
		t.Errorf("request id = %q", res.RequestID)
	}
	r := f.only(t)
	if r.Path != "/model/anthropic.claude-haiku/converse-stream" {
		t.Errorf("path = %s", r.Path)
	}
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIATESTKEYID000000/") || !strings.Contains(auth, "/us-east-1/bedrock/aws4_request") {
		t.Errorf("Authorization = %q, want a SigV4 signature with the stored credentials", auth)
	}
	body := r.JSON(t)
	if ic, _ := body["inferenceConfig"].(map[string]any); ic["maxTokens"] != float64(64) || body["system"] == nil {
		t.Errorf("body = %s", r.Body)
	}
}

func TestBedrockNoStream(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"output":{"message":{"role":"assistant","content":[{"text":"Hi!"}]}},"stopReason":"end_turn","usage":{"inputTokens":12,"outputTokens":4,"totalTokens":16},"metrics":{"latencyMs":80}}`)
	})
	req := hello("amazon.nova-lite-v1")
	req.NoStream = true
	res, _, err := mustStream(t, specAt(t, "bedrock", f.URL), testBedrockSecret, req)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Usage{Input: 12, Output: 4}); res.Text != "Hi!" || res.Usage != want {
		t.Errorf("text %q usage %+v", res.Text, res.Usage)
	}
	if r := f.only(t); r.Path != "/model/amazon.nova-lite-v1/converse" {
		t.Errorf("path = %s", r.Path)
	}
}

func TestBedrockErrors(t *testing.T) {
	tests := []struct {
		name    string
		handler func(t *testing.T) http.HandlerFunc
		class   Class
		text    string
	}{
		{name: "unrecognized client", class: ClassAuth, handler: func(*testing.T) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				reply(w, 403, `{"message":"The security token included in the request is invalid."}`,
					"X-Amzn-Errortype", "UnrecognizedClientException:http://internal.amazon.com/coral/com.amazon.coral.service/")
			}
		}},
		{name: "access denied", class: ClassAuth, handler: func(*testing.T) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				reply(w, 403, `{"message":"You don't have access to the model with the specified model ID."}`, "X-Amzn-Errortype", "AccessDeniedException")
			}
		}},
		{name: "throttled", class: ClassRateLimit, handler: func(*testing.T) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				reply(w, 429, `{"message":"Too many requests, please wait before trying again."}`, "X-Amzn-Errortype", "ThrottlingException")
			}
		}},
		{name: "validation", class: ClassBadRequest, handler: func(*testing.T) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				reply(w, 400, `{"message":"The provided model identifier is invalid."}`, "X-Amzn-Errortype", "ValidationException")
			}
		}},
		{name: "exception inside the stream", class: ClassRateLimit, text: "Hi", handler: func(t *testing.T) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				awsStream(w, awsEvent(t, "contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"Hi"}}`),
					awsEvent(t, "!throttlingException", `{"message":"Too many tokens, please wait before trying again."}`))
			}
		}},
		{name: "service unavailable inside the stream", class: ClassOverloaded, handler: func(t *testing.T) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				awsStream(w, awsEvent(t, "!serviceUnavailableException", `{"message":"Service is unavailable."}`))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.handler(t))
			res, _, err := mustStream(t, specAt(t, "bedrock", f.URL), testBedrockSecret, hello("anthropic.claude-haiku"))
			asError(t, err, tt.class)
			noSecret(t, err, testAWSSecret)
			f.only(t)
			if res.Text != tt.text {
				t.Errorf("text = %q", res.Text)
			}
		})
	}
}

func TestBedrockBadSecret(t *testing.T) {
	tests := []struct{ name, secret, says string }{
		{"not json", "AKIA… plain", "not JSON"},
		{"missing fields", `{"access_key_id":"AKIATESTKEYID000000"}`, "secret_access_key, region"},
		{"bad region", `{"access_key_id":"A","secret_access_key":"` + testAWSSecret + `","region":"moon"}`, "not an AWS region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(specAt(t, "bedrock", "http://127.0.0.1:1"), tt.secret, Options{})
			e := asError(t, err, ClassAuth)
			noSecret(t, err, testAWSSecret)
			if !strings.Contains(e.Message, tt.says) {
				t.Errorf("message %q does not say %q", e.Message, tt.says)
			}
		})
	}
}
