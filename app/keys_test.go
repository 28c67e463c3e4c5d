package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/store"
	"github.com/byokhq/byok/store/keychain"
)

// Two homes with the same keyring_service share the keychain's accounts.
// Neither may silently replace the other's key, and a key replaced from
// outside is not spent as if it were the recorded one.
func TestHomesSharingAKeychain(t *testing.T) {
	ctx := context.Background()
	shared, err := keychain.Open(keychain.Options{Backend: keychain.BackendFile, FilePath: filepath.Join(t.TempDir(), "shared.enc"),
		Passphrase: func() (string, error) { return "a shared passphrase", nil }})
	if err != nil {
		t.Fatal(err)
	}
	home := func() *App {
		a := openHome(t, t.TempDir(), "")
		a.SetSecrets(shared)
		return a
	}
	a, b := home(), home()
	const first, second = "sk-home-a-work-key-000000000000AAAA", "sk-home-b-work-key-111111111111BBBB"
	if _, err := a.AddKey(ctx, "openai", "work", first, false); err != nil {
		t.Fatal(err)
	}
	_, err = b.AddKey(ctx, "openai", "work", second, false)
	if err == nil || !strings.Contains(err.Error(), "already holds another secret for openai/work (…AAAA)") || strings.Contains(err.Error(), first) {
		t.Fatalf("a second home adding openai/work over the first's: %v", err)
	}
	if got, _ := shared.Get(ctx, "openai/work"); got != first {
		t.Fatalf("the shared keychain holds %q after the refusal", got)
	}
	// The same secret in both homes is no conflict.
	if _, err := b.AddKey(ctx, "openai", "work", first, false); err != nil {
		t.Fatalf("adding the same secret in a second home: %v", err)
	}

	// Replaced from outside: neither home spends it as its key.
	if err := shared.Set(ctx, "openai/work", second); err != nil {
		t.Fatal(err)
	}
	call := Call{Provider: "openai", Model: "gpt-4o-mini", KeyLabel: "work",
		Request: providers.Request{Model: "gpt-4o-mini", Messages: []providers.Message{{Role: providers.RoleUser, Content: "hi"}}}}
	for _, h := range []*App{a, b} {
		_, err := h.Begin(ctx, call)
		if err == nil || !strings.Contains(err.Error(), "is not the key this home recorded (…AAAA)") || strings.Contains(err.Error(), second) {
			t.Fatalf("begin with a replaced key: %v", err)
		}
	}
}

// A key is chosen for a request by its label or by the provider/label name
// keys list shows; a name of another provider's key is refused plainly.
func TestKeyChosenByItsFullName(t *testing.T) {
	ctx := context.Background()
	a := openDemoHome(t, 10, 1)
	spec, err := a.Provider("openai")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"work", "openai/work", "OpenAI/work"} {
		k, secret, err := a.resolveKey(ctx, spec, name)
		if err != nil || k.Name() != "openai/work" || secret == "" {
			t.Errorf("key %q: %s, secret found %v, %v", name, k.Name(), secret != "", err)
		}
	}
	_, _, err = a.resolveKey(ctx, spec, "anthropic/work")
	if err == nil || !strings.Contains(err.Error(), "belongs to anthropic, not openai") {
		t.Errorf("another provider's key: %v", err)
	}
	_, _, err = a.Estimate(ctx, Call{Provider: "openai", Model: "gpt-4o-mini", KeyLabel: "anthropic/work"})
	if err == nil || !strings.Contains(err.Error(), "belongs to anthropic, not openai") {
		t.Errorf("an estimate with another provider's key: %v", err)
	}
	if _, _, err := a.resolveKey(ctx, spec, "openai/nope"); err == nil || !strings.Contains(err.Error(), "no key openai/nope") {
		t.Errorf("a missing key: %v", err)
	}
}

