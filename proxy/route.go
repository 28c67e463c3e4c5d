package proxy

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/byokhq/byok/providers"
)

// Headers a client may send to steer the proxy; never forwarded.
const (
	headerProvider = "X-Byok-Provider"
	headerKey      = "X-Byok-Key"
)

// target is one request resolved: who gets it, where, and how its usage
// is read.
type target struct {
	shape shape
	spec  providers.Spec
	// kind picks the usage reader and the text extraction.
	kind providers.Kind
	// model is the model as recorded; the provider's own id.
	model string
	// path is the upstream path relative to the provider's base URL, and
	// query its query string (the proxy token removed).
	path  string
	query url.Values
	// route says which family of routes matched: "openai", "anthropic",
	// "gemini" or "pass".
	route string
	body  []byte
	// addedUsage is true when the proxy asked for stream usage the client
	// did not ask for; the extra usage chunk is then removed.
	addedUsage bool
	// free requests cost nothing (model listings, token counts).
	free bool
	// unreadable requests carry a body that is not JSON and names no
	// model: byok forwards them but cannot price them.
	unreadable bool
	// media is set for requests billed per image, second or character.
	media *mediaRequest
}

// routeError is a request the proxy cannot place: answered with status and
// the message, never forwarded.
type routeError struct {
	status int
	code   string
	msg    string
}

func (e *routeError) Error() string { return e.msg }

func badRequest(format string, args ...any) *routeError {
	return &routeError{status: http.StatusBadRequest, code: "byok_bad_request", msg: fmt.Sprintf(format, args...)}
}

// routeFamily returns the family and the rest of the path, or "" for a path
// the proxy does not serve.
func routeFamily(p string) (family, rest string) {
	switch {
	case p == "/v1/messages" || strings.HasPrefix(p, "/v1/messages/"):
		// An Anthropic SDK pointed at the proxy's root rather than at
		// /anthropic: no OpenAI-compatible API has this path.
		return "anthropic", strings.TrimPrefix(p, "/")
	case strings.HasPrefix(p, "/v1/"):
		return "openai", strings.TrimPrefix(p, "/v1/")
	case strings.HasPrefix(p, "/anthropic/"):
		return "anthropic", strings.TrimPrefix(p, "/anthropic/")
	case strings.HasPrefix(p, "/gemini/"):
		return "gemini", strings.TrimPrefix(p, "/gemini/")
	case strings.HasPrefix(p, "/p/"):
		return "pass", strings.TrimPrefix(p, "/p/")
	}
	return "", ""
}

