package store

import (
	"slices"
	"sync"
	"time"
)

// metaTTL is how long budgets and default keys read from the database are
// reused. The proxy asks for both with every request; this process's own
// changes clear the cache at once, another process's reach it within metaTTL.
const metaTTL = time.Second

// metaCache keeps the budgets and each provider's default key for metaTTL.
type metaCache struct {
	mu          sync.Mutex
	budgetsTill time.Time
	list        []Budget
	keys        map[string]Key
	keysTill    time.Time
}

func (c *metaCache) budgets() ([]Budget, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Now().After(c.budgetsTill) {
		return nil, false
	}
	return cloneBudgets(c.list), true
}

func cloneBudgets(bs []Budget) []Budget {
	out := slices.Clone(bs)
	for i := range out {
		out[i].Thresholds = slices.Clone(out[i].Thresholds)
	}
	return out
}

func (c *metaCache) setBudgets(bs []Budget) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.list, c.budgetsTill = cloneBudgets(bs), time.Now().Add(metaTTL)
}

func (c *metaCache) defaultKey(provider string) (Key, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k, ok := c.keys[provider]
	if !ok || time.Now().After(c.keysTill) {
		return Key{}, false
	}
	return k, true
}

func (c *metaCache) setDefaultKey(provider string, k Key) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now()
	if c.keys == nil || now.After(c.keysTill) {
		c.keys, c.keysTill = map[string]Key{}, now.Add(metaTTL)
	}
	c.keys[provider] = k
}

// clear forgets everything; every write but a recorded event calls it.
func (c *metaCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.budgetsTill, c.list, c.keys = time.Time{}, nil, nil
}
