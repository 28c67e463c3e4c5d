package providers

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/internal/ssetest"
)

const (
	gemChunk1 = `{"candidates":[{"content":{"role":"model","parts":[{"text":"Let me see","thought":true}]},"index":0}],"usageMetadata":{"promptTokenCount":31,"totalTokenCount":31},"modelVersion":"gemini-2.5-flash","responseId":"abcXYZ"}`
	gemChunk2 = `{"candidates":[{"content":{"role":"model","parts":[{"text":"Hi"}]},"index":0}],"usageMetadata":{"promptTokenCount":31,"candidatesTokenCount":2,"thoughtsTokenCount":60,"totalTokenCount":93},"modelVersion":"gemini-2.5-flash","responseId":"abcXYZ"}`
	gemChunk3 = `{"candidates":[{"content":{"role":"model","parts":[{"text":"!"}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":31,"candidatesTokenCount":7,"thoughtsTokenCount":120,"cachedContentTokenCount":16,"totalTokenCount":158,"promptTokensDetails":[{"modality":"TEXT","tokenCount":31}]},"modelVersion":"gemini-2.5-flash","responseId":"abcXYZ"}`
)

func TestGeminiStream(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { ssetest.Write(w, gemChunk1, gemChunk2, gemChunk3) })
	req := hello("gemini-2.5-flash")
	req.ReasoningEffort = "medium"
	res, c, err := mustStream(t, specAt(t, "gemini", f.URL), testGeminiKey, req)
	if err != nil {
		t.Fatal(err)
	}
	// The last usageMetadata wins; thoughts are output and reasoning;
	// cached content is part of the prompt count.
	want := Usage{Input: 15, CacheRead: 16, Output: 127, Reasoning: 120}
	if res.Text != "Hi!" || c.reasoning.String() != "Let me see" || res.Usage != want || !res.HasUsage {
		t.Errorf("text %q reasoning %q usage %+v", res.Text, c.reasoning.String(), res.Usage)
	}
	if res.Model != "gemini-2.5-flash" || res.RequestID != "abcXYZ" {
		t.Errorf("model %q request %q", res.Model, res.RequestID)
	}
	r := f.only(t)
	if r.Path != "/v1beta/models/gemini-2.5-flash:streamGenerateContent" || r.Query != "alt=sse" {
		t.Errorf("request %s?%s", r.Path, r.Query)
	}
	if r.Header.Get("x-goog-api-key") != testGeminiKey || strings.Contains(r.Query, testGeminiKey) {
		t.Errorf("key header %q, query %q", r.Header.Get("x-goog-api-key"), r.Query)
	}
	body := r.JSON(t)
	gc, _ := body["generationConfig"].(map[string]any)
	tc, _ := gc["thinkingConfig"].(map[string]any)
	if gc["maxOutputTokens"] != float64(64) || tc["thinkingBudget"] != float64(8192) || body["systemInstruction"] == nil {
		t.Errorf("body = %s", r.Body)
	}
}

func TestGeminiNoStream(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		reply(w, 200, `{"candidates":[{"content":{"role":"model","parts":[{"text":"Hi!"}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":31,"candidatesTokenCount":7,"thoughtsTokenCount":120,"cachedContentTokenCount":0,"toolUsePromptTokenCount":5,"totalTokenCount":163},"modelVersion":"gemini-2.5-flash","responseId":"abcXYZ"}`)
	})
	req := hello("gemini-2.5-flash")
	req.NoStream = true
	res, _, err := mustStream(t, specAt(t, "google", f.URL), testGeminiKey, req)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Usage{Input: 36, Output: 127, Reasoning: 120}); res.Text != "Hi!" || res.Usage != want {
		t.Errorf("text %q usage %+v", res.Text, res.Usage)
	}
	if r := f.only(t); r.Path != "/v1beta/models/gemini-2.5-flash:generateContent" {
		t.Errorf("path = %s", r.Path)
	}
}

func TestGeminiCutStream(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { cut(w, gemChunk1, gemChunk2) })
	res, _, err := mustStream(t, specAt(t, "google", f.URL), testGeminiKey, hello("gemini-2.5-flash"))
	asError(t, err, ClassNetwork)
	// Gemini's running usageMetadata is kept as reported.
	if want := (Usage{Input: 31, Output: 62, Reasoning: 60}); res.Text != "Hi" || res.Usage != want || !res.HasUsage {
		t.Errorf("text %q usage %+v", res.Text, res.Usage)
	}
}

func TestGeminiErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		class  Class
		retry  time.Duration
	}{
		{name: "invalid key is a 400", status: 400,
			body:  `{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com","metadata":{"service":"generativelanguage.googleapis.com"}},{"@type":"type.googleapis.com/google.rpc.LocalizedMessage","locale":"en-US","message":"API key not valid. Please pass a valid API key."}]}}`,
			class: ClassAuth},
		{name: "key not found variant", status: 400,
			body: `{"error":{"code":400,"message":"API Key not found. Please pass a valid API key.","status":"INVALID_ARGUMENT"}}`, class: ClassAuth},
		{name: "permission denied", status: 403,
			body: `{"error":{"code":403,"message":"Generative Language API has not been used in project 123 before or it is disabled.","status":"PERMISSION_DENIED"}}`, class: ClassAuth},
		{name: "rate limit with RetryInfo", status: 429,
			body:  `{"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing details.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":"generativelanguage.googleapis.com/generate_content_free_tier_requests","quotaId":"GenerateRequestsPerMinutePerProjectPerModel-FreeTier","quotaDimensions":{"location":"global","model":"gemini-2.5-flash"},"quotaValue":"10"}]},{"@type":"type.googleapis.com/google.rpc.Help","links":[{"description":"Learn more","url":"https://ai.google.dev/gemini-api/docs/rate-limits"}]},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"26s"}]}}`,
			class: ClassRateLimit, retry: 26 * time.Second},
		{name: "prepaid credits depleted", status: 429,
			body: `{"error":{"code":429,"message":"Your prepayment credits are depleted. Please go to AI Studio to manage your project and billing.","status":"RESOURCE_EXHAUSTED"}}`, class: ClassCredit},
		{name: "model not found", status: 404,
			body: `{"error":{"code":404,"message":"models/gemini-9 is not found for API version v1beta","status":"NOT_FOUND"}}`, class: ClassNotFound},
		{name: "unavailable", status: 503,
			body: `{"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}}`, class: ClassOverloaded},
		{name: "internal", status: 500, body: `{"error":{"code":500,"message":"An internal error has occurred.","status":"INTERNAL"}}`, class: ClassServer},
		{name: "empty body", status: 500, body: ``, class: ClassServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) { reply(w, tt.status, tt.body) })
			_, _, err := mustStream(t, specAt(t, "google", f.URL), testGeminiKey, hello("gemini-2.5-flash"))
			e := asError(t, err, tt.class)
			noSecret(t, err, testGeminiKey)
			f.only(t)
			if e.Status != tt.status || e.RetryAfter != tt.retry {
				t.Errorf("status %d retry %v", e.Status, e.RetryAfter)
			}
		})
	}
}

func TestGeminiErrorInsideStream(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		ssetest.Write(w, gemChunk1, `{"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}}`)
	})
	res, _, err := mustStream(t, specAt(t, "google", f.URL), testGeminiKey, hello("gemini-2.5-flash"))
	e := asError(t, err, ClassOverloaded)
	if e.Status != 503 || !strings.Contains(e.Message, "mid-reply") || res.Usage.Input != 31 {
		t.Errorf("error %+v result %+v", e, res)
	}
}
