package providers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/byokhq/byok/redact"
)

// Kind names the wire API a provider speaks; one adapter serves each kind.
type Kind string

// API kinds.
const (
	KindOpenAI    Kind = "openai"    // OpenAI Chat Completions and every API compatible with it
	KindResponses Kind = "responses" // OpenAI Responses API
	KindAnthropic Kind = "anthropic" // Anthropic Messages API
	KindGemini    Kind = "gemini"    // Google Gemini API (generativelanguage)
	KindAzure     Kind = "azure"     // Azure OpenAI chat completions, structured credentials
	KindBedrock   Kind = "bedrock"   // Amazon Bedrock Converse API, structured credentials
	KindBFL       Kind = "bfl"       // Black Forest Labs' image API: submit, poll get_result, fetch
	// KindDemo is byok's offline stand-in for a provider: replies are made
	// up on this machine with realistic usage, pace and the occasional
	// error. Demo homes (config offline_demo) switch every provider to it.
	KindDemo Kind = "demo"
)

// Spec describes one provider: who it is, which API it speaks, where, and
// which key it takes.
//
// BaseURL follows each official SDK's convention: OpenAI-compatible base
// URLs include the version path ("https://api.openai.com/v1"), Anthropic and
// Gemini ones do not ("https://api.anthropic.com"). Azure's endpoint comes
// from its structured secret; Bedrock's default contains the "{region}"
// placeholder, filled from the secret.
type Spec struct {
	ID      string // lower-case id, the "provider" of "provider/model"
	Name    string // display name
	Kind    Kind
	BaseURL string
	// KeyEnv lists the environment variables that may hold a key, most
	// preferred first.
	KeyEnv []string
	// Local providers run on this machine and cost nothing.
	Local bool
	// Structured providers take a JSON secret instead of a plain key (Azure,
	// Bedrock); see AzureSecret and BedrockSecret.
	Structured bool
	Aliases    []string
	// NoKey providers accept requests without any key.
	NoKey bool
	// AltKinds lists other API kinds the same provider also serves (OpenAI
	// and Azure serve the Responses API too). Use WithKind to switch.
	AltKinds []Kind
	// KeyCheckPath is the path, relative to BaseURL, that CheckKey asks; empty
	// means the kind's default (GET models). It may climb out of the version
	// path ("../user/balance").
	KeyCheckPath string
}

// WithKind returns the spec switched to another API kind it serves, for
// example OpenAI or Azure over the Responses API.
func (s Spec) WithKind(k Kind) (Spec, error) {
	if k == s.Kind {
		return s, nil
	}
	if !slices.Contains(s.AltKinds, k) {
		return s, fmt.Errorf("provider %s does not serve the %s API (it serves %s)", s.ID, k, s.Kind)
	}
	s.AltKinds = append([]Kind{s.Kind}, slices.DeleteFunc(slices.Clone(s.AltKinds), func(x Kind) bool { return x == k })...)
	s.Kind = k
	return s, nil
}

// Options configure the HTTP side of an adapter, a key check or a model
// listing.
type Options struct {
	// HTTPClient sends every request; nil means a fresh client on
	// http.DefaultTransport. Its Transport is wrapped, never changed.
	HTTPClient *http.Client
	// UserAgent replaces the SDK's User-Agent header when set.
	UserAgent string
	// Timeout bounds one whole request, reply stream included. Zero means no
	// bound beyond the caller's context for Stream, and DefaultCheckTimeout
	// for CheckKey and ListModels.
	Timeout time.Duration
	// ThinkTimeout bounds how long a reply may go without a byte from the
	// provider before its answer's text begins: the wait for the response,
	// and any silence while the model reasons. Zero means
	// DefaultThinkTimeout.
	ThinkTimeout time.Duration
	// IdleTimeout bounds how long a reply may go without a byte once its
	// answer's text has begun. Zero means DefaultIdleTimeout.
	IdleTimeout time.Duration
}

// DefaultCheckTimeout bounds CheckKey and ListModels when Options.Timeout is
// zero.
const DefaultCheckTimeout = 20 * time.Second

