package proxy

import (
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/byokhq/byok/app"
)

// metricsPath is where the proxy and `byok serve` expose Prometheus metrics.
const metricsPath = "/metrics"

// serveMetrics answers a scrape of /metrics, whose caller the proxy has
// already checked (loopback Host, no cross-site browser, the token as a
// bearer token). It reports whether the request was a scrape.
func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) bool {
	if s.metrics == nil || r.URL.Path != metricsPath {
		return false
	}
	scrape(w, r, s.metrics)
	return true
}

// scrape answers a scrape with metrics: GET or HEAD only.
func scrape(w http.ResponseWriter, r *http.Request, metrics http.Handler) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "metrics are read with GET", http.StatusMethodNotAllowed)
		return
	}
	metrics.ServeHTTP(w, r)
}

// MetricsServer serves only /metrics, with the proxy's checks: `byok serve`
// on machines that run no proxy.
type MetricsServer struct {
	app     *app.App
	token   *liveToken
	handler http.Handler
	port    atomic.Value // string
	srv     *http.Server
}

// NewMetricsServer returns a server for a's metrics behind token, the proxy
// token as read from a's keychain; while it serves, it follows `byok proxy
// token --rotate` as the proxy does.
func NewMetricsServer(a *app.App, token string) *MetricsServer {
	m := &MetricsServer{app: a, token: newLiveToken(token), handler: a.MetricsHandler()}
	m.port.Store("")
	m.srv = &http.Server{Handler: m, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 1 << 16}
	return m
}

// ServeHTTP checks the request as the proxy does and serves /metrics.
func (m *MetricsServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	port, _ := m.port.Load().(string)
	if err := checkBrowser(r.Host, r.Header.Get("Origin"), r.Header.Get("Sec-Fetch-Site"), port); err != nil {
		http.Error(w, err.Error(), http.StatusForbidden)
		return
	}
	if !m.token.accepts(tokenCandidates(r, false)) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="byok"`)
		http.Error(w, "missing or wrong token: send the token `byok proxy token` prints as a bearer token", http.StatusUnauthorized)
		return
	}
	if r.URL.Path != metricsPath {
		http.Error(w, "byok serve answers /metrics only", http.StatusNotFound)
		return
	}
	scrape(w, r, m.handler)
}

// Serve serves on l, which must listen on a loopback address.
func (m *MetricsServer) Serve(l net.Listener) error {
	defer m.token.follow(m.app)()
	return serveLoopback(m.srv, l, &m.port, "refusing to serve on %s: byok serve listens on loopback only (127.0.0.1 or [::1])")
}

// Close stops the server at once.
func (m *MetricsServer) Close() error { return m.srv.Close() }
