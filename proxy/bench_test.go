package proxy_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
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

// benchProxy starts a fake provider that answers every request with
// benchReply and, in front of it, a proxy in a child process. It returns
// the provider's and the proxy's base URLs and the proxy token.
func benchProxy(b *testing.B) (up, proxy, token string) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		writeJSON(w, 200, benchReply)
	}))
	b.Cleanup(srv.Close)
	home, _ := childHome(b, srv.URL)
	token = "byok-proxy-bench-token-0123456789abcdef"
	cmd, addr := startChild(b, home, token)
	b.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait() // killed: the exit status says so
	})
	return srv.URL, "http://" + addr, token
}

// BenchmarkNonStream compares a non-streamed chat request sent straight
// to the fake provider with the same request through the proxy, recording
// on, and reports p50 and p99 latencies: with the proxy in the benchmark's
// own process, and in a child process as `byok proxy` runs, where every
// hop also wakes another process.
func BenchmarkNonStream(b *testing.B) {
	b.Run("in-process", func(b *testing.B) {
		e := newEnv(b)
		e.uncounted.Store(true)
		e.upstream(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			writeJSON(w, 200, benchReply)
		})
		nonStream(b, e.up.URL, e.base, e.token)
	})
	b.Run("child", func(b *testing.B) {
		up, proxy, token := benchProxy(b)
		nonStream(b, up, proxy, token)
	})
}

func nonStream(b *testing.B, up, proxy, token string) {
	for _, tc := range []struct{ name, url string }{
		{"direct", up + "/v1/chat/completions"},
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
		e := newEnv(b)
		e.uncounted.Store(true)
		e.upstream(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			writeJSON(w, 200, benchReply)
		})
		parallel(b, e.base, e.token)
	})
	b.Run("child", func(b *testing.B) {
		_, proxy, token := benchProxy(b)
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
