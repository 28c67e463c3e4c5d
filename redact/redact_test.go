package redact

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// Key-shaped test values. They are made up; none is a real key.
const (
	openaiKey     = "sk-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGH1234"
	openaiProject = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z_-Zz7Yx0Wv"
	anthropicKey  = "sk-ant-api03-Zq9Xw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa-AAAA"
	openrouterKey = "sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef01234567"
	googleKey     = "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q"
	groqKey       = "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"
	xaiKey        = "xai-Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6J7k8L9z0X1c2V3b4N5m6"
	awsKeyID      = "AKIAIOSFODNN7EXAMPLE"
	bearerToken   = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dGVzdHNpZ25hdHVyZQ"
)

func TestRedactRegistered(t *testing.T) {
	tests := []struct {
		name    string
		secrets []string
		in      string
		want    string
	}{
		{
			name: "nothing registered leaves text alone",
			in:   "request failed: 429 too many requests",
			want: "request failed: 429 too many requests",
		},
		{
			name:    "short secret shows no tail",
			secrets: []string{"hunter2hunter"},
			in:      "password hunter2hunter rejected",
			want:    "password [REDACTED] rejected",
		},
		{
			name:    "long secret keeps its last four",
			secrets: []string{"0123456789abcdef0123456789abwxyz"},
			in:      `{"error":"key 0123456789abcdef0123456789abwxyz is invalid"}`,
			want:    `{"error":"key [REDACTED …wxyz] is invalid"}`,
		},
		{
			name:    "every occurrence",
			secrets: []string{"azure-key-1234567"},
			in:      "azure-key-1234567 and azure-key-1234567",
			want:    "[REDACTED …4567] and [REDACTED …4567]",
		},
		{
			name:    "longer secret containing a shorter one is removed whole",
			secrets: []string{"abcdefgh", "abcdefghijklmnopqrst"},
			in:      "x abcdefghijklmnopqrst y",
			want:    "x [REDACTED …qrst] y",
		},
		{
			name:    "overlapping occurrences merge into one marker",
			secrets: []string{"aaaaaaaa"},
			in:      "aaaaaaaaaaa!",
			want:    "[REDACTED]!",
		},
		{
			name:    "adjacent secrets merge",
			secrets: []string{"11112222", "33334444"},
			in:      "1111222233334444",
			want:    "[REDACTED …4444]",
		},
		{
			name:    "secret shorter than eight bytes is ignored",
			secrets: []string{"1234567"},
			in:      "code 1234567",
			want:    "code 1234567",
		},
		{
			name:    "empty secret is ignored",
			secrets: []string{""},
			in:      "plain text",
			want:    "plain text",
		},
		{
			name:    "secret that is part of the marker is ignored",
			secrets: []string{"REDACTED"},
			in:      "REDACTED",
			want:    "REDACTED",
		},
		{
			name:    "tail counts characters, not bytes",
			secrets: []string{"пароль-пароль-ключ"},
			in:      "k=пароль-пароль-ключ",
			want:    "k=[REDACTED …ключ]",
		},
		{
			name:    "secret left behind by a marker goes on a second pass",
			secrets: []string{"[REDACTED …", "0123456789abcdefghij"},
			in:      "key 0123456789abcdefghij",
			want:    "key [REDACTED]ghij]",
		},
		{
			name:    "secret every marker recreates falls back to full redaction",
			secrets: []string{"[REDACTED …abcd"},
			in:      "x [REDACTED …abcd y",
			want:    "[REDACTED]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r registry
			for _, s := range tt.secrets {
				r.add(s)
			}
			if got := r.redact(tt.in); got != tt.want {
				t.Errorf("redact(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRedactShapes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"openai", "key " + openaiKey + " rejected", "key [REDACTED …1234] rejected"},
		{"openai project", "Incorrect API key provided: " + openaiProject + ".", "Incorrect API key provided: [REDACTED …x0Wv]."},
		{"anthropic", "x-api-key: " + anthropicKey, "x-api-key: [REDACTED …AAAA]"},
		{"openrouter", openrouterKey, "[REDACTED …4567]"},
		{"google in a url", "https://generativelanguage.googleapis.com/v1beta/models?key=" + googleKey + "&alt=sse", "https://generativelanguage.googleapis.com/v1beta/models?key=[REDACTED …5p6Q]&alt=sse"},
		{"groq", `"` + groqKey + `"`, `"[REDACTED …y5Z6]"`},
		{"xai", "xai: " + xaiKey, "xai: [REDACTED …N5m6]"},
		{"aws access key id", "AccessKeyId=" + awsKeyID + ";", "AccessKeyId=[REDACTED …MPLE];"},
		{"bearer keeps the scheme", "Authorization: Bearer " + bearerToken, "Authorization: Bearer [REDACTED …VyZQ]"},
		{"bearer any case", "authorization: bearer 0123456789abcdefghij", "authorization: bearer [REDACTED …ghij]"},
		{"bearer mixed case", "BeArEr 0123456789abcdefghij", "BeArEr [REDACTED …ghij]"},
		{"bearer after a near miss", "b be bear BEARER 0123456789abcdefghij", "b be bear BEARER [REDACTED …ghij]"},
		{"aws temporary key id", "ASIAIOSFODNN7EXAMPLE", "[REDACTED …MPLE]"},
		{"bearer followed by a word is text", "Bearer authentication-required", "Bearer authentication-required"},
		{"sk inside a word is text", "task-0123456789abcdefghij", "task-0123456789abcdefghij"},
		{"sk word without digits is text", "sk-learn-compatible-models", "sk-learn-compatible-models"},
		{"short sk is text", "sk-12345", "sk-12345"},
		{"two shapes in one line", "a=" + groqKey + " b=" + xaiKey, "a=[REDACTED …y5Z6] b=[REDACTED …N5m6]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r registry
			if got := r.redact(tt.in); got != tt.want {
				t.Errorf("redact(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRegisterAndStringGlobal(t *testing.T) {
	const secret = "byok-test-global-secret-9876"
	Register(secret)
	got := String("error: provider said " + secret + " is wrong")
	if strings.Contains(got, secret) {
		t.Fatalf("String kept the registered secret: %q", got)
	}
	if want := "error: provider said [REDACTED …9876] is wrong"; got != want {
		t.Errorf("String = %q, want %q", got, want)
	}
}

func TestRegisterConcurrent(t *testing.T) {
	var r registry
	secrets := make([]string, 64)
	for i := range secrets {
		secrets[i] = strings.Repeat(string(rune('a'+i%26)), 8) + strings.Repeat("9", i)
	}
	var wg sync.WaitGroup
	for _, s := range secrets {
		wg.Go(func() {
			r.add(s)
			_ = r.redact("text " + s)
		})
	}
	wg.Wait()
	if n := len(r.list()); n != len(secrets) {
		t.Fatalf("registry holds %d secrets, want %d", n, len(secrets))
	}
	for _, s := range secrets {
		if out := r.redact("<" + s + ">"); strings.Contains(out, s) {
			t.Errorf("secret %q survived redaction: %q", s, out)
		}
	}
}

func TestMask(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"short", "abc", "[REDACTED]"},
		{"fifteen bytes", "123456789012345", "[REDACTED]"},
		{"sixteen bytes", "1234567890123456", "[REDACTED …3456]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Mask(tt.in); got != tt.want {
				t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// BenchmarkStringHeader redacts a response header value that holds no key,
// as the proxy does for every header of every reply.
func BenchmarkStringHeader(b *testing.B) {
	for b.Loop() {
		_ = String("req_8f2c4e1a9b7d4c0e8a6f3b2d1c0e9f8a")
	}
}

// A registered secret is removed in the forms it takes on the wire too:
// JSON-escaped (either hex case, / as \/), percent-encoded, and inside a
// Basic auth header, whoever the user.
func TestRedactWireForms(t *testing.T) {
	const secret = "Wf&wire<Form>s/0123456789=xyzQ"
	Register(secret)
	basic := base64.StdEncoding.EncodeToString([]byte("someone:" + secret))
	for _, text := range []string{
		`"Wf\u0026wire\u003cForm\u003es/0123456789=xyzQ"`,
		`"Wf\u0026wire\u003CForm\u003Es\/0123456789=xyzQ"`,
		`"Wf&wire<Form>s\/0123456789=xyzQ"`,
		"?key=" + url.QueryEscape(secret),
		"/keys/" + url.PathEscape(secret),
		"?key=" + regexp.MustCompile(`%[0-9A-F]{2}`).ReplaceAllStringFunc(url.QueryEscape(secret), strings.ToLower),
		"Authorization: Basic " + basic,
	} {
		got := String(text)
		if !strings.Contains(got, "REDACTED") || strings.Contains(got, "0123456789") {
			t.Errorf("String(%q) = %q, want the secret removed", text, got)
		}
	}
	if got := String("basic information about the plan"); got != "basic information about the plan" {
		t.Errorf("prose after 'basic' was redacted: %q", got)
	}
}