// How long a reply may go silent before byok takes it for stalled and ends
// it (Options.ThinkTimeout and IdleTimeout). Any byte counts, so the
// keep-alives some providers send while a model thinks keep a reply going:
// Anthropic's ping events, OpenRouter's ": OPENROUTER PROCESSING" comments,
// DeepSeek's ": keep-alive" comments. OpenAI's and Gemini's APIs send
// nothing while a reasoning model thinks, and can send no byte at all, not
// even the response headers of a reply that comes whole, for minutes: the
// wait before the text is the ten minutes OpenAI's and Anthropic's Python
// SDKs wait for a byte by default. Once the text flows, tokens come many
// times a second, and two minutes without a byte is a stalled connection,
// not a slow model.
const (
	DefaultThinkTimeout = 10 * time.Minute
	DefaultIdleTimeout  = 2 * time.Minute
)

// Builtin returns the providers byok knows out of the box, in display order.
// The slice is fresh on every call.
func Builtin() []Spec {
	oa := func(id, name, base string, env ...string) Spec {
		return Spec{ID: id, Name: name, Kind: KindOpenAI, BaseURL: base, KeyEnv: env}
	}
	specs := []Spec{
		{ID: "openai", Name: "OpenAI", Kind: KindOpenAI, BaseURL: "https://api.openai.com/v1",
			KeyEnv: []string{"OPENAI_API_KEY"}, AltKinds: []Kind{KindResponses}},
		{ID: "anthropic", Name: "Anthropic", Kind: KindAnthropic, BaseURL: "https://api.anthropic.com",
			KeyEnv: []string{"ANTHROPIC_API_KEY"}},
		{ID: "google", Name: "Google Gemini", Kind: KindGemini, BaseURL: "https://generativelanguage.googleapis.com",
			KeyEnv: []string{"GEMINI_API_KEY", "GOOGLE_API_KEY"}, Aliases: []string{"gemini"}},
		{ID: "openrouter", Name: "OpenRouter", Kind: KindOpenAI, BaseURL: "https://openrouter.ai/api/v1",
			KeyEnv: []string{"OPENROUTER_API_KEY"}, KeyCheckPath: "key"},
		oa("groq", "Groq", "https://api.groq.com/openai/v1", "GROQ_API_KEY"),
		withAliases(oa("together", "Together AI", "https://api.together.xyz/v1", "TOGETHER_API_KEY", "TOGETHER_AI_API_KEY"), "together_ai", "togetherai"),
		withAliases(oa("fireworks", "Fireworks AI", "https://api.fireworks.ai/inference/v1", "FIREWORKS_API_KEY"), "fireworks_ai"),
		{ID: "deepseek", Name: "DeepSeek", Kind: KindOpenAI, BaseURL: "https://api.deepseek.com/v1",
			KeyEnv: []string{"DEEPSEEK_API_KEY"}, KeyCheckPath: "../user/balance"},
		withAliases(oa("mistral", "Mistral AI", "https://api.mistral.ai/v1", "MISTRAL_API_KEY"), "mistralai"),
		withAliases(oa("xai", "xAI", "https://api.x.ai/v1", "XAI_API_KEY"), "grok"),
		oa("cerebras", "Cerebras", "https://api.cerebras.ai/v1", "CEREBRAS_API_KEY"),
		// Perplexity's chat completions live at the host root, without a
		// version path.
		withAliases(oa("perplexity", "Perplexity", "https://api.perplexity.ai", "PERPLEXITY_API_KEY", "PPLX_API_KEY"), "pplx"),
		withAliases(oa("nvidia", "NVIDIA NIM", "https://integrate.api.nvidia.com/v1", "NVIDIA_API_KEY", "NVIDIA_NIM_API_KEY"), "nvidia_nim", "nim"),
		oa("sambanova", "SambaNova", "https://api.sambanova.ai/v1", "SAMBANOVA_API_KEY"),
		withAliases(oa("novita", "Novita AI", "https://api.novita.ai/v3/openai", "NOVITA_API_KEY"), "novita-ai"),
		oa("hyperbolic", "Hyperbolic", "https://api.hyperbolic.xyz/v1", "HYPERBOLIC_API_KEY"),
		oa("chutes", "Chutes", "https://llm.chutes.ai/v1", "CHUTES_API_KEY"),
		withAliases(oa("akash", "AkashChat", "https://chatapi.akash.network/api/v1", "AKASH_API_KEY", "AKASHCHAT_API_KEY"), "akashchat"),
		withAliases(oa("morpheus", "Morpheus", "https://api.mor.org/api/v1", "MORPHEUS_API_KEY"), "mor"),
		withAliases(oa("vercel", "Vercel AI Gateway", "https://ai-gateway.vercel.sh/v1", "AI_GATEWAY_API_KEY", "VERCEL_AI_GATEWAY_API_KEY"), "vercel_ai_gateway", "ai-gateway"),
		{ID: "azure", Name: "Azure OpenAI", Kind: KindAzure, BaseURL: "https://{resource}.openai.azure.com",
			Structured: true, AltKinds: []Kind{KindResponses}, Aliases: []string{"azure-openai"}},
		{ID: "bedrock", Name: "Amazon Bedrock", Kind: KindBedrock, BaseURL: "https://bedrock-runtime.{region}.amazonaws.com",
			Structured: true, Aliases: []string{"aws", "aws-bedrock"}},
		// Black Forest Labs makes images only: byok counts its requests
		// through the proxy (/p/bfl/...), priced per image by model.
		{ID: "bfl", Name: "Black Forest Labs", Kind: KindBFL, BaseURL: "https://api.bfl.ai/v1",
			KeyEnv: []string{"BFL_API_KEY"}, Aliases: []string{"black_forest_labs", "blackforestlabs"}, KeyCheckPath: "credits"},
		{ID: "ollama", Name: "Ollama", Kind: KindOpenAI, BaseURL: "http://localhost:11434/v1", Local: true, NoKey: true},
		{ID: "lmstudio", Name: "LM Studio", Kind: KindOpenAI, BaseURL: "http://localhost:1234/v1", Local: true, NoKey: true,
			Aliases: []string{"lm-studio"}},
	}
	return specs
}

