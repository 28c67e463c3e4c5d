package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/byokhq/byok/money"
)

// openHome opens an app on home, with config.toml holding cfg when it is
// not empty.
func openHome(t *testing.T, home, cfg string) *App {
	t.Helper()
	if cfg != "" {
		if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	a, err := Open(context.Background(), Options{Home: home})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func TestClaimDemoHome(t *testing.T) {
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
			// Opened again, the home is the demo's: same service, and it
			// may be filled again although it now holds requests.
			if _, err := a.SeedDemo(ctx, DemoOptions{Events: 50, Days: 2}); err != nil {
				t.Fatal(err)
			}
			a.Close()
			again := openHome(t, home, "")
			if again.Config.KeyringService != tt.service {
				t.Errorf("reopened with keyring service %q, want %q", again.Config.KeyringService, tt.service)
			}
			if err := again.ClaimDemoHome(ctx); err != nil {
				t.Errorf("claiming a demo home again: %v", err)
			}
		})
	}
}
