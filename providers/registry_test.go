package providers

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestBuiltinProviders(t *testing.T) {
	specs := Builtin()
	want := []string{"openai", "anthropic", "google", "openrouter", "groq", "together", "fireworks", "deepseek",
		"mistral", "xai", "cerebras", "perplexity", "nvidia", "sambanova", "novita", "hyperbolic", "chutes",
		"akash", "morpheus", "vercel", "azure", "bedrock", "bfl", "ollama", "lmstudio"}
	var ids []string
	names := map[string]bool{}
	for _, s := range specs {
		ids = append(ids, s.ID)
		t.Run(s.ID, func(t *testing.T) {
			if s.ID != strings.ToLower(s.ID) || s.Name == "" || s.Kind == "" {
				t.Errorf("spec %+v lacks an id, name or kind", s)
			}
			if names[s.ID] {
				t.Errorf("id %s appears twice", s.ID)
			}
			names[s.ID] = true
			u, err := url.Parse(strings.NewReplacer("{region}", "us-east-1", "{resource}", "name").Replace(s.BaseURL))
			if err != nil || u.Host == "" || strings.HasSuffix(s.BaseURL, "/") {
				t.Errorf("base URL %q is not a clean URL", s.BaseURL)
			}
			if s.Local != (u.Hostname() == "localhost") || (!s.Local && u.Scheme != "https") {
				t.Errorf("base URL %q: local %v", s.BaseURL, s.Local)
			}
			switch s.Kind {
			case KindAnthropic, KindGemini:
				if u.Path != "" {
					t.Errorf("%s base URL %q carries a path; the SDK adds the version", s.Kind, s.BaseURL)
				}
			case KindOpenAI:
				if s.ID != "perplexity" && !strings.Contains(u.Path, "/v") {
					t.Errorf("OpenAI-compatible base URL %q lacks the version path", s.BaseURL)
				}
			}
			if !s.NoKey && !s.Structured && len(s.KeyEnv) == 0 {
				t.Errorf("no key environment variable")
			}
			if s.NoKey != s.Local || (s.Structured != (s.ID == "azure" || s.ID == "bedrock")) {
				t.Errorf("local %v nokey %v structured %v", s.Local, s.NoKey, s.Structured)
			}
		})
	}
	if !slices.Equal(ids, want) {
		t.Errorf("built-in ids = %v\nwant %v", ids, want)
	}
}

func TestRegistryGet(t *testing.T) {
	r := NewRegistry(Builtin()...)
	tests := []struct {
		query, id string
		env       string
		base      string
	}{
		{"openai", "openai", "OPENAI_API_KEY", "https://api.openai.com/v1"},
		{"GEMINI", "google", "GEMINI_API_KEY", "https://generativelanguage.googleapis.com"},
		{" Google ", "google", "GEMINI_API_KEY", "https://generativelanguage.googleapis.com"},
		{"Anthropic", "anthropic", "ANTHROPIC_API_KEY", "https://api.anthropic.com"},
		{"together_ai", "together", "TOGETHER_API_KEY", "https://api.together.xyz/v1"},
		{"ollama", "ollama", "", "http://localhost:11434/v1"},
		{"lmstudio", "lmstudio", "", "http://localhost:1234/v1"},
		{"black_forest_labs", "bfl", "BFL_API_KEY", "https://api.bfl.ai/v1"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			s, ok := r.Get(tt.query)
			if !ok || s.ID != tt.id || s.BaseURL != tt.base {
				t.Fatalf("Get(%q) = %+v, %v", tt.query, s, ok)
			}
			if tt.env != "" && s.KeyEnv[0] != tt.env {
				t.Errorf("key env = %v", s.KeyEnv)
			}
		})
	}
	if _, ok := r.Get("nosuch"); ok {
		t.Error("Get found a provider that does not exist")
	}
	g, _ := r.Get("google")
	if !slices.Contains(g.KeyEnv, "GOOGLE_API_KEY") {
		t.Errorf("google key env = %v", g.KeyEnv)
	}
}

