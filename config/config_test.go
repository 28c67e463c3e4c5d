package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	cases := []struct {
		name    string
		text    string
		wantErr string // substring; empty means no error
		check   func(t *testing.T, c Config)
	}{
		{"empty file gives defaults", "", "", func(t *testing.T, c Config) {
			if c.Proxy.Addr != "127.0.0.1:8787" || c.RotateAfterDays != 90 || c.Keyring != "keychain" || !c.Alerts.Bell {
				t.Fatalf("defaults %+v", c)
			}
		}},
		{"full file", `
default_model = "anthropic/claude-sonnet-4-5"
timezone = "Asia/Kolkata"
store_text = true
keyring = "file"
rotate_after_days = 30

[proxy]
addr = "127.0.0.1:9999"

[alerts]
desktop = true
command = "notify-send byok"

[providers.openrouter]
markup_percent = 5.5

[providers.vllm]
kind = "openai"
base_url = "http://localhost:8000/v1"
no_key = true
`, "", func(t *testing.T, c Config) {
			if c.Location().String() != "Asia/Kolkata" || !c.StoreText || c.Proxy.Addr != "127.0.0.1:9999" {
				t.Fatalf("parsed %+v", c)
			}
			if c.Markup("openrouter") != 550 || c.Markup("openai") != 0 {
				t.Fatalf("markup %d", c.Markup("openrouter"))
			}
			if p := c.Providers["vllm"]; p.Kind != "openai" || !p.NoKey {
				t.Fatalf("custom provider %+v", p)
			}
		}},
		{"syntax error names the line", "timezone = \"UTC\"\nstore_text = yes\n", "config.toml:2:", nil},
		{"wrong type names the line", "\n\nrotate_after_days = \"ninety\"\n", "config.toml:3:", nil},
		{"unknown key is reported with its line", "timezone = \"UTC\"\n[proxy]\nadress = \"127.0.0.1:1\"\n", `config.toml:3: unknown setting "proxy.adress"`, nil},
		{"bad time zone", "timezone = \"Mars/Olympus\"\n", `config.toml:1: timezone "Mars/Olympus" is not a time zone`, nil},
		{"proxy off loopback", "[proxy]\naddr = \"0.0.0.0:8787\"\n", "config.toml:2: proxy addr", nil},
		{"bad keyring", "keyring = \"plaintext\"\n", `keyring "plaintext"`, nil},
		{"custom provider without url", "[providers.mine]\nkind = \"openai\"\n", "config.toml:1: custom provider mine needs a base_url", nil},
		{"base url without a scheme", "[providers.openai]\nbase_url = \"api.openai.com/v1\"\n", `config.toml:2: provider openai: base_url "api.openai.com/v1" must start with http:// or https://`, nil},
		{"base url without a host", "[providers.openai]\nbase_url = \"http:///v1\"\n", `config.toml:2: provider openai: base_url "http:///v1" must start with http:// or https:// and name a host`, nil},
		{"bad provider kind", "[providers.mine]\nkind = \"cohere\"\nbase_url = \"http://x\"\n", `config.toml:2: provider mine: kind "cohere"`, nil},
		{"default model without provider", "default_model = \"gpt-4o\"\n", "write it as provider/model", nil},
		{"negative markup", "[providers.openrouter]\nmarkup_percent = -1\n", "markup_percent must be between 0 and 100", nil},
		{"low balance and reconcile interval", "[alerts]\nlow_balance_usd = 2.35\n[reconcile]\nevery = \"90m\"\n", "", func(t *testing.T, c Config) {
			if !c.Alerts.LowBalanceUSD.Set || c.Alerts.LowBalanceUSD.USD != 2_350_000_000 || c.Reconcile.Interval() != 90*time.Minute {
				t.Fatalf("low balance %+v, reconcile every %s", c.Alerts.LowBalanceUSD, c.Reconcile.Interval())
			}
		}},
		{"low balance as a string, reconcile off", "[alerts]\nlow_balance_usd = \"10\"\n[reconcile]\nevery = \"0\"\n", "", func(t *testing.T, c Config) {
			if c.Alerts.LowBalanceUSD.USD != 10_000_000_000 || c.Reconcile.Interval() != 0 {
				t.Fatalf("low balance %+v, reconcile every %s", c.Alerts.LowBalanceUSD, c.Reconcile.Interval())
			}
		}},
		{"reconcile every by default", "", "", func(t *testing.T, c Config) {
			if c.Reconcile.Interval() != 6*time.Hour || c.Alerts.LowBalanceUSD.Set {
				t.Fatalf("reconcile every %s, low balance %+v", c.Reconcile.Interval(), c.Alerts.LowBalanceUSD)
			}
		}},
		{"bad low balance", "[alerts]\nlow_balance_usd = \"five\"\n", "alerts.low_balance_usd: expected an amount of dollars", nil},
		{"negative low balance names its setting", "[alerts]\nlow_balance_usd = -1\n", "config.toml:2: alerts.low_balance_usd: the amount must not be negative", nil},
		{"reconcile too often", "[reconcile]\nevery = \"1m\"\n", "config.toml:2: reconcile every", nil},
		{"unknown agent to watch", "timezone = \"UTC\"\n[import]\nwatch = [\"claude-code\", \"cursor\"]\n", `config.toml:3: import watch: "cursor" is not an agent`, nil},
		{"agents to watch", "[import]\nwatch = [\"claude-code\", \"codex\"]\n", "", func(t *testing.T, c Config) {
			if strings.Join(c.Import.Watch, ",") != "claude-code,codex" {
				t.Fatalf("watch %v", c.Import.Watch)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if c, err := parseCase(t, tc.text, tc.wantErr); err == nil {
				tc.check(t, c)
			}
		})
	}
}

