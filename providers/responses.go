package providers

import (
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/responses"
	"github.com/openai/openai-go/v3/shared"
	"github.com/tidwall/gjson"
)

// responsesAPI speaks the OpenAI Responses API. Usage arrives with the
// final response.completed (or response.incomplete / response.failed) event.
type responsesAPI struct {
	svc   responses.ResponseService
	model string // when set, sent instead of Request.Model (Azure's deployment)
}

func newResponses(spec Spec, key string, opt Options) (Streamer, error) {
	base, err := baseURL(spec)
	if err != nil {
		return nil, err
	}
	api := responsesAPI{svc: responses.NewResponseService(openaiOptions(base, key, httpClient(opt))...)}
	return newSDKStreamer[responses.ResponseNewParams](spec, opt, api), nil
}

func (a responsesAPI) params(req Request) responses.ResponseNewParams {
	model := req.Model
	if a.model != "" {
		model = a.model
	}
	// Store is off: byok keeps its own record and has no use for the
	// provider keeping the conversation.
	p := responses.ResponseNewParams{Model: shared.ResponsesModel(model), Store: openai.Bool(false)}
	if req.System != "" {
		p.Instructions = openai.String(req.System)
	}
	items := make(responses.ResponseInputParam, 0, len(req.Messages))
	for _, m := range req.Messages {
		role := responses.EasyInputMessageRole("user")
		if m.Role == RoleAssistant {
			role = "assistant"
		}
		items = append(items, responses.ResponseInputItemParamOfMessage(m.Content, role))
	}
	p.Input = responses.ResponseNewParamsInputUnion{OfInputItemList: items}
	if req.MaxTokens > 0 {
		p.MaxOutputTokens = openai.Int(int64(req.MaxTokens))
	}
	if req.Temperature != nil {
		p.Temperature = openai.Float(*req.Temperature)
	}
	if req.ReasoningEffort != "" {
		p.Reasoning = shared.ReasoningParam{Effort: shared.ReasoningEffort(req.ReasoningEffort), Summary: "auto"}
	}
	return p
}

// send asks the Responses API for a whole response.
func (a responsesAPI) send(r *run, p responses.ResponseNewParams) (Result, error) {
	resp, err := a.svc.New(r.ctx, p)
	return whole(r, resp, err, "response body", responseBody)
}

// stream reads the Responses API's event stream.
func (a responsesAPI) stream(r *run, p responses.ResponseNewParams) (Result, error) {
	return consumeOpenAIStream(r, a.svc.NewStreaming(r.ctx, p), responsesEvent)
}

// responsesEvent applies one streamed event; it reports whether the event
// ended the reply with an error.
func responsesEvent(r *run, ev gjson.Result) (failed bool) {
	switch text(ev.Get("type")) {
	case "response.output_text.delta":
		r.textDelta(text(ev.Get("delta")))
	case "response.reasoning_summary_text.delta", "response.reasoning_text.delta":
		r.reasoningDelta(text(ev.Get("delta")))
	case "response.created", "response.in_progress":
		if m := text(ev.Get("response.model")); m != "" {
			r.model = m
		}
	case "response.completed", "response.incomplete":
		responseFinal(r, ev.Get("response"))
	case "response.failed":
		responseFinal(r, ev.Get("response"))
		return true
	case "error":
		return true
	}
	return false
}

func responseFinal(r *run, resp gjson.Result) {
	if m := text(resp.Get("model")); m != "" {
		r.model = m
	}
	if u, ok := responsesUsage(resp); ok {
		r.setUsage(u)
	}
}

// responseBody applies a whole response object; it reports whether the
// response failed.
func responseBody(r *run, doc gjson.Result) (failed bool) {
	for _, item := range doc.Get("output").Array() {
		switch text(item.Get("type")) {
		case "reasoning":
			for _, s := range item.Get("summary").Array() {
				r.reasoningDelta(text(s.Get("text")))
			}
		case "message":
			for _, c := range item.Get("content").Array() {
				if text(c.Get("type")) == "output_text" {
					r.textDelta(text(c.Get("text")))
				}
			}
		}
	}
	responseFinal(r, doc)
	return text(doc.Get("status")) == "failed"
}
