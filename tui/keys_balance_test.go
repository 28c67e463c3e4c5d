package tui

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/store/keychain"
)

// TestKeysViewBalances: the Keys view shows, under the keys, the last
// balance and key limit the providers told, with the key each was read
// with and how long ago; b reads them again. The balances were read two
// hours before the view looks (by another byok process on the same home),
// so they show as 2h old until b reads DeepSeek's new figure.
func TestKeysViewBalances(t *testing.T) {
	cents := 350
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/user/balance":
			fmt.Fprintf(w, `{"is_available":true,"balance_infos":[{"currency":"CNY","total_balance":"%d.%02d","granted_balance":"0.00","topped_up_balance":"%d.%02d"}]}`, cents/100, cents%100, cents/100, cents%100)
		case "/api/v1/key":
			fmt.Fprint(w, `{"data":{"label":"sk-or-v1-au7...890","limit":100,"limit_remaining":74.5,"limit_reset":"monthly","usage":25.5,"usage_daily":1,"usage_weekly":2,"usage_monthly":3,"is_free_tier":false,"include_byok_in_limit":false,"expires_at":null}}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	home := t.TempDir()
	cfg := fmt.Sprintf("[providers.deepseek]\nbase_url = %q\n[providers.openrouter]\nbase_url = %q\n", srv.URL+"/v1", srv.URL+"/api/v1")
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
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

	cents = 1234
	hs.press("b")
	hs.contains("DeepSeek     balance 12.34 CNY · deepseek/main · just now")
}
