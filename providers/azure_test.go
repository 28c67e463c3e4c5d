package providers

import (
	"net/http"
	"strings"
	"testing"

	"github.com/byokhq/byok/internal/ssetest"
)

const testAzureKey = "azTESTkey0123456789abcdef0123456789"

func azureSecret(endpoint, version string) string {
	return `{"endpoint":"` + endpoint + `/","deployment":"prod-4o","api_version":"` + version + `","api_key":"` + testAzureKey + `"}`
}

func TestAzure(t *testing.T) {
	tests := []struct {
		name      string
		kind      Kind
		version   string
		events    []string
		wantPath  string
		wantQuery string
		wantModel string
	}{
		{name: "dated chat completions under the deployment", kind: KindAzure, version: "2024-10-21",
			events:   []string{chunkHi, `{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":20,"completion_tokens":3,"prompt_tokens_details":{"cached_tokens":4}}}`, "[DONE]"},
			wantPath: "/openai/deployments/prod-4o/chat/completions", wantQuery: "api-version=2024-10-21", wantModel: "prod-4o"},
		{name: "v1 chat completions take the deployment as model", kind: KindAzure, version: "v1",
			events:   []string{chunkHi, `{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":20,"completion_tokens":3,"prompt_tokens_details":{"cached_tokens":4}}}`, "[DONE]"},
			wantPath: "/openai/v1/chat/completions", wantModel: "prod-4o"},
		{name: "responses API on the dated API", kind: KindResponses, version: "2025-04-01-preview",
			events: []string{ev("response.output_text.delta", `{"type":"response.output_text.delta","delta":"Hi"}`),
				ev("response.completed", `{"type":"response.completed","response":{"object":"response","status":"completed","model":"gpt-4o","usage":{"input_tokens":20,"input_tokens_details":{"cached_tokens":4},"output_tokens":3,"output_tokens_details":{"reasoning_tokens":0}}}}`)},
			wantPath: "/openai/responses", wantQuery: "api-version=2025-04-01-preview", wantModel: "prod-4o"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) { ssetest.Write(w, tt.events...) })
			spec, err := specAt(t, "azure", "").WithKind(tt.kind)
			if err != nil {
				t.Fatal(err)
			}
			res, _, err := mustStream(t, spec, azureSecret(f.URL, tt.version), hello("gpt-4o"))
			if err != nil {
				t.Fatal(err)
			}
			if want := (Usage{Input: 16, CacheRead: 4, Output: 3}); res.Text != "Hi" || res.Usage != want {
				t.Errorf("text %q usage %+v", res.Text, res.Usage)
			}
			r := f.only(t)
			if r.Path != tt.wantPath || r.Query != tt.wantQuery {
				t.Errorf("request %s?%s, want %s?%s", r.Path, r.Query, tt.wantPath, tt.wantQuery)
			}
			if r.Header.Get("api-key") != testAzureKey || r.Header.Get("Authorization") != "" {
				t.Errorf("api-key %q Authorization %q", r.Header.Get("api-key"), r.Header.Get("Authorization"))
			}
			if body := r.JSON(t); body["model"] != tt.wantModel {
				t.Errorf("model = %v", body["model"])
			}
		})
	}
}

func TestAzureErrors(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 401, `{"error":{"code":"401","message":"Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."}}`)
	})
	_, _, err := mustStream(t, specAt(t, "azure", ""), azureSecret(f.URL, "2024-10-21"), hello(""))
	asError(t, err, ClassAuth)
	noSecret(t, err, testAzureKey)

	for _, secret := range []string{"not json", `{"endpoint":"x","api_key":"` + testAzureKey + `"}`, `{"endpoint":"no scheme","deployment":"d","api_key":"` + testAzureKey + `"}`} {
		_, err := New(specAt(t, "azure", ""), secret, Options{})
		e := asError(t, err, ClassAuth)
		noSecret(t, err, testAzureKey)
		if !strings.Contains(e.Message, "Azure") {
			t.Errorf("message %q does not name Azure", e.Message)
		}
	}
}
