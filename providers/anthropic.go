package providers

import (
	"errors"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
	"github.com/tidwall/gjson"
)

// anthropicVersion is the Messages API version byok speaks.
const anthropicVersion = "2023-06-01"

// defaultAnthropicMaxTokens is sent when the request sets no cap: the
// Messages API requires one.
const defaultAnthropicMaxTokens = 8192

// thinkingBudget maps a reasoning effort to an extended-thinking budget.
var thinkingBudget = map[string]int64{"low": 1024, "medium": 4096, "high": 16384}

// anthropicAPI speaks the Anthropic Messages API.
type anthropicAPI struct {
	svc anthropic.MessageService
}

// anthropicOptions configures anthropic-sdk-go explicitly. The service is
// built directly (not through anthropic.NewClient), so the SDK never reads
// ANTHROPIC_BASE_URL, ANTHROPIC_AUTH_TOKEN, profiles or federation settings
// from the environment. Retries are off: callers decide.
func anthropicOptions(base, key string, opt Options) []option.RequestOption {
	return []option.RequestOption{
		option.WithHTTPClient(httpClient(opt)),
		option.WithBaseURL(base + "/"),
		option.WithAPIKey(key),
		option.WithMaxRetries(0),
		option.WithHeader("anthropic-version", anthropicVersion),
	}
}

func newAnthropic(spec Spec, key string, opt Options) (Streamer, error) {
	base, err := baseURL(spec)
	if err != nil {
		return nil, err
	}
	api := anthropicAPI{svc: anthropic.NewMessageService(anthropicOptions(base, key, opt)...)}
	return newSDKStreamer[anthropic.MessageNewParams](spec, opt, api), nil
}

func (anthropicAPI) params(req Request) anthropic.MessageNewParams {
	maxTokens := int64(req.MaxTokens)
	if maxTokens <= 0 {
		maxTokens = defaultAnthropicMaxTokens
	}
	p := anthropic.MessageNewParams{Model: anthropic.Model(req.Model)}
	if req.System != "" {
		p.System = []anthropic.TextBlockParam{{Text: req.System}}
	}
	for _, m := range req.Messages {
		if m.Role == RoleAssistant {
			p.Messages = append(p.Messages, anthropic.NewAssistantMessage(anthropic.NewTextBlock(m.Content)))
		} else {
			p.Messages = append(p.Messages, anthropic.NewUserMessage(anthropic.NewTextBlock(m.Content)))
		}
	}
	if budget, ok := thinkingBudget[req.ReasoningEffort]; ok {
		// The thinking budget counts against max_tokens and must stay below
		// it; the API also refuses a temperature with thinking on.
		p.Thinking = anthropic.ThinkingConfigParamOfEnabled(budget)
		if maxTokens <= budget {
			maxTokens += budget
		}
	} else if req.Temperature != nil {
		p.Temperature = anthropic.Float(*req.Temperature)
	}
	p.MaxTokens = maxTokens
	return p
}

// send asks the Messages API for a whole message.
func (a anthropicAPI) send(r *run, p anthropic.MessageNewParams) (Result, error) {
	msg, err := a.svc.New(r.ctx, p)
	return whole(r, msg, err, "message body", anthropicBody)
}

// stream reads the Messages API's event stream.
func (a anthropicAPI) stream(r *run, p anthropic.MessageNewParams) (Result, error) {
	var acc anthropicUsage
	data, err := a.consume(r, &acc, p)
	if acc.seen && !acc.closed {
		// Cut after message_start: the input counts are exact but the output
		// count is a placeholder; count the text received instead.
		r.estimateOutput()
	}
	if data != nil {
		return r.streamFailure(data, err)
	}
	return r.done(err)
}

// consume reads the event stream. It returns the data of an error event
// that arrived inside the 200 stream, if any, and the stream's error.
func (a anthropicAPI) consume(r *run, acc *anthropicUsage, p anthropic.MessageNewParams) ([]byte, error) {
	data, err := readEvents(r, a.svc.NewStreaming(r.ctx, p), func(r *run, ev gjson.Result) bool {
		return anthropicEvent(r, acc, ev)
	})
	if data != nil || err == nil {
		return data, nil
	}
	if status, _, _ := r.x.snapshot(); status < 400 {
		// An "event: error" inside the 200 stream (overloaded_error…).
		if data, ok := anthropicErrorData(err); ok {
			return data, err
		}
	}
	return nil, err
}

// anthropicErrorData finds the error event's JSON in what the SDK returned
// for it.
func anthropicErrorData(err error) ([]byte, bool) {
	var ae *anthropic.Error
	if errors.As(err, &ae) && ae.RawJSON() != "" {
		return []byte(ae.RawJSON()), true
	}
	return sdkErrorData(err)
}

// anthropicEvent applies one streamed event; it reports whether the event
// was an error.
func anthropicEvent(r *run, acc *anthropicUsage, ev gjson.Result) (failed bool) {
	switch text(ev.Get("type")) {
	case "message_start":
		if m := text(ev.Get("message.model")); m != "" {
			r.model = m
		}
		acc.reset()
		acc.apply(ev.Get("message.usage"))
		if u, ok := acc.usage(); ok {
			r.setUsage(u)
		}
	case "content_block_delta":
		d := ev.Get("delta")
		switch text(d.Get("type")) {
		case "text_delta":
			r.textDelta(text(d.Get("text")))
		case "thinking_delta":
			r.reasoningDelta(text(d.Get("thinking")))
		}
	case "message_delta":
		acc.closed = true
		acc.apply(ev.Get("usage"))
		if u, ok := acc.usage(); ok {
			r.setUsage(u)
		}
	case "error":
		return true
	}
	return false
}

// anthropicBody applies a whole (non-streamed) message. It never reports a
// failure: the API answers a failed request with an error status instead.
func anthropicBody(r *run, doc gjson.Result) (failed bool) {
	if m := text(doc.Get("model")); m != "" {
		r.model = m
	}
	for _, b := range doc.Get("content").Array() {
		switch text(b.Get("type")) {
		case "thinking":
			r.reasoningDelta(text(b.Get("thinking")))
		case "text":
			r.textDelta(text(b.Get("text")))
		}
	}
	var acc anthropicUsage
	acc.apply(doc.Get("usage"))
	if u, ok := acc.usage(); ok {
		r.setUsage(u)
	}
	return false
}