func withAliases(s Spec, aliases ...string) Spec {
	s.Aliases = aliases
	return s
}

// Registry finds provider specs by id or alias, case-insensitively. It is
// safe for concurrent use.
type Registry struct {
	mu    sync.RWMutex
	specs []Spec
	index map[string]int // lower-case id or alias → position in specs
}

// NewRegistry returns a registry holding specs, in order. A later spec with
// the same id replaces an earlier one.
func NewRegistry(specs ...Spec) *Registry {
	r := &Registry{index: map[string]int{}}
	for _, s := range specs {
		r.Add(s)
	}
	return r
}

// Add registers s, replacing any spec with the same id (config overrides
// and custom providers use this). An alias never shadows another
// provider's id.
func (r *Registry) Add(s Spec) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := r.position(s.ID); i >= 0 {
		r.specs[i] = s
	} else {
		r.specs = append(r.specs, s)
	}
	r.index = make(map[string]int, 2*len(r.specs))
	for i, sp := range r.specs {
		for _, a := range sp.Aliases {
			r.index[strings.ToLower(a)] = i
		}
	}
	for i, sp := range r.specs {
		r.index[strings.ToLower(sp.ID)] = i
	}
}

func (r *Registry) position(id string) int {
	for i, s := range r.specs {
		if strings.EqualFold(s.ID, id) {
			return i
		}
	}
	return -1
}

// Get returns the spec whose id or alias is idOrAlias, ignoring case.
func (r *Registry) Get(idOrAlias string) (Spec, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	i, ok := r.index[strings.ToLower(strings.TrimSpace(idOrAlias))]
	if !ok {
		return Spec{}, false
	}
	return r.specs[i], true
}

// All returns every spec in registration order.
func (r *Registry) All() []Spec {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Clone(r.specs)
}

