package providers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/byokhq/byok/internal/ssetest"
)

// Made-up keys; none is real. Each is long enough for the redactor and
// shaped like its provider's keys.
const (
	testOpenAIKey    = "sk-proj-TESTkey0123456789abcdefghijklmnopqrstuvwxyzAB"
	testAnthropicKey = "sk-ant-api03-TESTkey0123456789abcdefghijklmnopqrstu"
	testGeminiKey    = "AIzaSyTESTkey0123456789abcdefghijklmnop"
	testAWSSecret    = "TESTsecretAccessKey0123456789abcdefghijkl"
)

// seen is one request as the fake server received it.
type seen struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	Body   []byte
}

// JSON decodes the request body.
func (s seen) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(s.Body, &m); err != nil {
		t.Fatalf("request body is not JSON: %v: %s", err, s.Body)
	}
	return m
}

// fake is an httptest server that records every request and answers with
// handler.
type fake struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func newFake(t *testing.T, handler http.HandlerFunc) *fake {
	t.Helper()
	f := &fake{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, seen{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: body})
		f.mu.Unlock()
		handler(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

// requests returns what the server received so far.
func (f *fake) requests() []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seen(nil), f.reqs...)
}

// only returns the one request the server received, failing otherwise: the
// adapters never retry.
func (f *fake) only(t *testing.T) seen {
	t.Helper()
	r := f.requests()
	if len(r) != 1 {
		t.Fatalf("server got %d requests, want exactly 1", len(r))
	}
	return r[0]
}

// ev names an SSE event.
func ev(name, data string) string { return name + "\x00" + data }

// cut writes the events, then drops the connection without ending the
// chunked body: the client sees the stream break mid-reply.
func cut(w http.ResponseWriter, events ...string) {
	ssetest.Write(w, events...)
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("response writer cannot hijack")
	}
	conn, _, err := hj.Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// stall writes the events, then waits until the client goes away.
func stall(w http.ResponseWriter, r *http.Request, events ...string) {
	ssetest.Write(w, events...)
	select {
	case <-r.Context().Done():
	case <-time.After(10 * time.Second):
	}
}

// reply answers with a status, headers and a body.
func reply(w http.ResponseWriter, status int, body string, header ...string) {
	for i := 0; i+1 < len(header); i += 2 {
		w.Header().Set(header[i], header[i+1])
	}
	if body != "" && w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// collect gathers the events a Streamer emits.
type collect struct {
	text, reasoning strings.Builder
	usages          []Usage
}

func (c *collect) emit(e Event) {
	switch e.Type {
	case EventText:
		c.text.WriteString(e.Text)
	case EventReasoning:
		c.reasoning.WriteString(e.Text)
	case EventUsage:
		c.usages = append(c.usages, e.Usage)
	}
}

// hello is the request most tests send.
func hello(model string) Request {
	return Request{Model: model, System: "Be brief.", Messages: []Message{{Role: RoleUser, Content: "Say hi"}}, MaxTokens: 64}
}

// mustStream builds the adapter and runs one request.
func mustStream(t *testing.T, spec Spec, secret string, req Request) (Result, *collect, error) {
	t.Helper()
	s, err := New(spec, secret, Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("New(%s): %v", spec.ID, err)
	}
	var c collect
	res, err := s.Stream(context.Background(), req, c.emit)
	return res, &c, err
}

// asError asserts err is an *Error of the given class and returns a copy.
func asError(t *testing.T, err error, class Class) Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	if e.Class != class {
		t.Fatalf("class = %s, want %s (message %q)", e.Class, class, e.Message)
	}
	return *e
}

// noSecret asserts none of the secrets appears in the error's text.
func noSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	texts := []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err)}
	var e *Error
	if errors.As(err, &e) && e.Cause != nil {
		texts = append(texts, e.Cause.Error())
	}
	for _, s := range secrets {
		for _, txt := range texts {
			if strings.Contains(txt, s) {
				t.Fatalf("a secret leaked into the error: %q", txt)
			}
		}
	}
}

// specAt returns the built-in spec id pointed at base.
func specAt(t *testing.T, id, base string) Spec {
	t.Helper()
	s, ok := NewRegistry(Builtin()...).Get(id)
	if !ok {
		t.Fatalf("no built-in provider %q", id)
	}
	s.BaseURL = base
	return s
}
