package providers

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestCheckKey(t *testing.T) {
	tests := []struct {
		name     string
		provider string
		secret   string
		status   int
		body     string
		base     string // path appended to the fake's URL for the spec
		wantPath string
		header   string // header that must carry the key
		want     Class  // "" for a valid key
	}{
		{name: "openai valid", provider: "openai", secret: testOpenAIKey, status: 200, base: "/v1",
			body: `{"object":"list","data":[{"id":"gpt-4o","object":"model","created":1,"owned_by":"system"}]}`, wantPath: "/v1/models", header: "Authorization"},
		{name: "openai invalid", provider: "openai", secret: testOpenAIKey, status: 401, base: "/v1",
			body: `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`, wantPath: "/v1/models", header: "Authorization", want: ClassAuth},
		{name: "groq revoked", provider: "groq", secret: testOpenAIKey, status: 401, base: "/openai/v1",
			body: `{"error":{"message":"Invalid API Key","type":"invalid_request_error","code":"invalid_api_key"}}`, wantPath: "/openai/v1/models", header: "Authorization", want: ClassAuth},
		{name: "anthropic valid", provider: "anthropic", secret: testAnthropicKey, status: 200,
			body: `{"data":[{"type":"model","id":"claude-haiku-4-5","display_name":"Claude Haiku 4.5","created_at":"2025-10-01T00:00:00Z"}],"has_more":true,"first_id":"a","last_id":"b"}`, wantPath: "/v1/models", header: "x-api-key"},
		{name: "anthropic invalid", provider: "anthropic", secret: testAnthropicKey, status: 401,
			body: `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"},"request_id":"req_1"}`, wantPath: "/v1/models", header: "x-api-key", want: ClassAuth},
		{name: "gemini invalid is a 400", provider: "google", secret: testGeminiKey, status: 400,
			body: `{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com"}]}}`, wantPath: "/v1beta/models", header: "x-goog-api-key", want: ClassAuth},
		{name: "gemini valid", provider: "google", secret: testGeminiKey, status: 200,
			body: `{"models":[{"name":"models/gemini-2.5-flash"}],"nextPageToken":"x"}`, wantPath: "/v1beta/models", header: "x-goog-api-key"},
		{name: "openrouter key endpoint", provider: "openrouter", secret: testOpenAIKey, status: 200, base: "/api/v1",
			body: `{"data":{"label":"sk-or-v1-au7...890","limit":100,"limit_remaining":74.5,"usage":25.5,"is_free_tier":false}}`, wantPath: "/api/v1/key", header: "Authorization"},
		{name: "openrouter key at its limit", provider: "openrouter", secret: testOpenAIKey, status: 200, base: "/api/v1",
			body: `{"data":{"label":"x","limit":100,"limit_remaining":0,"usage":100}}`, wantPath: "/api/v1/key", header: "Authorization", want: ClassCredit},
		{name: "openrouter no cap", provider: "openrouter", secret: testOpenAIKey, status: 200, base: "/api/v1",
			body: `{"data":{"label":"x","limit":null,"limit_remaining":null,"usage":3}}`, wantPath: "/api/v1/key", header: "Authorization"},
		{name: "deepseek balance available", provider: "deepseek", secret: testOpenAIKey, status: 200, base: "/v1",
			body: `{"is_available":true,"balance_infos":[{"currency":"USD","total_balance":"110.00","granted_balance":"10.00","topped_up_balance":"100.00"}]}`, wantPath: "/user/balance", header: "Authorization"},
		{name: "deepseek no balance", provider: "deepseek", secret: testOpenAIKey, status: 200, base: "/v1",
			body: `{"is_available":false,"balance_infos":[{"currency":"CNY","total_balance":"0.00"}]}`, wantPath: "/user/balance", header: "Authorization", want: ClassCredit},
		{name: "deepseek invalid", provider: "deepseek", secret: testOpenAIKey, status: 401, base: "/v1",
			body: `{"error":{"message":"Authentication Fails","type":"authentication_error","code":"invalid_request_error"}}`, wantPath: "/user/balance", header: "Authorization", want: ClassAuth},
		{name: "azure", provider: "azure", secret: "", status: 200, body: `{"data":[{"id":"gpt-4o"}]}`, wantPath: "/openai/models", header: "api-key"},
		{name: "bedrock valid", provider: "bedrock", secret: testBedrockSecret, status: 200,
			body: `{"modelSummaries":[{"modelId":"anthropic.claude-haiku"}]}`, wantPath: "/foundation-models", header: "Authorization"},
		{name: "bedrock invalid", provider: "bedrock", secret: testBedrockSecret, status: 403,
			body: `{"message":"The security token included in the request is invalid."}`, wantPath: "/foundation-models", header: "Authorization", want: ClassAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) { reply(w, tt.status, tt.body) })
			secret := tt.secret
			if tt.provider == "azure" {
				secret = azureSecret(f.URL, "2024-10-21")
			}
			err := CheckKey(context.Background(), specAt(t, tt.provider, f.URL+tt.base), secret, Options{})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CheckKey: %v", err)
				}
			} else {
				asError(t, err, tt.want)
				noSecret(t, err, testOpenAIKey, testAnthropicKey, testGeminiKey, testAWSSecret, testAzureKey)
			}
			r := f.only(t)
			if r.Method != http.MethodGet || r.Path != tt.wantPath {
				t.Errorf("request %s %s, want GET %s", r.Method, r.Path, tt.wantPath)
			}
			if r.Header.Get(tt.header) == "" {
				t.Errorf("no %s header", tt.header)
			}
			for _, key := range []string{testOpenAIKey, testAnthropicKey, testGeminiKey, testAzureKey} {
				if strings.Contains(r.Query, key) {
					t.Errorf("the key is in the URL")
				}
			}
		})
	}
}