// keys test of an environment variable's key tests the variable as it is
// now: one no longer set is refused with the variable to set, before
// anything is learned or alerted of the key, and one set again is tested
// with its new value, as the key lists read it.
func TestTestKeyReadsTheVariableAgain(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"object":"list","data":[]}`)
	}))
	t.Cleanup(srv.Close)
	home := t.TempDir()
	cfg := fmt.Sprintf("[providers.openai]\nbase_url = %q\n", srv.URL+"/v1")
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"OPENAI_API_KEY": "sk-fake-env-first-0000111122223333"}
	a, err := Open(ctx, Options{Home: home, Env: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if _, err := a.Keys(ctx); err != nil {
		t.Fatal(err)
	}
	k, err := a.Store.KeyByName(ctx, "openai", envLabel)
	if err != nil {
		t.Fatal(err)
	}

	delete(env, "OPENAI_API_KEY")
	if _, err := a.TestKey(ctx, k.ID); err == nil || !strings.Contains(err.Error(), "openai/env came from the environment, which no longer sets OPENAI_API_KEY: set it again") {
		t.Fatalf("testing the key of an unset variable: %v", err)
	}
	if got, err := a.Store.KeyByID(ctx, k.ID); err != nil || !got.Revoked() || got.Health != store.HealthUnknown {
		t.Fatalf("after the refusal the key reads removed=%t health=%q (%v); want removed, nothing learned", got.Revoked(), got.Health, err)
	}
	if as, err := a.Store.Alerts(ctx, true); err != nil || len(as) != 0 {
		t.Fatalf("alerts after the refusal: %v (%v)", as, err)
	}

	env["OPENAI_API_KEY"] = "sk-fake-env-again-0000111122224444"
	got, err := a.TestKey(ctx, k.ID)
	if err != nil || got.Revoked() || got.Last4 != "4444" || got.Health != store.HealthOK {
		t.Fatalf("testing the variable set again: %s removed=%t …%s health=%q, %v", got.Name(), got.Revoked(), got.Last4, got.Health, err)
	}
}

// The default mark in the key lists is on the key a request naming none
// sends with: the provider's default stored key, else its environment
// variable's. An environment variable's key listed before any key was
// stored hands the mark to the first stored key, which keeps it when a
// key with a label sorting before it is added, and a removed default hands
// it to another stored key, never to the environment variable's.
func TestDefaultMarkIsTheKeyRequestsUse(t *testing.T) {
	ctx := context.Background()
	env := map[string]string{"OPENAI_API_KEY": "sk-fake-env-default-0000111122223333", "BYOK_PASSPHRASE": "default mark passphrase"}
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte("keyring = \"file\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := Open(ctx, Options{Home: home, Env: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	spec, err := a.Provider("openai")
	if err != nil {
		t.Fatal(err)
	}
	marked := func(want string) {
		t.Helper()
		ks, err := a.Keys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, k := range ks {
			if k.Default {
				got = append(got, k.Name())
			}
		}
		used, _, err := a.resolveKey(ctx, spec, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0] != want || used.Name() != want {
			t.Fatalf("marked as the default: %v, requests send with %s; want %s for both", got, used.Name(), want)
		}
	}
	marked("openai/env")
	work, err := a.AddKey(ctx, "openai", "work", "sk-fake-work-default-0000111122223333", false)
	if err != nil || !work.Default {
		t.Fatalf("the first stored key: default=%t, %v", work.Default, err)
	}
	marked("openai/work")
	alpha, err := a.AddKey(ctx, "openai", "alpha", "sk-fake-alpha-default-0000111122223333", false)
	if err != nil || alpha.Default {
		t.Fatalf("a second stored key: default=%t, %v", alpha.Default, err)
	}
	marked("openai/work")
	if _, err := a.RemoveKey(ctx, work.ID); err != nil {
		t.Fatal(err)
	}
	marked("openai/alpha")
	if _, err := a.RemoveKey(ctx, alpha.ID); err != nil {
		t.Fatal(err)
	}
	marked("openai/env")
}
