package tui

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/reports/reportstest"
	"github.com/byokhq/byok/store/keychain"
)

// TestKeysViewBalances: the Keys view shows, under the keys, the last
// balance and key limit the providers told, with the key each was read
// with and how long ago; b reads them again. The balances were read two
// hours before the view looks (by another byok process on the same home),
// so they show as 2h old until b reads DeepSeek's new figure.
func TestKeysViewBalances(t *testing.T) {
	srv := reportstest.NewBalanceServer(t, "CNY", 350)
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(srv.Config()), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	open := func(now func() time.Time) *app.App {
		a, err := app.Open(ctx, app.Options{Home: home, Now: now, Env: func(string) string { return "" }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		sec, err := keychain.Open(keychain.Options{Backend: keychain.BackendFile, FilePath: filepath.Join(home, "secrets.enc"),
			Passphrase: func() (string, error) { return "test passphrase", nil }})
		if err != nil {
			t.Fatal(err)
		}
		a.SetSecrets(sec)
		return a
	}
	earlier := open(func() time.Time { return testNow.Add(-2 * time.Hour) })
	if _, err := earlier.AddKey(ctx, "deepseek", "main", "sk-FAKE-deepseek-keysview-00000test", false); err != nil {
		t.Fatal(err)
	}
	if _, err := earlier.AddKey(ctx, "openrouter", "main", "sk-or-v1-FAKE-keysview-0000000test", false); err != nil {
		t.Fatal(err)
	}
	if _, err := earlier.Balances(ctx); err != nil {
		t.Fatal(err)
	}

	a := open(fixedClock)
	hs := newHarness(t, a, Options{StartView: "keys", Now: fixedClock}, 120, 30)
	hs.contains("Balances as last read",
		"DeepSeek     balance 3.50 CNY · deepseek/main · 2h ago",
		"OpenRouter   key limit $74.50 left of $100.00 · openrouter/main · 2h ago")
	hs.lacks("sk-FAKE-deepseek", "sk-or-v1-FAKE")

	srv.SetBalance(1234)
	hs.press("b")
	hs.contains("DeepSeek     balance 12.34 CNY · deepseek/main · just now")
}