func TestCheckKeyFailures(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {})
	down := f.URL + "/v1"
	f.Close()
	tests := []struct {
		name   string
		spec   Spec
		secret string
		class  Class
	}{
		{"unreachable", specAt(t, "openai", down), testOpenAIKey, ClassNetwork},
		{"no key", specAt(t, "openai", down), "", ClassAuth},
		{"bad structured secret", specAt(t, "azure", ""), "{}", ClassAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckKey(context.Background(), tt.spec, tt.secret, Options{})
			asError(t, err, tt.class)
		})
	}
}

func TestListModels(t *testing.T) {
	tests := []struct {
		name     string
		provider string
		secret   string
		pages    map[string]string // query (or "") → body
		want     []string
	}{
		{name: "openai", provider: "openai", secret: testOpenAIKey,
			pages: map[string]string{"": `{"object":"list","data":[{"id":"gpt-4o"},{"id":"gpt-4o-mini"},{"id":"gpt-4o"}]}`},
			want:  []string{"gpt-4o", "gpt-4o-mini"}},
		{name: "anthropic pages", provider: "anthropic", secret: testAnthropicKey,
			pages: map[string]string{
				"limit=1000":                            `{"data":[{"id":"claude-sonnet-4-5"}],"has_more":true,"last_id":"claude-sonnet-4-5"}`,
				"after_id=claude-sonnet-4-5&limit=1000": `{"data":[{"id":"claude-haiku-4-5"}],"has_more":false}`},
			want: []string{"claude-haiku-4-5", "claude-sonnet-4-5"}},
		{name: "gemini pages", provider: "google", secret: testGeminiKey,
			pages: map[string]string{
				"pageSize=1000":              `{"models":[{"name":"models/gemini-2.5-pro"}],"nextPageToken":"p2"}`,
				"pageSize=1000&pageToken=p2": `{"models":[{"name":"models/gemini-2.5-flash"}]}`},
			want: []string{"gemini-2.5-flash", "gemini-2.5-pro"}},
		{name: "bedrock", provider: "bedrock", secret: testBedrockSecret,
			pages: map[string]string{"": `{"modelSummaries":[{"modelId":"amazon.nova-lite-v1:0"},{"modelId":"anthropic.claude-haiku"}]}`},
			want:  []string{"amazon.nova-lite-v1:0", "anthropic.claude-haiku"}},
		{name: "azure answers its deployment", provider: "azure", want: []string{"prod-4o"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
				body, ok := tt.pages[r.URL.RawQuery]
				if !ok {
					t.Errorf("unexpected page query %q", r.URL.RawQuery)
					reply(w, 404, `{"error":{"message":"no such page"}}`)
					return
				}
				reply(w, 200, body)
			})
			secret := tt.secret
			if tt.provider == "azure" {
				secret = azureSecret(f.URL, "2024-10-21")
			}
			base := f.URL
			if tt.provider == "openai" {
				base += "/v1" // OpenAI-compatible base URLs carry the version path
			}
			got, err := ListModels(context.Background(), specAt(t, tt.provider, base), secret, Options{})
			if err != nil {
				t.Fatalf("ListModels: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("models = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestListModelsErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		class  Class
	}{
		{"rejected key", 401, `{"error":{"message":"bad key","code":"invalid_api_key"}}`, ClassAuth},
		{"not json", 200, `<html>hello</html>`, ClassServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) { reply(w, tt.status, tt.body) })
			_, err := ListModels(context.Background(), specAt(t, "together", f.URL+"/v1"), testOpenAIKey, Options{})
			asError(t, err, tt.class)
		})
	}
}

// TestNotFoundAdvice checks that a 404 gets advice that fits the call: a
// request that names a model points at the model list, while a key check,
// a model listing or a report names no model, so its 404 can only come from
// a wrong base URL.
func TestNotFoundAdvice(t *testing.T) {
	const body = `{"error":{"message":"Not found","type":"invalid_request_error"}}`
	ctx := context.Background()
	tests := []struct {
		name  string
		call  func(spec Spec) error
		says  string
		never string
	}{
		{"a prompt names a model", func(spec Spec) error {
			_, _, err := mustStream(t, spec, testOpenAIKey, hello("gpt-9"))
			return err
		}, "check the model name (`byok models openai --live`)", ""},
		{"a key check", func(spec Spec) error { return CheckKey(ctx, spec, testOpenAIKey, Options{}) },
			"check the provider's base URL (`byok providers` shows it; set base_url under [providers.openai]", "model"},
		{"a model list", func(spec Spec) error {
			_, err := ListModels(ctx, spec, testOpenAIKey, Options{})
			return err
		}, "check the provider's base URL", "model"},
		{"a report's call", func(Spec) error { return ResponseError("openai", http.StatusNotFound, http.Header{}, []byte(body)) },
			"check the provider's base URL", "model"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) { reply(w, http.StatusNotFound, body) })
			e := asError(t, tt.call(specAt(t, "openai", f.URL+"/v1")), ClassNotFound)
			if !strings.Contains(e.Message, tt.says) || !strings.Contains(e.Message, "provider said: Not found") {
				t.Errorf("message %q does not say %q and the provider's words", e.Message, tt.says)
			}
			if tt.never != "" && strings.Contains(e.Message, tt.never) {
				t.Errorf("message %q speaks of a %s, though the call names none", e.Message, tt.never)
			}
		})
	}
}
