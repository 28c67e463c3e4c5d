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
