package providers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxErrorBody bounds how much of an error response is kept.
const maxErrorBody = 64 << 10

// exchange records the HTTP response of one request as it passes through
// the client, whatever SDK sent it: status, headers, and the body of an
// error response. The adapters classify errors from it rather than from
// each SDK's own error type, so every kind reads errors the same way.
type exchange struct {
	mu     sync.Mutex
	status int
	header http.Header
	body   []byte
	// watch bounds the provider's silence; nil for calls that have their
	// own short timeout (key checks, model lists).
	watch *watch
}

func (x *exchange) snapshot() (int, http.Header, []byte) {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.status, x.header, x.body
}

type exchangeKey struct{}

// withExchange returns a context whose requests are recorded into a new
// exchange.
func withExchange(ctx context.Context) (context.Context, *exchange) {
	x := &exchange{}
	return context.WithValue(ctx, exchangeKey{}, x), x
}

// recorder is the RoundTripper wrapped around every client byok hands to an
// SDK.
type recorder struct {
	base      http.RoundTripper
	userAgent string
}

func (t *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.userAgent != "" {
		req = req.Clone(req.Context())
		req.Header.Set("User-Agent", t.userAgent)
	}
	x, _ := req.Context().Value(exchangeKey{}).(*exchange)
	var quiet *silence
	if x != nil && x.watch != nil {
		req, quiet = x.watch.arm(req)
	}
	resp, err := t.base.RoundTrip(req)
	if quiet != nil {
		if err = quiet.pause(err); err != nil {
			quiet.end()
		} else {
			resp.Body = &watchedBody{ReadCloser: resp.Body, quiet: quiet}
		}
	}
	if err != nil || x == nil {
		return resp, err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.status, x.header, x.body = resp.StatusCode, resp.Header.Clone(), nil
	if resp.StatusCode >= 400 {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		_ = resp.Body.Close()
		x.body = body
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
	}
	return resp, nil
}

// watch bounds how long the provider may stay silent during one run
// (Options.ThinkTimeout, Options.IdleTimeout): a stalled stream ends as a
// network error that keeps the partial reply, instead of hanging until the
// whole request's timeout. It lives in the adapter layer, so every request
// byok sends on its own account gets it: prompt, compare, the TUI's
// Playground, image generation. The proxy sends nothing through an
// adapter: it relays a client's stream as it comes, and the client, which
// sees the same silence, keeps its own read timeouts; cutting the stream
// for it would take that choice away from it.
type watch struct {
	think, idle time.Duration
	texting     atomic.Bool  // the answer's text has begun
	stalled     atomic.Int64 // the silence (a time.Duration) that ended the reply
}

func newWatch(opt Options) *watch {
	w := &watch{think: opt.ThinkTimeout, idle: opt.IdleTimeout}
	if w.think <= 0 {
		w.think = DefaultThinkTimeout
	}
	if w.idle <= 0 {
		w.idle = DefaultIdleTimeout
	}
	return w
}

// wait is how long the provider may stay silent from now on.
func (w *watch) wait() time.Duration {
	if w.texting.Load() {
		return w.idle
	}
	return w.think
}

// arm starts watching one HTTP request: the returned request's context
// ends when the provider stays silent longer than w allows.
func (w *watch) arm(req *http.Request) (*http.Request, *silence) {
	ctx, cancel := context.WithCancel(req.Context())
	s := &silence{w: w, cancel: cancel, waited: w.wait()}
	s.timer = time.AfterFunc(s.waited, func() {
		s.fired.Store(true)
		cancel()
	})
	return req.WithContext(ctx), s
}

// silence times one request's waits for the provider. It runs only while
// byok waits (for the response, inside a body Read), never while byok
// works on what arrived, so a slow terminal is not taken for a stall.
type silence struct {
	w      *watch
	timer  *time.Timer
	cancel context.CancelFunc
	fired  atomic.Bool
	waited time.Duration // the wait it was last armed with
}

// rearm starts a new wait.
func (s *silence) rearm() {
	s.waited = s.w.wait()
	s.timer.Reset(s.waited)
}

// pause stops the wait that ended with err; an err caused by the timer
// becomes a *stallError, and the watch remembers the stall.
func (s *silence) pause(err error) error {
	s.timer.Stop()
	if err == nil || !s.fired.Load() {
		return err
	}
	s.w.stalled.CompareAndSwap(0, int64(s.waited))
	return &stallError{wait: s.waited}
}

// end releases the request's context once its body is done with.
func (s *silence) end() {
	s.timer.Stop()
	s.cancel()
}

// watchedBody is a response body whose every Read is a wait the silence
// times.
type watchedBody struct {
	io.ReadCloser
	quiet *silence
}

func (b *watchedBody) Read(p []byte) (int, error) {
	b.quiet.rearm()
	n, err := b.ReadCloser.Read(p)
	return n, b.quiet.pause(err)
}

func (b *watchedBody) Close() error {
	b.quiet.end()
	return b.ReadCloser.Close()
}

// stallError is what a read returns when the provider stayed silent for
// wait.
type stallError struct{ wait time.Duration }

func (e *stallError) Error() string {
	return "the provider sent nothing for " + waitText(e.wait)
}

// waitText says a wait the way a person would: "2 minutes", "90 seconds".
func waitText(d time.Duration) string {
	unit := func(n int64, what string) string {
		if n == 1 {
			return "1 " + what
		}
		return fmt.Sprintf("%d %ss", n, what)
	}
	switch {
	case d >= time.Minute && d%time.Minute == 0:
		return unit(int64(d/time.Minute), "minute")
	case d >= time.Second && d%time.Second == 0:
		return unit(int64(d/time.Second), "second")
	}
	return d.String()
}

// textBegun tells the watch that the answer's text has begun, so the
// shorter wait between chunks applies from now on.
func (x *exchange) textBegun() {
	if x.watch != nil {
		x.watch.texting.Store(true)
	}
}

// stalled returns the stall that ended the reply, or nil.
func (x *exchange) stalled() *stallError {
	if x.watch == nil {
		return nil
	}
	if d := time.Duration(x.watch.stalled.Load()); d > 0 {
		return &stallError{wait: d}
	}
	return nil
}

// httpClient returns the client an adapter uses: the caller's (or a default
// one) with its transport wrapped by the recorder. The caller's client is
// never changed.
func httpClient(opt Options) *http.Client {
	var c http.Client
	if opt.HTTPClient != nil {
		c = *opt.HTTPClient
	}
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = &recorder{base: base, userAgent: opt.UserAgent}
	return &c
}

// withTimeout applies Options.Timeout (or def when it is zero) to ctx.
func withTimeout(ctx context.Context, d, def time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		d = def
	}
	if d <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}

// trimBase removes trailing slashes from a base URL.
func trimBase(s string) string { return strings.TrimRight(strings.TrimSpace(s), "/") }

// baseURL returns spec's base URL without trailing slashes, or
// errNoBaseURL when it has none.
func baseURL(spec Spec) (string, error) {
	base := trimBase(spec.BaseURL)
	if base == "" {
		return "", errNoBaseURL(spec)
	}
	return base, nil
}

// errNoBaseURL says where to set the base URL spec lacks.
func errNoBaseURL(spec Spec) error {
	return fmt.Errorf("provider %s has no base URL: set one in the config ([providers.%s] base_url)", spec.ID, spec.ID)
}
