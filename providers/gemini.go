package providers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"google.golang.org/genai"
)

// geminiThinkingBudget maps a reasoning effort to a thinking budget.
var geminiThinkingBudget = map[string]int32{"low": 1024, "medium": 8192, "high": 24576}

// geminiAPI speaks the Gemini API (generativelanguage.googleapis.com)
// through google.golang.org/genai.
type geminiAPI struct {
	models *genai.Models
}

// geminiRequest is what a generateContent call takes.
type geminiRequest struct {
	model    string
	contents []*genai.Content
	config   *genai.GenerateContentConfig
}

func newGemini(spec Spec, key string, opt Options) (Streamer, error) {
	base, err := baseURL(spec)
	if err != nil {
		return nil, err
	}
	// Every field genai would otherwise take from the environment is set:
	// the key (GEMINI_API_KEY, GOOGLE_API_KEY), the backend
	// (GOOGLE_GENAI_USE_VERTEXAI) and the base URL (GOOGLE_GEMINI_BASE_URL).
	// One attempt only: callers decide about retries.
	attempts := int32(1)
	c, err := genai.NewClient(context.Background(), &genai.ClientConfig{
		APIKey:     key,
		Backend:    genai.BackendGeminiAPI,
		HTTPClient: httpClient(opt),
		HTTPOptions: genai.HTTPOptions{
			BaseURL:      base + "/",
			APIVersion:   "v1beta",
			RetryOptions: &genai.HTTPRetryOptions{Attempts: &attempts},
		},
	})
	if err != nil {
		return nil, fmt.Errorf("set up the Gemini client for %s: %w", spec.ID, redactedError(err))
	}
	return newSDKStreamer[geminiRequest](spec, opt, geminiAPI{models: c.Models}), nil
}

func (geminiAPI) params(req Request) geminiRequest {
	contents := make([]*genai.Content, 0, len(req.Messages))
	for _, m := range req.Messages {
		role := genai.RoleUser
		if m.Role == RoleAssistant {
			role = genai.RoleModel
		}
		contents = append(contents, &genai.Content{Role: role, Parts: []*genai.Part{{Text: m.Content}}})
	}
	// Automatic continuation would send the request again behind byok's
	// back (and bill it): off.
	off := false
	cfg := &genai.GenerateContentConfig{AutomaticContinuation: &off}
	if req.System != "" {
		cfg.SystemInstruction = &genai.Content{Parts: []*genai.Part{{Text: req.System}}}
	}
	if req.MaxTokens > 0 {
		cfg.MaxOutputTokens = int32(min(req.MaxTokens, 1<<30))
	}
	if req.Temperature != nil {
		t := float32(*req.Temperature)
		cfg.Temperature = &t
	}
	if b, ok := geminiThinkingBudget[req.ReasoningEffort]; ok {
		cfg.ThinkingConfig = &genai.ThinkingConfig{IncludeThoughts: true, ThinkingBudget: &b}
	}
	return geminiRequest{model: req.Model, contents: contents, config: cfg}
}

// send calls generateContent.
func (a geminiAPI) send(r *run, p geminiRequest) (Result, error) {
	resp, err := a.models.GenerateContent(r.ctx, p.model, p.contents, p.config)
	if err != nil {
		return geminiFailure(r, err)
	}
	geminiChunk(r, resp)
	return r.done(nil)
}

// stream calls streamGenerateContent?alt=sse. Usage is the last
// usageMetadata seen.
func (a geminiAPI) stream(r *run, p geminiRequest) (Result, error) {
	for resp, err := range a.models.GenerateContentStream(r.ctx, p.model, p.contents, p.config) {
		if err != nil {
			return geminiFailure(r, err)
		}
		geminiChunk(r, resp)
	}
	return r.done(nil)
}

// geminiFailure classifies a genai error. An HTTP error is read from the
// recorded exchange; an error inside the 200 stream comes as a
// genai.APIError.
func geminiFailure(r *run, err error) (Result, error) {
	var ae genai.APIError
	if status, _, _ := r.x.snapshot(); status > 0 && status < 400 && errors.As(err, &ae) {
		data, _ := json.Marshal(map[string]genai.APIError{"error": ae})
		return r.streamFailure(data, err)
	}
	return r.done(err)
}

func geminiChunk(r *run, resp *genai.GenerateContentResponse) {
	if resp == nil {
		return
	}
	if resp.ModelVersion != "" {
		r.model = resp.ModelVersion
	}
	if resp.ResponseID != "" && r.requestID == "" {
		r.requestID = resp.ResponseID
	}
	for _, c := range resp.Candidates {
		if c == nil || c.Content == nil {
			continue
		}
		for _, p := range c.Content.Parts {
			if p == nil {
				continue
			}
			if p.Thought {
				r.reasoningDelta(p.Text)
			} else {
				r.textDelta(p.Text)
			}
		}
	}
	if m := resp.UsageMetadata; m != nil {
		r.setUsage(geminiCounts{
			Prompt:        int64(m.PromptTokenCount),
			Cached:        int64(m.CachedContentTokenCount),
			Candidates:    int64(m.CandidatesTokenCount),
			Thoughts:      int64(m.ThoughtsTokenCount),
			ToolUsePrompt: int64(m.ToolUsePromptTokenCount),
		}.usage())
	}
}
