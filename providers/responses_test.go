package providers

import (
	"net/http"
	"strings"
	"testing"

	"github.com/byokhq/byok/internal/ssetest"
)

const respCompleted = `{"type":"response.completed","sequence_number":42,"response":{"id":"resp_abc123","object":"response","status":"completed","model":"o4-mini-2025-04-16","service_tier":"default","output":[],"usage":{"input_tokens":2100,"input_tokens_details":{"cached_tokens":1024},"output_tokens":300,"output_tokens_details":{"reasoning_tokens":256},"total_tokens":2400}}}`

func TestResponsesStream(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		ssetest.Write(w,
			ev("response.created", `{"type":"response.created","sequence_number":0,"response":{"id":"resp_abc123","object":"response","status":"in_progress","model":"o4-mini-2025-04-16","output":[]}}`),
			ev("response.reasoning_summary_text.delta", `{"type":"response.reasoning_summary_text.delta","sequence_number":3,"item_id":"rs_1","output_index":0,"summary_index":0,"delta":"Considering"}`),
			ev("response.output_text.delta", `{"type":"response.output_text.delta","sequence_number":5,"item_id":"msg_1","output_index":1,"content_index":0,"delta":"Hi"}`),
			ev("response.output_text.delta", `{"type":"response.output_text.delta","sequence_number":6,"item_id":"msg_1","output_index":1,"content_index":0,"delta":"!"}`),
			ev("response.completed", respCompleted))
	})
	spec, err := specAt(t, "openai", f.URL+"/v1").WithKind(KindResponses)
	if err != nil {
		t.Fatal(err)
	}
	req := hello("o4-mini")
	req.ReasoningEffort = "high"
	res, c, err := mustStream(t, spec, testOpenAIKey, req)
	if err != nil {
		t.Fatal(err)
	}
	want := Usage{Input: 1076, CacheRead: 1024, Output: 300, Reasoning: 256, ServiceTier: "default"}
	if res.Text != "Hi!" || c.reasoning.String() != "Considering" || res.Usage != want || !res.HasUsage {
		t.Errorf("text %q reasoning %q usage %+v", res.Text, c.reasoning.String(), res.Usage)
	}
	if res.Model != "o4-mini-2025-04-16" {
		t.Errorf("model = %q", res.Model)
	}
	r := f.only(t)
	body := r.JSON(t)
	reasoning, _ := body["reasoning"].(map[string]any)
	if r.Path != "/v1/responses" || body["stream"] != true || body["instructions"] != "Be brief." ||
		body["max_output_tokens"] != float64(64) || reasoning["effort"] != "high" || body["store"] != false {
		t.Errorf("request %s %s", r.Path, r.Body)
	}
	if r.Header.Get("Authorization") != "Bearer "+testOpenAIKey {
		t.Errorf("Authorization = %q", r.Header.Get("Authorization"))
	}
}

func TestResponsesNoStream(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"id":"resp_abc123","object":"response","created_at":1760000000,"status":"completed","model":"o4-mini-2025-04-16","service_tier":"priority","output":[{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"Thought"}]},{"type":"message","id":"msg_1","role":"assistant","status":"completed","content":[{"type":"output_text","text":"Hi!","annotations":[]}]}],"usage":{"input_tokens":2100,"input_tokens_details":{"cached_tokens":1024,"cache_write_tokens":76},"output_tokens":300,"output_tokens_details":{"reasoning_tokens":256},"total_tokens":2400}}`)
	})
	spec, _ := specAt(t, "openai", f.URL+"/v1").WithKind(KindResponses)
	req := hello("o4-mini")
	req.NoStream = true
	res, c, err := mustStream(t, spec, testOpenAIKey, req)
	if err != nil {
		t.Fatal(err)
	}
	want := Usage{Input: 1000, CacheRead: 1024, CacheWrite5m: 76, Output: 300, Reasoning: 256, ServiceTier: "priority"}
	if res.Text != "Hi!" || c.reasoning.String() != "Thought" || res.Usage != want {
		t.Errorf("text %q reasoning %q usage %+v", res.Text, c.reasoning.String(), res.Usage)
	}
}

func TestResponsesFailures(t *testing.T) {
	tests := []struct {
		name   string
		events []string
		class  Class
		text   string
		usage  bool
	}{
		{
			name: "response.failed keeps partial usage",
			events: []string{
				ev("response.output_text.delta", `{"type":"response.output_text.delta","sequence_number":1,"delta":"Hi"}`),
				ev("response.failed", `{"type":"response.failed","sequence_number":2,"response":{"id":"resp_1","object":"response","status":"failed","error":{"code":"server_error","message":"The model failed to generate a response."},"usage":{"input_tokens":10,"output_tokens":1,"output_tokens_details":{"reasoning_tokens":0},"input_tokens_details":{"cached_tokens":0}}}}`)},
			class: ClassServer, text: "Hi", usage: true,
		},
		{
			name: "error event",
			events: []string{
				ev("error", `{"type":"error","sequence_number":1,"code":"rate_limit_exceeded","message":"Rate limit reached. Please try again in 2s.","param":null}`)},
			class: ClassRateLimit,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) { ssetest.Write(w, tt.events...) })
			spec, _ := specAt(t, "openai", f.URL+"/v1").WithKind(KindResponses)
			res, _, err := mustStream(t, spec, testOpenAIKey, hello("o4-mini"))
			e := asError(t, err, tt.class)
			if !strings.Contains(e.Message, "provider said") || res.Text != tt.text || res.HasUsage != tt.usage {
				t.Errorf("error %q result %+v", e.Message, res)
			}
		})
	}
}

func TestResponsesHTTPError(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 401, `{"error":{"message":"Incorrect API key provided: sk-proj-****AB.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`)
	})
	spec, _ := specAt(t, "openai", f.URL+"/v1").WithKind(KindResponses)
	_, _, err := mustStream(t, spec, testOpenAIKey, hello("o4-mini"))
	asError(t, err, ClassAuth)
	f.only(t)
}
