package proxy

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"

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
	token, err = RotateToken(ctx, s)
	return token, err == nil, err
}

// RotateToken replaces the proxy token with a new random one; clients
// using the old one are refused from then on.
func RotateToken(ctx context.Context, s keychain.Secrets) (string, error) {
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
