package proxy_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/config"
	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/proxy"
	"github.com/byokhq/byok/store"
)

const chatBody = `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}]}`

// checkShape asserts that body is an error in the envelope of the API the
// client speaks, with the given status.
func checkShape(t *testing.T, shape string, status int, body string) {
	t.Helper()
	var doc struct {
		Type  string `json:"type"`
		Error struct {
			Message string `json:"message"`
			Type    string `json:"type"`
			Code    any    `json:"code"`
			Status  string `json:"status"`
		} `json:"error"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("error body is not JSON: %v: %s", err, body)
	}
	if doc.Error.Message == "" {
		t.Errorf("error body has no message: %s", body)
	}
	switch shape {
	case "anthropic":
		if doc.Type != "error" || doc.Error.Type == "" {
			t.Errorf("not an Anthropic error envelope: %s", body)
		}
	case "gemini":
		if code, ok := doc.Error.Code.(float64); !ok || int(code) != status || doc.Error.Status == "" {
			t.Errorf("not a Gemini error envelope with code %d: %s", status, body)
		}
	default:
		if doc.Type != "" || doc.Error.Type == "" {
			t.Errorf("not an OpenAI error envelope: %s", body)
		}
	}
}

func TestRefusedRequestsNeverReachTheProvider(t *testing.T) {
	big := `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"` + strings.Repeat("x", 100<<10) + `"}]}`
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		edit   func(r *http.Request, e *env)
		status int
		shape  string
		// wantText is a part of the message, when the case checks it.
		wantText string
		// code is the error code, when the case checks it.
		code string
	}{
		{name: "no token", path: "/v1/chat/completions", status: 401, wantText: "byok proxy token",
			edit: func(r *http.Request, _ *env) { r.Header.Del("Authorization") }},
		{name: "wrong token", path: "/v1/chat/completions", status: 401,
			edit: func(r *http.Request, _ *env) { r.Header.Set("Authorization", "Bearer byok-proxy-wrong") }},
		{name: "token with a different case", path: "/v1/chat/completions", status: 401,
			edit: func(r *http.Request, e *env) { r.Header.Set("Authorization", "Bearer "+strings.ToUpper(e.token)) }},
		{name: "a real provider key instead of the token", path: "/anthropic/v1/messages", status: 401, shape: "anthropic",
			edit: func(r *http.Request, _ *env) { r.Header.Del("Authorization"); r.Header.Set("X-Api-Key", anthropicKey) }},
		{name: "query key outside the Gemini routes", path: "/v1/chat/completions?key=TOKEN", status: 401,
			edit: func(r *http.Request, _ *env) { r.Header.Del("Authorization") }},
		{name: "Host evil.example", path: "/v1/chat/completions", status: 403, wantText: "not this proxy",
			edit: func(r *http.Request, _ *env) { r.Host = "evil.example" }},
		{name: "Host evil.example with the proxy port", path: "/v1/chat/completions", status: 403,
			edit: func(r *http.Request, e *env) { r.Host = "evil.example:" + portOf(e) }},
		{name: "Host localhost.evil.com", path: "/gemini/v1beta/models/gemini-2.5-flash:generateContent", status: 403, shape: "gemini",
			edit: func(r *http.Request, e *env) { r.Host = "localhost.evil.com:" + portOf(e) }},
		{name: "Host with another port", path: "/v1/chat/completions", status: 403,
			edit: func(r *http.Request, _ *env) { r.Host = "127.0.0.1:1" }},
		{name: "cross-site Origin with text/plain", path: "/v1/chat/completions", status: 403, wantText: "cross-site",
			edit: func(r *http.Request, _ *env) {
				r.Header.Set("Origin", "https://evil.example")
				r.Header.Set("Content-Type", "text/plain")
			}},
		{name: "Origin null", path: "/anthropic/v1/messages", status: 403, shape: "anthropic",
			edit: func(r *http.Request, _ *env) { r.Header.Set("Origin", "null") }},
		{name: "Sec-Fetch-Site cross-site", path: "/v1/chat/completions", status: 403,
			edit: func(r *http.Request, _ *env) { r.Header.Set("Sec-Fetch-Site", "cross-site") }},
		{name: "preflight", method: "OPTIONS", path: "/v1/chat/completions", status: 403,
			edit: func(r *http.Request, _ *env) {
				r.Header.Set("Origin", "https://evil.example")
				r.Header.Set("Access-Control-Request-Method", "POST")
			}},
		{name: "body over the limit", path: "/v1/chat/completions", body: big, status: 413, wantText: "limit of 64 KB"},
		{name: "body over the limit without a length", path: "/v1/chat/completions", body: big, status: 413,
			edit: func(r *http.Request, _ *env) {
				r.ContentLength = -1
				r.Body = io.NopCloser(strings.NewReader(big))
			}},
		{name: "unknown route", path: "/v2/chat", status: 404},
		{name: "unknown provider", path: "/p/nope/chat/completions", status: 404},
		{name: "model nobody serves", path: "/v1/chat/completions", body: `{"model":"no-such-model-xyz","messages":[]}`, status: 400},
		{name: "bedrock cannot be proxied", path: "/p/bedrock/model/x/converse", status: 400, wantText: "SigV4"},
		{name: "unknown key label", path: "/v1/chat/completions", status: 400, wantText: "no key openai/nope", code: "byok_no_key",
			edit: func(r *http.Request, _ *env) { r.Header.Set("X-Byok-Key", "nope") }},
		// The CLI's words (--key) mean nothing to a proxy client: the
		// answer names the header it sent.
		{name: "removed key label", path: "/v1/chat/completions", status: 400, code: "byok_no_key",
			wantText: "the key openai/gone was removed; name another of OpenAI's keys in the x-byok-key header",
			edit:     func(r *http.Request, _ *env) { r.Header.Set("X-Byok-Key", "gone") }},
		{name: "admin key label", path: "/v1/chat/completions", status: 400, code: "byok_no_key",
			wantText: "openai/admin is an admin key: byok uses it only to read OpenAI's usage, cost and balance reports, never for requests; name another",
			edit:     func(r *http.Request, _ *env) { r.Header.Set("X-Byok-Key", "admin") }},
		{name: "no key for the provider", path: "/v1/chat/completions", body: `{"model":"groq/llama-3.3-70b-versatile","messages":[]}`, status: 400,
			wantText: "byok keys add groq", code: "byok_no_key"},
		// Names that would replay terminal control sequences from the
		// log, usage and the proxy's request line (OSC 52 sets the
		// clipboard, OSC 0 the window title).
		{name: "model with terminal escapes", path: "/v1/chat/completions", status: 400, wantText: "control character", code: "byok_bad_request",
			body: `{"model":"openai/gpt-4o-mini\u001b]52;c;cGF5bG9hZA==\u0007\u001b]0;PWN\u0007","messages":[]}`},
		{name: "Anthropic model with terminal escapes", path: "/anthropic/v1/messages", status: 400, shape: "anthropic", wantText: "control character",
			body: `{"model":"claude-sonnet-4-5\u009b2J","max_tokens":10,"messages":[]}`},
		{name: "Gemini model in the path with terminal escapes", path: "/gemini/v1beta/models/gemini-2.5-flash%1B%5D0;PWN%07:generateContent",
			status: 400, shape: "gemini", wantText: "control character"},
		{name: "dot segments leave the provider's base path", path: "/p/openai/../../admin", status: 400, code: "byok_bad_path"},
		{name: "dot segment in an OpenAI path", path: "/v1/./../admin", status: 400, code: "byok_bad_path"},
		{name: "a second Origin that is cross-site", path: "/v1/chat/completions", status: 403, wantText: "cross-site",
			edit: func(r *http.Request, e *env) {
				r.Header.Add("Origin", "http://127.0.0.1:"+portOf(e))
				r.Header.Add("Origin", "https://evil.example")
			}},
		{name: "a second Sec-Fetch-Site that is cross-site", path: "/v1/chat/completions", status: 403,
			edit: func(r *http.Request, _ *env) {
				r.Header.Add("Sec-Fetch-Site", "same-origin")
				r.Header.Add("Sec-Fetch-Site", "cross-site")
			}},
	}
	e := newEnv(t)
	e.upstream(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) })
	ctx := context.Background()
	gone, err := e.app.AddKey(ctx, "openai", "gone", "sk-proj-testOPENAIgone0123456789abcdef", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.RemoveKey(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.AddAdminKey(ctx, "openai", "admin", "sk-admin-testOPENAIadmin0123456789abcdef", false); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, body := tt.method, tt.body
			if method == "" {
				method = "POST"
			}
			if body == "" {
				body = chatBody
			}
			req := e.request(method, strings.ReplaceAll(tt.path, "TOKEN", e.token), body)
			if tt.edit != nil {
				tt.edit(req, e)
			}
			resp, got := e.do(req)
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d: %s", resp.StatusCode, tt.status, got)
			}
			checkShape(t, tt.shape, resp.StatusCode, got)
			if !strings.Contains(got, tt.wantText) {
				t.Errorf("the answer does not say %q: %s", tt.wantText, got)
			}
			if tt.code != "" && !strings.Contains(got, `"code":"`+tt.code+`"`) {
				t.Errorf("the answer's code is not %s: %s", tt.code, got)
			}
			if strings.Contains(got, e.token) {
				t.Errorf("the answer shows the token: %s", got)
			}
			for k := range resp.Header {
				if strings.HasPrefix(k, "Access-Control-") {
					t.Errorf("the proxy sent a CORS header %s", k)
				}
			}
			if n := e.hits.Load(); n != 0 {
				t.Errorf("the provider saw %d requests, want none", n)
			}
		})
	}
}

func portOf(e *env) string {
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(e.base, "http://"))
	return port
}

func TestEmptyHostIsRefused(t *testing.T) {
	e := newEnv(t)
	conn := e.dial()
	fmt.Fprintf(conn, "POST /v1/chat/completions HTTP/1.1\r\nHost: \r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", e.token, len(chatBody), chatBody)
	if err := conn.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read the answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d, want 403 or 400", resp.StatusCode)
	}
	if n := e.hits.Load(); n != 0 {
		t.Errorf("the provider saw %d requests, want none", n)
	}
}

// TestNonLoopbackAddressesAreRefused: the proxy applies the config's rule
// (config.TestListenAddr runs every spelling through it) when it listens,
// when it is made and when it serves.
func TestNonLoopbackAddressesAreRefused(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:8787", ":8787", "[::]:8787", "192.168.1.10:8787", "example.com:8787", "localhost.evil.com:8787", "127.0.0.1"} {
		want := config.CheckAddr(addr)
		l, err := proxy.Listen(addr)
		if err == nil {
			l.Close()
		}
		if want == nil || err == nil || !strings.Contains(err.Error(), want.Error()) {
			t.Errorf("Listen(%q) = %v, want the refusal %v", addr, err, want)
		}
	}
	e := newEnv(t)
	if _, err := proxy.New(e.app, proxy.Options{Addr: "0.0.0.0:8787", Token: e.token}); err == nil {
		t.Error("New accepted 0.0.0.0")
	}
	if _, err := proxy.New(e.app, proxy.Options{Token: ""}); err == nil {
		t.Error("New accepted an empty token")
	}
	srv, err := proxy.New(e.app, proxy.Options{Token: e.token})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Skipf("cannot listen on 0.0.0.0 here: %v", err)
	}
	if err := srv.Serve(ln); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("Serve on %s = %v, want a loopback-only refusal", ln.Addr(), err)
	}
}

func TestHardBudgetAnswers402InEachShape(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.app.SetBudget(ctx, app.BudgetInput{Scope: "all", Period: store.Monthly, Limit: money.Dollar / 2, Hard: true, Thresholds: []int{50, 80, 100}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.AddSpend(ctx, "openai", money.Dollar, "console", time.Time{}); err != nil {
		t.Fatal(err)
	}
	e.upstream(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) })
	tests := []struct {
		name, path, body, shape string
		headers                 []string
	}{
		{"openai", "/v1/chat/completions", chatBody, "openai", nil},
		{"anthropic", "/anthropic/v1/messages", `{"model":"claude-haiku-4-5","max_tokens":10,"messages":[{"role":"user","content":"Hi"}]}`, "anthropic",
			[]string{"Authorization", "", "X-Api-Key", "TOKEN"}},
		{"gemini", "/gemini/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse", `{"contents":[{"parts":[{"text":"Hi"}]}]}`, "gemini",
			[]string{"Authorization", "", "X-Goog-Api-Key", "TOKEN"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := make([]string, len(tt.headers))
			for i, h := range tt.headers {
				hdr[i] = strings.ReplaceAll(h, "TOKEN", e.token)
			}
			resp, body := e.do(e.request("POST", tt.path, tt.body, hdr...))
			if resp.StatusCode != http.StatusPaymentRequired {
				t.Fatalf("status %d, want 402: %s", resp.StatusCode, body)
			}
			checkShape(t, tt.shape, 402, body)
			if !strings.Contains(body, "budget") || !strings.Contains(body, "all") {
				t.Errorf("the 402 does not name the budget: %s", body)
			}
		})
	}
	if n := e.hits.Load(); n != 0 {
		t.Errorf("the provider saw %d requests, want none", n)
	}
}

func TestProviderErrorsPassThroughRedacted(t *testing.T) {
	tests := []struct {
		name, path, body string
		headers          []string
		status           int
		upstream         string
		wantClass        string
		wantText         string
	}{
		{name: "openai 401", path: "/v1/chat/completions", body: chatBody, status: 401,
			upstream:  `{"error":{"message":"Incorrect API key provided: ` + openaiKey + `. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`,
			wantClass: "auth", wantText: "Incorrect API key provided"},
		{name: "openai 429 out of credit", path: "/v1/chat/completions", body: chatBody, status: 429,
			upstream:  `{"error":{"message":"You exceeded your current quota (key ` + openaiKey + `)","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`,
			wantClass: "credit", wantText: "exceeded your current quota"},
		{name: "openai 429 rate limit", path: "/v1/chat/completions", body: chatBody, status: 429,
			upstream:  `{"error":{"message":"Rate limit reached for gpt-4o-mini with Bearer ` + openaiKey + `","type":"tokens","param":null,"code":"rate_limit_exceeded"}}`,
			wantClass: "rate_limit", wantText: "Rate limit reached"},
		{name: "openai 500", path: "/v1/chat/completions", body: chatBody, status: 500,
			upstream:  `{"error":{"message":"The server had an error processing your request for ` + openaiKey + `","type":"server_error","param":null,"code":null}}`,
			wantClass: "server", wantText: "server had an error"},
		{name: "anthropic 529", path: "/anthropic/v1/messages", status: 529,
			body:      `{"model":"claude-haiku-4-5","max_tokens":10,"messages":[{"role":"user","content":"Hi"}]}`,
			headers:   []string{"Authorization", "", "X-Api-Key", "TOKEN"},
			upstream:  `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded for x-api-key ` + anthropicKey + `"},"request_id":"req_011C"}`,
			wantClass: "overloaded", wantText: "Overloaded"},
		{name: "gemini 400 bad key", path: "/gemini/v1beta/models/gemini-2.5-flash:generateContent", status: 400,
			body:      `{"contents":[{"parts":[{"text":"Hi"}]}]}`,
			headers:   []string{"Authorization", "", "X-Goog-Api-Key", "TOKEN"},
			upstream:  `{"error":{"code":400,"message":"API key not valid: ` + geminiKey + `","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}`,
			wantClass: "auth", wantText: "API key not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.upstream(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "3")
				writeJSON(w, tt.status, tt.upstream)
			})
			hdr := make([]string, len(tt.headers))
			for i, h := range tt.headers {
				hdr[i] = strings.ReplaceAll(h, "TOKEN", e.token)
			}
			resp, body := e.do(e.request("POST", tt.path, tt.body, hdr...))
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want the provider's %d", resp.StatusCode, tt.status)
			}
			if resp.Header.Get("Retry-After") != "3" {
				t.Errorf("Retry-After did not pass through")
			}
			for _, k := range []string{openaiKey, anthropicKey, geminiKey} {
				if strings.Contains(body, k) {
					t.Errorf("the client saw a provider key: %s", body)
				}
			}
			if !strings.Contains(body, tt.wantText) || !json.Valid([]byte(body)) {
				t.Errorf("the provider's error did not pass through as JSON: %s", body)
			}
			ev := e.waitEvents(1)[0]
			if ev.Status != store.StatusError || ev.ErrorClass != tt.wantClass || ev.HTTPStatus != tt.status {
				t.Errorf("recorded status %s class %q http %d, want error %q %d", ev.Status, ev.ErrorClass, ev.HTTPStatus, tt.wantClass, tt.status)
			}
			for _, k := range []string{openaiKey, anthropicKey, geminiKey} {
				if strings.Contains(ev.ErrorMessage, k) {
					t.Errorf("the recorded error shows a key: %s", ev.ErrorMessage)
				}
			}
		})
	}
}

