package main

// The hardening suites check byok's promises end to end, through the same
// code a user runs: the provider fault matrix (hardening_faults_test.go),
// the secret-leak scan (hardening_leak_test.go), concurrent processes on one
// database (hardening_concurrency_test.go) and bad input everywhere
// (hardening_input_test.go). This file holds what they share: TestMain,
// which lets the test binary re-execute itself as a child process, and a
// fake upstream that speaks the four wire APIs and can misbehave on demand.
//
// Everything runs in the default `go test ./cmd/byok/`. Set
// BYOK_HARDEN_LONG=1 to run the concurrency suite with 4 × 2,000 requests
// instead of 4 × 500.

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/term"
	_ "modernc.org/sqlite" // raw reads of the database file

	"github.com/byokhq/byok/internal/ssetest"
)

// childEnv names the child role when the test binary runs as a child.
const childEnv = "BYOK_HARDEN_CHILD"

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		// No test may reach the keychain of the machine it runs on: tests
		// that need one start their own (keychaintest), the rest find none.
		os.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/byok-test-bus")
		os.Exit(m.Run())
	case "cli":
		// byok itself: the arguments after "--" are the command line.
		args := os.Args[1:]
		for i, a := range args {
			if a == "--" {
				args = args[i+1:]
				break
			}
		}
		waitForGate()
		ios := &IOStreams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
			InTTY: term.IsTerminal(int(os.Stdin.Fd())), OutTTY: term.IsTerminal(int(os.Stdout.Fd()))}
		os.Exit(Main(context.Background(), args, ios))
	case panicPlain, panicValue:
		os.Exit(panicChild(os.Getenv(childEnv)))
	default:
		os.Exit(concurrencyChild(os.Getenv(childEnv)))
	}
}

// randomTail returns n random letters and digits: fake keys that are
// recognisable and unique to one test run.
func randomTail(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		v, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			panic(err)
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}

// runCtx runs byok in-process like cli.run, with a caller's context (a
// deadline stands in for a client timeout).
func (c *cli) runCtx(ctx context.Context, stdin io.Reader, args ...string) result {
	c.t.Helper()
	var out, errb bytes.Buffer
	ios := &IOStreams{In: stdin, Out: &out, Err: &errb}
	code := run(ctx, args, &Factory{IO: ios, Now: c.now})
	return result{code, out.String(), errb.String()}
}

// API kinds the fake upstream speaks, found from the request path.
const (
	apiChat      = "openai-chat"
	apiResponses = "openai-responses"
	apiAnthropic = "anthropic"
	apiGemini    = "gemini"
)

func apiOf(r *http.Request) string {
	p := r.URL.Path
	switch {
	case strings.HasSuffix(p, "/chat/completions"):
		return apiChat
	case strings.HasSuffix(p, "/responses"):
		return apiResponses
	case strings.HasSuffix(p, "/messages"):
		return apiAnthropic
	case strings.Contains(p, ":streamGenerateContent"), strings.Contains(p, ":generateContent"):
		return apiGemini
	}
	return ""
}

// keyOf is the key a request carries, wherever its API puts it.
func keyOf(r *http.Request) string {
	if k := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "); k != "" {
		return k
	}
	if k := r.Header.Get("X-Api-Key"); k != "" {
		return k
	}
	if k := r.Header.Get("X-Goog-Api-Key"); k != "" {
		return k
	}
	return r.URL.Query().Get("key")
}

// upstream is a fake provider for all four wire APIs. Mode picks how it
// answers generation requests ("" is a normal streamed reply, otherwise a
// fault name from faults); keys containing "BAD" — or every key while
// rejectAll is set — are refused with a 401 whose body echoes the key, the
// way careless providers and proxies do.
type upstream struct {
	srv       *httptest.Server
	mode      atomic.Value // string
	rejectAll atomic.Bool
	echoHdrs  atomic.Bool // answer every request with its own headers in the body
	hits      atomic.Int64
	// hold, when set, makes every request wait until it is closed; arrived
	// receives one value per request that started waiting.
	mu      sync.Mutex
	hold    chan struct{}
	arrived chan struct{}
}

func newUpstream(t *testing.T) *upstream {
	t.Helper()
	u := &upstream{}
	u.mode.Store("")
	u.srv = httptest.NewServer(http.HandlerFunc(u.serve))
	t.Cleanup(u.srv.Close)
	return u
}

func (u *upstream) setMode(m string) { u.mode.Store(m) }

