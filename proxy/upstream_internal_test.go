package proxy

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// heldServer is a TLS provider whose requests to /held are answered only
// once n of them are open at once (503 after ten seconds otherwise). It
// counts the connections made to it.
type heldServer struct {
	*httptest.Server
	dials atomic.Int64
}

func newHeldServer(t *testing.T, h2 bool, n int64) *heldServer {
	t.Helper()
	s := &heldServer{}
	var arrived atomic.Int64
	all := make(chan struct{})
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/held" {
			return
		}
		if arrived.Add(1) == n {
			close(all)
		}
		select {
		case <-all:
		case <-time.After(10 * time.Second):
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.dials.Add(1)
		}
	}
	s.EnableHTTP2 = h2
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// trustingUpstream is the proxy's default upstream client, trusting srv's
// certificate.
func trustingUpstream(t *testing.T, srv *httptest.Server) (*http.Client, *upstreamTransport) {
	t.Helper()
	c := defaultUpstream()
	u := c.Transport.(*upstreamTransport)
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	for _, tr := range []*http.Transport{u.any, u.h2} {
		tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	}
	t.Cleanup(c.CloseIdleConnections)
	return c, u
}

// get sends one request and says what became of it.
func get(c *http.Client, url string) (int, int, error) {
	resp, err := c.Get(url)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, resp.ProtoMajor, err
}

// getAll sends n requests to url at once and fails the test unless each
// is answered 200.
func getAll(t *testing.T, c *http.Client, url string, n int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for range n {
		wg.Go(func() {
			status, _, err := get(c, url)
			switch {
			case err != nil:
				errs <- err.Error()
			case status != http.StatusOK:
				errs <- http.StatusText(status)
			}
		})
	}
	wg.Wait()
	close(errs)
	failed := 0
	for e := range errs {
		if failed == 0 {
			t.Errorf("a request failed: %s", e)
		}
		failed++
	}
	if failed > 0 {
		t.Errorf("%d of %d requests were not all open at once", failed, n)
	}
}

// A burst of streams to a provider that speaks HTTP/2 shares a few
// connections: Go's server allows 250 streams on one, so 300 streams
// need two. net/http alone dials for every request that finds no room.
func TestUpstreamBoundsDialsToHTTP2Provider(t *testing.T) {
	const n = 300
	srv := newHeldServer(t, true, n)
	c, u := trustingUpstream(t, srv.Server)
	status, proto, err := get(c, srv.URL+"/")
	if err != nil || status != http.StatusOK || proto != 2 {
		t.Fatalf("first request: status %d over HTTP/%d, %v; want 200 over HTTP/2", status, proto, err)
	}
	if _, ok := u.multiplexed.Load(srv.URL); !ok {
		t.Fatalf("%s answered over HTTP/2 but is not marked multiplexed", srv.URL)
	}
	getAll(t, c, srv.URL+"/held", n)
	// The first request's connection, then rounds of at most maxH2Dials
	// at once: for the bounded transport's first connection, when that
	// one is full, and rounds that overlap (6 to 11 in all, here). Without
	// the bound, nearly every one of the 50 streams past the first
	// connection's 250 dials its own.
	d, most := srv.dials.Load(), int64(1+4*maxH2Dials)
	t.Logf("%d streams, %d connections", n, d)
	if d > most {
		t.Errorf("%d streams made %d connections, want at most %d", n, d, most)
	}
}

// A provider that answers over HTTP/1.1 gets a connection for every
// stream, however many are open at once; one that stopped offering HTTP/2
// does again from its first HTTP/1.1 reply.
func TestUpstreamHTTP1ProviderIsNotBounded(t *testing.T) {
	const n = 3 * maxH2Dials
	srv := newHeldServer(t, false, n)
	c, u := trustingUpstream(t, srv.Server)
	u.multiplexed.Store(srv.URL, struct{}{})
	status, proto, err := get(c, srv.URL+"/")
	if err != nil || status != http.StatusOK || proto != 1 {
		t.Fatalf("first request: status %d over HTTP/%d, %v; want 200 over HTTP/1.1", status, proto, err)
	}
	if _, ok := u.multiplexed.Load(srv.URL); ok {
		t.Fatalf("%s answered over HTTP/1.1 but is still marked multiplexed", srv.URL)
	}
	getAll(t, c, srv.URL+"/held", n)
}
