// Package proxy is byok's local gateway: an OpenAI-, Anthropic- and
// Gemini-compatible HTTP server on the loopback interface. Tools point their
// SDK's base URL at it and use the proxy's own token as their API key; the
// proxy checks the token, swaps in the real key from the keychain, forwards
// the request, streams the answer back chunk by chunk, and records the
// request's usage and cost through the same use-case path as the CLI.
package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/config"
	"github.com/byokhq/byok/store"
)

// Options configure a Server.
type Options struct {
	// Addr is the address the caller will serve on (see Listen and Serve):
	// a loopback address with a port, such as 127.0.0.1:8787. New refuses
	// any other before anything listens; empty means the config's proxy.addr.
	Addr string
	// Token is the secret clients must send as their API key, as read
	// from the keychain. Required. While it serves, the server follows
	// `byok proxy token --rotate` (see liveToken).
	Token string
	// MaxBody bounds a request body in bytes; zero means the config's
	// proxy.max_body_mb.
	MaxBody int64
	// Upstream sends requests to the providers; nil means a client made
	// for streaming (no overall timeout, no redirects followed).
	Upstream *http.Client
	// BodyTimeout bounds the reading of one request's body, as the
	// server's ReadHeaderTimeout bounds its headers; zero means
	// DefaultBodyTimeout.
	BodyTimeout time.Duration
	// Recorded, when set, is called with every request's event once it is
	// recorded (the command prints a line per request). It is called from
	// many goroutines at once.
	Recorded func(store.Event)
	// Metrics, when set, serves GET /metrics (Prometheus) behind the
	// same checks as every other route.
	Metrics http.Handler
}

// DefaultBodyTimeout is how long a client may take to send a request body.
// Bodies are at most max_body_mb and come over loopback: a client slower
// than this is holding a connection open, not uploading.
const DefaultBodyTimeout = time.Minute

// Server is the proxy. Create it with New.
type Server struct {
	app      *app.App
	token    *liveToken
	maxBody  int64
	bodyWait time.Duration
	upstream *http.Client
	recorded func(store.Event)
	metrics  http.Handler
	srv      *http.Server
	// port is the port the server listens on, set by Serve; the Host
	// header of every request must name it.
	port atomic.Value // string
	// fresh holds the connections that have not begun a request yet.
	fresh fresh
	// base is the context of every request; Cancel cancels it.
	base      context.Context
	cancelAll context.CancelFunc
}

// fresh is the set of connections accepted that have not sent the first
// byte of a request. net/http's Shutdown closes idle keep-alive
// connections at once but waits for a new one until it is five seconds
// old, in case a request is on its way; clients open connections ahead of
// need (a pool dialling for a request that another connection then
// served), so a stopping proxy would wait those seconds with no request
// in flight. Shutdown closes these as it closes idle ones.
type fresh struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// track follows a connection's state: it is fresh from its accept until
// it begins its first request (or closes).
func (f *fresh) track(c net.Conn, st http.ConnState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if st == http.StateNew {
		if f.conns == nil {
			f.conns = map[net.Conn]struct{}{}
		}
		f.conns[c] = struct{}{}
		return
	}
	delete(f.conns, c)
}

// close closes every fresh connection.
func (f *fresh) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for c := range f.conns {
		_ = c.Close() // its serving goroutine sees the error and ends
	}
	clear(f.conns)
}

// New returns a proxy for a. It refuses a non-loopback address and an
// empty token. The app's keyring reads then go through a short-lived
// in-memory cache (secretTTL): the proxy reads a key for every request.
func New(a *app.App, o Options) (*Server, error) {
	if a == nil {
		return nil, errors.New("proxy: no app")
	}
	if o.Token == "" {
		return nil, errors.New("proxy: no token: create one with `byok proxy token`")
	}
	if o.Addr == "" {
		o.Addr = a.Config.Proxy.Addr
	}
	if err := config.CheckAddr(o.Addr); err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	if o.MaxBody <= 0 {
		o.MaxBody = int64(a.Config.Proxy.MaxBodyMB) << 20
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 32 << 20
	}
	if o.Upstream == nil {
		o.Upstream = defaultUpstream()
	}
	if sec, err := a.Secrets(); err == nil {
		if _, cached := sec.(*secretCache); !cached {
			a.SetSecrets(newSecretCache(sec, secretTTL, time.Now))
		}
	}
	if o.BodyTimeout <= 0 {
		o.BodyTimeout = DefaultBodyTimeout
	}
	s := &Server{app: a, token: newLiveToken(o.Token), maxBody: o.MaxBody, bodyWait: o.BodyTimeout, upstream: o.Upstream, recorded: o.Recorded, metrics: o.Metrics}
	s.port.Store("")
	s.base, s.cancelAll = context.WithCancel(context.Background())
	s.srv = &http.Server{
		Handler:           s,
		BaseContext:       func(net.Listener) context.Context { return s.base },
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
		ConnState:         s.fresh.track,
	}
	// Shutdown runs it once the listeners are closed. A connection
	// accepted in that very moment is left to net/http's own rule.
	s.srv.RegisterOnShutdown(s.fresh.close)
	return s, nil
}