func (u *upstream) serve(w http.ResponseWriter, r *http.Request) {
	u.hits.Add(1)
	_, _ = io.Copy(io.Discard, r.Body)
	u.mu.Lock()
	hold, arrived := u.hold, u.arrived
	u.mu.Unlock()
	if hold != nil {
		arrived <- struct{}{}
		select {
		case <-hold:
		case <-r.Context().Done():
			return
		}
	}
	api, key := apiOf(r), keyOf(r)
	if u.echoHdrs.Load() {
		var b strings.Builder
		for k, vs := range r.Header {
			fmt.Fprintf(&b, "%s: %s; ", k, strings.Join(vs, ","))
		}
		w.Header().Set("X-Echo-Auth", r.Header.Get("Authorization")+r.Header.Get("X-Api-Key")+r.Header.Get("X-Goog-Api-Key"))
		writeJSON400(w, api, b.String())
		return
	}
	if strings.Contains(key, "BAD") || u.rejectAll.Load() {
		rejectKey(w, api, key)
		return
	}
	if api == "" {
		if strings.HasSuffix(r.URL.Path, "models") {
			fmt.Fprint(w, `{"object":"list","data":[{"id":"gpt-4o-mini","object":"model","type":"model"}],"has_more":false,"models":[{"name":"models/gemini-2.5-flash"}]}`)
			return
		}
		http.NotFound(w, r)
		return
	}
	mode, _ := u.mode.Load().(string)
	if mode == "" || mode == "echo key" {
		if mode == "echo key" {
			// An error that quotes the key back, as a 500 after retries.
			reply(w, 500, fmt.Sprintf(`{"error":{"message":"internal error while handling key %s","type":"server_error","code":"server_error"}}`, key))
			return
		}
		serveOK(w, api)
		return
	}
	serveFault(w, r, api, mode)
}

// reply answers with a status and a JSON body and asks for no wait before
// a retry, so retried faults keep the suite fast.
func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Retry-After", "0")
	w.Header().Set("Retry-After-Ms", "1")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func writeJSON400(w http.ResponseWriter, api, text string) {
	q := fmt.Sprintf("%q", text)
	switch api {
	case apiAnthropic:
		reply(w, 400, `{"type":"error","error":{"type":"invalid_request_error","message":`+q+`}}`)
	case apiGemini:
		reply(w, 400, `{"error":{"code":400,"message":`+q+`,"status":"INVALID_ARGUMENT"}}`)
	default:
		reply(w, 400, `{"error":{"message":`+q+`,"type":"invalid_request_error","code":null}}`)
	}
}

func rejectKey(w http.ResponseWriter, api, key string) {
	switch api {
	case apiAnthropic:
		reply(w, 401, fmt.Sprintf(`{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key %s"}}`, key))
	case apiGemini:
		reply(w, 400, fmt.Sprintf(`{"error":{"code":400,"message":"API key not valid: %s","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}`, key))
	default:
		reply(w, 401, fmt.Sprintf(`{"error":{"message":"Incorrect API key provided: %s","type":"invalid_request_error","code":"invalid_api_key"}}`, key))
	}
}

// Documented stream events of each API (docs/wire-formats.md §2), split in a
// first part (some text) and the rest (more text and the usage).
var streams = map[string][2][]string{
	apiChat: {{
		`{"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":"Hello"}}]}`,
	}, {
		`{"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" there"},"finish_reason":"stop"}]}`,
		`{"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,"prompt_tokens_details":{"cached_tokens":200}}}`,
		`[DONE]`,
	}},
	apiResponses: {{
		"response.created\x00" + `{"type":"response.created","sequence_number":0,"response":{"id":"resp_1","object":"response","status":"in_progress","model":"gpt-4o-mini","output":[]}}`,
		"response.output_text.delta\x00" + `{"type":"response.output_text.delta","sequence_number":1,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hello"}`,
	}, {
		"response.output_text.delta\x00" + `{"type":"response.output_text.delta","sequence_number":2,"item_id":"msg_1","output_index":0,"content_index":0,"delta":" there"}`,
		"response.completed\x00" + `{"type":"response.completed","sequence_number":3,"response":{"id":"resp_1","object":"response","status":"completed","model":"gpt-4o-mini","output":[],"usage":{"input_tokens":1200,"input_tokens_details":{"cached_tokens":200},"output_tokens":300,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":1500}}}`,
	}},
	apiAnthropic: {{
		"message_start\x00" + `{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"usage":{"input_tokens":1000,"cache_creation_input_tokens":0,"cache_read_input_tokens":200,"output_tokens":1}}}`,
		"content_block_start\x00" + `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`,
		"content_block_delta\x00" + `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}`,
	}, {
		"content_block_delta\x00" + `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" there"}}`,
		"content_block_stop\x00" + `{"type":"content_block_stop","index":0}`,
		"message_delta\x00" + `{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":300}}`,
		"message_stop\x00" + `{"type":"message_stop"}`,
	}},
	apiGemini: {{
		`{"candidates":[{"content":{"role":"model","parts":[{"text":"Hello"}]},"index":0}],"usageMetadata":{"promptTokenCount":1200,"totalTokenCount":1200},"modelVersion":"gemini-2.5-flash","responseId":"r1"}`,
	}, {
		`{"candidates":[{"content":{"role":"model","parts":[{"text":" there"}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":1200,"candidatesTokenCount":300,"cachedContentTokenCount":200,"totalTokenCount":1500},"modelVersion":"gemini-2.5-flash","responseId":"r1"}`,
	}},
}

