package providers

import (
	"net/http"
	"strings"
	"testing"

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