// resolve places a request. body is the whole request body. Each family
// of routes places its requests in a function of its own; what follows is
// common to all.
func (s *Server) resolve(r *http.Request, family, rest string, body []byte) (*target, error) {
	t := &target{route: family, body: body, query: r.URL.Query()}
	t.query.Del("key")
	model := requestModel(r, body)
	chosen := strings.TrimSpace(r.Header.Get(headerProvider))
	var err error
	switch family {
	case "openai":
		model, err = s.resolveOpenAI(t, r, rest, model, chosen)
	case "anthropic":
		err = s.resolveAnthropic(t, r, rest, chosen)
	case "gemini":
		model, err = s.resolveGemini(t, rest, chosen)
	case "pass":
		model, err = s.resolvePass(t, rest, model)
	}
	if err != nil {
		return nil, err
	}
	if t.spec.Structured && t.spec.Kind != providers.KindAzure && t.spec.Kind != providers.KindResponses {
		return nil, bedrockRefusal(&t.spec)
	}
	t.model = t.placeMedia(r, model)
	if t.model == "" && r.Method != http.MethodGet && len(t.body) > 0 && !gjson.ValidBytes(t.body) && !isMultipart(r) {
		// A body byok cannot read names no model and counts no tokens:
		// it is forwarded as sent and recorded as unreadable, never as a
		// free call (the provider may well bill it).
		t.unreadable = true
		t.model = "(unreadable " + r.Method + " " + strings.TrimPrefix(t.path, "/") + ")"
	}
	if t.model == "" {
		// Listings and other model-less calls are still provider requests
		// made with the user's key; they are recorded under their path.
		t.free = true
		t.model = "(" + r.Method + " " + strings.TrimPrefix(t.path, "/") + ")"
	}
	if t.kind == providers.KindOpenAI || t.kind == providers.KindAzure {
		if err := t.askStreamUsage(); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// resolveOpenAI places a request to /v1/...: the OpenAI-compatible API of
// whichever provider openAIProvider picks. It returns the model as the
// provider names it.
func (s *Server) resolveOpenAI(t *target, r *http.Request, rest, model, chosen string) (string, error) {
	t.shape = shapeOpenAI
	t.path = rest
	model, err := s.openAIProvider(t, r, model, chosen)
	if err != nil {
		return "", err
	}
	t.kind = openAIKind(&t.spec, rest)
	if t.spec.Kind == providers.KindBedrock {
		return "", bedrockRefusal(&t.spec)
	}
	// Anthropic and Gemini serve OpenAI-compatible endpoints too.
	switch t.spec.Kind {
	case providers.KindAnthropic:
		t.path = "v1/" + rest
	case providers.KindGemini:
		t.path = "v1beta/openai/" + rest
	}
	t.free = r.Method == http.MethodGet && (rest == "models" || strings.HasPrefix(rest, "models/"))
	return model, nil
}

// openAIProvider picks the provider of an OpenAI-style request, first that
// applies: the x-byok-provider header; a provider id before the model's
// first slash (taken out of the body, so the provider sees its own model
// id); the catalog's provider of the model; for model-less calls, the
// default provider. It returns the model as the provider names it.
func (s *Server) openAIProvider(t *target, r *http.Request, model, chosen string) (string, error) {
	reg := s.app.Registry
	if chosen != "" {
		return model, t.place(reg, chosen)
	}
	if prefix, m, ok := strings.Cut(model, "/"); ok && t.place(reg, prefix) == nil {
		body, err := setModel(r, t.body, m)
		if err != nil {
			return "", badRequest("the request body is not JSON the proxy can edit: %v", err)
		}
		t.body = body
		return m, nil
	}
	if model == "" {
		return model, t.place(reg, s.defaultProvider())
	}
	id, ok := s.app.Catalog().ProviderOf(model)
	if !ok {
		return "", badRequest("which provider serves model %q? Name it as PROVIDER/%s or send the header %s: PROVIDER", model, model, headerProvider)
	}
	return model, t.place(reg, id)
}

// resolveAnthropic places a request to /anthropic/... (or /v1/messages):
// Anthropic's Messages API, or a provider that speaks it.
func (s *Server) resolveAnthropic(t *target, r *http.Request, rest, chosen string) error {
	t.shape = shapeAnthropic
	if chosen == "" {
		chosen = "anthropic"
	}
	if err := t.place(s.app.Registry, chosen); err != nil {
		return err
	}
	if t.spec.Kind != providers.KindAnthropic {
		return badRequest("provider %s does not speak the Anthropic Messages API; use /v1/... or /p/%s/...", t.spec.ID, t.spec.ID)
	}
	t.kind, t.path = providers.KindAnthropic, rest
	t.free = strings.HasSuffix(rest, "/count_tokens") || r.Method == http.MethodGet
	return nil
}

// resolveGemini places a request to /gemini/...: the Gemini API, whose
// model is in the path. It returns that model.
func (s *Server) resolveGemini(t *target, rest, chosen string) (string, error) {
	t.shape = shapeGemini
	if chosen == "" {
		chosen = "google"
	}
	if err := t.place(s.app.Registry, chosen); err != nil {
		return "", err
	}
	if t.spec.Kind != providers.KindGemini {
		return "", badRequest("provider %s does not speak the Gemini API; use /v1/... or /p/%s/...", t.spec.ID, t.spec.ID)
	}
	t.kind, t.path = providers.KindGemini, rest
	model, method := geminiModel(rest)
	t.free = method == "" || method == "countTokens"
	return model, nil
}

// resolvePass places a request to /p/PROVIDER/...: any path of the
// provider's own API, read with its kind's usage format. It returns the
// model (from the path for Gemini, else the body's).
//
// /p/PROVIDER stands for the provider's base URL, so the rest of the path
// is relative to it: /p/openai/chat/completions reaches
// https://api.openai.com/v1/chat/completions. A client configured with the
// provider's own URL layout repeats the base URL's path
// (/p/openai/v1/chat/completions, /p/bfl/v1/flux-pro-1.1); that repeat is
// dropped rather than sent as /v1/v1/....
func (s *Server) resolvePass(t *target, rest, model string) (string, error) {
	id, sub, _ := strings.Cut(rest, "/")
	if err := t.place(s.app.Registry, id); err != nil {
		return "", err
	}
	if t.spec.Kind == providers.KindBedrock {
		return "", bedrockRefusal(&t.spec)
	}
	if !t.spec.Structured {
		// A structured provider's (Azure's) endpoint comes from its key.
		sub = trimBasePath(t.spec.BaseURL, sub)
	}
	t.shape = shapeOfKind(t.spec.Kind)
	t.path = sub
	t.kind = t.spec.Kind
	switch t.spec.Kind {
	case providers.KindOpenAI, providers.KindAzure:
		t.kind = openAIKind(&t.spec, sub)
	case providers.KindGemini:
		var method string
		model, method = geminiModel(sub)
		t.free = method == "countTokens"
	case providers.KindAnthropic:
		t.free = strings.HasSuffix(sub, "/count_tokens")
	}
	return model, nil
}

// trimBasePath drops from a pass-through path the base URL's own path
// when the path starts with it, whole segments only: with the base URL
// https://openrouter.ai/api/v1, "api/v1/chat/completions" becomes
// "chat/completions", while "api/v10/x" and "chat/completions" stay.
func trimBasePath(baseURL, sub string) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		return sub
	}
	prefix := strings.Trim(u.Path, "/")
	if prefix == "" {
		return sub
	}
	if sub == prefix {
		return ""
	}
	if rest, ok := strings.CutPrefix(sub, prefix+"/"); ok {
		return rest
	}
	return sub
}

