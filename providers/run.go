package providers

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// run is the bookkeeping every adapter shares for one request: deltas,
// timings, usage, and the Result and *Error it ends with.
type run struct {
	spec      Spec
	sem       Semantics // how the provider counts usage
	req       Request
	emit      func(Event)
	ctx       context.Context
	x         *exchange
	start     time.Time
	first     time.Duration
	text      strings.Builder
	reasoning strings.Builder
	usage     Usage
	hasUsage  bool
	model     string
	requestID string
}

// sdkStreamer is the Streamer of every adapter built on a provider's SDK:
// it starts the run and has its API build the request, then send it for a
// whole reply (req.NoStream) or a streamed one.
type sdkStreamer[P any] struct {
	spec Spec
	opt  Options
	api  sdkAPI[P]
}

// sdkAPI is one provider API as its SDK speaks it, with P the SDK's
// request parameters.
type sdkAPI[P any] interface {
	// params builds the SDK's request from req.
	params(req Request) P
	// send sends p and reads the reply that comes back whole.
	send(r *run, p P) (Result, error)
	// stream sends p and reads the reply as it streams.
	stream(r *run, p P) (Result, error)
}

func newSDKStreamer[P any](spec Spec, opt Options, api sdkAPI[P]) *sdkStreamer[P] {
	return &sdkStreamer[P]{spec: spec, opt: opt, api: api}
}

// Stream implements Streamer.
func (s *sdkStreamer[P]) Stream(ctx context.Context, req Request, emit func(Event)) (Result, error) {
	r, cancel := startRun(ctx, s.spec, s.opt, req, emit)
	defer cancel()
	p := s.api.params(req)
	if req.NoStream {
		return s.api.send(r, p)
	}
	return s.api.stream(r, p)
}

// startRun prepares a request: it applies the timeout and the exchange
// recorder to ctx. The returned cancel must be called.
func startRun(ctx context.Context, spec Spec, opt Options, req Request, emit func(Event)) (*run, context.CancelFunc) {
	if emit == nil {
		emit = func(Event) {}
	}
	ctx, cancel := withTimeout(ctx, opt.Timeout, 0)
	ctx, x := withExchange(ctx)
	x.watch = newWatch(opt)
	return &run{spec: spec, sem: SemanticsOf(spec.ID), req: req, emit: emit, ctx: ctx, x: x, start: time.Now(), model: req.Model}, cancel
}

func (r *run) mark() {
	if r.first == 0 {
		r.first = max(time.Since(r.start), time.Nanosecond)
	}
}

// textDelta passes on a piece of the reply.
func (r *run) textDelta(s string) { r.delta(&r.text, EventText, s) }

// reasoningDelta passes on a piece of reasoning.
func (r *run) reasoningDelta(s string) { r.delta(&r.reasoning, EventReasoning, s) }

// delta keeps a piece of the reply or of its reasoning in b and passes it
// on as an event of type t; the first piece marks the time to first token.
func (r *run) delta(b *strings.Builder, t EventType, s string) {
	if s == "" {
		return
	}
	r.mark()
	if t == EventText {
		r.x.textBegun()
	}
	b.WriteString(s)
	r.emit(Event{Type: t, Text: s})
}

// rawJSONer is an SDK reply or event that keeps its JSON as received.
type rawJSONer interface{ RawJSON() string }

// sdkEvents is an SDK's stream of events: openai-go's and
// anthropic-sdk-go's ssestream.Stream.
type sdkEvents[T rawJSONer] interface {
	Next() bool
	Current() T
	Err() error
	Close() error
}

// readEvents applies each event of st to r with apply, which reports
// whether the event was an error. It returns that event's JSON, or the
// stream's error once it ends. It closes st.
func readEvents[T rawJSONer](r *run, st sdkEvents[T], apply func(*run, gjson.Result) (failed bool)) ([]byte, error) {
	defer st.Close()
	for st.Next() {
		raw := []byte(st.Current().RawJSON())
		doc, ok := parseJSON(raw)
		if !ok {
			continue
		}
		if apply(r, doc) {
			return raw, nil
		}
	}
	return nil, st.Err()
}

// whole ends run r with the answer of an SDK call for a reply that comes
// whole (req.NoStream): resp, whose body as received the SDK keeps, or
// err. what names the body in the error when it is not JSON, and read
// applies it, reporting whether it is a failed reply.
func whole[T rawJSONer](r *run, resp T, err error, what string, read func(*run, gjson.Result) (failed bool)) (Result, error) {
	if err != nil {
		return r.done(err)
	}
	raw := []byte(resp.RawJSON())
	doc, ok := parseJSON(raw)
	if !ok {
		return r.done(errors.New("malformed " + what))
	}
	if read(r, doc) {
		return r.streamFailure(raw, nil)
	}
	return r.done(nil)
}

