package providers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
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
	resp, err := t.base.RoundTrip(req)
	x, _ := req.Context().Value(exchangeKey{}).(*exchange)
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
