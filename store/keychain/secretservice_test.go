package keychain_test

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/store/keychain"
	"github.com/byokhq/byok/store/keychain/keychaintest"
)

// Made-up key-shaped values; none is a real key.
const (
	workKey     = "sk-proj-TESTONLYwork0123456789abcdefghijklmnop"
	workKey2    = "sk-proj-TESTONLYrotated9876543210zyxwvutsrqpo"
	personalKey = "sk-proj-TESTONLYpersonal55555555555555555555"
)

// secretTool runs secret-tool against the private bus (the environment
// keychaintest set up) and returns its trimmed output.
func secretTool(t *testing.T, args ...string) (string, error) {
	t.Helper()
	if _, err := exec.LookPath("secret-tool"); err != nil {
		t.Skip("secret-tool is not installed: apt-get install libsecret-tools to run this check")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "secret-tool", args...).Output()
	return strings.TrimSpace(string(out)), err
}

func openKeychain(t *testing.T, o keychain.Options) keychain.Secrets {
	t.Helper()
	s, err := keychain.Open(o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// assertNoSecret fails when an error message carries any of the secrets.
func assertNoSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error message contains a secret: %v", err)
		}
	}
}

func TestSecretServiceRoundTrip(t *testing.T) {
	keychaintest.Start(t)
	ctx := context.Background()
	s := openKeychain(t, keychain.Options{})

	if err := s.Set(ctx, "openai/work", workKey); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if err := s.Set(ctx, "openai/personal", personalKey); err != nil {
		t.Fatalf("Set personal: %v", err)
	}
	got, err := s.Get(ctx, "openai/work")
	if err != nil || got != workKey {
		t.Fatalf("Get = (%d bytes, %v), want the stored key", len(got), err)
	}

	// Other tools find it where docs/design.md §3 says: service byok, account
	// provider/label (go-keyring's attributes "service" and "username").
	found, err := secretTool(t, "lookup", "service", "byok", "username", "openai/work")
	if err != nil || found != workKey {
		t.Fatalf("secret-tool lookup = (%d bytes, %v), want the key byok stored", len(found), err)
	}

	// Set on an existing account replaces the value (rotation).
	if err := s.Set(ctx, "openai/work", workKey2); err != nil {
		t.Fatalf("Set rotated: %v", err)
	}
	if got, err := s.Get(ctx, "openai/work"); err != nil || got != workKey2 {
		t.Fatalf("Get after rotation = (%d bytes, %v), want the new key", len(got), err)
	}
	if found, _ := secretTool(t, "lookup", "service", "byok", "username", "openai/work"); found != workKey2 {
		t.Fatalf("secret-tool sees %d bytes after rotation, want the new key", len(found))
	}

	if err := s.Delete(ctx, "openai/work"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err = s.Get(ctx, "openai/work")
	if !errors.Is(err, keychain.ErrNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, "openai/work"); !errors.Is(err, keychain.ErrNotFound) {
		t.Fatalf("second Delete: %v, want ErrNotFound", err)
	}
	// The other label is untouched.
	if got, err := s.Get(ctx, "openai/personal"); err != nil || got != personalKey {
		t.Fatalf("Get personal = (%d bytes, %v), want it kept", len(got), err)
	}
	assertNoSecret(t, err, workKey, workKey2, personalKey)
}

func TestSecretServiceNotFound(t *testing.T) {
	keychaintest.Start(t)
	s := openKeychain(t, keychain.Options{})
	_, err := s.Get(context.Background(), "anthropic/missing")
	if !errors.Is(err, keychain.ErrNotFound) {
		t.Fatalf("Get: %v, want ErrNotFound", err)
	}
	if !strings.Contains(err.Error(), `"anthropic/missing"`) || !strings.Contains(err.Error(), "byok keys add") {
		t.Errorf("error %q should name the account and how to add a key", err)
	}
}

func TestSecretServiceServiceName(t *testing.T) {
	keychaintest.Start(t)
	ctx := context.Background()
	other := openKeychain(t, keychain.Options{Service: "byok-dev"})
	if err := other.Set(ctx, "groq/ci", workKey); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if found, err := secretTool(t, "lookup", "service", "byok-dev", "username", "groq/ci"); err != nil || found != workKey {
		t.Fatalf("secret-tool under byok-dev = (%d bytes, %v), want the key", len(found), err)
	}
	def := openKeychain(t, keychain.Options{})
	if _, err := def.Get(ctx, "groq/ci"); !errors.Is(err, keychain.ErrNotFound) {
		t.Fatalf("Get under the default service: %v, want ErrNotFound", err)
	}
}

func TestSecretServiceLockedTimesOut(t *testing.T) {
	keychaintest.StartLocked(t)
	const timeout = time.Second
	s := openKeychain(t, keychain.Options{Timeout: timeout})
	calls := []struct {
		name string
		call func(context.Context) error
	}{
		{"get", func(ctx context.Context) error { _, err := s.Get(ctx, "openai/work"); return err }},
		{"set", func(ctx context.Context) error { return s.Set(ctx, "openai/work", workKey) }},
		{"delete", func(ctx context.Context) error { return s.Delete(ctx, "openai/work") }},
	}
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			err := c.call(context.Background())
			elapsed := time.Since(start)
			if !errors.Is(err, keychain.ErrTimeout) {
				t.Fatalf("%s on a locked keyring: %v, want ErrTimeout", c.name, err)
			}
			if elapsed < timeout || elapsed > timeout+time.Second {
				t.Errorf("%s returned after %s, want about %s", c.name, elapsed, timeout)
			}
			for _, want := range []string{"locked", "gnome-keyring-daemon --unlock", "1s"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			assertNoSecret(t, err, workKey)
		})
	}
}

func TestSecretServiceCancelled(t *testing.T) {
	keychaintest.StartLocked(t)
	s := openKeychain(t, keychain.Options{Timeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Get(ctx, "openai/work")
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, keychain.ErrTimeout) {
		t.Fatalf("Get with a cancelled context: %v, want the context's error", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("Get took %s after its context ended", elapsed)
	}
}

func TestSecretServiceUnavailable(t *testing.T) {
	tests := []struct {
		name  string
		setup func(testing.TB)
	}{
		{"no bus at all", keychaintest.NoBus},
		{"bus without a Secret Service", keychaintest.StartBusOnly},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup(t)
			s := openKeychain(t, keychain.Options{Timeout: 5 * time.Second})
			start := time.Now()
			err := s.Set(context.Background(), "openai/work", workKey)
			if !errors.Is(err, keychain.ErrUnavailable) {
				t.Fatalf("Set: %v, want ErrUnavailable", err)
			}
			if elapsed := time.Since(start); elapsed > 3*time.Second {
				t.Errorf("Set took %s to fail; it should fail at once", elapsed)
			}
			for _, want := range []string{"gnome-keyring", "KeePassXC", `keyring = "file"`, "config.toml"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not name the fix %q", err, want)
				}
			}
			if _, err := s.Get(context.Background(), "openai/work"); !errors.Is(err, keychain.ErrUnavailable) {
				t.Errorf("Get: %v, want ErrUnavailable", err)
			}
			assertNoSecret(t, err, workKey)
		})
	}
}
