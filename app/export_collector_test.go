package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/byokhq/byok/export"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/store"
)

// collectorModule is the test collector's own Go module (the collector's
// dependencies stay out of byok's go.mod).
const collectorModule = "../export/internal/collectortest"

var (
	collectorOnce sync.Once
	collectorBin  string
	collectorErr  error
)

// collectorBinary returns a collector built from the collector's own Go
// modules: BYOK_OTELCOL names a binary built already (CI builds it once),
// otherwise it is built here into a cache keyed by the module's go.sum.
// The test is skipped, saying why, when neither works.
func collectorBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: the OpenTelemetry Collector test builds and runs a collector")
	}
	collectorOnce.Do(func() {
		if p := os.Getenv("BYOK_OTELCOL"); p != "" {
			collectorBin = p
			return
		}
		sum, err := os.ReadFile(filepath.Join(collectorModule, "go.sum"))
		if err != nil {
			collectorErr = err
			return
		}
		h := sha256.Sum256(sum)
		out := filepath.Join(os.TempDir(), "byok-otelcol-"+hex.EncodeToString(h[:6]))
		if _, err := os.Stat(out); err == nil {
			collectorBin = out
			return
		}
		cmd := exec.Command("go", "build", "-o", out+".tmp", ".")
		cmd.Dir = collectorModule
		if b, err := cmd.CombinedOutput(); err != nil {
			collectorErr = fmt.Errorf("%v: %s", err, b)
			return
		}
		collectorErr = os.Rename(out+".tmp", out)
		collectorBin = out
	})
	if collectorErr != nil {
		t.Skipf("no OpenTelemetry Collector to test against: building %s failed (CI builds it; offline, set BYOK_OTELCOL to a built one): %v", collectorModule, collectorErr)
	}
	return collectorBin
}

// testCollector is a running collector whose OTLP/HTTP receiver writes
// what it receives to a file.
type testCollector struct {
	t    *testing.T
	bin  string
	dir  string
	addr string
	cmd  *exec.Cmd
}

