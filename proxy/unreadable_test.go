package proxy_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/store"
)

// TestUnreadableBody: a request whose body is not JSON is forwarded as the
// tool sent it, but byok cannot tell its model or count it, so it is
// recorded as unreadable: never a free call, never priced as a success.
func TestUnreadableBody(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		reply      string
		wantStatus store.Status
	}{
		{"the provider refuses it", 400, `{"error":{"message":"We could not parse the JSON body of your request.","type":"invalid_request_error","param":null,"code":null}}`, store.StatusError},
		{"the provider answers it", 200, `{"id":"c","object":"chat.completion","model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there, how can I help you today?"},"finish_reason":"stop"}]}`, store.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.upstream(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, tt.status, tt.reply) })
			body := `model=gpt-4o-mini&messages=say+hello+to+everyone+in+the+room+please`
			resp, _ := e.do(e.request("POST", "/v1/chat/completions", body, "x-byok-provider", "openai"))
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want the provider's %d", resp.StatusCode, tt.status)
			}
			if got := e.lastCall().Body; got != body {
				t.Errorf("the provider got %q, want the body as sent", got)
			}
			ev := e.waitEvents(1)[0]
			if ev.CostState != pricing.Unpriced || ev.Status != tt.wantStatus {
				t.Errorf("recorded %s %s at %d, want %s and unpriced", ev.Status, ev.CostState, ev.Cost, tt.wantStatus)
			}
			if !strings.Contains(ev.Model, "unreadable") || !strings.Contains(ev.ErrorMessage, "not JSON") {
				t.Errorf("recorded as model %q, message %q: want it marked unreadable", ev.Model, ev.ErrorMessage)
			}
			if ev.InputTokens != 0 || ev.CacheReadTokens != 0 {
				t.Errorf("tokens were counted from a body byok cannot read: %+v", ev)
			}
		})
	}
}
