package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/gjson"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/redact"
)

// Limits on what the proxy keeps of a response while relaying it.
const (
	// maxErrorBody bounds a provider error body (it is redacted whole).
	maxErrorBody = 1 << 20
	// maxAccumulated bounds a non-streamed body kept for reading usage.
	maxAccumulated = 64 << 20
	// maxText bounds the reply text kept for local estimates.
	maxText = 4 << 20
)

// Buffers are pooled so that many concurrent streams and big bodies do not
// churn memory.
var (
	bufPool = sync.Pool{New: func() any { b := make([]byte, 16<<10); return &b }}
	// ssePool holds the SSE scanners' buffers. A stream holds one for as
	// long as it is open, so they start small: an event longer than the
	// buffer grows it, and one grown past maxPooledSSE is left to the GC.
	ssePool = sync.Pool{New: func() any { b := make([]byte, 0, sseBufSize); return &b }}
)

// SSE scanner buffer sizes: most events of the providers' streams are a
// few hundred bytes; sseMinRead is the least room a read is given.
const (
	sseBufSize   = 1 << 10
	sseMinRead   = 512
	maxPooledSSE = 64 << 10
)

// requestOf is the neutral view of a proxied request the budget check
// needs: the model and the output cap.
func requestOf(t *target) providers.Request {
	return providers.Request{Model: t.model, MaxTokens: maxTokensOf(t.body)}
}

// send sends the request upstream. It returns the relay for a successful
// reply, its status and headers written, or nil when the request is
// answered and recorded already: no response, or an error reply (passed
// on redacted).
func (s *Server) send(ctx context.Context, w http.ResponseWriter, r *http.Request, t *target, run *app.Run) *relay {
	req, body, err := s.upstreamRequest(ctx, r, t, run.Secret())
	if err != nil {
		pe := &providers.Error{Class: providers.ClassAuth, Provider: t.spec.ID, Message: redact.String(err.Error())}
		writeError(w, t.shape, http.StatusBadRequest, "byok_bad_credentials", pe.Message)
		s.finish(ctx, run, providers.Result{}, pe)
		return nil
	}
	start := time.Now()
	resp, err := s.upstream.Do(req)
	// Sent, and no longer to be sent again: the bytes of a long prompt are
	// not kept for as long as its reply streams.
	body.release()
	t.body = nil
	if err != nil {
		pe := transportError(ctx, t.spec.ID, err)
		if pe.Class != providers.ClassCancelled {
			writeError(w, t.shape, http.StatusBadGateway, "byok_upstream_unreachable", pe.Message)
		}
		s.finish(ctx, run, providers.Result{Latency: time.Since(start)}, pe)
		return nil
	}
	if resp.StatusCode >= 400 {
		defer resp.Body.Close()
		res := providers.Result{Status: resp.StatusCode, RequestID: requestID(resp.Header)}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		clean := []byte(redact.String(string(body)))
		copyResponseHeaders(w.Header(), resp.Header)
		w.WriteHeader(resp.StatusCode)
		// Sent at once but, like any reply, finished only once recorded.
		if _, err := w.Write(clean); err == nil {
			_ = http.NewResponseController(w).Flush() // a client that went away is recorded all the same
		}
		res.Latency = time.Since(start)
		pe := upstreamError(t.spec.ID, resp.StatusCode, body)
		pe.RequestID = res.RequestID
		s.finish(ctx, run, res, pe)
		return nil
	}
	rl := &relay{
		ctx: ctx, run: run, resp: resp,
		t: t, w: w, rc: http.NewResponseController(w),
		usage: usageReader(t), start: start,
	}
	// The reply goes out chunked, even when the provider gave a length: its
	// final chunk is written once the request is recorded, so a client
	// that received a reply in full has its request in the database.
	copyResponseHeaders(w.Header(), resp.Header)
	w.WriteHeader(resp.StatusCode)
	return rl
}

// copy relays the reply: event by event for a stream, read by read
// otherwise.
func (rl *relay) copy() error {
	if strings.HasPrefix(strings.ToLower(rl.resp.Header.Get("Content-Type")), "text/event-stream") {
		return rl.stream(rl.ctx, rl.resp.Body)
	}
	return rl.body(rl.ctx, rl.resp.Body)
}

