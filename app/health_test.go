package app

import (
	"context"
	"testing"

	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/store"
)

// What byok learns about a key sticks to it: a request the provider refuses
// marks the key rejected and raises one alert however often it is tried; a
// check says the same; the lists show it; and a key never checked nor used
// is not called ok.
func TestKeyHealthIsLearned(t *testing.T) {
	ctx := context.Background()
	a := openDemoHome(t, 50, 2)
	view := func(label string) KeyView {
		t.Helper()
		ks, err := a.Keys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range ks {
			if k.Provider == "openai" && k.Label == label {
				return k
			}
		}
		t.Fatalf("no key openai/%s", label)
		return KeyView{}
	}
	if got := view("old-laptop").Status(); got != "unchecked" {
		t.Fatalf("a key never checked nor used reads %q", got)
	}
	keyAlerts := func() int {
		t.Helper()
		as, err := a.Store.Alerts(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, al := range as {
			if al.Kind == store.AlertKey {
				n++
			}
		}
		return n
	}
	for range 3 {
		call := Call{Provider: "openai", Model: "gpt-4o-mini", KeyLabel: "old-laptop",
			Request: providers.Request{Model: "gpt-4o-mini", Messages: []providers.Message{{Role: providers.RoleUser, Content: "hi"}}}}
		if _, err := a.Prompt(ctx, call, nil); err == nil {
			t.Fatal("the revoked demo key was accepted")
		}
	}
	k := view("old-laptop")
	if k.Health != store.HealthRejected || k.Status() != "rejected" || k.HealthAt.IsZero() || k.HealthDetail == "" {
		t.Fatalf("after a refused request the key reads %q (%q at %v)", k.Status(), k.HealthDetail, k.HealthAt)
	}
	if n := keyAlerts(); n != 1 {
		t.Fatalf("%d key alerts after three refused requests, want 1", n)
	}
	if _, err := a.TestKey(ctx, k.ID); err == nil {
		t.Fatal("testing the revoked key passed")
	}
	if n := keyAlerts(); n != 1 {
		t.Fatalf("%d key alerts after the check agreed, want 1", n)
	}

	good := view("work")
	if _, err := a.TestKey(ctx, good.ID); err != nil {
		t.Fatal(err)
	}
	if g := view("work"); g.Health != store.HealthOK || g.Status() != "ok" {
		t.Fatalf("a key that passed its check reads %q / %q", g.Health, g.Status())
	}
}