// New returns the adapter for spec, holding secret: a plain API key, or the
// JSON secret of a Structured provider (AzureSecret, BedrockSecret). The
// secret is registered with the redactor so it never leaves in an error.
//
// Spec.Kind picks the adapter. KindResponses on a Structured spec means
// Azure's Responses API.
func New(spec Spec, secret string, opt Options) (Streamer, error) {
	if secret == "" && !spec.NoKey && !spec.Structured {
		return nil, missingKey(spec)
	}
	switch spec.Kind {
	case KindOpenAI:
		redact.Register(secret)
		return newChat(spec, secret, opt)
	case KindResponses:
		if spec.Structured {
			return newAzure(spec, secret, opt, true)
		}
		redact.Register(secret)
		return newResponses(spec, secret, opt)
	case KindAnthropic:
		redact.Register(secret)
		return newAnthropic(spec, secret, opt)
	case KindGemini:
		redact.Register(secret)
		return newGemini(spec, secret, opt)
	case KindAzure:
		return newAzure(spec, secret, opt, false)
	case KindBedrock:
		return newBedrock(spec, secret, opt)
	case KindBFL:
		return nil, fmt.Errorf("%s makes images, not text replies: send its requests through `byok proxy` at /p/%s/v1/MODEL, where they are counted", spec.Name, spec.ID)
	case KindDemo:
		return newDemo(spec, secret, opt), nil
	default:
		return nil, fmt.Errorf("provider %s: unknown API kind %q (want openai, responses, anthropic, gemini, azure or bedrock)", spec.ID, spec.Kind)
	}
}

// isAzure reports whether spec is Azure OpenAI, over chat completions or
// the Responses API.
func (s Spec) isAzure() bool {
	return s.Kind == KindAzure || (s.Structured && s.Kind == KindResponses)
}

func missingKey(spec Spec) error {
	hint := "add one with `byok keys add " + spec.ID + "`"
	if len(spec.KeyEnv) > 0 {
		hint += " or set " + spec.KeyEnv[0]
	}
	return &Error{Class: ClassAuth, Provider: spec.ID, Message: "no key for " + spec.ID + ": " + hint}
}

// Environment variables a structured secret can be assembled from.
var (
	azureEnv   = [...]string{"AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_DEPLOYMENT", "OPENAI_API_VERSION", "AZURE_OPENAI_API_KEY"}
	bedrockEnv = [...]string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_SESSION_TOKEN"}
)

// EnvSecret finds a secret for spec in the environment, read through getenv
// (os.Getenv in production). It returns the secret and the variable it came
// from. Plain providers take the first set variable of KeyEnv. Azure's
// secret is assembled from AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_DEPLOYMENT,
// OPENAI_API_VERSION and AZURE_OPENAI_API_KEY; Bedrock's from
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION (or
// AWS_DEFAULT_REGION) and AWS_SESSION_TOKEN. Incomplete sets count as
// absent.
func EnvSecret(spec Spec, getenv func(string) string) (secret, source string, ok bool) {
	switch {
	case spec.Kind == KindBedrock:
		region := getenv(bedrockEnv[2])
		if region == "" {
			region = getenv("AWS_DEFAULT_REGION")
		}
		s := BedrockSecret{AccessKeyID: getenv(bedrockEnv[0]), SecretAccessKey: getenv(bedrockEnv[1]),
			Region: region, SessionToken: getenv(bedrockEnv[3])}
		if s.AccessKeyID == "" || s.SecretAccessKey == "" || s.Region == "" {
			return "", "", false
		}
		b, err := json.Marshal(s)
		return string(b), bedrockEnv[0], err == nil
	case spec.isAzure():
		s := AzureSecret{Endpoint: getenv(azureEnv[0]), Deployment: getenv(azureEnv[1]),
			APIVersion: getenv(azureEnv[2]), APIKey: getenv(azureEnv[3])}
		if s.Endpoint == "" || s.Deployment == "" || s.APIKey == "" {
			return "", "", false
		}
		b, err := json.Marshal(s)
		return string(b), azureEnv[3], err == nil
	}
	for _, name := range spec.KeyEnv {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v, name, true
		}
	}
	return "", "", false
}
