package proxy_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestProxyServesMetrics scrapes the proxy's /metrics: with the token it
// answers byok's series, including the request just proxied; without it,
// or from a cross-site page, it refuses.
func TestProxyServesMetrics(t *testing.T) {
	e := newEnv(t)
	e.upstream(func(w http.ResponseWriter, r *http.Request) {
		sse(w, chatChunk1, chatChunk2, chatChunkStop, chatUsage, sseDone)
	})
	if resp, body := e.do(e.request("POST", "/v1/chat/completions", `{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Say hello"}]}`)); resp.StatusCode != 200 {
		t.Fatalf("chat: %d %s", resp.StatusCode, body)
	}
	e.waitEvents(1)
	resp, body := e.do(e.request("GET", "/metrics", ""))
	if resp.StatusCode != 200 {
		t.Fatalf("/metrics with the token: %d %s", resp.StatusCode, body)
	}
	want := `byok_requests_total{key="openai/work",model="gpt-4o-mini",provider="openai",source="proxy"} 1`
	if !strings.Contains(body, want) || !strings.Contains(body, `byok_tokens_total{key="openai/work",model="gpt-4o-mini",provider="openai",source="proxy",type="input"} 19`) {
		t.Fatalf("/metrics lacks the proxied request:\n%s", body)
	}
	tests := []struct {
		name string
		hdr  []string
		want int
	}{
		{"no token", []string{"Authorization", ""}, http.StatusUnauthorized},
		{"wrong token", []string{"Authorization", "Bearer nope"}, http.StatusUnauthorized},
		{"cross-site page", []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do(e.request("GET", "/metrics", "", tt.hdr...))
			if resp.StatusCode != tt.want || strings.Contains(body, "byok_requests_total") {
				t.Fatalf("status %d, want %d; body %.200s", resp.StatusCode, tt.want, body)
			}
		})
	}
}