// setUsage records the provider's usage (the latest wins) and passes it on.
func (r *run) setUsage(u Usage) {
	r.usage, r.hasUsage = u, true
	r.emit(Event{Type: EventUsage, Usage: u})
}

// estimateOutput raises the reported output count to a local count of the
// text received, for a reply cut before its final usage arrived.
func (r *run) estimateOutput() {
	reasoning := EstimateTokens(r.reasoning.String())
	out := EstimateTokens(r.text.String()) + reasoning
	if out > r.usage.Output {
		r.usage.Output = out
		r.usage.Reasoning = max(r.usage.Reasoning, min(reasoning, out))
	}
	r.usage.Estimated = true
}

// started reports whether any part of the reply has arrived.
func (r *run) started() bool { return r.text.Len() > 0 || r.reasoning.Len() > 0 || r.hasUsage }

// result builds the Result, estimating usage when the provider answered but
// reported none (a cut stream, a provider that ignores include_usage).
func (r *run) result() Result {
	status, header, _ := r.x.snapshot()
	res := Result{
		Text:       r.text.String(),
		Usage:      r.usage,
		HasUsage:   r.hasUsage,
		Model:      r.model,
		RequestID:  r.requestID,
		FirstToken: r.first,
		Latency:    time.Since(r.start),
		Status:     status,
	}
	if res.RequestID == "" && header != nil {
		res.RequestID = requestIDOf(header, providerError{})
	}
	if !r.hasUsage && status >= 200 && status < 300 {
		reasoning := EstimateTokens(r.reasoning.String())
		res.Usage = Usage{
			Input:     estimateRequest(r.req),
			Output:    EstimateTokens(res.Text) + reasoning,
			Reasoning: reasoning,
			Estimated: true,
		}
	}
	return res
}

// done ends the request: err is nil, an *Error, or whatever the SDK
// returned, which is classified here.
func (r *run) done(err error) (Result, error) {
	res := r.result()
	if st := r.x.stalled(); st != nil {
		// The provider went silent and byok stopped waiting, whatever the
		// SDK made of the broken read (some end the stream quietly).
		err = st
	}
	if err == nil && !r.hasUsage && r.text.Len() == 0 && r.reasoning.Len() == 0 && r.ctx.Err() == nil {
		// A 200 reply with nothing byok could read in it — an empty body,
		// or data of another API — is not an empty answer: nothing was
		// generated, and the user should hear why.
		status, _, _ := r.x.snapshot()
		return res, &Error{Class: ClassServer, Status: status, Provider: r.spec.ID,
			Message: "the provider answered but sent no reply byok could read (empty or malformed body): retry, or check that the base URL points at the right API"}
	}
	if err == nil {
		return res, nil
	}
	return res, r.toError(err)
}

// streamFailure ends the request with an error that arrived inside a 200
// reply (an SSE error event, an error chunk).
func (r *run) streamFailure(data []byte, cause error) (Result, error) {
	_, header, _ := r.x.snapshot()
	e := newError(failure{provider: r.spec.ID, status: http.StatusOK, header: header, body: data,
		cause: cause, streamed: true, model: r.req.Model})
	return r.result(), e
}

// toError classifies an SDK error using what the exchange recorded.
func (r *run) toError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	status, header, body := r.x.snapshot()
	if status >= 400 {
		return newError(failure{provider: r.spec.ID, status: status, header: header, body: body, cause: err, model: r.req.Model})
	}
	if r.ctx.Err() != nil {
		return transportError(r.spec.ID, r.ctx, r.ctx.Err(), r.started())
	}
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	if errors.As(err, &syn) || errors.As(err, &typ) {
		return &Error{Class: ClassServer, Status: status, Provider: r.spec.ID, Cause: redactedError(err),
			Message: "the provider sent a reply byok could not read (malformed JSON): retry, or check the base URL points at the right API"}
	}
	return transportError(r.spec.ID, r.ctx, err, r.started())
}

// sdkErrorData finds the JSON of an error event in an SDK error that reports
// one as text ("received error while streaming: {…}").
func sdkErrorData(err error) ([]byte, bool) {
	if err == nil {
		return nil, false
	}
	msg := err.Error()
	i := strings.Index(msg, "{")
	if i < 0 || !strings.Contains(msg[:i], "error") {
		return nil, false
	}
	data := []byte(msg[i:])
	if _, ok := parseJSON(data); !ok {
		return nil, false
	}
	return data, true
}
