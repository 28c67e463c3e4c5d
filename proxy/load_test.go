package proxy_test

import (
	"bufio"
	"context"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/proxy"
	"github.com/byokhq/byok/store"
)

// BenchmarkConcurrentStreams holds 1,000 chat streams open at once through
// a proxy in a child process, then lets them finish. It reports the
// child's resident memory idle, after one request, and with every stream
// open, what its Go runtime holds then, the connections it opened to the
// provider, and how long the 1,000 streams took to finish and be
// recorded. Beside it, in the same run, the same streams go through a
// bare httputil.ReverseProxy in a child process with the proxy's transport
// buffers and a pooled copy buffer (bareLeanEnv): what net/http itself
// holds for a stream relayed between two connections.
func BenchmarkConcurrentStreams(b *testing.B) {
	b.Run("http1", func(b *testing.B) { concurrentStreams(b, false) })
	// Providers' real APIs speak HTTP/2 over TLS, where the proxy's streams
	// to one provider share a few connections.
	b.Run("h2-tls", func(b *testing.B) { concurrentStreams(b, true) })
}

const concurrent = 1000

func concurrentStreams(b *testing.B, h2 bool) {
	b.Run("proxy", func(b *testing.B) {
		up := streamUpstream(b, h2)
		home, env := childHome(b, up.url)
		token := "byok-proxy-load-test-token-0123456789"
		dir, probeEnv := probeDir(b)
		cmd, addr := startChild(b, home, token, probeEnv...)
		start := streamsThrough(b, up, cmd.Process.Pid, dir, "http://"+addr, token)
		a, err := app.Open(context.Background(), app.Options{Home: home, Env: env})
		if err != nil {
			b.Fatal(err)
		}
		defer a.Close()
		for {
			evs, err := a.Store.Events(context.Background(), store.Filter{Scope: store.Scope{Source: store.SourceProxy}, Limit: concurrent + 2})
			if err != nil {
				b.Fatal(err)
			}
			if len(evs) == concurrent+1 {
				break
			}
			if time.Since(start) > time.Minute {
				b.Fatalf("%d of %d streams recorded after a minute", len(evs), concurrent)
			}
			time.Sleep(10 * time.Millisecond)
		}
		b.ReportMetric(time.Since(start).Seconds(), "finish-s")
	})
	bare := func(b *testing.B, env ...string) {
		up := streamUpstream(b, h2)
		dir, probeEnv := probeDir(b)
		env = append(append(env, probeEnv...), bareChildEnv+"="+up.url, bareLeanEnv+"=1")
		cmd, addr := spawn(b, "the bare proxy", env...)
		start := streamsThrough(b, up, cmd.Process.Pid, dir, "http://"+addr, "")
		b.ReportMetric(time.Since(start).Seconds(), "finish-s")
	}
	if !h2 {
		b.Run("bare-proxy", func(b *testing.B) { bare(b) })
		return
	}
	// Over HTTP/2 the bare proxy bounds its dials as the proxy does; and,
	// for comparison, with net/http's own dialing: a connection for every
	// request that finds none with room.
	b.Run("bare-proxy", func(b *testing.B) { bare(b, bareDialsEnv+"="+strconv.Itoa(proxy.MaxH2Dials)) })
	b.Run("bare-proxy-unbounded", func(b *testing.B) { bare(b) })
}

// fakeStreams is the fake provider of a run.
type fakeStreams struct {
	url string
	// release, once closed, lets its streams finish: each holds after its
	// first event until then.
	release chan struct{}
	// dials counts the connections the proxy opened to it, open those
	// still open.
	dials, open *atomic.Int64
}

// streamUpstream starts the fake provider of a run.
func streamUpstream(b *testing.B, h2 bool) fakeStreams {
	release := make(chan struct{})
	dials, open := new(atomic.Int64), new(atomic.Int64)
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(readBody(r), `"stream":true`) {
			writeJSON(w, 200, benchReply)
			return
		}
		sse(w, chatChunk1)
		<-release
		for _, ev := range []string{chatChunk2, chatChunkStop, chatUsage, sseDone} {
			if _, err := io.WriteString(w, ev+"\n\n"); err != nil {
				return
			}
		}
	}))
	up.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			dials.Add(1)
			open.Add(1)
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
		}
	}
	if h2 {
		up.EnableHTTP2 = true
		up.StartTLS()
		// The child proxies trust the test server's certificate through
		// the standard variable Go reads its roots from.
		ca := filepath.Join(b.TempDir(), "upstream.pem")
		if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: up.Certificate().Raw}), 0o600); err != nil {
			b.Fatal(err)
		}
		b.Setenv("SSL_CERT_FILE", ca)
	} else {
		up.Start()
	}
	b.Cleanup(up.Close)
	return fakeStreams{url: up.URL, release: release, dials: dials, open: open}
}

