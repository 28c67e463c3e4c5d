package app

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/byokhq/byok/providers"
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