func TestRegistryAdd(t *testing.T) {
	r := NewRegistry(Builtin()...)
	n := len(r.All())
	r.Add(Spec{ID: "openai", Name: "OpenAI via proxy", Kind: KindOpenAI, BaseURL: "http://127.0.0.1:8787/v1"})
	r.Add(Spec{ID: "mylab", Name: "My lab", Kind: KindAnthropic, BaseURL: "https://lab.example", Aliases: []string{"LAB", "gemini"}})
	if got, _ := r.Get("openai"); got.BaseURL != "http://127.0.0.1:8787/v1" || len(r.All()) != n+1 {
		t.Errorf("override = %+v, %d specs", got, len(r.All()))
	}
	if got, ok := r.Get("lab"); !ok || got.ID != "mylab" {
		t.Errorf("alias lab = %+v %v", got, ok)
	}
	if got, _ := r.Get("gemini"); got.ID != "mylab" {
		// The later alias wins over the earlier one; an id never loses to an alias.
		t.Errorf("gemini now = %s", got.ID)
	}
	r.Add(Spec{ID: "lab", Name: "Lab itself", Kind: KindOpenAI, BaseURL: "https://x.example/v1"})
	if got, _ := r.Get("LAB"); got.ID != "lab" {
		t.Errorf("an alias shadowed an id: %s", got.ID)
	}
	all := r.All()
	all[0].ID = "changed"
	if got, _ := r.Get("openai"); got.ID != "openai" {
		t.Error("All returned the registry's own slice")
	}
}

func TestWithKind(t *testing.T) {
	r := NewRegistry(Builtin()...)
	o, _ := r.Get("openai")
	resp, err := o.WithKind(KindResponses)
	if err != nil || resp.Kind != KindResponses || !slices.Contains(resp.AltKinds, KindOpenAI) {
		t.Errorf("openai → responses = %+v, %v", resp, err)
	}
	if back, err := resp.WithKind(KindOpenAI); err != nil || back.Kind != KindOpenAI {
		t.Errorf("back = %+v, %v", back, err)
	}
	g, _ := r.Get("groq")
	if _, err := g.WithKind(KindResponses); err == nil {
		t.Error("groq switched to the Responses API")
	}
}

func TestNewRefuses(t *testing.T) {
	tests := []struct {
		name  string
		spec  Spec
		class Class
	}{
		{"no key", Spec{ID: "openai", Kind: KindOpenAI, BaseURL: "https://api.openai.com/v1", KeyEnv: []string{"OPENAI_API_KEY"}}, ClassAuth},
		{"no base url", Spec{ID: "custom", Kind: KindOpenAI, NoKey: true}, ""},
		{"unknown kind", Spec{ID: "odd", Kind: "fax", NoKey: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.spec, "", Options{})
			if err == nil {
				t.Fatal("New accepted it")
			}
			if tt.class != "" {
				e := asError(t, err, tt.class)
				if !strings.Contains(e.Message, "OPENAI_API_KEY") || !strings.Contains(e.Message, "byok keys add openai") {
					t.Errorf("message %q does not say how to add a key", e.Message)
				}
			}
		})
	}
}

func TestEnvSecret(t *testing.T) {
	r := NewRegistry(Builtin()...)
	env := map[string]string{
		"GOOGLE_API_KEY":        "AIzaFromGoogleVar0000000000",
		"AWS_ACCESS_KEY_ID":     "AKIAENV0000000000000",
		"AWS_SECRET_ACCESS_KEY": testAWSSecret,
		"AWS_DEFAULT_REGION":    "eu-west-1",
		"AZURE_OPENAI_ENDPOINT": "https://name.openai.azure.com",
		"AZURE_OPENAI_API_KEY":  testAzureKey,
	}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		id, source string
		ok         bool
		check      func(t *testing.T, secret string)
	}{
		{id: "google", source: "GOOGLE_API_KEY", ok: true, check: func(t *testing.T, s string) {
			if s != env["GOOGLE_API_KEY"] {
				t.Errorf("secret = %q", s)
			}
		}},
		{id: "openai"},
		{id: "bedrock", source: "AWS_ACCESS_KEY_ID", ok: true, check: func(t *testing.T, s string) {
			b, err := ParseBedrockSecret(s)
			if err != nil || b.Region != "eu-west-1" || b.SecretAccessKey != testAWSSecret {
				t.Errorf("bedrock secret %+v, %v", b, err)
			}
		}},
		{id: "azure"}, // no deployment: incomplete
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			spec, _ := r.Get(tt.id)
			secret, source, ok := EnvSecret(spec, getenv)
			if ok != tt.ok || source != tt.source {
				t.Fatalf("EnvSecret = %q from %q, %v", secret, source, ok)
			}
			if tt.check != nil {
				tt.check(t, secret)
			}
		})
	}
	env["AZURE_OPENAI_DEPLOYMENT"] = "prod-4o"
	az, _ := r.Get("azure")
	secret, _, ok := EnvSecret(az, getenv)
	if s, err := ParseAzureSecret(secret); !ok || err != nil || s.Deployment != "prod-4o" || !s.v1() {
		t.Errorf("azure secret %+v, %v, %v", s, ok, err)
	}
}
