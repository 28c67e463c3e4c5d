package providers

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/internal/ssetest"
)

// silentFor sends the events, then neither sends nor closes until the
// client goes away (or a long while passes, so that a broken test ends).
func silentFor(w http.ResponseWriter, r *http.Request, events ...string) {
	ssetest.Start(w)
	for _, e := range events {
		ssetest.Event(w, e)
	}
	select {
	case <-r.Context().Done():
	case <-time.After(time.Minute):
	}
}

// streamWithWaits runs one request with the given silence bounds. The whole
// request's Timeout is long enough that a stall byok does not notice ends
// the test as a timeout, not as a hang.
func streamWithWaits(t *testing.T, spec Spec, secret string, think, idle time.Duration) (Result, error) {
	t.Helper()
	s, err := New(spec, secret, Options{Timeout: 10 * time.Second, ThinkTimeout: think, IdleTimeout: idle})
	if err != nil {
		t.Fatalf("New(%s): %v", spec.ID, err)
	}
	return s.Stream(context.Background(), hello("m"), nil)
}

// TestStalledReply: a provider that stops sending without closing the
// connection ends the reply as a network error that keeps the partial
// text and says to retry, whichever API it speaks; before the answer's text
// begins the think wait applies instead.
func TestStalledReply(t *testing.T) {
	const hour = time.Hour // a wait the test must never reach
	tests := []struct {
		name        string
		provider    string
		root        string // the base URL's path
		key         string
		events      []string // sent before the provider goes silent
		think, idle time.Duration
		text        string
		says        string
	}{
		{name: "openai chat mid-reply", provider: "openai", root: "/v1", key: testOpenAIKey,
			events: []string{chunkHi, chunkThere}, think: hour, idle: 100 * time.Millisecond, text: "Hi there",
			says: "the provider sent nothing for 100ms mid-reply and byok stopped waiting: the partial reply was kept; retry"},
		{name: "anthropic mid-reply", provider: "anthropic", key: testAnthropicKey,
			events: []string{ev("message_start", msgStart), ev("content_block_delta", blockHi)},
			think:  hour, idle: 100 * time.Millisecond, text: "Hello", says: "mid-reply and byok stopped waiting: the partial reply was kept; retry"},
		{name: "gemini mid-reply", provider: "gemini", key: testGeminiKey,
			events: []string{gemChunk2}, think: hour, idle: 100 * time.Millisecond, text: "Hi",
			says: "mid-reply and byok stopped waiting: the partial reply was kept; retry"},
		{name: "headers, then nothing", provider: "openai", root: "/v1", key: testOpenAIKey,
			think: 100 * time.Millisecond, idle: hour,
			says: "the provider sent nothing for 100ms and byok stopped waiting: retry, or pick another model"},
		{name: "reasoning, then nothing: still the think wait", provider: "anthropic", key: testAnthropicKey,
			events: []string{ev("message_start", msgStart),
				ev("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me think"}}`)},
			think: 100 * time.Millisecond, idle: hour, says: "sent nothing for 100ms mid-reply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) { silentFor(w, r, tt.events...) })
			res, err := streamWithWaits(t, specAt(t, tt.provider, f.URL+tt.root), tt.key, tt.think, tt.idle)
			e := asError(t, err, ClassNetwork)
			if !strings.Contains(e.Message, tt.says) {
				t.Errorf("message %q does not say %q", e.Message, tt.says)
			}
			if res.Text != tt.text || res.Status != http.StatusOK {
				t.Errorf("result text %q status %d, want %q and 200", res.Text, res.Status, tt.text)
			}
			if tt.text != "" && (res.Usage.Output == 0 || !res.HasUsage && !res.Usage.Estimated) {
				t.Errorf("usage %+v (reported %v), want the partial reply counted", res.Usage, res.HasUsage)
			}
			f.only(t) // a stall is not sent again behind the caller's back
		})
	}
}

// TestSilenceWithinTheWaits: replies that go quiet for a while but not
// past their bound finish whole. Any byte restarts the wait, so keep-alives
// keep a slow reply going, and a model may think silently for longer than
// the wait between chunks before its text begins.
func TestSilenceWithinTheWaits(t *testing.T) {
	const pause = 600 * time.Millisecond
	tests := []struct {
		name        string
		provider    string
		root        string
		key         string
		handler     func(w http.ResponseWriter)
		think, idle time.Duration
		text        string
	}{
		{name: "anthropic pings while the text pauses", provider: "anthropic", key: testAnthropicKey,
			handler: func(w http.ResponseWriter) {
				ssetest.Start(w)
				ssetest.Event(w, ev("message_start", msgStart))
				ssetest.Event(w, ev("content_block_delta", blockHi))
				for end := time.Now().Add(pause); time.Now().Before(end); {
					time.Sleep(20 * time.Millisecond)
					ssetest.Event(w, ev("ping", `{"type": "ping"}`))
				}
				for _, e := range []string{ev("content_block_delta", blockYou), ev("message_delta", msgDelta), ev("message_stop", msgStop)} {
					ssetest.Event(w, e)
				}
			},
			think: 10 * time.Second, idle: 300 * time.Millisecond, text: "Hello you"},
		{name: "openai thinks before its first chunk", provider: "openai", root: "/v1", key: testOpenAIKey,
			handler: func(w http.ResponseWriter) {
				ssetest.Start(w)
				time.Sleep(pause)
				for _, e := range []string{chunkHi, chunkThere, chunkStop, "[DONE]"} {
					ssetest.Event(w, e)
				}
			},
			think: 10 * time.Second, idle: 100 * time.Millisecond, text: "Hi there"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) { tt.handler(w) })
			res, err := streamWithWaits(t, specAt(t, tt.provider, f.URL+tt.root), tt.key, tt.think, tt.idle)
			if err != nil {
				t.Fatalf("a reply within its waits failed: %v", err)
			}
			if res.Text != tt.text {
				t.Errorf("text %q, want %q", res.Text, tt.text)
			}
		})
	}
}
