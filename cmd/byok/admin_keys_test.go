package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	"github.com/byokhq/byok/store/keychain/keychaintest"
)

// Obviously fake credentials for the admin-key tests.
const (
	fakeAdminKey   = "sk-admin-FAKE-cli-test-000000000000adm1"
	fakeProjectKey = "sk-proj-FAKE-cli-test-0000000000000prj1"
)

// newFakeOpenAIAdmin answers OpenAI's admin calls for the admin key only
// (403 for a project key, as OpenAI does) and its chat and model calls for
// the project key only, recording which key each request carried.
func newFakeOpenAIAdmin(t *testing.T) (*httptest.Server, *[]string) {
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		seen = append(seen, r.URL.Path+" "+auth)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasPrefix(r.URL.Path, "/v1/organization/"):
			if auth != fakeAdminKey {
				w.WriteHeader(http.StatusForbidden)
				fmt.Fprint(w, `{"error":{"message":"You have insufficient permissions for this operation. Missing scopes: api.management.read.","type":"invalid_request_error","param":null,"code":null}}`)
				return
			}
			fmt.Fprint(w, `{"object":"list","data":[],"has_more":false}`)
		case auth != fakeProjectKey:
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`)
		case strings.HasSuffix(r.URL.Path, "/models"):
			fmt.Fprint(w, `{"object":"list","data":[{"id":"gpt-4o-mini","object":"model"}]}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

// TestAdminKeys stores an admin key in a real Secret Service beside an
// ordinary key and checks that it is validated with an admin call, listed
// as admin, never the default and never sent with a prompt.
func TestAdminKeys(t *testing.T) {
	keychaintest.Start(t)
	srv, seen := newFakeOpenAIAdmin(t)
	c := newCLI(t, fmt.Sprintf("[providers.openai]\nbase_url = %q\n", srv.URL+"/v1"))

	// A project key offered as an admin key is refused, plainly, and not stored.
	r := c.run(fakeProjectKey+"\n", "keys", "add", "openai", "--admin")
	if r.code == 0 || !strings.Contains(r.err, "not an OpenAI admin key") || strings.Contains(r.err, fakeProjectKey) {
		t.Fatalf("a project key as admin: %d %q", r.code, r.err)
	}
	out := c.ok(fakeAdminKey+"\n", "keys", "add", "openai", "--admin")
	if !strings.Contains(out, "openai/admin") || !strings.Contains(out, "admin: for reports and balances only") || strings.Contains(out, fakeAdminKey) {
		t.Fatalf("keys add --admin: %q", out)
	}
	if last := (*seen)[len(*seen)-1]; !strings.HasPrefix(last, "/v1/organization/projects "+fakeAdminKey) {
		t.Fatalf("the admin key was checked with %q, not an admin call", last)
	}
	if got, err := exec.Command("secret-tool", "lookup", "service", "byok", "username", "openai/admin").Output(); err == nil && strings.TrimSpace(string(got)) != fakeAdminKey {
		t.Fatalf("the keychain holds %q for openai/admin", got)
	}
	c.ok(fakeProjectKey+"\n", "keys", "add", "openai", "--label", "work")

	var ks []map[string]any
	decode(t, c.ok("", "keys", "list", "--json"), &ks)
	kinds := map[string]string{}
	for _, k := range ks {
		kinds[fmt.Sprint(k["label"])] = fmt.Sprint(k["kind"])
		if k["label"] == "admin" && k["default"] != false {
			t.Errorf("the admin key is a default: %+v", k)
		}
		if k["label"] == "work" && k["default"] != true {
			t.Errorf("the first ordinary key is not the default: %+v", k)
		}
	}
	if kinds["admin"] != "admin" || kinds["work"] != "api" {
		t.Fatalf("kinds %v", kinds)
	}
	table := c.ok("", "keys", "list")
	if !strings.Contains(table, "KIND") || !strings.Contains(table, "admin") {
		t.Fatalf("keys list does not show the kind:\n%s", table)
	}

	// Never for prompts, never the default.
	r = c.run("", "prompt", "-m", "openai/gpt-4o-mini", "--key", "admin", "hi")
	if r.code == 0 || !strings.Contains(r.err, "is an admin key") {
		t.Fatalf("a prompt with the admin key: %d %q", r.code, r.err)
	}
	for _, s := range *seen {
		if strings.HasSuffix(s, fakeAdminKey) && !strings.HasPrefix(s, "/v1/organization/") {
			t.Fatalf("the admin key was sent to %s", s)
		}
	}
	var adminID string
	for _, k := range ks {
		if k["label"] == "admin" {
			adminID = fmt.Sprint(k["id"])
		}
	}
	if r := c.run("", "keys", "default", adminID); r.code == 0 || !strings.Contains(r.err, "admin key") {
		t.Fatalf("keys default on the admin key: %d %q", r.code, r.err)
	}
	c.ok("", "keys", "test", adminID)
}
