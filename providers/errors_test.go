package providers

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/byokhq/byok/internal/ssetest"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header http.Header
		body   string
		want   time.Duration
	}{
		{"seconds", http.Header{"Retry-After": {"12"}}, "", 12 * time.Second},
		{"milliseconds win", http.Header{"Retry-After": {"12"}, "Retry-After-Ms": {"250"}}, "", 250 * time.Millisecond},
		{"http date", http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}, "", 90 * time.Second},
		{"date in the past", http.Header{"Retry-After": {now.Add(-time.Hour).Format(http.TimeFormat)}}, "", 0},
		{"nonsense", http.Header{"Retry-After": {"soon"}}, "", 0},
		{"negative", http.Header{"Retry-After": {"-3"}}, "", 0},
		{"gemini RetryInfo", nil, `{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"26s"}]}}`, 26 * time.Second},
		{"gemini fractional", nil, `{"error":{"details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1.5s"}]}}`, 1500 * time.Millisecond},
		{"openai wording", nil, `{"error":{"message":"Please try again in 1.2s.","code":"rate_limit_exceeded"}}`, 1200 * time.Millisecond},
		{"nothing", nil, `{"error":{"message":"slow down"}}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := tt.header
			if h == nil {
				h = http.Header{}
			}
			if got := retryAfter(h, parseProviderError([]byte(tt.body)), now); got != tt.want {
				t.Errorf("retryAfter = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNewErrorShapes(t *testing.T) {
	const key = "sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name     string
		f        failure
		class    Class
		status   int
		contains []string
		absent   []string
	}{
		{name: "key shape in a body is redacted", class: ClassAuth, status: 401,
			f:        failure{status: 401, body: []byte(`{"error":{"message":"User not found for ` + key + `","code":401}}`)},
			contains: []string{"byok keys test", "byok keys rotate", "User not found"}, absent: []string{key}},
		{name: "long provider message is shortened", class: ClassBadRequest, status: 400,
			f:        failure{status: 400, body: []byte(`{"error":{"message":"` + strings.Repeat("é", 400) + `"}}`)},
			contains: []string{"…"}},
		{name: "error inside a 200 stream without a code", class: ClassServer, status: 0,
			f:        failure{status: 200, streamed: true, body: []byte(`{"type":"error","error":{"type":"api_error","message":"Internal"}}`)},
			contains: []string{"mid-reply"}},
		{name: "openrouter mid-stream code becomes the status", class: ClassRateLimit, status: 429,
			f: failure{status: 200, streamed: true, body: []byte(`{"error":{"code":429,"message":"Rate limit exceeded: free-models-per-day"}}`)}},
		{name: "bedrock exception name", class: ClassRateLimit, status: 0,
			f: failure{status: 200, streamed: true, code: "ServiceQuotaExceededException", body: []byte(`{"message":"quota"}`)}},
		{name: "plain text body", class: ClassOverloaded, status: 503,
			f: failure{status: 503, body: []byte("Server Overloaded")}, contains: []string{"Server Overloaded"}},
		{name: "novita balance", class: ClassCredit, status: 403,
			f: failure{status: 403, body: []byte(`{"code":403,"reason":"NOT_ENOUGH_BALANCE","message":"Your credit is not enough"}`)}},
		{name: "openai request too large for TPM stays a rate limit", class: ClassRateLimit, status: 429,
			f: failure{status: 429, body: []byte(`{"error":{"message":"Request too large for gpt-4o on tokens per min (TPM): Limit 30000, Requested 45000.","type":"tokens","code":"rate_limit_exceeded"}}`)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.f.provider = "p"
			e := newError(tt.f)
			if e.Class != tt.class || e.Status != tt.status {
				t.Fatalf("class %s status %d, want %s %d (%q)", e.Class, e.Status, tt.class, tt.status, e.Message)
			}
			for _, s := range tt.contains {
				if !strings.Contains(e.Message, s) {
					t.Errorf("message %q lacks %q", e.Message, s)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(e.Error(), s) {
					t.Errorf("message %q contains %q", e.Message, s)
				}
			}
		})
	}
}

// TestErrorReplies serves each adapter the error replies its provider
// documents and checks what the *Error says: the class callers branch on,
// the status, the wait before a retry, the request id, what to do next,
// and that the key appears nowhere.
func TestErrorReplies(t *testing.T) {
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
		// OpenAI Chat Completions and the providers that copy it.
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
		// Anthropic's Messages API.
		{provider: "anthropic", name: "invalid key", status: 401,
			body:  `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"},"request_id":"req_011CAuth"}`,
			class: ClassAuth, requestID: "req_011CAuth"},
		{provider: "anthropic", name: "credit balance too low is a 400", status: 400,
			body:  `{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."},"request_id":"req_011CCredit"}`,
			class: ClassCredit, requestID: "req_011CCredit"},
		{provider: "anthropic", name: "billing error 402", status: 402,
			body: `{"type":"error","error":{"type":"billing_error","message":"Payment required"}}`, class: ClassCredit},
		{provider: "anthropic", name: "permission", status: 403,
			body: `{"type":"error","error":{"type":"permission_error","message":"Your API key does not have permission to use the specified resource."}}`, class: ClassAuth},
		{provider: "anthropic", name: "rate limit with retry-after and request-id header", status: 429,
			body:   `{"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed the rate limit for your organization of 30,000 input tokens per minute."},"request_id":"req_body"}`,
			header: []string{"retry-after", "7", "request-id", "req_header"}, class: ClassRateLimit, retry: 7 * time.Second, requestID: "req_header"},
		{provider: "anthropic", name: "overloaded 529", status: 529,
			body: `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}`, class: ClassOverloaded, requestID: "req_1"},
		{provider: "anthropic", name: "api error 500", status: 500, body: `{"type":"error","error":{"type":"api_error","message":"Internal server error"}}`, class: ClassServer},
		{provider: "anthropic", name: "timeout 504", status: 504, body: `{"type":"error","error":{"type":"timeout_error","message":"Request timeout"}}`, class: ClassTimeout},
		{provider: "anthropic", name: "not found", status: 404, body: `{"type":"error","error":{"type":"not_found_error","message":"model: claude-9"}}`, class: ClassNotFound},
		{provider: "anthropic", name: "prompt too long", status: 400,
			body: `{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 250000 tokens > 200000 maximum"}}`, class: ClassContextLength},
		{provider: "anthropic", name: "request too large from the edge", status: 413, body: `{"type":"error","error":{"type":"request_too_large","message":"Request exceeds the maximum size"}}`, class: ClassBadRequest},
		{provider: "anthropic", name: "empty body", status: 529, body: ``, class: ClassOverloaded},
		{provider: "anthropic", name: "not json", status: 502, body: `<html>Bad Gateway</html>`, class: ClassOverloaded},
		// Gemini.
		{provider: "google", name: "invalid key is a 400", status: 400,
			body:  `{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com","metadata":{"service":"generativelanguage.googleapis.com"}},{"@type":"type.googleapis.com/google.rpc.LocalizedMessage","locale":"en-US","message":"API key not valid. Please pass a valid API key."}]}}`,
			class: ClassAuth},
		{provider: "google", name: "key not found variant", status: 400,
			body: `{"error":{"code":400,"message":"API Key not found. Please pass a valid API key.","status":"INVALID_ARGUMENT"}}`, class: ClassAuth},
		{provider: "google", name: "permission denied", status: 403,
			body: `{"error":{"code":403,"message":"Generative Language API has not been used in project 123 before or it is disabled.","status":"PERMISSION_DENIED"}}`, class: ClassAuth},
		{provider: "google", name: "rate limit with RetryInfo", status: 429,
			body:  `{"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing details.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests","quotaId":"GenerateRequestsPerMinutePerProjectPerModel-FreeTier","quotaDimensions":{"location":"global","model":"gemini-2.5-flash"},"quotaValue":"10"}]},{"@type":"type.googleapis.com/google.rpc.Help","links":[{"description":"Learn more","url":"https://ai.google.dev/gemini-api/docs/rate-limits"}]},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"26s"}]}}`,
			class: ClassRateLimit, retry: 26 * time.Second},
		{provider: "google", name: "prepaid credits depleted", status: 429,
			body: `{"error":{"code":429,"message":"Your prepayment credits are depleted. Please go to AI Studio to manage your project and billing.","status":"RESOURCE_EXHAUSTED"}}`, class: ClassCredit},
		{provider: "google", name: "model not found", status: 404,
			body: `{"error":{"code":404,"message":"models/gemini-9 is not found for API version v1beta","status":"NOT_FOUND"}}`, class: ClassNotFound},
		{provider: "google", name: "unavailable", status: 503,
			body: `{"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}}`, class: ClassOverloaded},
		{provider: "google", name: "internal", status: 500, body: `{"error":{"code":500,"message":"An internal error has occurred.","status":"INTERNAL"}}`, class: ClassServer},
		{provider: "google", name: "empty body", status: 500, body: ``, class: ClassServer},
	}
	// Each API's test key, and the path its base URL has after the host.
	apis := map[Kind]struct{ key, root string }{
		KindOpenAI:    {testOpenAIKey, "/v1"},
		KindAnthropic: {testAnthropicKey, ""},
		KindGemini:    {testGeminiKey, ""},
	}
	for _, tt := range tests {
		t.Run(tt.provider+" "+tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) { reply(w, tt.status, tt.body, tt.header...) })
			spec := specAt(t, tt.provider, "")
			api := apis[spec.Kind]
			spec.BaseURL = f.URL + api.root
			res, _, err := mustStream(t, spec, api.key, hello("m"))
			e := asError(t, err, tt.class)
			noSecret(t, err, api.key)
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

