package providers

import (
	"net/http"
	"strings"
	"testing"

	"github.com/byokhq/byok/internal/ssetest"
)

// TestAdaptersIgnoreSDKEnvironment sets everything each SDK would read from
// the environment on its own (a base URL, keys, headers, a backend) and
// checks that the adapter sends the request where the spec says, with the
// stored key and nothing the environment added. The base URL points at a
// server that fails the test if any request reaches it.
func TestAdaptersIgnoreSDKEnvironment(t *testing.T) {
	openaiEnv := map[string]string{
		"OPENAI_API_KEY":        "sk-env-key-that-must-not-be-used-000000",
		"OPENAI_ORG_ID":         "org-from-env",
		"OPENAI_PROJECT_ID":     "proj-from-env",
		"OPENAI_CUSTOM_HEADERS": "X-Leak: yes",
	}
	openaiHeaders := []string{"OpenAI-Organization", "OpenAI-Project", "X-Leak"}
	tests := []struct {
		provider, secret, model string
		version                 string // the path of the base URL after the host
		events                  []string
		baseVar                 string // the SDK's base URL variable, set to elsewhere's URL + version
		env                     map[string]string
		path                    string // where the request must go
		keyHeader, keyValue     string
		absent                  []string // headers the environment would add
	}{
		{provider: "openai", version: "/v1", secret: testOpenAIKey, model: "m", events: []string{chunkHi, "[DONE]"},
			baseVar: "OPENAI_BASE_URL", env: openaiEnv, path: "/v1/chat/completions",
			keyHeader: "Authorization", keyValue: "Bearer " + testOpenAIKey, absent: openaiHeaders},
		{provider: "groq", version: "/v1", secret: testOpenAIKey, model: "m", events: []string{chunkHi, "[DONE]"},
			baseVar: "OPENAI_BASE_URL", env: openaiEnv, path: "/v1/chat/completions",
			keyHeader: "Authorization", keyValue: "Bearer " + testOpenAIKey, absent: openaiHeaders},
		{provider: "anthropic", secret: testAnthropicKey, model: "claude",
			events:  []string{ev("message_start", msgStart), ev("message_delta", msgDelta), ev("message_stop", msgStop)},
			baseVar: "ANTHROPIC_BASE_URL", env: map[string]string{
				"ANTHROPIC_API_KEY":        "sk-ant-env-key-that-must-not-be-used",
				"ANTHROPIC_AUTH_TOKEN":     "env-bearer-token-that-must-not-be-used",
				"ANTHROPIC_CUSTOM_HEADERS": "X-Leak: yes",
			}, path: "/v1/messages",
			keyHeader: "x-api-key", keyValue: testAnthropicKey, absent: []string{"Authorization", "X-Leak"}},
		{provider: "google", secret: testGeminiKey, model: "gemini-2.5-flash", events: []string{gemChunk3},
			baseVar: "GOOGLE_GEMINI_BASE_URL", env: map[string]string{
				"GEMINI_API_KEY":            "AIzaEnvKeyThatMustNotBeUsed000000000",
				"GOOGLE_API_KEY":            "AIzaEnvKeyThatMustNotBeUsed111111111",
				"GOOGLE_GENAI_USE_VERTEXAI": "true",
				"GOOGLE_CLOUD_PROJECT":      "env-project",
				"GOOGLE_CLOUD_LOCATION":     "us-central1",
			}, path: "/v1beta/models/gemini-2.5-flash:",
			keyHeader: "x-goog-api-key", keyValue: testGeminiKey},
	}
	for _, tt := range tests {
		t.Run(tt.provider, func(t *testing.T) {
			elsewhere := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				t.Errorf("the SDK used %s: %s %s", tt.baseVar, r.Method, r.URL)
				reply(w, 500, "")
			})
			t.Setenv(tt.baseVar, elsewhere.URL+tt.version)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) { ssetest.Write(w, tt.events...) })
			if _, _, err := mustStream(t, specAt(t, tt.provider, f.URL+tt.version), tt.secret, hello(tt.model)); err != nil {
				t.Fatal(err)
			}
			r := f.only(t)
			if !strings.HasPrefix(r.Path, tt.path) {
				t.Errorf("request went to %s, want %s…", r.Path, tt.path)
			}
			if got := r.Header.Get(tt.keyHeader); got != tt.keyValue {
				t.Errorf("%s = %q, want the stored key", tt.keyHeader, got)
			}
			for _, h := range tt.absent {
				if v := r.Header.Get(h); v != "" {
					t.Errorf("header %s = %q came from the environment", h, v)
				}
			}
		})
	}
}