// A client holding the token cannot keep a connection open forever by
// sending its body slowly: the body's read time is bounded as the headers'
// is, and the answer is a 408 in the API's shape.
func TestSlowBodyIsCutOff(t *testing.T) {
	e := newEnv(t)
	e.upstream(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, `{}`) })
	conn := e.dial()
	fmt.Fprintf(conn, "POST /v1/chat/completions HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"model\":", strings.TrimPrefix(e.base, "http://"), e.token)
	start := time.Now()
	if err := conn.SetReadDeadline(time.Now().Add(testBodyTimeout + 20*time.Second)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer %s after a body stopped arriving: %v", time.Since(start).Round(time.Second), err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("status %d, want 408: %s", resp.StatusCode, body)
	}
	checkShape(t, "", resp.StatusCode, string(body))
	if n := e.hits.Load(); n != 0 {
		t.Errorf("the provider saw %d requests, want none", n)
	}
}

// A key holding &, <, > or / comes back from a provider that quotes it in
// a JSON error escaped (\u0026, \u003c, \/), percent-encoded in a URL, or
// inside a Basic auth header. The client and the stored error see none of
// those forms.
func TestEncodedKeyEchoesAreRedacted(t *testing.T) {
	const odd = "Zq&bad<Sec>ret/0123456789+abcdEF"
	e := newEnv(t)
	if _, err := e.app.AddKey(context.Background(), "fakeai", "odd", odd, false); err != nil {
		t.Fatal(err)
	}
	escaped, _ := json.Marshal("key " + odd) // Go's encoder: \u0026, \u003c, \u003e
	slashed := strings.ReplaceAll(odd, "/", `\/`)
	queried := url.QueryEscape(odd)
	basic := base64.StdEncoding.EncodeToString([]byte("user:" + odd))
	e.upstream(func(w http.ResponseWriter, r *http.Request) {
		msg := fmt.Sprintf(`{"error":{"message":%s, "detail":"also %s at /v1?key=%s with Basic %s","type":"invalid_request_error","code":"invalid_api_key"}}`,
			escaped, slashed, queried, basic)
		writeJSON(w, 401, msg)
	})
	resp, body := e.do(e.request("POST", "/v1/chat/completions", chatBody, "X-Byok-Provider", "fakeai", "X-Byok-Key", "odd"))
	if resp.StatusCode != 401 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	ev := e.waitEvents(1)[0]
	forms := []string{odd, string(escaped[5 : len(escaped)-1]), slashed, queried, basic, "0123456789+abcd"}
	for _, f := range forms {
		if strings.Contains(body, f) {
			t.Errorf("the client saw the key as %q: %s", f, body)
		}
		if strings.Contains(ev.ErrorMessage, f) {
			t.Errorf("the stored error holds the key as %q: %s", f, ev.ErrorMessage)
		}
	}
	if !strings.Contains(body, "REDACTED") {
		t.Errorf("nothing was redacted: %s", body)
	}
}
