package providers

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"
)

// BenchmarkTimeToFirstToken measures what byok adds to the time to first
// token: the same local stream read with a bare HTTP client ("direct") and
// through the OpenAI chat adapter ("adapter"). The p50 and p99 of each are
// reported; the difference of the p50s is byok's cost.
func BenchmarkTimeToFirstToken(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, `data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":"Hi"}}]}`+"\n\n")
		w.(http.Flusher).Flush()
		fmt.Fprint(w, `data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":1,"total_tokens":6}}`+"\n\ndata: [DONE]\n\n")
	}))
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	body := `{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}`
	report := func(b *testing.B, ds []time.Duration) {
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		b.ReportMetric(float64(ds[len(ds)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(ds[len(ds)*99/100].Microseconds()), "p99-µs")
	}
	b.Run("direct", func(b *testing.B) {
		var ds []time.Duration
		for b.Loop() {
			start := time.Now()
			req, _ := http.NewRequest("POST", srv.URL+"/v1/chat/completions", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer sk-bench")
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				if strings.Contains(sc.Text(), `"content":"Hi"`) {
					ds = append(ds, time.Since(start))
					break
				}
			}
			for sc.Scan() {
			}
			resp.Body.Close()
		}
		report(b, ds)
	})
	b.Run("adapter", func(b *testing.B) {
		s, err := New(Spec{ID: "bench", Kind: KindOpenAI, BaseURL: srv.URL + "/v1"}, "sk-bench", Options{HTTPClient: client})
		if err != nil {
			b.Fatal(err)
		}
		req := Request{Model: "m", Messages: []Message{{Role: RoleUser, Content: "hi"}}}
		var ds []time.Duration
		for b.Loop() {
			start := time.Now()
			var first time.Duration
			if _, err := s.Stream(context.Background(), req, func(ev Event) {
				if ev.Type == EventText && first == 0 {
					first = time.Since(start)
				}
			}); err != nil {
				b.Fatal(err)
			}
			ds = append(ds, first)
		}
		report(b, ds)
	})
}