// place sets the target's provider from an id or alias; an unknown one is
// a 404 naming where providers are defined. The spec is copied into t
// here, not through resolve's frame: copies held there made that frame
// 3 KB, enough to double the stack of every connection that passed it.
func (t *target) place(reg *providers.Registry, id string) error {
	spec, ok := reg.Get(id)
	if !ok {
		return &routeError{status: http.StatusNotFound, code: "byok_unknown_provider",
			msg: fmt.Sprintf("unknown provider %q: see `byok providers` for the ids, or define it under [providers.%s] in config.toml", id, id)}
	}
	t.spec = spec
	return nil
}

// openAIKind is the usage format of an OpenAI-compatible path: the
// Responses API has its own; every other endpoint reads like chat.
func openAIKind(spec *providers.Spec, rest string) providers.Kind {
	if rest == "responses" || strings.HasPrefix(rest, "responses/") || strings.HasSuffix(rest, "/responses") {
		return providers.KindResponses
	}
	if spec.Kind == providers.KindAzure {
		return providers.KindAzure
	}
	return providers.KindOpenAI
}

func bedrockRefusal(spec *providers.Spec) *routeError {
	return badRequest("%s signs every request with AWS SigV4 from its own credentials, so the proxy cannot forward a client's request to it; use `byok prompt -m %s/MODEL` instead", spec.Name, spec.ID)
}

