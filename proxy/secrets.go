package proxy

import (
	"context"
	"sync"
	"time"

	"github.com/byokhq/byok/store/keychain"
)

// secretTTL is how long the proxy reuses a key read from the keyring. The
// proxy reads a key for every request, and one Secret Service round trip
// costs milliseconds; a key rotated with `byok keys rotate` in another
// process reaches the proxy within this time.
const secretTTL = 15 * time.Second

// secretCache keeps keyring reads in memory for a short time. Writes and
// deletes go straight to the keyring and drop the cached value. Errors are
// never cached.
type secretCache struct {
	inner keychain.Secrets
	ttl   time.Duration
	now   func() time.Time

	mu      sync.Mutex
	entries map[string]cachedSecret
}

type cachedSecret struct {
	value string
	until time.Time
}

var _ keychain.Secrets = (*secretCache)(nil)

func newSecretCache(inner keychain.Secrets, ttl time.Duration, now func() time.Time) *secretCache {
	return &secretCache{inner: inner, ttl: ttl, now: now, entries: map[string]cachedSecret{}}
}

// Get returns the cached secret while it is fresh, else reads the keyring.
func (c *secretCache) Get(ctx context.Context, account string) (string, error) {
	c.mu.Lock()
	e, ok := c.entries[account]
	c.mu.Unlock()
	if ok && c.now().Before(e.until) {
		return e.value, nil
	}
	v, err := c.inner.Get(ctx, account)
	if err != nil {
		c.forget(account)
		return "", err
	}
	c.mu.Lock()
	c.entries[account] = cachedSecret{value: v, until: c.now().Add(c.ttl)}
	c.mu.Unlock()
	return v, nil
}

// Set writes the keyring and drops the cached value.
func (c *secretCache) Set(ctx context.Context, account, secret string) error {
	c.forget(account)
	return c.inner.Set(ctx, account, secret)
}

// Delete removes the secret from the keyring and the cache.
func (c *secretCache) Delete(ctx context.Context, account string) error {
	c.forget(account)
	return c.inner.Delete(ctx, account)
}

func (c *secretCache) forget(account string) {
	c.mu.Lock()
	delete(c.entries, account)
	c.mu.Unlock()
}