// settle records a relayed reply once its bytes are out, all but the
// final chunk. A reply the provider cut is then cut for the client too.
func (s *Server) settle(rl *relay, callErr error) {
	res := providers.Result{
		Status: rl.resp.StatusCode, RequestID: requestID(rl.resp.Header),
		Latency: time.Since(rl.start), FirstToken: rl.first, Text: rl.text.String(),
	}
	res.Usage, res.HasUsage = rl.usage.Usage()
	if id := providers.ReadGenerationID(rl.usage); id != "" {
		res.RequestID = id // OpenRouter's generation: its exact cost can be asked for later
	}
	if rl.t.free && !res.HasUsage && callErr == nil {
		res.HasUsage = true // a listing or a token count costs nothing
	}
	s.finish(rl.ctx, rl.run, res, callErr)
	var pe *providers.Error
	if errors.As(callErr, &pe) && pe.Class == providers.ClassNetwork && rl.ctx.Err() == nil {
		// The provider cut the reply: cut the client's too, so that it
		// sees a broken reply rather than a complete short one.
		panic(http.ErrAbortHandler)
	}
}

// finish records the request; a failure to record is logged, since the
// client has its answer already.
func (s *Server) finish(ctx context.Context, run *app.Run, res providers.Result, callErr error) {
	out, err := run.Finish(ctx, res, callErr)
	if err != nil {
		s.app.Log.Error("proxy: record request", "provider", run.Spec.ID, "model", run.Call.Model, "err", err)
		return
	}
	if s.recorded != nil {
		s.recorded(out.Event)
	}
}

// relay copies one successful response to the client, reading usage and
// text as the bytes pass.
type relay struct {
	ctx   context.Context
	run   *app.Run
	resp  *http.Response
	t     *target
	w     http.ResponseWriter
	rc    *http.ResponseController
	usage providers.UsageReader
	text  strings.Builder
	start time.Time
	first time.Duration
	// streamErr is an error the provider reported inside a 200 stream.
	streamErr error
}

// write sends b to the client and flushes it at once.
func (rl *relay) write(b []byte) error {
	if _, err := rl.w.Write(b); err != nil {
		return err
	}
	return rl.flush()
}

// flush sends what the server holds for the client.
func (rl *relay) flush() error {
	if err := rl.rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}

// stream relays an SSE response one event at a time: each event is
// written and flushed as soon as its blank line arrives, and its data is
// fed to the usage reader. The usage-only chunk the proxy asked for is
// not written.
func (rl *relay) stream(ctx context.Context, body io.Reader) error {
	bp := ssePool.Get().(*[]byte)
	sc := sseScanner{r: body, buf: (*bp)[:0]}
	defer func() {
		if cap(sc.buf) <= maxPooledSSE {
			*bp = sc.buf[:0]
			ssePool.Put(bp)
		}
	}()
	for {
		ev, rerr := sc.next()
		if len(ev) > 0 {
			if rl.event(ev) != nil {
				return context.Canceled // the client stopped reading
			}
		}
		if rerr != nil {
			return rl.endErr(ctx, rerr)
		}
	}
}

// event handles one raw SSE event (its lines and the blank line ending it).
func (rl *relay) event(ev []byte) error {
	data, ok := sseData(ev)
	if ok && !bytes.Equal(data, []byte("[DONE]")) {
		rl.usage.Feed(data)
		rl.collect(data)
		rl.checkStreamError(data)
		if rl.t.addedUsage && usageOnlyChunk(data) {
			return nil
		}
	}
	return rl.write(ev)
}

// body relays a non-SSE response read by read, keeping a copy to read the
// usage from once it is complete.
func (rl *relay) body(ctx context.Context, body io.Reader) error {
	var acc bytes.Buffer
	keep := true
	bp := bufPool.Get().(*[]byte)
	defer bufPool.Put(bp)
	buf := *bp
	for {
		n, rerr := body.Read(buf)
		if n > 0 {
			if rl.first == 0 {
				rl.first = time.Since(rl.start)
			}
			if keep {
				if acc.Len()+n > maxAccumulated {
					keep = false
					acc = bytes.Buffer{}
				} else {
					acc.Write(buf[:n])
				}
			}
			// What arrives is passed on at once, but the tail (a read
			// that also ends the body, as every read of a reply with a
			// length does) waits in the server's buffer for the final
			// chunk, written once the request is recorded: one write to
			// the client instead of two.
			if _, err := rl.w.Write(buf[:n]); err != nil {
				return context.Canceled // the client stopped reading
			}
			if rerr == nil && rl.flush() != nil {
				return context.Canceled
			}
		}
		if rerr != nil {
			if keep {
				rl.usage.Feed(acc.Bytes())
				if _, ok := rl.usage.Usage(); !ok {
					rl.collect(acc.Bytes())
				}
			}
			return rl.endErr(ctx, rerr)
		}
	}
}