// parseCase parses text as config.toml over the defaults and fails the
// test unless the error is as wanted: none for an empty wantErr, else one
// containing wantErr. It returns both for the case's own checks.
func parseCase(t *testing.T, text, wantErr string) (Config, error) {
	t.Helper()
	c := Default()
	err := Parse([]byte(text), &c, "config.toml")
	switch {
	case wantErr == "" && err != nil:
		t.Fatalf("unexpected error: %v", err)
	case wantErr != "" && (err == nil || !strings.Contains(err.Error(), wantErr)):
		t.Fatalf("error %v, want it to contain %q", err, wantErr)
	}
	return c, err
}

func TestResolvePathsAndLoad(t *testing.T) {
	home := t.TempDir()
	t.Setenv("BYOK_HOME", home)
	p, err := ResolvePaths("")
	if err != nil {
		t.Fatal(err)
	}
	if p.Config != filepath.Join(home, "config.toml") || p.Database != filepath.Join(home, "byok.db") {
		t.Fatalf("paths %+v", p)
	}
	other := t.TempDir()
	if p2, _ := ResolvePaths(other); p2.Home != other {
		t.Fatalf("--home did not win over BYOK_HOME: %+v", p2)
	}
	t.Setenv("BYOK_HOME", "")
	t.Setenv("XDG_CONFIG_HOME", "/x/cfg")
	t.Setenv("XDG_DATA_HOME", "/x/data")
	if p3, _ := ResolvePaths(""); p3.Config != "/x/cfg/byok/config.toml" || p3.Database != "/x/data/byok/byok.db" {
		t.Fatalf("xdg paths %+v", p3)
	}

	c, err := Load(p)
	if err != nil || c.Proxy.Addr == "" {
		t.Fatalf("missing file: %v", err)
	}
	if err := os.WriteFile(p.Config, []byte("timezone = 5\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(p)
	var ce *Error
	if !errors.As(err, &ce) || ce.Line != 1 || ce.File != p.Config {
		t.Fatalf("bad file error %#v", err)
	}
}

// TestExportConfig checks [export.otlp]: header values must name keychain
// secrets, and a refused value is never echoed back.
func TestExportConfig(t *testing.T) {
	tests := []struct {
		name, toml string
		wantErr    string
	}{
		{"keychain header", "[export.otlp]\nendpoint = \"http://localhost:4318\"\nheaders = { Authorization = \"keychain:grafana\" }\n", ""},
		{"plain header", "[export.otlp]\nendpoint = \"http://localhost:4318\"\nheaders = { Authorization = \"Basic c2VjcmV0LXRva2Vu\" }\n", "byok keys add otlp --label NAME"},
		{"bad endpoint", "[export.otlp]\nendpoint = \"localhost:4318\"\n", "OTLP/HTTP base URL"},
		{"bad interval", "[export.otlp]\nendpoint = \"http://localhost:4318\"\ninterval = \"10ms\"\n", "between 1s and 24h"},
		{"serve off loopback", "[serve]\naddr = \"0.0.0.0:9464\"\n", "loopback only"},
		{"serve port out of range", "[serve]\naddr = \"127.0.0.1:70000\"\n", "serve addr \"127.0.0.1:70000\": the port must be a number from 1 to 65535"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseCase(t, tt.toml, tt.wantErr)
			if err == nil {
				if c.Export.OTLP.Interval.String() != "30s" || !c.Export.OTLP.Enabled() {
					t.Fatalf("export config %+v", c.Export.OTLP)
				}
				return
			}
			if strings.Contains(err.Error(), "c2VjcmV0LXRva2Vu") {
				t.Fatalf("the refused header value was echoed: %v", err)
			}
		})
	}
}

// A mistyped setting is named with the one it was most likely meant to be.
func TestUnknownSettingSuggestsTheClosest(t *testing.T) {
	for _, tt := range []struct{ file, want string }{
		{"defualt_model = \"openai/gpt-4o\"\n", `unknown setting "defualt_model"; did you mean "default_model"?`},
		{"[alerts]\ndesktp = true\n", `config.toml:2: unknown setting "alerts.desktp"; did you mean "alerts.desktop"?`},
		{"[providers.openrouter]\nmarkup_percnt = 5\n", `did you mean "providers.openrouter.markup_percent"?`},
		{"colour = \"blue\"\n", `unknown setting "colour"; see the README`},
	} {
		dir := t.TempDir()
		path := filepath.Join(dir, "config.toml")
		if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
			t.Fatal(err)
		}
		paths, err := ResolvePaths(dir)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Load(paths)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %q", tt.file, err, tt.want)
		}
	}
}