func TestTransportError(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithTimeout(context.Background(), -time.Second)
	defer cancel2()
	refused := &url.Error{Op: "Post", URL: "http://127.0.0.1:1/v1/chat/completions", Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}
	tests := []struct {
		name     string
		ctx      context.Context
		err      error
		streamed bool
		class    Class
		says     string
	}{
		{"cancelled", cancelled, context.Canceled, false, ClassCancelled, "cancelled"},
		{"deadline", expired, context.DeadlineExceeded, false, ClassTimeout, "timed out"},
		{"refused", context.Background(), refused, false, ClassNetwork, "could not connect to 127.0.0.1:1"},
		{"dropped", context.Background(), io.ErrUnexpectedEOF, true, ClassNetwork, "dropped mid-reply"},
		{"other", context.Background(), errors.New("tls: bad certificate"), false, ClassNetwork, "network error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := transportError("p", tt.ctx, tt.err, tt.streamed)
			if e.Class != tt.class || !strings.Contains(e.Message, tt.says) {
				t.Errorf("got %s %q, want %s containing %q", e.Class, e.Message, tt.class, tt.says)
			}
			if !errors.Is(e, tt.err) {
				t.Errorf("the cause chain lost %v", tt.err)
			}
		})
	}
}

func TestCancelEveryKind(t *testing.T) {
	tests := []struct {
		name   string
		spec   func(base string) Spec
		secret string
		first  func(t *testing.T, w http.ResponseWriter)
	}{
		{name: "responses", secret: testOpenAIKey,
			spec: func(base string) Spec { s, _ := specAt(t, "openai", base+"/v1").WithKind(KindResponses); return s },
			first: func(t *testing.T, w http.ResponseWriter) {
				ssetest.Write(w, ev("response.output_text.delta", `{"type":"response.output_text.delta","delta":"Hi"}`))
			}},
		{name: "anthropic", secret: testAnthropicKey,
			spec: func(base string) Spec { return specAt(t, "anthropic", base) },
			first: func(t *testing.T, w http.ResponseWriter) {
				ssetest.Write(w, ev("message_start", msgStart), ev("content_block_delta", blockHi))
			}},
		{name: "gemini", secret: testGeminiKey,
			spec:  func(base string) Spec { return specAt(t, "google", base) },
			first: func(t *testing.T, w http.ResponseWriter) { ssetest.Write(w, gemChunk2) }},
		{name: "bedrock", secret: testBedrockSecret,
			spec: func(base string) Spec { return specAt(t, "bedrock", base) },
			first: func(t *testing.T, w http.ResponseWriter) {
				awsStream(w, awsEvent(t, "contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"Hi"}}`))
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				tt.first(t, w)
				select {
				case <-r.Context().Done():
				case <-time.After(10 * time.Second):
				}
			})
			s, err := New(tt.spec(f.URL), tt.secret, Options{})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			start := time.Now()
			var first string
			res, err := s.Stream(ctx, hello("m"), func(e Event) {
				if e.Type == EventText && first == "" {
					first = e.Text
					cancel()
				}
			})
			e := asError(t, err, ClassCancelled)
			if res.Text != first || first == "" || res.Usage.Output == 0 || time.Since(start) > 5*time.Second {
				t.Errorf("result %+v after %v (%q)", res, time.Since(start), e.Message)
			}
		})
	}
}
