package providers

import (
	"cmp"
	"errors"
	"net/http"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/ssestream"
	"github.com/openai/openai-go/v3/shared"
	"github.com/tidwall/gjson"
)

// openaiOptions configures an openai-go service explicitly. The services are
// built directly (not through openai.NewClient), so the SDK never reads its
// environment defaults (OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_ORG_ID,
// OPENAI_PROJECT_ID, OPENAI_CUSTOM_HEADERS…): a base URL or header meant for
// OpenAI never leaks to another provider. Retries are off: callers decide.
func openaiOptions(base, key string, client *http.Client, extra ...option.RequestOption) []option.RequestOption {
	opts := []option.RequestOption{
		option.WithHTTPClient(client),
		option.WithBaseURL(base + "/"),
		option.WithMaxRetries(0),
	}
	if key != "" {
		opts = append(opts, option.WithAPIKey(key))
	}
	return append(opts, extra...)
}

// chatAPI speaks OpenAI Chat Completions, for OpenAI and every compatible
// provider.
type chatAPI struct {
	svc openai.ChatCompletionService
	// maxCompletion sends max_completion_tokens (OpenAI, Azure) instead of
	// the max_tokens compatible providers understand.
	maxCompletion bool
	// model, when set, is sent whatever Request.Model says: Azure
	// requests always go to the secret's deployment.
	model string
}

func newChat(spec Spec, key string, opt Options) (Streamer, error) {
	base, err := baseURL(spec)
	if err != nil {
		return nil, err
	}
	api := chatAPI{
		svc:           openai.NewChatCompletionService(openaiOptions(base, key, httpClient(opt))...),
		maxCompletion: spec.ID == "openai",
	}
	return newSDKStreamer[openai.ChatCompletionNewParams](spec, opt, api), nil
}

func (a chatAPI) params(req Request) openai.ChatCompletionNewParams {
	model := req.Model
	if a.model != "" {
		model = a.model
	}
	p := openai.ChatCompletionNewParams{Model: shared.ChatModel(model)}
	if req.System != "" {
		p.Messages = append(p.Messages, openai.SystemMessage(req.System))
	}
	for _, m := range req.Messages {
		if m.Role == RoleAssistant {
			p.Messages = append(p.Messages, openai.AssistantMessage(m.Content))
		} else {
			p.Messages = append(p.Messages, openai.UserMessage(m.Content))
		}
	}
	if req.MaxTokens > 0 {
		if a.maxCompletion {
			p.MaxCompletionTokens = openai.Int(int64(req.MaxTokens))
		} else {
			p.MaxTokens = openai.Int(int64(req.MaxTokens))
		}
	}
	if req.Temperature != nil {
		p.Temperature = openai.Float(*req.Temperature)
	}
	if req.ReasoningEffort != "" {
		p.ReasoningEffort = shared.ReasoningEffort(req.ReasoningEffort)
	}
	return p
}

// send asks for a whole chat completion.
func (a chatAPI) send(r *run, p openai.ChatCompletionNewParams) (Result, error) {
	resp, err := a.svc.New(r.ctx, p)
	return whole(r, resp, err, "chat completion body", chatBody)
}

// stream asks for a streamed chat completion, with
// stream_options.include_usage so that the last chunk carries the usage.
func (a chatAPI) stream(r *run, p openai.ChatCompletionNewParams) (Result, error) {
	p.StreamOptions = openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)}
	return consumeOpenAIStream(r, a.svc.NewStreaming(r.ctx, p), chatChunk)
}

// consumeOpenAIStream reads an openai-go stream (chat chunks or Responses
// events), applying each item's raw JSON with apply, which reports whether
// the item ended the reply with an error.
func consumeOpenAIStream[T rawJSONer](r *run, st *ssestream.Stream[T], apply func(*run, gjson.Result) bool) (Result, error) {
	data, err := readEvents(r, st, apply)
	if data != nil {
		return r.streamFailure(data, nil)
	}
	var se *ssestream.StreamError
	if errors.As(err, &se) {
		return r.streamFailure(se.Event.Data, err)
	}
	return r.done(err)
}

// chatChunk applies one streamed chunk; it reports whether the chunk ended
// the reply with an error (OpenRouter's finish_reason "error").
func chatChunk(r *run, doc gjson.Result) (failed bool) {
	if m := text(doc.Get("model")); m != "" {
		r.model = m
	}
	if r.requestID == "" {
		// Groq's id, else OpenRouter's generation id, which its /generation
		// prices exactly. Once one is known, later chunks are not searched.
		r.requestID = cmp.Or(text(doc.Get("x_groq.id")), GenerationID(text(doc.Get("id"))))
	}
	for _, c := range doc.Get("choices").Array() {
		d := c.Get("delta")
		r.reasoningDelta(text(d.Get("reasoning_content")) + text(d.Get("reasoning")))
		r.textDelta(text(d.Get("content")))
		if text(c.Get("finish_reason")) == "error" {
			failed = true
		}
	}
	if u, ok := chatChunkUsage(doc, r.sem); ok {
		r.setUsage(u)
	}
	return failed
}

// chatBody applies a whole (non-streamed) chat completion. It never reports
// a failure: the API answers a failed request with an error status instead.
func chatBody(r *run, doc gjson.Result) (failed bool) {
	if m := text(doc.Get("model")); m != "" {
		r.model = m
	}
	if id := GenerationID(text(doc.Get("id"))); id != "" && r.requestID == "" {
		r.requestID = id
	}
	msg := doc.Get("choices.0.message")
	r.reasoningDelta(text(msg.Get("reasoning_content")) + text(msg.Get("reasoning")))
	r.textDelta(text(msg.Get("content")))
	if u, ok := chatChunkUsage(doc, r.sem); ok {
		r.setUsage(u)
	}
	return false
}
