package store

import (
	"context"
	"testing"

	"github.com/byokhq/byok/money"
)

// The budgets and default keys the proxy reads with every request are
// cached, but never hide a change: this store's own writes clear the cache
// at once, and another process's writes as soon as DataVersion notices.
func TestMetaCacheSeesChanges(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if bs, err := s.Budgets(ctx); err != nil || len(bs) != 0 {
		t.Fatalf("budgets %v, %v", bs, err)
	}
	if _, err := s.DataVersion(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.PutBudget(ctx, &Budget{Scope: "all", Period: Monthly, Limit: money.Dollar, Thresholds: []int{80, 100}}); err != nil {
		t.Fatal(err)
	}
	bs, err := s.Budgets(ctx)
	if err != nil || len(bs) != 1 {
		t.Fatalf("after our own write: budgets %v, %v", bs, err)
	}
	bs[0].Thresholds[0] = 1 // a caller's change must not reach the cache
	if again, _ := s.Budgets(ctx); again[0].Thresholds[0] != 80 {
		t.Fatalf("the cache handed out its own slice: %v", again[0].Thresholds)
	}

	// Another process (a second store on the same file) adds a budget.
	other, err := Open(ctx, s.Path(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.PutBudget(ctx, &Budget{Scope: "provider:openai", Period: Daily, Limit: money.Dollar, Thresholds: []int{100}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DataVersion(ctx); err != nil {
		t.Fatal(err)
	}
	if bs, err := s.Budgets(ctx); err != nil || len(bs) != 2 {
		t.Fatalf("after another process's write and a data version check: budgets %v, %v", bs, err)
	}

	// Default keys likewise.
	if _, err := s.DefaultKey(ctx, "openai"); err == nil {
		t.Fatal("a default key before any key exists")
	}
	if err := other.PutKey(ctx, &Key{Provider: "openai", Label: "work", Last4: "abcd", Source: KeyKeychain}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DataVersion(ctx); err != nil {
		t.Fatal(err)
	}
	if k, err := s.DefaultKey(ctx, "openai"); err != nil || k.Label != "work" {
		t.Fatalf("default key %+v, %v", k, err)
	}
}
