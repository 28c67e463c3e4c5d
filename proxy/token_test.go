package proxy_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/proxy"
	"github.com/byokhq/byok/redact"
	"github.com/byokhq/byok/store/keychain/keychaintest"
)

// tokenHome makes a byok home on the given keyring backend ("file" or
// "keychain", a private Secret Service) and returns a function that opens an
// app on it, as each byok process does: its own database handles and its
// own keyring client.
func tokenHome(t *testing.T, backend string) (open func() *app.App) {
	t.Helper()
	if backend == "keychain" {
		keychaintest.Start(t)
	}
	home := t.TempDir()
	cfg := "keyring = \"" + backend + "\"\nkeyring_service = \"byok-token-test\"\n"
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(k string) string {
		if k == "BYOK_PASSPHRASE" {
			return "token-test-passphrase"
		}
		return ""
	}
	return func() *app.App {
		t.Helper()
		a, err := app.Open(context.Background(), app.Options{Home: home, Env: env})
		if err != nil {
			t.Fatalf("open app: %v", err)
		}
		t.Cleanup(func() { a.Close() })
		return a
	}
}

func TestTokenIsCreatedOnceAndRotated(t *testing.T) {
	ctx := context.Background()
	a := tokenHome(t, "file")()
	sec, err := a.Secrets()
	if err != nil {
		t.Fatal(err)
	}
	first, created, err := proxy.Token(ctx, sec)
	if err != nil || !created {
		t.Fatalf("first Token = created %v, %v; want a new token", created, err)
	}
	if !strings.HasPrefix(first, "byok-proxy-") || len(first) < 40 {
		t.Errorf("token %q is not a long byok-proxy- token", first)
	}
	again, created, err := proxy.Token(ctx, sec)
	if err != nil || created || again != first {
		t.Errorf("second Token = (same %v, created %v, %v), want the stored token", again == first, created, err)
	}
	if stored, err := sec.Get(ctx, proxy.TokenAccount); err != nil || stored != first {
		t.Errorf("the keyring holds another token (%v)", err)
	}
	if mark, err := a.TokenRotation(ctx); err != nil || mark != "" {
		t.Errorf("a token just created left the rotation mark %q (%v); want none", mark, err)
	}
	rotated, err := proxy.RotateToken(ctx, a)
	if err != nil || rotated == first {
		t.Fatalf("RotateToken = same %v, %v; want a new token", rotated == first, err)
	}
	if now, _, err := proxy.Token(ctx, sec); err != nil || now != rotated {
		t.Errorf("after rotation Token gives another token (%v)", err)
	}
	mark, err := a.TokenRotation(ctx)
	if err != nil || mark == "" || strings.Contains(mark, rotated) || strings.Contains(mark, first) {
		t.Errorf("the rotation mark is %q (%v); want a mark that holds no token", mark, err)
	}
	if _, err := proxy.RotateToken(ctx, a); err != nil {
		t.Fatal(err)
	}
	if again, err := a.TokenRotation(ctx); err != nil || again == mark {
		t.Errorf("a second rotation left the mark %q (%v); want a new one", again, err)
	}
	if got := redact.String("token " + rotated); strings.Contains(got, rotated) {
		t.Errorf("the token is not redacted: %s", got)
	}
}

// TestRotationReachesRunningServers runs a proxy and a metrics server (byok
// serve) and rotates the token from another app on the same home, as
// `byok proxy token --rotate` in another terminal does: within seconds both
// refuse the old token and accept the new one. When the new token cannot be
// read, they refuse every token rather than keep the old one.
func TestRotationReachesRunningServers(t *testing.T) {
	for _, backend := range []string{"file", "keychain"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			open := tokenHome(t, backend)
			a := open()
			sec, err := a.Secrets()
			if err != nil {
				t.Fatal(err)
			}
			old, _, err := proxy.Token(ctx, sec)
			if err != nil {
				t.Fatal(err)
			}
			urls := serveBoth(t, a, old)
			expect := func(want map[string]int) {
				t.Helper()
				waitStatuses(t, urls, want, 10*time.Second)
			}
			expect(map[string]int{old: 200})

			cli := open()
			rotated, err := proxy.RotateToken(ctx, cli)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			expect(map[string]int{old: 401, rotated: 200})
			t.Logf("the rotation reached both servers in %s", time.Since(start).Round(10*time.Millisecond))

			// The token is gone from the keyring when the mark is seen:
			// nothing the servers hold is the keyring's token any more.
			cliSec, err := cli.Secrets()
			if err != nil {
				t.Fatal(err)
			}
			if err := cliSec.Delete(ctx, proxy.TokenAccount); err != nil {
				t.Fatal(err)
			}
			if err := cli.NoteTokenRotation(ctx); err != nil {
				t.Fatal(err)
			}
			expect(map[string]int{old: 401, rotated: 401})
			// A token made again is taken up without another mark.
			made, created, err := proxy.Token(ctx, cliSec)
			if err != nil || !created {
				t.Fatalf("Token after the delete = created %v, %v", created, err)
			}
			expect(map[string]int{rotated: 401, made: 200})
		})
	}
}

// serveBoth serves a proxy and a metrics server on a with token and
// returns their /metrics URLs; both stop when the test ends.
func serveBoth(t *testing.T, a *app.App, token string) []string {
	t.Helper()
	p, err := proxy.New(a, proxy.Options{Token: token, Metrics: a.MetricsHandler()})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := proxy.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	m := proxy.NewMetricsServer(a, token)
	ml, err := proxy.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 2)
	go func() { served <- p.Serve(pl) }()
	go func() { served <- m.Serve(ml) }()
	t.Cleanup(func() {
		if err := p.Shutdown(context.Background()); err != nil {
			t.Error(err)
		}
		if err := m.Close(); err != nil {
			t.Error(err)
		}
		for range 2 {
			if err := <-served; !errors.Is(err, http.ErrServerClosed) {
				t.Errorf("serve: %v", err)
			}
		}
	})
	return []string{"http://" + pl.Addr().String() + "/metrics", "http://" + ml.Addr().String() + "/metrics"}
}

// waitStatuses asks every URL with every token until each answers the
// status want gives it, and fails after limit.
func waitStatuses(t *testing.T, urls []string, want map[string]int, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		var wrong []string
		for _, u := range urls {
			for token, status := range want {
				if got := scrapeStatus(t, u, token); got != status {
					wrong = append(wrong, u+" with the token ending "+token[len(token)-4:]+": "+http.StatusText(got)+", want "+http.StatusText(status))
				}
			}
		}
		if len(wrong) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s:\n%s", limit, strings.Join(wrong, "\n"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func scrapeStatus(t *testing.T, url, token string) int {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}