func startCollector(t *testing.T) *testCollector {
	bin := collectorBinary(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c := &testCollector{t: t, bin: bin, dir: t.TempDir(), addr: addr}
	cfg := fmt.Sprintf(`receivers:
  otlp:
    protocols:
      http:
        endpoint: %s
exporters:
  jsonlines:
    path: %s
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [jsonlines]
    metrics:
      receivers: [otlp]
      exporters: [jsonlines]
`, addr, c.out())
	if err := os.WriteFile(filepath.Join(c.dir, "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	c.start()
	t.Cleanup(c.stop)
	return c
}

func (c *testCollector) out() string { return filepath.Join(c.dir, "received.jsonl") }

func (c *testCollector) endpoint() string { return "http://" + c.addr }

func (c *testCollector) start() {
	c.t.Helper()
	log, err := os.OpenFile(filepath.Join(c.dir, "collector.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		c.t.Fatal(err)
	}
	c.cmd = exec.Command(c.bin, "--config", filepath.Join(c.dir, "config.yaml"))
	c.cmd.Stdout, c.cmd.Stderr = log, log
	if err := c.cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if conn, err := net.Dial("tcp", c.addr); err == nil {
			conn.Close()
			return
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(c.dir, "collector.log"))
			c.t.Fatalf("the collector did not listen on %s: %s", c.addr, b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop shuts the collector down gracefully (SIGTERM): the receiver stops
// taking requests, and what it accepted is on disk.
func (c *testCollector) stop() {
	if c.cmd == nil || c.cmd.Process == nil {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
	c.cmd = nil
}

// received is what the collector wrote: spans by event id (every copy),
// and metric data points by metric name.
type received struct {
	spans    map[int64][]otlpSpan
	resource map[string]any
	points   map[string][]otlpPoint
}

type otlpAttr struct {
	Key   string `json:"key"`
	Value struct {
		String *string  `json:"stringValue"`
		Int    *string  `json:"intValue"`
		Double *float64 `json:"doubleValue"`
		Bool   *bool    `json:"boolValue"`
	} `json:"value"`
}

func attrMap(as []otlpAttr) map[string]any {
	m := map[string]any{}
	for _, a := range as {
		switch {
		case a.Value.String != nil:
			m[a.Key] = *a.Value.String
		case a.Value.Int != nil:
			n, _ := strconv.ParseInt(*a.Value.Int, 10, 64)
			m[a.Key] = n
		case a.Value.Double != nil:
			m[a.Key] = *a.Value.Double
		case a.Value.Bool != nil:
			m[a.Key] = *a.Value.Bool
		}
	}
	return m
}

type otlpSpan struct {
	TraceID string     `json:"traceId"`
	SpanID  string     `json:"spanId"`
	Name    string     `json:"name"`
	Kind    int        `json:"kind"`
	Start   string     `json:"startTimeUnixNano"`
	End     string     `json:"endTimeUnixNano"`
	Attrs   []otlpAttr `json:"attributes"`
	attrs   map[string]any
}

type otlpPoint struct {
	Attrs    []otlpAttr `json:"attributes"`
	AsDouble *float64   `json:"asDouble"`
	AsInt    *string    `json:"asInt"`
	Count    string     `json:"count"`
	Sum      *float64   `json:"sum"`
	attrs    map[string]any
}

type otlpFile struct {
	Traces *struct {
		ResourceSpans []struct {
			Resource struct {
				Attributes []otlpAttr `json:"attributes"`
			} `json:"resource"`
			ScopeSpans []struct {
				Spans []otlpSpan `json:"spans"`
			} `json:"scopeSpans"`
		} `json:"resourceSpans"`
	} `json:"traces"`
	Metrics *struct {
		ResourceMetrics []struct {
			ScopeMetrics []struct {
				Metrics []struct {
					Name      string `json:"name"`
					Unit      string `json:"unit"`
					Histogram *struct {
						DataPoints  []otlpPoint `json:"dataPoints"`
						Temporality int         `json:"aggregationTemporality"`
					} `json:"histogram"`
					Sum *struct {
						DataPoints  []otlpPoint `json:"dataPoints"`
						Temporality int         `json:"aggregationTemporality"`
						Monotonic   bool        `json:"isMonotonic"`
					} `json:"sum"`
				} `json:"metrics"`
			} `json:"scopeMetrics"`
		} `json:"resourceMetrics"`
	} `json:"metrics"`
}

func (c *testCollector) received() received {
	c.t.Helper()
	r := received{spans: map[int64][]otlpSpan{}, points: map[string][]otlpPoint{}}
	b, err := os.ReadFile(c.out())
	if err != nil {
		c.t.Fatalf("the collector received nothing: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var f otlpFile
		if err := json.Unmarshal([]byte(line), &f); err != nil {
			c.t.Fatalf("collector output: %v: %s", err, line)
		}
		if f.Traces != nil {
			for _, rs := range f.Traces.ResourceSpans {
				r.resource = attrMap(rs.Resource.Attributes)
				for _, ss := range rs.ScopeSpans {
					for _, s := range ss.Spans {
						s.attrs = attrMap(s.Attrs)
						id, _ := s.attrs["byok.event.id"].(int64)
						r.spans[id] = append(r.spans[id], s)
					}
				}
			}
		}
		if f.Metrics != nil {
			for _, rm := range f.Metrics.ResourceMetrics {
				for _, sm := range rm.ScopeMetrics {
					for _, m := range sm.Metrics {
						var pts []otlpPoint
						switch {
						case m.Histogram != nil:
							if m.Histogram.Temporality != 1 {
								c.t.Errorf("%s: temporality %d, want delta (1)", m.Name, m.Histogram.Temporality)
							}
							pts = m.Histogram.DataPoints
						case m.Sum != nil:
							if m.Sum.Temporality != 1 || !m.Sum.Monotonic {
								c.t.Errorf("%s: temporality %d monotonic %v, want a delta counter", m.Name, m.Sum.Temporality, m.Sum.Monotonic)
							}
							pts = m.Sum.DataPoints
						}
						for _, p := range pts {
							p.attrs = attrMap(p.Attrs)
							r.points[m.Name] = append(r.points[m.Name], p)
						}
					}
				}
			}
		}
	}
	return r
}

// usageUpstream answers every chat request with a stream that reports 100
// uncached, 20 cached prompt tokens and 30 completion tokens (8 of them
// reasoning), as OpenAI documents them.
func usageUpstream(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("x-request-id", "req_test")
	fmt.Fprint(w, chunk("hello there"))
	fmt.Fprint(w, `data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":[],"usage":{"prompt_tokens":120,"completion_tokens":30,"total_tokens":150,"prompt_tokens_details":{"cached_tokens":20},"completion_tokens_details":{"reasoning_tokens":8}}}`+"\n\n")
	fmt.Fprint(w, "data: [DONE]\n\n")
}

// waitExported waits until the OTLP cursor reaches the newest event.
func waitExported(t *testing.T, a *App, d time.Duration) store.ExportCursor {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		c, err := a.ExportStatus(context.Background())
		if err == nil && c.Pending == 0 && c.EventID > 0 {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("the outbox did not empty in %s: %+v (%v)", d, c, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestExportToCollector sends requests to a real OpenTelemetry Collector,
// stops it while more are recorded by two processes' worth of senders,
// starts it again, and checks that every event arrived exactly once with
// the GenAI conventions' names, attributes and values.
func TestExportToCollector(t *testing.T) {
	col := startCollector(t)
	ctx := context.Background()
	cfg := fmt.Sprintf("[export.otlp]\nendpoint = %q\ninterval = \"1s\"\n[export.otlp.resource]\n\"deployment.environment\" = \"test\"\n", col.endpoint())
	a := openWithUpstream(t, usageUpstream, cfg)
	if _, err := a.SetPrice(ctx, pricing.Price{Provider: "fake", Model: "m", Rates: pricing.Rates{Input: 1_000_000, Output: 2_000_000, CacheRead: 500_000}}); err != nil {
		t.Fatal(err)
	}
	// A second app on the same home is a second process's sender: the two
	// compete for the same outbox.
	b, err := Open(ctx, Options{Home: a.Config.Paths.Home})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.StartExport()

	prompt := func(x *App, n int) {
		for range n {
			if _, err := x.Prompt(ctx, call("hi"), nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	prompt(a, 3)
	waitExported(t, a, 30*time.Second)

	col.stop()
	var wg sync.WaitGroup
	for _, x := range []*App{a, b} {
		wg.Add(1)
		go func() { defer wg.Done(); prompt(x, 4) }()
	}
	wg.Wait()
	// While the collector is down the events wait, and the failure shows.
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := a.ExportStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if c.Pending != 8 {
			t.Fatalf("with the collector down %d events wait, want 8", c.Pending)
		}
		if c.Failures > 0 && strings.Contains(c.LastError, "connection refused") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no failure noted while the collector is down: %+v", c)
		}
		time.Sleep(50 * time.Millisecond)
	}
	col.start()
	// Backoff after the failures is a few seconds at most by now; a new
	// request does not cut it short, so the wait allows for it.
	prompt(a, 1)
	cur := waitExported(t, a, 60*time.Second)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	col.stop()

	events, err := a.db.EventsAfter(ctx, 0, 100, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 12 || cur.EventID != events[len(events)-1].ID {
		t.Fatalf("%d events recorded, cursor at %d", len(events), cur.EventID)
	}
	got := col.received()
	if got.resource["service.name"] != "byok" || got.resource["host.name"] == "" || got.resource["deployment.environment"] != "test" {
		t.Errorf("resource attributes: %v", got.resource)
	}
	inst, err := a.db.InstanceID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var wantCost float64
	for _, e := range events {
		copies := got.spans[e.ID]
		if len(copies) != 1 {
			t.Errorf("event %d arrived %d times, want exactly once", e.ID, len(copies))
			continue
		}
		wantCost += e.Cost.Float()
		s := copies[0]
		traceID, spanID := export.SpanIDs(inst, e.ID)
		if s.TraceID != traceID || s.SpanID != spanID {
			t.Errorf("event %d: span %s/%s, want ids derived from the event id %s/%s", e.ID, s.TraceID, s.SpanID, traceID, spanID)
		}
		want := map[string]any{
			"gen_ai.operation.name":                    "chat",
			"gen_ai.provider.name":                     "fake",
			"gen_ai.request.model":                     "m",
			"gen_ai.response.model":                    "m",
			"gen_ai.response.id":                       "req_test",
			"gen_ai.usage.input_tokens":                int64(120),
			"gen_ai.usage.output_tokens":               int64(30),
			"gen_ai.usage.cache_read.input_tokens":     int64(20),
			"gen_ai.usage.cache_creation.input_tokens": int64(0),
			"gen_ai.usage.reasoning.output_tokens":     int64(8),
			"byok.event.id":                            e.ID,
			"byok.cost.usd":                            e.Cost.Decimal(),
			"byok.cost.state":                          "computed",
			"byok.source":                              "cli",
			"byok.status":                              "ok",
		}
		for k, v := range want {
			if s.attrs[k] != v {
				t.Errorf("event %d span %s = %v (%T), want %v", e.ID, k, s.attrs[k], s.attrs[k], v)
			}
		}
		if s.Name != "chat m" || s.Kind != 3 {
			t.Errorf("span name %q kind %d, want \"chat m\" kind client (3)", s.Name, s.Kind)
		}
		if _, ok := s.attrs["gen_ai.input.messages"]; ok {
			t.Errorf("event %d: prompt text sent although export.otlp.content is off", e.ID)
		}
		if start, _ := strconv.ParseInt(s.Start, 10, 64); start != e.Time.UnixNano() {
			t.Errorf("event %d: span starts %d, want the request's start %d", e.ID, start, e.Time.UnixNano())
		}
	}
	if len(got.spans) != len(events) {
		t.Errorf("%d distinct spans arrived, want %d", len(got.spans), len(events))
	}
	if wantCost == 0 {
		t.Fatal("the requests were not priced; the test proves nothing about cost")
	}

	// Metrics: summed over every delta point, each event counted once.
	sum := func(name string, match map[string]any) (total float64, count int64) {
		for _, p := range got.points[name] {
			ok := true
			for k, v := range match {
				if p.attrs[k] != v {
					ok = false
				}
			}
			if !ok {
				continue
			}
			if p.AsDouble != nil {
				total += *p.AsDouble
			}
			if p.Sum != nil {
				total += *p.Sum
			}
			n, _ := strconv.ParseInt(p.Count, 10, 64)
			count += n
		}
		return total, count
	}
	n := float64(len(events))
	if v, _ := sum("gen_ai.client.token.usage", map[string]any{"gen_ai.token.type": "input"}); v != 120*n {
		t.Errorf("input tokens %v, want %v", v, 120*n)
	}
	if v, _ := sum("gen_ai.client.token.usage", map[string]any{"gen_ai.token.type": "input", "byok.token.cache": "read"}); v != 20*n {
		t.Errorf("cache-read input tokens %v, want %v", v, 20*n)
	}
	if v, c := sum("gen_ai.client.token.usage", map[string]any{"gen_ai.token.type": "output", "gen_ai.provider.name": "fake", "gen_ai.request.model": "m", "gen_ai.operation.name": "chat"}); v != 30*n || c != int64(n) {
		t.Errorf("output tokens %v in %d points, want %v in %v", v, c, 30*n, n)
	}
	if _, c := sum("gen_ai.client.operation.duration", nil); c != int64(n) {
		t.Errorf("duration recorded %d times, want %v", c, n)
	}
	if v, _ := sum("byok.cost", map[string]any{"byok.cost.state": "computed", "byok.source": "cli"}); math.Abs(v-wantCost) > 1e-12 {
		t.Errorf("byok.cost %v, want %v", v, wantCost)
	}
}