// defaultUpstream is a client for long streams: connection and TLS set-up
// are bounded, the reply is not (the caller's context is), and redirects
// go back to the client instead of being followed with the key attached.
func defaultUpstream() *http.Client {
	mux := newUpstreamTransport()
	mux.MaxConnsPerHost = maxH2Dials
	return &http.Client{
		Transport: &upstreamTransport{any: newUpstreamTransport(), h2: mux},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// newUpstreamTransport returns a transport to the providers.
func newUpstreamTransport() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ExpectContinueTimeout: time.Second,
		// Small buffers: a thousand streams at once hold one each.
		WriteBufferSize: 2 << 10,
		ReadBufferSize:  4 << 10,
	}
}

// maxH2Dials bounds, per provider that answers over HTTP/2, the
// connections being dialled or with room for another stream. A connection
// carries as many streams as the provider allows (Go's server 250; RFC
// 9113 asks for no fewer than 100), so a few suffice for thousands.
const maxH2Dials = 4

// upstreamTransport sends requests to the providers. net/http dials a new
// connection for every request that finds none with room, even to a host
// that speaks HTTP/2 and would carry them all on a few: when a connection
// fills up (or before the first is set up), every request that arrives
// meanwhile dials, and the connection it gets is closed again as not
// needed (golang/go#13957, #27753). A burst of 1,000 streams opened 360 to
// 1,600 TLS connections to keep 5 to 50, and the handshakes' garbage grew
// the heap by half. MaxConnsPerHost bounds that, but on one transport it
// would bound HTTP/1.1 streams to as many connections too, so a host whose
// last reply came over HTTP/2 is sent to a transport with that bound, and
// every other host to one without. The first burst to a host, before any
// reply, still dials as net/http does.
type upstreamTransport struct {
	any, h2 *http.Transport
	// multiplexed holds the scheme and host of the providers whose last
	// reply came over HTTP/2.
	multiplexed sync.Map
}

// RoundTrip sends req on the transport its host calls for.
func (u *upstreamTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	host := req.URL.Scheme + "://" + req.URL.Host
	_, mux := u.multiplexed.Load(host)
	tr := u.any
	if mux {
		tr = u.h2
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	switch {
	case resp.ProtoMajor == 2 && !mux:
		u.multiplexed.Store(host, struct{}{})
	case resp.ProtoMajor != 2 && mux:
		// The host stopped offering HTTP/2: its streams need a
		// connection each again.
		u.multiplexed.Delete(host)
	}
	return resp, nil
}

// CloseIdleConnections closes both transports' idle connections.
func (u *upstreamTransport) CloseIdleConnections() {
	u.any.CloseIdleConnections()
	u.h2.CloseIdleConnections()
}

// Listen opens a TCP listener on addr after checking that addr is a
// loopback address.
func Listen(addr string) (net.Listener, error) {
	if err := config.CheckAddr(addr); err != nil {
		return nil, fmt.Errorf("proxy: %w", err)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("proxy: listen on %s: %w (is another proxy running? pick another port with --addr)", addr, err)
	}
	return l, nil
}

// Serve serves on l, which must listen on a loopback address. It returns
// http.ErrServerClosed after a Shutdown.
func (s *Server) Serve(l net.Listener) error {
	defer s.token.follow(s.app)()
	return serveLoopback(s.srv, l, &s.port, "proxy: refusing to serve on %s: the proxy listens on loopback only (127.0.0.1 or [::1])")
}

// serveLoopback serves srv on l, refusing (with refusal, which names the
// address) a listener off loopback, and stores in port the port that the
// Host header of every request must name.
func serveLoopback(srv *http.Server, l net.Listener, port *atomic.Value, refusal string) error {
	tcp, ok := l.Addr().(*net.TCPAddr)
	if !ok || !tcp.IP.IsLoopback() {
		l.Close()
		return fmt.Errorf(refusal, l.Addr())
	}
	port.Store(strconv.Itoa(tcp.Port))
	return srv.Serve(l)
}

// Shutdown stops accepting connections, closes those that carry no
// request, and waits, up to ctx, for the requests in flight to finish —
// streams included — and be recorded.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.srv.Shutdown(ctx)
}

// Cancel cuts every request in flight at once, as if each client had gone
// away: the provider's reply stops, a write to a client that no longer
// reads gives up, and each request is recorded as cancelled. A Shutdown
// under way returns once those records are written. The command calls it
// on a second Ctrl-C.
func (s *Server) Cancel() {
	s.cancelAll()
}

// listenPort is the port requests must name in their Host header.
func (s *Server) listenPort() string {
	p, _ := s.port.Load().(string)
	return p
}