// endErr turns the error that ended a read into the error the request is
// recorded with: nil for a clean end (or the provider's in-stream error),
// cancelled when the client went away, a dropped connection otherwise.
func (rl *relay) endErr(ctx context.Context, err error) error {
	switch {
	case errors.Is(err, io.EOF):
		return rl.streamErr
	case ctx.Err() != nil:
		return context.Canceled
	}
	return &providers.Error{Class: providers.ClassNetwork, Provider: rl.t.spec.ID,
		Message: "the connection dropped mid-reply: the usage was estimated from the partial reply",
		Cause:   errors.New(redact.String(err.Error()))}
}

// collect keeps the reply text of one event or body, for local estimates
// when the provider reports no usage.
func (rl *relay) collect(data []byte) {
	if rl.text.Len() >= maxText {
		return
	}
	before := rl.text.Len()
	add := func(v gjson.Result) {
		if v.Type == gjson.String && v.Str != "" {
			rl.text.WriteString(v.Str)
		}
	}
	doc := gjson.ParseBytes(data)
	switch rl.t.kind {
	case providers.KindResponses:
		switch doc.Get("type").Str {
		case "response.output_text.delta", "response.reasoning_summary_text.delta", "response.reasoning_text.delta":
			add(doc.Get("delta"))
		case "":
			doc.Get("output").ForEach(func(_, o gjson.Result) bool {
				o.Get("content").ForEach(func(_, c gjson.Result) bool { add(c.Get("text")); return true })
				return true
			})
		}
	case providers.KindAnthropic:
		switch doc.Get("type").Str {
		case "content_block_delta":
			add(doc.Get("delta.text"))
			add(doc.Get("delta.thinking"))
			add(doc.Get("delta.partial_json"))
		case "message":
			doc.Get("content").ForEach(func(_, c gjson.Result) bool { add(c.Get("text")); return true })
		}
	case providers.KindGemini:
		chunks := []gjson.Result{doc}
		if doc.IsArray() {
			chunks = doc.Array()
		}
		for _, ch := range chunks {
			ch.Get("candidates").ForEach(func(_, c gjson.Result) bool {
				c.Get("content.parts").ForEach(func(_, p gjson.Result) bool { add(p.Get("text")); return true })
				return true
			})
		}
	default:
		doc.Get("choices").ForEach(func(_, c gjson.Result) bool {
			for _, p := range []string{"delta.content", "delta.reasoning_content", "delta.reasoning", "text", "message.content"} {
				add(c.Get(p))
			}
			return true
		})
	}
	if rl.first == 0 && rl.text.Len() > before {
		rl.first = time.Since(rl.start)
	}
}

// checkStreamError notes an error the provider sent inside a 200 stream:
// Anthropic's and the Responses API's error events, an "error" object
// (Gemini, OpenAI-compatible), OpenRouter's finish_reason "error".
func (rl *relay) checkStreamError(data []byte) {
	doc := gjson.ParseBytes(data)
	typ := doc.Get("type").Str
	if typ == "error" || typ == "response.failed" || doc.Get("error").IsObject() ||
		doc.Get("choices.#(finish_reason==\"error\")").Exists() {
		rl.streamErr = upstreamError(rl.t.spec.ID, 0, data)
	}
}

// usageOnlyChunk reports whether a chat chunk is the extra one that
// include_usage adds: no choices, and the usage.
func usageOnlyChunk(data []byte) bool {
	res := gjson.GetManyBytes(data, "choices", "usage")
	return res[0].IsArray() && len(res[0].Array()) == 0 && res[1].IsObject()
}

// sseScanner splits an SSE byte stream into events, each with the blank
// line that ends it, keeping the bytes exactly as they came. It reads into
// the buffer it returns events from, so a stream holds one buffer, the
// size of its longest event, and bytes are copied once on their way.
type sseScanner struct {
	r io.Reader
	// buf holds what was read and not yet returned, after the event the
	// last call returned (its first done bytes).
	buf  []byte
	done int
	err  error
}

// next returns the next event, valid until the next call. At the end of
// the stream it returns what is left (possibly an unfinished event) with
// the read error.
func (s *sseScanner) next() ([]byte, error) {
	if s.done > 0 {
		s.buf = s.buf[:copy(s.buf, s.buf[s.done:])]
		s.done = 0
	}
	lineStart, searched := 0, 0
	for {
		for {
			i := bytes.IndexByte(s.buf[searched:], '\n')
			if i < 0 {
				break
			}
			end := searched + i + 1
			if line := s.buf[lineStart:end]; len(line) <= 2 && (string(line) == "\n" || string(line) == "\r\n") {
				s.done = end
				return s.buf[:end], nil
			}
			lineStart, searched = end, end
		}
		searched = len(s.buf)
		if s.err != nil {
			s.done = len(s.buf)
			return s.buf, s.err
		}
		if cap(s.buf)-len(s.buf) < sseMinRead {
			s.buf = slices.Grow(s.buf, sseMinRead)
		}
		n, err := s.r.Read(s.buf[len(s.buf):cap(s.buf)])
		s.buf = s.buf[:len(s.buf)+n]
		s.err = err
	}
}