// streamsThrough sends one request through the proxy at base, then opens
// the streams and, once all are open, lets them finish. It reports the
// proxy's memory, what its Go runtime holds (probed into dir), and the
// connections it opened to the provider, and returns when the streams
// were released.
func streamsThrough(b *testing.B, up fakeStreams, pid int, dir, base, token string) time.Time {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrent, MaxConnsPerHost: 0}}
	defer client.CloseIdleConnections()
	body := `{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Say hello"}]}`

	// One request first, so that what the app loads once (the price
	// catalog, the token counter) is not counted against the streams.
	idle := procMemory(b, pid)
	warm, err := http.NewRequest("POST", base+"/v1/chat/completions", strings.NewReader(benchBody))
	if err != nil {
		b.Fatal(err)
	}
	warm.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(warm)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.ReadAll(resp.Body); err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	base0 := procMemory(b, pid)

	var opened, done sync.WaitGroup
	errs := make(chan error, concurrent)
	b.ResetTimer()
	for range concurrent {
		opened.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			first := true
			defer func() {
				if first {
					opened.Done()
				}
			}()
			req, _ := http.NewRequest("POST", base+"/v1/chat/completions", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := client.Do(req)
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			br := bufio.NewReader(resp.Body)
			if _, err := br.ReadString('\n'); err != nil {
				errs <- err
				return
			}
			first = false
			opened.Done()
			if _, err := io.ReadAll(br); err != nil {
				errs <- err
			}
		}()
	}
	opened.Wait()
	open := procMemory(b, pid)
	conns := up.open.Load()
	rt := probe(b, pid, dir)
	start := time.Now()
	close(up.release)
	done.Wait()
	close(errs)
	for err := range errs {
		b.Fatalf("a stream failed: %v", err)
	}
	b.ReportMetric(float64(idle.rss)/1024, "idle-rss-MB")
	b.ReportMetric(float64(base0.rss)/1024, "warm-rss-MB")
	b.ReportMetric(float64(open.rss-base0.rss)/concurrent, "KB/stream")
	b.ReportMetric(float64(open.rss)/1024, "rss-MB")
	// Of which private memory, and pages of the executable and libraries
	// mapped in: the kernel maps those in whole page-cache folios, often
	// far more than the code a request runs.
	b.ReportMetric(float64(open.anon)/1024, "anon-MB")
	b.ReportMetric(float64(open.file)/1024, "file-MB")
	b.ReportMetric(float64(open.hwm)/1024, "peak-rss-MB")
	// Where the Go runtime's share of it went: the heap's objects (live,
	// or dead and not yet swept), goroutine stacks, all the runtime has
	// mapped and not given back, and the goroutines themselves (a stream
	// holds several, on both sides of the relay).
	b.ReportMetric(float64(rt["/memory/classes/heap/objects:bytes"])/(1<<20), "heap-objects-MB")
	b.ReportMetric(float64(rt["/memory/classes/heap/stacks:bytes"]+rt["/memory/classes/os-stacks:bytes"])/(1<<20), "stacks-MB")
	b.ReportMetric(float64(rt["/memory/classes/total:bytes"]-rt["/memory/classes/heap/released:bytes"])/(1<<20), "go-mapped-MB")
	b.ReportMetric(float64(rt["/sched/goroutines:goroutines"])/concurrent, "goroutines/stream")
	// A provider that speaks HTTP/2 serves many streams on a connection,
	// but the transport dials again for each request that finds every
	// connection full (or none yet): how many of those dials it made, and
	// how many connections it kept.
	b.ReportMetric(float64(up.dials.Load()), "upstream-dials")
	b.ReportMetric(float64(conns), "upstream-conns")
	return start
}

// memory is what /proc/PID/status says of a process's memory, in KiB.
type memory struct {
	rss, hwm   int64 // resident, peak resident
	anon, file int64 // resident private memory, resident mapped files
}

// procMemory reads a process's memory figures.
func procMemory(b *testing.B, pid int) memory {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		b.Skipf("cannot read process memory here: %v", err)
	}
	var m memory
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		n, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			m.rss = n
		case "VmHWM:":
			m.hwm = n
		case "RssAnon:":
			m.anon = n
		case "RssFile:":
			m.file = n
		}
	}
	return m
}