func serveOK(w http.ResponseWriter, api string) {
	s := streams[api]
	ssetest.Write(w, append(append([]string{}, s[0]...), s[1]...)...)
}

// hugeBody is the size of the "50 MB body" fault.
const hugeBody = 50 << 20

func serveFault(w http.ResponseWriter, r *http.Request, api, mode string) {
	switch mode {
	case "timeout":
		// Nothing at all until the client gives up.
		<-r.Context().Done()
	case "reset mid-stream":
		ssetest.Write(w, streams[api][0]...)
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
			}
		}
	case "malformed JSON":
		w.Header().Set("Retry-After-Ms", "1")
		ssetest.Write(w, `{"id":"c1","choices":[{"index":0,"delta":{"content":"Hel`, `{{{not json at all`)
	case "empty body":
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
	case "50 MB body":
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(200)
		chunk := bytes.Repeat([]byte("x"), 1<<20)
		_, _ = w.Write([]byte("data: {\"junk\":\""))
		for i := 0; i < hugeBody>>20; i++ {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
		_, _ = w.Write([]byte("\"}\n\n"))
	default:
		f, ok := faultBodies[mode][api]
		if !ok {
			panic("no body for fault " + mode + " of " + api)
		}
		reply(w, f.status, f.body)
	}
}

type statusBody struct {
	status int
	body   string
}

// faultBodies are the error responses of each API, in the provider's own
// shape (docs/wire-formats.md §3).
var faultBodies = map[string]map[string]statusBody{
	"unauthorized": {
		apiChat:      {401, `{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","code":"invalid_api_key"}}`},
		apiResponses: {401, `{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","code":"invalid_api_key"}}`},
		apiAnthropic: {401, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`},
		apiGemini:    {400, `{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}`},
	},
	"out of credit": {
		apiChat:      {429, `{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`},
		apiResponses: {429, `{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`},
		apiAnthropic: {400, `{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."}}`},
		apiGemini:    {429, `{"error":{"code":429,"message":"Your prepayment credits are depleted. Please go to AI Studio to manage your project and billing.","status":"RESOURCE_EXHAUSTED"}}`},
	},
	"429 rate limit": {
		apiChat:      {429, `{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}`},
		apiResponses: {429, `{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}`},
		apiAnthropic: {429, `{"type":"error","error":{"type":"rate_limit_error","message":"Number of requests has exceeded your rate limit."}}`},
		apiGemini:    {429, `{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}}`},
	},
	"429 quota": {
		apiChat:      {429, `{"error":{"message":"Rate limit reached for gpt-4o-mini in organization org-x on tokens per min (TPM): Limit 200000, Used 199000, Requested 2000.","type":"tokens","param":null,"code":"rate_limit_exceeded"}}`},
		apiResponses: {429, `{"error":{"message":"Rate limit reached for gpt-4o-mini in organization org-x on tokens per min (TPM): Limit 200000, Used 199000, Requested 2000.","type":"tokens","param":null,"code":"rate_limit_exceeded"}}`},
		apiAnthropic: {429, `{"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed the rate limit for your organization of 30,000 input tokens per minute."}}`},
		apiGemini:    {429, `{"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing details.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests","quotaValue":"10"}]},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"26s"}]}}`},
	},
	"500": {
		apiChat:      {500, `{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}`},
		apiResponses: {500, `{"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}`},
		apiAnthropic: {500, `{"type":"error","error":{"type":"api_error","message":"Internal server error"}}`},
		apiGemini:    {500, `{"error":{"code":500,"message":"An internal error has occurred.","status":"INTERNAL"}}`},
	},
	"overloaded": {
		apiChat:      {503, `{"error":{"message":"The engine is currently overloaded, please try again later","type":"server_error","param":null,"code":null}}`},
		apiResponses: {503, `{"error":{"message":"The engine is currently overloaded, please try again later","type":"server_error","param":null,"code":null}}`},
		apiAnthropic: {529, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`},
		apiGemini:    {503, `{"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}}`},
	},
}

// rowCounts counts the rows of every table that a command could write.
func rowCounts(t *testing.T, dbPath string) map[string]int64 {
	t.Helper()
	db := openRaw(t, dbPath)
	counts := map[string]int64{}
	for _, table := range []string{"events", "event_text", "keys", "budgets", "alerts", "audit", "settings", "price_records", "rollup_hour"} {
		var n int64
		if err := db.QueryRow("SELECT count(*) FROM " + table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		counts[table] = n
	}
	return counts
}

// openRaw opens the database file read-only with database/sql, beside
// byok's own store, to check its sums against the raw rows.
func openRaw(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// dbOf is the database path of a cli's home.
func (c *cli) db() string { return filepath.Join(c.home, "byok.db") }
