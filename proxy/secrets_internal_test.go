package proxy

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/byokhq/byok/store/keychain"
)

// countingSecrets is an in-memory keyring that counts reads.
type countingSecrets struct {
	m    map[string]string
	gets int
	fail error
}

func (s *countingSecrets) Get(_ context.Context, account string) (string, error) {
	s.gets++
	if s.fail != nil {
		return "", s.fail
	}
	v, ok := s.m[account]
	if !ok {
		return "", keychain.ErrNotFound
	}
	return v, nil
}

func (s *countingSecrets) Set(_ context.Context, account, secret string) error {
	s.m[account] = secret
	return nil
}

func (s *countingSecrets) Delete(_ context.Context, account string) error {
	delete(s.m, account)
	return nil
}

func TestSecretCache(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	inner := &countingSecrets{m: map[string]string{"openai/work": "sk-one"}}
	c := newSecretCache(inner, 15*time.Second, func() time.Time { return now })
	get := func(want string, wantGets int) {
		t.Helper()
		v, err := c.Get(ctx, "openai/work")
		if err != nil || v != want || inner.gets != wantGets {
			t.Fatalf("Get = %q, %v after %d keyring reads; want %q after %d", v, err, inner.gets, want, wantGets)
		}
	}
	get("sk-one", 1)
	get("sk-one", 1) // cached
	now = now.Add(14 * time.Second)
	get("sk-one", 1)
	now = now.Add(2 * time.Second) // expired
	get("sk-one", 2)
	if err := c.Set(ctx, "openai/work", "sk-two"); err != nil {
		t.Fatal(err)
	}
	get("sk-two", 3) // a write drops the cached value
	inner.fail = keychain.ErrUnavailable
	now = now.Add(time.Minute)
	if _, err := c.Get(ctx, "openai/work"); !errors.Is(err, keychain.ErrUnavailable) {
		t.Fatalf("Get with a failing keyring = %v, want ErrUnavailable", err)
	}
	inner.fail = nil
	get("sk-two", 5) // the error was not cached
	if err := c.Delete(ctx, "openai/work"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, "openai/work"); !errors.Is(err, keychain.ErrNotFound) {
		t.Fatalf("Get after Delete = %v, want ErrNotFound", err)
	}
}
