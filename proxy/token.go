package proxy

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/redact"
	"github.com/byokhq/byok/store/keychain"
)

// TokenAccount is the keyring account holding the proxy token.
const TokenAccount = "byok/proxy-token"

// tokenPrefix marks proxy tokens so that a user can tell them from
// provider keys.
const tokenPrefix = "byok-proxy-"

// Token returns the proxy token, creating and storing it on first use;
// created says whether it was just made.
func Token(ctx context.Context, s keychain.Secrets) (token string, created bool, err error) {
	token, err = s.Get(ctx, TokenAccount)
	switch {
	case err == nil && token != "":
		redact.Register(token)
		return token, false, nil
	case err != nil && !errors.Is(err, keychain.ErrNotFound):
		return "", false, fmt.Errorf("read the proxy token from the keyring: %w", err)
	}
	token, err = saveNewToken(ctx, s)
	return token, err == nil, err
}

// RotateToken replaces the proxy token in a's keychain with a new random
// one and marks the rotation in a's database: a running proxy or `byok
// serve` sees the mark within tokenCheckEvery, and from then on refuses the
// old token and accepts the new one. When only the mark fails, the new
// token is returned with an error that says to restart the servers.
func RotateToken(ctx context.Context, a *app.App) (string, error) {
	sec, err := a.Secrets()
	if err != nil {
		return "", err
	}
	token, err := saveNewToken(ctx, sec)
	if err != nil {
		return "", err
	}
	// The mark goes after the keychain, so that a server which sees it
	// reads the new token.
	if err := a.NoteTokenRotation(ctx); err != nil {
		return token, fmt.Errorf("the new proxy token is saved, but a running byok proxy or byok serve keeps the old one until you restart it: %w", err)
	}
	return token, nil
}

// saveNewToken stores a new random token in the keyring.
func saveNewToken(ctx context.Context, s keychain.Secrets) (string, error) {
	token, err := newToken()
	if err != nil {
		return "", err
	}
	if err := s.Set(ctx, TokenAccount, token); err != nil {
		return "", fmt.Errorf("save the proxy token in the keyring: %w", err)
	}
	redact.Register(token)
	return token, nil
}

// newToken makes 256 random bits, URL-safe.
func newToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("make a proxy token: %w", err)
	}
	return tokenPrefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// tokenCheckEvery is how often a running server looks for a rotation of the
// proxy token: one indexed read of the database's settings.
const tokenCheckEvery = time.Second

// liveToken is the proxy token a running server checks. `byok proxy token
// --rotate`, in another process, replaces the token in the keychain and then
// marks the rotation in the database; follow sees the mark change within
// tokenCheckEvery and reads the token again, so the old token is refused and
// the new one accepted about a second after a rotation. A request only
// loads a pointer: the keychain is read after a rotation, never per request.
type liveToken struct {
	// cur is the token; nil refuses every request (a rotation whose new
	// token could not be read).
	cur atomic.Pointer[string]
}

func newLiveToken(token string) *liveToken {
	t := &liveToken{}
	t.cur.Store(&token)
	return t
}

// accepts says whether one of a request's credentials is the token.
func (t *liveToken) accepts(candidates []string) bool {
	token := t.cur.Load()
	return token != nil && validToken(candidates, *token)
}

// follow follows a's rotations of the token until stop is called.
func (t *liveToken) follow(a *app.App) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t.watch(ctx, a, tokenCheckEvery)
	}()
	return func() {
		cancel()
		<-done
	}
}

// watch compares a's rotation mark with the one whose token it holds every
// interval, until ctx is done. It starts knowing no mark: the token the
// server was given was read before this first look, and a rotation in
// between would go unseen, so a server started after any rotation reads
// the token once more.
func (t *liveToken) watch(ctx context.Context, a *app.App, every time.Duration) {
	tick := time.NewTicker(every)
	defer tick.Stop()
	held, failing := "", false
	for {
		mark, err := a.TokenRotation(ctx)
		switch {
		case err != nil && ctx.Err() == nil && !failing:
			a.Log.Warn("proxy token: cannot look for a rotation; the token in use stays until the database answers", "err", err)
			failing = true
		case err == nil && mark != held:
			failing = false
			if t.reload(ctx, a) {
				held = mark
			}
		case err == nil:
			failing = false
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// reload reads the token from the keychain after a rotation. When it cannot,
// the token held is no longer the keychain's, so every request is refused
// until a later look reads the new one; it reports whether it read it.
func (t *liveToken) reload(ctx context.Context, a *app.App) bool {
	token, err := readToken(ctx, a)
	if err != nil {
		if t.cur.Swap(nil) != nil && ctx.Err() == nil {
			a.Log.Warn("proxy token: it was replaced but the new one cannot be read; refusing every request until it can", "err", err)
		}
		return false
	}
	t.cur.Store(&token)
	return true
}

// readToken reads the stored token from the keychain itself, past the
// proxy's in-memory cache of keys, which could still hold the old one.
func readToken(ctx context.Context, a *app.App) (string, error) {
	sec, err := a.Secrets()
	if err != nil {
		return "", err
	}
	if c, ok := sec.(*secretCache); ok {
		sec = c.inner
	}
	token, err := sec.Get(ctx, TokenAccount)
	if err == nil && token == "" {
		err = keychain.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("read the proxy token from the keyring: %w", err)
	}
	redact.Register(token)
	return token, nil
}
