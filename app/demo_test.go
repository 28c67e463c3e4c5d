package app

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/store"
	"github.com/byokhq/byok/store/keychain"
	"github.com/byokhq/byok/store/keychain/keychaintest"
)

// fileSecrets is a private encrypted-file keyring, so a test never writes
// to the keychain of the machine it runs on.
func fileSecrets(t *testing.T) keychain.Secrets {
	t.Helper()
	sec, err := keychain.Open(keychain.Options{Backend: keychain.BackendFile, FilePath: filepath.Join(t.TempDir(), "secrets.enc"),
		Passphrase: func() (string, error) { return "a demo test passphrase", nil }})
	if err != nil {
		t.Fatal(err)
	}
	return sec
}

// openHome opens an app on home, with config.toml holding cfg when it is
// not empty.
func openHome(t *testing.T, home, cfg string) *App {
	t.Helper()
	return openHomeAt(t, home, cfg, nil)
}

// openHomeAt is openHome on the clock now (the real clock when now is
// nil).
func openHomeAt(t *testing.T, home, cfg string, now func() time.Time) *App {
	t.Helper()
	if cfg != "" {
		if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	a, err := Open(context.Background(), Options{Home: home, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func TestClaimDemoHome(t *testing.T) {
	keychaintest.Start(t) // a Secret Service, for the demo's keys to go to
	ctx := context.Background()
	read := func(home string) string {
		b, _ := os.ReadFile(filepath.Join(home, "config.toml"))
		return string(b)
	}
	tests := []struct {
		name, cfg string
		spend     bool   // the home has a request of its own
		refused   bool   // ClaimDemoHome says ErrNotDemoHome
		service   string // the keyring service afterwards
	}{
		{name: "new home", service: DemoKeyringService},
		{name: "own config, kept below", cfg: "timezone = \"UTC\"\n# keyring_service = \"x\"\n[proxy]\naddr = \"127.0.0.1:8788\"\n", service: DemoKeyringService},
		{name: "names the shared service", cfg: "keyring_service = \"byok\"\n", refused: true, service: "byok"},
		{name: "a service of its own", cfg: "keyring_service = \"mine\"\n", service: "mine"},
		{name: "file keyring", cfg: "keyring = \"file\"\n", service: "byok"},
		{name: "holds a request", spend: true, refused: true, service: "byok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			a := openHome(t, home, tt.cfg)
			a.SetSecrets(fileSecrets(t))
			if tt.spend {
				if _, err := a.AddSpend(ctx, "openai", money.Dollar, "", a.now()); err != nil {
					t.Fatal(err)
				}
			}
			before := read(home)
			err := a.ClaimDemoHome(ctx)
			if got := errors.Is(err, ErrNotDemoHome); got != tt.refused {
				t.Fatalf("refused = %v (%v), want %v", got, err, tt.refused)
			}
			if tt.refused {
				if after := read(home); after != before {
					t.Fatalf("a refused home's config.toml changed:\n%s", after)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if a.Config.KeyringService != tt.service {
				t.Errorf("keyring service %q, want %q", a.Config.KeyringService, tt.service)
			}
			if tt.service == DemoKeyringService && !strings.HasSuffix(read(home), before) {
				t.Errorf("the home's own config.toml is not kept below the demo's line:\n%s", read(home))
			}
			// Opened again before it holds requests (a seeding that did not
			// finish), the home is the demo's: same service, claimed again.
			a.Close()
			again := openHome(t, home, "")
			if again.Config.KeyringService != tt.service {
				t.Errorf("reopened with keyring service %q, want %q", again.Config.KeyringService, tt.service)
			}
			if err := again.ClaimDemoHome(ctx); err != nil {
				t.Fatalf("claiming an unfilled demo home again: %v", err)
			}
			// Once filled, it is refused: a second seeding would double
			// every request and budget.
			if _, err := again.SeedDemo(ctx, DemoOptions{Events: 50, Days: 2}); err != nil {
				t.Fatal(err)
			}
			if err := again.ClaimDemoHome(ctx); !errors.Is(err, ErrDemoSeeded) || !strings.Contains(err.Error(), "byok --home "+home) {
				t.Errorf("claiming a filled demo home again: %v, want ErrDemoSeeded naming `byok --home %s`", err, home)
			}
		})
	}
}

// A demo home sends: every provider is simulated on the machine, the demo
// keys' secrets are in its keyring, and a reply is recorded and priced at the
// provider's real price like any other. The revoked stand-in key is refused
// by its check and by a request alike.
func TestOfflineDemoSends(t *testing.T) {
	ctx := context.Background()
	a := openDemoHome(t, 100, 3)
	if spec, _ := a.Provider("anthropic"); spec.Kind != providers.KindDemo {
		t.Fatalf("anthropic speaks %s in a demo home, want the offline demo", spec.Kind)
	}
	var text strings.Builder
	var sent int
	for attempt := 0; attempt < 5; attempt++ { // the demo fails now and then, as providers do
		call := Call{Provider: "openai", Model: "gpt-4o-mini", KeyLabel: "work", Source: store.SourceCLI,
			Request: providers.Request{Model: "gpt-4o-mini", Messages: []providers.Message{{Role: providers.RoleUser, Content: "How do budgets reset?"}}}}
		text.Reset()
		out, err := a.Prompt(ctx, call, func(e providers.Event) {
			if e.Type == providers.EventText {
				text.WriteString(e.Text)
			}
		})
		sent++
		if err != nil {
			if out.Event.ID == 0 {
				t.Fatalf("a failed demo request was not recorded: %v", err)
			}
			continue
		}
		e := out.Event
		if e.Status != store.StatusOK || e.CostState != pricing.Computed || e.Cost <= 0 || e.InputTokens == 0 || e.OutputTokens == 0 {
			t.Fatalf("demo reply recorded as %+v", e)
		}
		p, ok := a.Catalog().Lookup("openai", "gpt-4o-mini")
		if !ok || e.Cost != pricing.Cost(p, providers.Usage{Input: e.InputTokens, CacheRead: e.CacheReadTokens, Output: e.OutputTokens}, 0).Total {
			t.Fatalf("demo reply cost %v is not gpt-4o-mini's price for its tokens", e.Cost)
		}
		if !strings.Contains(text.String(), "How do budgets reset?") || !strings.Contains(text.String(), "offline demo") {
			t.Fatalf("demo reply %q", text.String())
		}
		break
	}
	if text.Len() == 0 {
		t.Fatalf("no demo reply in %d attempts", sent)
	}

	keys, err := a.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var revoked store.Key
	for _, k := range keys {
		if k.Label == "old-laptop" {
			revoked = k.Key
		}
	}
	if revoked.ID == 0 {
		t.Fatal("the demo has no revoked key")
	}
	_, err = a.TestKey(ctx, revoked.ID)
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Class != providers.ClassAuth {
		t.Fatalf("testing the revoked demo key: %v", err)
	}
	good := keys[0]
	if _, err := a.TestKey(ctx, good.ID); err != nil {
		t.Fatalf("testing demo key %s: %v", good.Name(), err)
	}
}

// On a machine without a Secret Service the demo still sends: its made-up
// keys go to a file keyring of the home's own, opened without asking.
func TestDemoHomeWithoutKeychain(t *testing.T) {
	keychaintest.NoBus(t)
	ctx := context.Background()
	home := t.TempDir()
	a := openHome(t, home, "")
	if err := a.ClaimDemoHome(ctx); err != nil {
		t.Fatal(err)
	}
	if a.Config.Keyring != keychain.BackendFile {
		t.Fatalf("keyring %q without a Secret Service, want the file", a.Config.Keyring)
	}
	rep, err := a.SeedDemo(ctx, DemoOptions{Events: 20, Days: 2})
	if err != nil || rep.SecretsErr != nil {
		t.Fatalf("seed: %v, secrets: %v", err, rep.SecretsErr)
	}
	a.Close()
	again := openHome(t, home, "")
	keys, err := again.Keys(ctx)
	if err != nil || len(keys) == 0 {
		t.Fatalf("keys: %v", err)
	}
	if _, err := again.TestKey(ctx, keys[0].ID); err != nil {
		t.Fatalf("testing %s in the reopened demo home: %v", keys[0].Name(), err)
	}
	if _, err := again.AddKey(ctx, "openai", "mine", "sk-a-real-looking-key-0000000000000000", false); !errors.Is(err, ErrDemoKey) {
		t.Fatalf("a real key added to the demo home: %v", err)
	}
}

// A demo home's rejected stand-in key is explained as the demo's: refused
// on purpose, with a working key to use instead, and never with advice to
// rotate it, which the demo refuses before a secret is asked for.
func TestDemoRejectedKeyAdvice(t *testing.T) {
	ctx := context.Background()
	a := openDemoHome(t, 50, 2)
	old, err := a.Store.KeyByName(ctx, "openai", "old-laptop")
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.TestKey(ctx, old.ID)
	var se *StoredKeyError
	if !errors.As(err, &se) || !se.Demo || se.Instead != "openai/work" || se.Class != providers.ClassAuth {
		t.Fatalf("testing the stand-in: %#v", err)
	}
	msg := err.Error()
	for _, want := range []string{"refused on purpose", "byok prompt --key work", "openai/work"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the refusal lacks %q: %s", want, msg)
		}
	}
	if strings.Contains(msg, "keys rotate") || strings.Contains(msg, "rotate it or") {
		t.Errorf("the refusal offers a rotation the demo refuses: %s", msg)
	}
	alerts, err := a.Store.Alerts(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	var keyAlert string
	for _, al := range alerts {
		if al.Kind == store.AlertKey && al.Scope == "key:openai/old-laptop" {
			keyAlert = al.Message
		}
	}
	if !strings.Contains(keyAlert, "use another of the demo's keys") || strings.Contains(keyAlert, "rotate it (a new secret)") {
		t.Errorf("the key alert reads %q", keyAlert)
	}
	if err := a.CheckNewSecret(); !errors.Is(err, ErrDemoKey) {
		t.Errorf("CheckNewSecret in a demo home: %v", err)
	}
	if err := a.CheckKeyName(ctx, "openai", "mine"); !errors.Is(err, ErrDemoKey) {
		t.Errorf("CheckKeyName in a demo home: %v", err)
	}
}

// openDemoHome opens a new home on the UTC clock with a file keyring,
// claims it for the demo and seeds it with events over days, its demo keys'
// secrets stored.
func openDemoHome(t *testing.T, events, days int) *App {
	t.Helper()
	ctx := context.Background()
	a := openHome(t, t.TempDir(), "timezone = \"UTC\"\n")
	a.SetSecrets(fileSecrets(t))
	if err := a.ClaimDemoHome(ctx); err != nil {
		t.Fatal(err)
	}
	if rep, err := a.SeedDemo(ctx, DemoOptions{Events: events, Days: days}); err != nil || rep.SecretsErr != nil {
		t.Fatalf("seed: %v, secrets: %v", err, rep.SecretsErr)
	}
	return a
}

// TestDemoReadsNoBalances: a demo home's keys are made up and its
// providers simulated, so reading balances sends nothing anywhere and says
// why there is none.
func TestDemoReadsNoBalances(t *testing.T) {
	a := openDemoHome(t, 200, 7)
	var sent []string
	a.httpClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent = append(sent, r.URL.String())
		return nil, errors.New("no network in this test")
	})}
	vs, err := a.Balances(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) == 0 {
		t.Fatal("no provider with a balance in the demo")
	}
	for _, v := range vs {
		if !errors.Is(v.Err, ErrOfflineReports) {
			t.Errorf("%s: error %v, want the offline demo's", v.Provider, v.Err)
		}
	}
	if len(sent) > 0 {
		t.Errorf("the demo sent %q", sent)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
