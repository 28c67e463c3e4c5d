package proxy_test

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const benchReply = `{"id":"chatcmpl-abc123","object":"chat.completion","created":1760000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"Hi!"},"finish_reason":"stop"}],"usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29}}`

const benchBody = `{"model":"gpt-4o-mini","max_tokens":64,"messages":[{"role":"user","content":"Say hello"}]}`

// benchClient keeps connections alive across requests.
func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxIdleConns: 256}}
}

// post sends one chat request and reads the answer; it returns how long
// that took.
func post(b *testing.B, c *http.Client, url, token string) time.Duration {
	req, err := http.NewRequest("POST", url, strings.NewReader(benchBody))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	d := time.Since(start)
	if resp.StatusCode != 200 {
		b.Fatalf("status %d", resp.StatusCode)
	}
	return d
}

// benchUpstream is the fake provider of the benchmarks: every request
// gets benchReply.
func benchUpstream(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	writeJSON(w, 200, benchReply)
}

// benchEnv is a proxy in this process in front of benchUpstream.
func benchEnv(b *testing.B) *env {
	e := newEnv(b)
	e.uncounted.Store(true)
	e.upstream(benchUpstream)
	return e
}

// benchChild starts benchUpstream and, in front of it, a proxy in a child
// process. It returns the provider's and the proxy's base URLs and the
// proxy token.
func benchChild(b *testing.B) (up, proxy, token string) {
	srv := httptest.NewServer(http.HandlerFunc(benchUpstream))
	b.Cleanup(srv.Close)
	home, _ := childHome(b, srv.URL)
	token = "byok-proxy-bench-token-0123456789abcdef"
	_, addr := startChild(b, home, token)
	return srv.URL, "http://" + addr, token
}

// bareChildEnv makes the test binary a bare net/http reverse proxy to the
// URL it holds, printing its address: the floor any Go proxy starts from.
const bareChildEnv = "BYOK_PROXY_TEST_BARE_TO"

func runBare(to string) int {
	u, err := url.Parse(to)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bare child:", err)
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bare child:", err)
		return 1
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	var h http.Handler = rp
	if os.Getenv(bareLeanEnv) != "" {
		// As lean as the proxy's own relay: its transport's buffer sizes
		// and a small copy buffer, pooled, in place of 32 KB a reply.
		rp.Transport = &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true,
			MaxIdleConns: 256, MaxIdleConnsPerHost: 64, WriteBufferSize: 2 << 10, ReadBufferSize: 4 << 10}
		if n, err := strconv.Atoi(os.Getenv(bareDialsEnv)); err == nil {
			// As the proxy bounds dials to a provider that speaks HTTP/2.
			rp.Transport.(*http.Transport).MaxConnsPerHost = n
		}
		rp.BufferPool = &bytePool{size: 2 << 10}
		// And, as the proxy does, the request body is read whole before
		// it goes on. Streamed from the client's connection, it had the
		// transport close a few of 1,000 provider connections mid-reply
		// ("use of closed network connection").
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, err := io.ReadAll(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			rp.ServeHTTP(w, r)
		})
	}
	fmt.Println(ln.Addr().String())
	fmt.Fprintln(os.Stderr, "bare child:", http.Serve(ln, h))
	return 1
}

// bareLeanEnv, set beside bareChildEnv, gives the bare proxy the proxy's
// buffer sizes: the floor a relay on net/http holds per stream.
const bareLeanEnv = "BYOK_PROXY_TEST_BARE_LEAN"

// bareDialsEnv, set beside bareLeanEnv, bounds the bare proxy's
// connections per host, as the proxy bounds them to a provider that speaks
// HTTP/2 (proxy.MaxH2Dials): set only when the fake provider does.
const bareDialsEnv = "BYOK_PROXY_TEST_BARE_MAX_CONNS"

// bytePool is an httputil.BufferPool of buffers of one size.
type bytePool struct {
	size int
	pool sync.Pool
}

func (p *bytePool) Get() []byte {
	if b, ok := p.pool.Get().(*[]byte); ok {
		return *b
	}
	return make([]byte, p.size)
}

func (p *bytePool) Put(b []byte) { p.pool.Put(&b) }

// BenchmarkNonStream compares a non-streamed chat request sent straight
// to the fake provider with the same request through a bare reverse proxy
// (httputil's, which reads nothing and records nothing: the cost of the
// second hop alone) and through byok's proxy, recording on. It reports p50
// and p99 latencies: with the proxies in the benchmark's own process, and
// in child processes as `byok proxy` runs, where every hop also wakes
// another process.
func BenchmarkNonStream(b *testing.B) {
	b.Run("in-process", func(b *testing.B) {
		e := benchEnv(b)
		u, err := url.Parse(e.up.URL)
		if err != nil {
			b.Fatal(err)
		}
		bare := httptest.NewServer(httputil.NewSingleHostReverseProxy(u))
		b.Cleanup(bare.Close)
		nonStream(b, e.up.URL, e.base, bare.URL, e.token)
	})
	b.Run("child", func(b *testing.B) {
		up, proxy, token := benchChild(b)
		_, bare := spawn(b, "the bare proxy", bareChildEnv+"="+up)
		nonStream(b, up, proxy, "http://"+bare, token)
	})
}

func nonStream(b *testing.B, up, proxy, bare, token string) {
	for _, tc := range []struct{ name, url string }{
		{"direct", up + "/v1/chat/completions"},
		{"bare-proxy", bare + "/v1/chat/completions"},
		{"proxy", proxy + "/v1/chat/completions"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			c := benchClient()
			post(b, c, tc.url, token) // warm the connections
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				lat = append(lat, post(b, c, tc.url, token))
			}
			b.StopTimer()
			reportPercentiles(b, lat)
		})
	}
}

// BenchmarkNonStreamParallel measures throughput with many clients at
// once, the proxy in process and in a child process.
func BenchmarkNonStreamParallel(b *testing.B) {
	b.Run("in-process", func(b *testing.B) {
		e := benchEnv(b)
		parallel(b, e.base, e.token)
	})
	b.Run("child", func(b *testing.B) {
		_, proxy, token := benchChild(b)
		parallel(b, proxy, token)
	})
}

func parallel(b *testing.B, proxy, token string) {
	c := benchClient()
	post(b, c, proxy+"/v1/chat/completions", token)
	b.SetParallelism(16)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			post(b, c, proxy+"/v1/chat/completions", token)
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
