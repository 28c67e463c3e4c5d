package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
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

// A key alert reads once: the status and the provider's own words, then
// the alert's advice, without the request error's advice nested inside it.
func TestKeyAlertQuotesTheProviderOnce(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"rejected", http.StatusUnauthorized,
			`{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`,
			"key openai/work was rejected by the provider (401: Incorrect API key provided): rotate it (a new secret) or remove it"},
		{"out of credit", http.StatusTooManyRequests,
			`{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`,
			"key openai/work has no credit left at the provider (429: You exceeded your current quota, please check your plan and billing details.): add credit at the provider or use another key"},
		{"rejected without a body", http.StatusUnauthorized, "",
			"key openai/work was rejected by the provider (401): rotate it (a new secret) or remove it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			a := openHome(t, t.TempDir(), fmt.Sprintf("[providers.openai]\nbase_url = %q\n", srv.URL+"/v1"))
			a.SetSecrets(fileSecrets(t))
			if _, err := a.AddKey(ctx, "openai", "work", "sk-proj-FAKE-alert-0000000000000test", false); err != nil {
				t.Fatal(err)
			}
			call := Call{Provider: "openai", Model: "gpt-4o-mini", KeyLabel: "work",
				Request: providers.Request{Model: "gpt-4o-mini", Messages: []providers.Message{{Role: providers.RoleUser, Content: "hi"}}}}
			if _, err := a.Prompt(ctx, call, nil); err == nil {
				t.Fatal("the refused request reported success")
			}
			as, err := a.Store.Alerts(ctx, true)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, al := range as {
				if al.Kind == store.AlertKey {
					got = append(got, al.Message)
				}
			}
			if len(got) != 1 || got[0] != tt.want {
				t.Fatalf("key alerts %q, want one reading\n%q", got, tt.want)
			}
		})
	}
}
