package proxy_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/proxy"
	"github.com/byokhq/byok/store"
	"github.com/byokhq/byok/store/keychain"
)

// Secrets the fake upstream expects; the proxy must put them in and the
// client must never see them.
const (
	openaiKey    = "sk-proj-testOPENAIwork0123456789abcdef"
	openaiKey2   = "sk-proj-testOPENAIpersonal9876543210fedc"
	anthropicKey = "sk-ant-api03-testANTHROPIC0123456789abcdef"
	geminiKey    = "AIzaSyTestGEMINI0123456789abcdefghijk"
	fakeKey      = "sk-testFAKEAI0123456789abcdef0123"
)

// upstreamCall is what the fake provider saw of one request.
type upstreamCall struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   string
}

// env is a real app on a temporary home, a fake provider upstream and a
// proxy serving on a loopback port.
type env struct {
	t       testing.TB
	app     *app.App
	srv     *proxy.Server
	base    string // http://127.0.0.1:PORT
	token   string
	up      *httptest.Server
	handler atomic.Value // http.HandlerFunc answering upstream requests
	hits    atomic.Int64
	mu      sync.Mutex
	calls   []upstreamCall
	// uncounted stops the fake provider keeping what it saw: benchmarks
	// send more requests than anyone reads back.
	uncounted atomic.Bool
	served    chan error
	// recorded receives what the server's Recorded hook is given.
	recorded chan store.Event
}

// testBodyTimeout bounds a request body's arrival in the tests: far above
// what a body over loopback takes, short enough to wait for.
const testBodyTimeout = 3 * time.Second

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, served: make(chan error, 1), recorded: make(chan store.Event, 4096)}
	e.handler.Store(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "no handler", http.StatusTeapot)
	}))
	e.up = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.hits.Add(1)
		if e.uncounted.Load() {
			e.handler.Load().(http.HandlerFunc)(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		e.mu.Lock()
		e.calls = append(e.calls, upstreamCall{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: string(body)})
		e.mu.Unlock()
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		e.handler.Load().(http.HandlerFunc)(w, r)
	}))
	t.Cleanup(e.up.Close)

	home := t.TempDir()
	cfg := fmt.Sprintf(`
[providers.openai]
base_url = %[1]q

[providers.anthropic]
base_url = %[2]q

[providers.google]
base_url = %[2]q

[providers.fakeai]
kind = "openai"
base_url = %[1]q
`, e.up.URL+"/v1", e.up.URL)
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := app.Open(ctx, app.Options{Home: home, Env: func(string) string { return "" }})
	if err != nil {
		t.Fatalf("open app: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	sec, err := keychain.Open(keychain.Options{Backend: "file", FilePath: filepath.Join(home, "secrets.enc"),
		Passphrase: func() (string, error) { return "pw", nil }})
	if err != nil {
		t.Fatal(err)
	}
	a.SetSecrets(sec)
	for _, k := range []struct{ provider, label, secret string }{
		{"openai", "work", openaiKey},
		{"openai", "personal", openaiKey2},
		{"anthropic", "work", anthropicKey},
		{"google", "work", geminiKey},
		{"fakeai", "work", fakeKey},
	} {
		if _, err := a.AddKey(ctx, k.provider, k.label, k.secret, false); err != nil {
			t.Fatalf("add key %s/%s: %v", k.provider, k.label, err)
		}
	}
	e.app = a
	var b [16]byte
	rand.Read(b[:])
	e.token = "byok-proxy-test" + hex.EncodeToString(b[:])
	e.srv, err = proxy.New(a, proxy.Options{Token: e.token, MaxBody: 64 << 10, BodyTimeout: testBodyTimeout, Metrics: a.MetricsHandler(),
		Recorded: func(ev store.Event) {
			select {
			case e.recorded <- ev:
			default: // benchmarks record more than anyone reads
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := proxy.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.base = "http://" + ln.Addr().String()
	go func() { e.served <- e.srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := e.srv.Shutdown(ctx); err != nil {
			t.Errorf("shut the proxy down: %v", err)
		}
		if err := <-e.served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve returned %v, want http.ErrServerClosed", err)
		}
	})
	return e
}

// upstream sets the fake provider's behaviour.
func (e *env) upstream(h http.HandlerFunc) { e.handler.Store(h) }

// lastCall returns what the upstream saw last.
func (e *env) lastCall() upstreamCall {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.calls) == 0 {
		e.t.Fatal("the upstream saw no request")
	}
	return e.calls[len(e.calls)-1]
}

// request builds a request to the proxy with the token as a Bearer key.
func (e *env) request(method, path, body string, hdr ...string) *http.Request {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "OpenAI/Go 3.96.0")
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return req
}

// send sends req and returns the answer with its body still to read, as
// a streaming client reads it; the body is closed when the test ends, if
// the test has not closed it before.
func (e *env) send(req *http.Request) *http.Response {
	e.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	e.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// dial opens a TCP connection to the proxy, for tests that speak HTTP by
// hand; it is closed when the test ends.
func (e *env) dial() net.Conn {
	e.t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.base, "http://"))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { conn.Close() })
	return conn
}

// do sends req and reads the whole answer.
func (e *env) do(req *http.Request) (*http.Response, string) {
	e.t.Helper()
	resp := e.send(req)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("read the answer: %v", err)
	}
	return resp, string(b)
}

// waitEvents waits until n events are recorded and returns them, newest
// first. Recording happens after the last byte is sent, so it may trail
// the client by a moment.
func (e *env) waitEvents(n int) []store.Event {
	e.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		evs, err := e.app.Store.Events(context.Background(), store.Filter{Scope: store.Scope{Source: store.SourceProxy}, Limit: 100})
		if err != nil {
			e.t.Fatalf("read events: %v", err)
		}
		if len(evs) >= n {
			if len(evs) > n {
				e.t.Fatalf("%d events recorded, want %d", len(evs), n)
			}
			return evs
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%d events recorded after 5s, want %d", len(evs), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// sse writes SSE events one by one, flushing each.
func sse(w http.ResponseWriter, events ...string) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	for _, ev := range events {
		if _, err := io.WriteString(w, ev+"\n\n"); err != nil {
			return
		}
		w.(http.Flusher).Flush()
	}
}

// writeJSON answers with a JSON body.
func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body) // the test client reports what it missed
}

// readEvents splits an SSE body into its events' data payloads.
func readEvents(body string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			out = append(out, d)
		}
	}
	return out
}