// sseData joins the data lines of one event; ok is false when it has none.
func sseData(ev []byte) (data []byte, ok bool) {
	var parts [][]byte
	for len(ev) > 0 {
		line := ev
		if i := bytes.IndexByte(ev, '\n'); i >= 0 {
			line, ev = ev[:i], ev[i+1:]
		} else {
			ev = nil
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		if v, found := bytes.CutPrefix(line, []byte("data:")); found {
			parts = append(parts, bytes.TrimPrefix(v, []byte(" ")))
		}
	}
	switch len(parts) {
	case 0:
		return nil, false
	case 1:
		return parts[0], true
	}
	return bytes.Join(parts, []byte("\n")), true
}

// transportError describes a request that got no response.
func transportError(ctx context.Context, provider string, err error) *providers.Error {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return &providers.Error{Class: providers.ClassCancelled, Provider: provider, Message: "the client went away before the provider answered"}
	}
	return &providers.Error{Class: providers.ClassNetwork, Provider: provider,
		Message: redact.String(fmt.Sprintf("could not reach the provider: %v; check the connection and the provider's base URL", err))}
}

// requestID finds the provider's request id in the response headers.
func requestID(h http.Header) string {
	for _, k := range []string{"X-Request-Id", "Request-Id", "X-Goog-Request-Id", "Apim-Request-Id", "Cf-Ray"} {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	return ""
}

// upstreamRequest builds the provider request: the client's method, body
// and headers, minus its credentials and the proxy's own headers, plus the
// real key where the provider expects it.
func (s *Server) upstreamRequest(ctx context.Context, r *http.Request, t *target, secret string) (*http.Request, *outBody, error) {
	base, path, query := t.spec.BaseURL, t.path, t.query
	h := make(http.Header, len(r.Header))
	copyRequestHeaders(h, r.Header)
	switch {
	case t.spec.Kind == providers.KindAzure || (t.spec.Structured && t.spec.Kind == providers.KindResponses):
		az, err := providers.ParseAzureSecret(secret)
		if err != nil {
			return nil, nil, fmt.Errorf("%w; store it with `byok keys rotate`", err)
		}
		redact.Register(az.APIKey)
		base, path = azureTarget(az, t)
		if !azureV1(az) && t.route != "pass" && query.Get("api-version") == "" {
			query.Set("api-version", az.APIVersion)
		}
		h.Set("Api-Key", az.APIKey)
	case secret == "":
		// A provider that needs no key (a local server).
	case t.route != "openai" && t.spec.Kind == providers.KindAnthropic:
		h.Set("X-Api-Key", secret)
		if h.Get("Anthropic-Version") == "" {
			h.Set("Anthropic-Version", "2023-06-01")
		}
	case t.route != "openai" && t.spec.Kind == providers.KindGemini:
		h.Set("X-Goog-Api-Key", secret)
	case t.spec.Kind == providers.KindBFL:
		h.Set("X-Key", secret)
	default:
		h.Set("Authorization", "Bearer "+secret)
	}
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || u.Host == "" {
		return nil, nil, fmt.Errorf("the base URL of %s (%q) is not a URL: fix it under [providers.%s] in config.toml", t.spec.ID, base, t.spec.ID)
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/" + strings.TrimLeft(path, "/")
	u.RawPath = ""
	u.RawQuery = query.Encode()
	// The request is made for the URL's host and given the URL itself,
	// rather than its text to parse again.
	req, err := http.NewRequestWithContext(ctx, r.Method, u.Scheme+"://"+u.Host, http.NoBody)
	if err != nil {
		return nil, nil, fmt.Errorf("build the request to %s: %w", t.spec.ID, err)
	}
	req.URL = u
	req.Header = h
	var ob *outBody
	if len(t.body) > 0 {
		ob = setBody(req, t.body)
	}
	// Ask for the plain bytes: usage is read from them as they pass.
	req.Header.Set("Accept-Encoding", "identity")
	return req, ob, nil
}

// outBody holds the body of a request to a provider until the reply has
// begun. The transport keeps the request for as long as the reply lasts,
// minutes for a stream; with a bytes.Reader as its body and GetBody (as
// http.NewRequest sets them) it would keep the bytes too.
type outBody struct {
	mu sync.Mutex
	b  []byte
}

// setBody gives req b as its body, and GetBody for the transport to send it
// again on a fresh connection until the outBody is released.
func setBody(req *http.Request, b []byte) *outBody {
	ob := &outBody{b: b}
	req.ContentLength = int64(len(b))
	req.Body = &onceReader{b: b}
	req.GetBody = func() (io.ReadCloser, error) {
		ob.mu.Lock()
		defer ob.mu.Unlock()
		if ob.b == nil {
			return nil, errors.New("the request body was already sent")
		}
		return &onceReader{b: ob.b}, nil
	}
	return ob
}

// release lets go of the body once the transport no longer sends it
// again: it has answered, or failed. A nil outBody (no body) is fine.
func (ob *outBody) release() {
	if ob == nil {
		return
	}
	ob.mu.Lock()
	defer ob.mu.Unlock()
	ob.b = nil
}

// onceReader reads b once and drops it at its end.
type onceReader struct{ b []byte }

func (r *onceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		r.b = nil
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// Close does nothing: the transport may close a body from another
// goroutine than the one reading it, and a body read to its end has let
// go of its bytes already.
func (r *onceReader) Close() error { return nil }

// azureV1 reports whether an Azure secret targets the version-less
// /openai/v1 API.
func azureV1(az providers.AzureSecret) bool {
	return az.APIVersion == "" || strings.EqualFold(az.APIVersion, "v1")
}

// azureTarget maps a route onto an Azure resource: the v1 API takes the
// deployment as the model, the dated API puts chat, completions,
// embeddings and images under the deployment's path.
func azureTarget(az providers.AzureSecret, t *target) (base, path string) {
	switch {
	case t.route == "pass":
		return az.Endpoint, t.path
	case azureV1(az):
		return az.Endpoint + "/openai/v1", t.path
	case t.kind == providers.KindResponses || t.path == "models" || strings.HasPrefix(t.path, "models/"):
		return az.Endpoint + "/openai", t.path
	}
	return az.Endpoint + "/openai/deployments/" + url.PathEscape(az.Deployment), t.path
}

// hopHeaders are connection-level headers a proxy never forwards.
var hopHeaders = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Connection": true, "Proxy-Authenticate": true,
	"Proxy-Authorization": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
}

// dropRequest are client headers that never reach a provider: credentials,
// browser context, the proxy's own steering headers, and Expect: the proxy
// has read the whole body already, and a provider that ignored the
// expectation would hold each request for the transport's wait.
var dropRequest = map[string]bool{
	"Expect": true, "Host": true, "Authorization": true, "X-Api-Key": true, "X-Goog-Api-Key": true, "Api-Key": true, "X-Key": true,
	"Cookie": true, "Origin": true, "Referer": true, "Content-Length": true, "Accept-Encoding": true,
	"Forwarded": true, "X-Forwarded-For": true, "X-Forwarded-Host": true, "X-Forwarded-Proto": true,
	"X-Real-Ip": true,
}

func copyRequestHeaders(dst, src http.Header) {
	conn := connectionTokens(src)
	for k, vs := range src {
		ck := http.CanonicalHeaderKey(k)
		if hopHeaders[ck] || dropRequest[ck] || conn[ck] || strings.HasPrefix(ck, "X-Byok-") || strings.HasPrefix(ck, "Sec-") {
			continue
		}
		dst[ck] = append([]string(nil), vs...)
	}
}

// copyResponseHeaders passes the provider's headers on, without
// connection-level ones, cookies, any CORS header (the proxy never sends
// those) and Content-Length (the proxy sets its own framing).
func copyResponseHeaders(dst, src http.Header) {
	conn := connectionTokens(src)
	for k, vs := range src {
		ck := http.CanonicalHeaderKey(k)
		if hopHeaders[ck] || conn[ck] || ck == "Set-Cookie" || ck == "Alt-Svc" || strings.HasPrefix(ck, "Access-Control-") ||
			ck == "Content-Length" {
			continue
		}
		// A provider (or a middlebox) may echo the key back in a header.
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = redact.String(v)
		}
		dst[ck] = out
	}
}

// connectionTokens are the headers a Connection header names as hop-by-hop;
// nil when there is none.
func connectionTokens(h http.Header) map[string]bool {
	var out map[string]bool
	for _, v := range h.Values("Connection") {
		if out == nil {
			out = map[string]bool{}
		}
		for _, f := range strings.Split(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				out[http.CanonicalHeaderKey(f)] = true
			}
		}
	}
	return out
}
