package proxy_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/byokhq/byok/proxy"
	"github.com/byokhq/byok/redact"
	"github.com/byokhq/byok/store/keychain"
)

func TestTokenIsCreatedOnceAndRotated(t *testing.T) {
	ctx := context.Background()
	sec, err := keychain.Open(keychain.Options{Backend: "file", FilePath: filepath.Join(t.TempDir(), "secrets.enc"),
		Passphrase: func() (string, error) { return "pw", nil }})
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
	rotated, err := proxy.RotateToken(ctx, sec)
	if err != nil || rotated == first {
		t.Fatalf("RotateToken = same %v, %v; want a new token", rotated == first, err)
	}
	if now, _, err := proxy.Token(ctx, sec); err != nil || now != rotated {
		t.Errorf("after rotation Token gives another token (%v)", err)
	}
	if got := redact.String("token " + rotated); strings.Contains(got, rotated) {
		t.Errorf("the token is not redacted: %s", got)
	}
}
