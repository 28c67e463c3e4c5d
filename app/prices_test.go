package app

import (
	"context"
	"strings"
	"testing"

	"github.com/byokhq/byok/pricing"
)

// Removing a price override removes that one only; removing one that is
// not there fails, says where to look, and changes nothing.
func TestRemovePrice(t *testing.T) {
	ctx := context.Background()
	a := openHome(t, t.TempDir(), "")
	for _, model := range []string{"gpt-4o", "gpt-4o-mini"} {
		if _, err := a.SetPrice(ctx, pricing.Price{Provider: "openai", Model: model, Rates: pricing.Rates{Input: 1_000_000, Output: 2_000_000}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.RemovePrice(ctx, "openai", "gpt-4o"); err != nil {
		t.Fatal(err)
	}
	overrides := func() string {
		t.Helper()
		ovs, err := a.Overrides(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, o := range ovs {
			names = append(names, o.Provider+"/"+o.Model)
		}
		return strings.Join(names, ",")
	}
	if got := overrides(); got != "openai/gpt-4o-mini" {
		t.Fatalf("overrides after removing gpt-4o: %q, want only gpt-4o-mini's", got)
	}
	err := a.RemovePrice(ctx, "openai", "gpt-4o")
	if err == nil || !strings.Contains(err.Error(), "no price override for openai/gpt-4o (see `byok pricing list`)") {
		t.Fatalf("removing it again: %v, want no price override", err)
	}
	if got := overrides(); got != "openai/gpt-4o-mini" {
		t.Fatalf("overrides after a failed removal: %q", got)
	}
}
