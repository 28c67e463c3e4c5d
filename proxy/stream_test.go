package proxy_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/store"
)

// stepper lets a fake upstream write one event, then wait until the test
// has seen it arrive at the client.
type stepper struct {
	next chan struct{}
}

func (s stepper) wait(t *testing.T) bool {
	select {
	case <-s.next:
		return true
	case <-time.After(5 * time.Second):
		t.Error("the upstream waited 5s for the client to see an event: the proxy held a chunk back")
		return false
	}
}

// readEvent reads one SSE event (through its blank line) from r.
func readEvent(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	var b strings.Builder
	for {
		line, err := r.ReadString('\n')
		b.WriteString(line)
		if err != nil {
			t.Fatalf("read an event: %v (got %q)", err, b.String())
		}
		if line == "\n" {
			return b.String()
		}
	}
}

func TestEveryChunkIsFlushedAtOnce(t *testing.T) {
	e := newEnv(t)
	step := stepper{next: make(chan struct{})}
	events := []string{chatChunk1, chatChunk2, chatChunkStop, chatUsage, sseDone}
	e.upstream(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		for _, ev := range events {
			if _, err := io.WriteString(w, ev+"\n\n"); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			if ev == chatUsage {
				continue // the client never sees this one: nothing to wait for
			}
			if !step.wait(t) {
				return
			}
		}
	})
	resp := e.send(e.request("POST", "/v1/chat/completions",
		`{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Say hello"}]}`))
	br := bufio.NewReader(resp.Body)
	for i, want := range []string{chatChunk1, chatChunk2, chatChunkStop, sseDone} {
		got := readEvent(t, br)
		if got != want+"\n\n" {
			t.Fatalf("event %d = %q, want %q", i, got, want)
		}
		select {
		case step.next <- struct{}{}:
		case <-time.After(5 * time.Second):
			t.Fatalf("the upstream stopped waiting after event %d", i)
		}
	}
	if rest, _ := io.ReadAll(br); len(rest) != 0 {
		t.Errorf("unexpected bytes after [DONE]: %q", rest)
	}
	ev := e.waitEvents(1)[0]
	if ev.InputTokens != 19 || ev.OutputTokens != 10 || ev.CostState != pricing.Computed || ev.TTFT <= 0 {
		t.Errorf("recorded in=%d out=%d state=%s ttft=%s", ev.InputTokens, ev.OutputTokens, ev.CostState, ev.TTFT)
	}
}

func TestCutStreamIsRecordedEstimated(t *testing.T) {
	tests := []struct {
		name, path, body string
		headers          []string
		events           []string
	}{
		{name: "openai chat", path: "/v1/chat/completions",
			body:   `{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Tell me a long story about a lighthouse keeper"}]}`,
			events: []string{chatChunk1, chatChunk2}},
		{name: "anthropic", path: "/anthropic/v1/messages",
			body:    `{"model":"claude-haiku-4-5","max_tokens":500,"stream":true,"messages":[{"role":"user","content":"Tell me a long story about a lighthouse keeper"}]}`,
			headers: []string{"Authorization", "", "X-Api-Key", "TOKEN"},
			events: []string{
				"event: content_block_delta\n" + `data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Once upon a time, on a rocky shore"}}`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.upstream(func(w http.ResponseWriter, r *http.Request) {
				sse(w, tt.events...)
				conn, _, err := http.NewResponseController(w).Hijack()
				if err != nil {
					t.Errorf("hijack: %v", err)
					return
				}
				conn.Close() // no final chunk: the reply is cut
			})
			hdr := make([]string, len(tt.headers))
			for i, h := range tt.headers {
				hdr[i] = strings.ReplaceAll(h, "TOKEN", e.token)
			}
			resp := e.send(e.request("POST", tt.path, tt.body, hdr...))
			got, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err == nil {
				t.Errorf("the client read a complete reply; want it cut like the provider's")
			}
			if n := len(readEvents(string(got))); n != len(tt.events) {
				t.Errorf("client got %d events before the cut, want %d", n, len(tt.events))
			}
			ev := e.waitEvents(1)[0]
			if ev.Status != store.StatusPartial || ev.CostState != pricing.Estimated || ev.ErrorClass != "network" {
				t.Errorf("recorded status %s state %s class %q, want partial, estimated, network", ev.Status, ev.CostState, ev.ErrorClass)
			}
			if ev.InputTokens == 0 || ev.OutputTokens == 0 || ev.Cost == 0 {
				t.Errorf("estimated in=%d out=%d cost=%s, want all above zero", ev.InputTokens, ev.OutputTokens, ev.Cost)
			}
		})
	}
}