// askStreamUsage makes an OpenAI-style streamed completion report its
// usage: when the client did not set stream_options.include_usage, the
// proxy sets it and remembers to drop the extra chunk.
func (t *target) askStreamUsage() error {
	if !strings.HasSuffix(t.path, "completions") || !gjson.GetBytes(t.body, "stream").Bool() {
		return nil
	}
	if gjson.GetBytes(t.body, "stream_options.include_usage").Bool() {
		return nil
	}
	path, value := "stream_options.include_usage", []byte("true")
	if !gjson.GetBytes(t.body, "stream_options").IsObject() {
		// Absent or null: set the whole object.
		path, value = "stream_options", []byte(`{"include_usage":true}`)
	}
	b, err := sjson.SetRawBytes(t.body, path, value)
	if err != nil {
		return badRequest("the request body is not JSON the proxy can edit: %v", err)
	}
	t.body, t.addedUsage = b, true
	return nil
}

// defaultProvider serves model-less OpenAI-style calls (listing models):
// the provider of the configured default model, else OpenAI.
func (s *Server) defaultProvider() string {
	if p, _, ok := strings.Cut(s.app.Config.DefaultModel, "/"); ok && p != "" {
		return p
	}
	return "openai"
}

// jsonModel reads a JSON body's "model" field.
func jsonModel(body []byte) string {
	if len(body) == 0 {
		return ""
	}
	m := gjson.GetBytes(body, "model")
	if m.Type != gjson.String {
		return ""
	}
	return strings.TrimSpace(m.Str)
}

// geminiModel finds the model and method in a Gemini path such as
// v1beta/models/gemini-2.5-flash:streamGenerateContent.
func geminiModel(p string) (model, method string) {
	i := strings.Index(p, "models/")
	if i < 0 {
		return "", ""
	}
	rest := p[i+len("models/"):]
	if j := strings.IndexByte(rest, '/'); j >= 0 {
		rest = rest[:j]
	}
	model, method, _ = strings.Cut(rest, ":")
	return model, method
}

// maxTokensOf reads the output cap a request asks for, in any API's field.
func maxTokensOf(body []byte) int {
	for _, p := range []string{"max_tokens", "max_completion_tokens", "max_output_tokens", "generationConfig.maxOutputTokens"} {
		if v := gjson.GetBytes(body, p); v.Type == gjson.Number && v.Int() > 0 && v.Int() < 1<<31 {
			return int(v.Int())
		}
	}
	return 0
}

// promptKeys are the JSON fields whose string values are prompt text in
// the APIs the proxy speaks.
var promptKeys = map[string]bool{
	"content": true, "text": true, "system": true, "prompt": true, "input": true, "instructions": true,
}

// maxPromptText bounds the text kept for local estimates.
const maxPromptText = 1 << 20

// promptText gathers a request's text for local token estimates: the
// string values of content, text, system, prompt, input and instructions
// fields wherever they sit, and the strings of arrays under those fields
// (a completions prompt or an embeddings input given as a list).
func promptText(body []byte) string {
	if len(body) == 0 || !gjson.ValidBytes(body) {
		return ""
	}
	var b strings.Builder
	add := func(s string) {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(s)
	}
	var walk func(v gjson.Result, depth int, textList bool)
	walk = func(v gjson.Result, depth int, textList bool) {
		if depth > 32 {
			return
		}
		inList := textList && v.IsArray()
		v.ForEach(func(k, e gjson.Result) bool {
			named := !inList && k.Type == gjson.String && promptKeys[k.Str]
			switch {
			case e.Type == gjson.String && (named || inList):
				add(e.Str)
			case e.IsArray():
				walk(e, depth+1, named)
			case e.IsObject():
				walk(e, depth+1, false)
			}
			return b.Len() < maxPromptText
		})
	}
	walk(gjson.ParseBytes(body), 0, false)
	s := b.String()
	if len(s) > maxPromptText {
		s = strings.ToValidUTF8(s[:maxPromptText], "")
	}
	return s
}

// isMultipart reports whether a request's body is a multipart form (file
// uploads, audio): not JSON, yet readable and often model-less.
func isMultipart(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && strings.HasPrefix(mt, "multipart/")
}