// holdStream makes the upstream answer with chatChunk1 and hold the stream
// there until release is called or the client goes away, then send rest.
func holdStream(e *env, rest ...string) (release func()) {
	held := make(chan struct{})
	e.upstream(func(w http.ResponseWriter, r *http.Request) {
		sse(w, chatChunk1)
		select {
		case <-r.Context().Done():
			return
		case <-held:
		}
		for _, ev := range rest {
			if _, err := io.WriteString(w, ev+"\n\n"); err != nil {
				return
			}
		}
	})
	return func() { close(held) }
}

func TestClientGoingAwayIsRecordedCancelled(t *testing.T) {
	e := newEnv(t)
	release := holdStream(e)
	defer release()
	ctx, cancel := context.WithCancel(context.Background())
	resp := e.send(e.request("POST", "/v1/chat/completions",
		`{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Hi"}]}`).WithContext(ctx))
	readEvent(t, bufio.NewReader(resp.Body))
	cancel()
	resp.Body.Close()
	ev := e.waitEvents(1)[0]
	if ev.Status != store.StatusCancelled || ev.CostState != pricing.Estimated || ev.OutputTokens == 0 {
		t.Errorf("recorded status %s state %s out=%d, want cancelled, estimated, some output", ev.Status, ev.CostState, ev.OutputTokens)
	}
}

func TestShutdownFinishesAStreamInFlight(t *testing.T) {
	e := newEnv(t)
	release := holdStream(e, chatChunk2, chatChunkStop, chatUsage, sseDone)
	resp := e.send(e.request("POST", "/v1/chat/completions",
		`{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Hi"}]}`))
	br := bufio.NewReader(resp.Body)
	readEvent(t, br)

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done <- e.srv.Shutdown(ctx)
	}()
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned (%v) while a stream was in flight", err)
	case <-time.After(200 * time.Millisecond):
	}
	if err := <-e.served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve returned %v, want http.ErrServerClosed", err)
	}
	e.served <- http.ErrServerClosed // for the cleanup's check
	release()
	rest, err := io.ReadAll(br)
	if err != nil {
		t.Fatalf("the stream broke during shutdown: %v", err)
	}
	if !strings.HasSuffix(string(rest), sseDone+"\n\n") {
		t.Errorf("the stream did not finish: %q", rest)
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	ev := e.waitEvents(1)[0]
	if ev.Status != store.StatusOK || ev.InputTokens != 19 || ev.OutputTokens != 10 {
		t.Errorf("recorded %s in=%d out=%d, want ok 19/10", ev.Status, ev.InputTokens, ev.OutputTokens)
	}
}

// A client's pool may open a connection it then never sends a request on;
// net/http waits for such a connection until it is five seconds old. The
// proxy closes it at once: a stopping proxy waits for requests, not for
// connections that carry none.
func TestShutdownClosesConnectionsWithoutARequest(t *testing.T) {
	e := newEnv(t)
	conn := e.dial()
	time.Sleep(100 * time.Millisecond) // the server accepts it meanwhile
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	if err := e.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown with a connection that sent nothing: %v after %s", err, time.Since(start).Round(time.Millisecond))
	}
	if err := conn.SetReadDeadline(time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if n, err := conn.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("the silent connection is still open after Shutdown (read %d, %v)", n, err)
	}
}
