package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// TestPricingUpdate drives `byok pricing update` against a local server
// that serves excerpts of LiteLLM's real price file and OpenRouter's model
// list, then offline.
func TestPricingUpdate(t *testing.T) {
	file := "litellm-2026-07-24.json"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/litellm.json":
			// Each file has its own ETag, as raw.githubusercontent.com
			// gives them; a matching If-None-Match gets 304.
			if r.Header.Get("If-None-Match") == `"`+file+`"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			b, err := os.ReadFile("../../app/testdata/prices/" + file)
			if err != nil {
				t.Error(err)
			}
			w.Header().Set("ETag", `"`+file+`"`)
			if _, err := w.Write(b); err != nil {
				t.Error(err)
			}
		case "/api/v1/models":
			http.ServeFile(w, r, "../../app/testdata/prices/openrouter-models.json")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := newCLI(t, fmt.Sprintf("[providers.openrouter]\nbase_url = %q\n", srv.URL+"/api/v1"))
	c.ok("", "demo", "--events", "300", "--days", "3", "--no-tui", "--home", c.home)

	out := c.ok("", "pricing", "update", "--from", srv.URL+"/litellm.json")
	for _, want := range []string{
		"Read LiteLLM's price file from " + srv.URL,
		"OpenRouter's model list priced 3 models; 2 of them are models LiteLLM lacks.",
		"2 added, 0 changed",
		"+ openrouter/x-ai/grok-code-fast-1  input $0.20, output $1.50, cache read $0.02",
		"No longer listed by LiteLLM, kept at their last price",
		"… and ",
		"Past requests keep the price they were charged at",
	} {
		if !strings.Contains(out, want) {
			t.Fatalf("first update lacks %q:\n%s", want, out)
		}
	}
	show := c.ok("", "pricing", "show", "openrouter/x-ai/grok-code-fast-1")
	if !strings.Contains(show, "source catalog, dated ") || !strings.Contains(show, "openrouter:x-ai/grok-code-fast-1") {
		t.Fatalf("pricing show after the update:\n%s", show)
	}

	// The later file changes one model the demo's requests do not use:
	// re-pricing them since the demo's first day changes no cost (their
	// prices kept their dates, so not even a reference changes).
	file = "litellm-2026-07-30.json"
	var rep struct {
		Diff struct {
			Changed []struct {
				Model   string `json:"model"`
				Changes []struct{ Field, Old, New string }
			} `json:"changed"`
		} `json:"diff"`
		Repriced []json.RawMessage `json:"repriced"`
	}
	decode(t, c.ok("", "pricing", "update", "--from", srv.URL+"/litellm.json", "--reprice-since", "10d", "--json"), &rep)
	if len(rep.Diff.Changed) != 1 || rep.Diff.Changed[0].Model != "openai/gpt-5.6-terra" || rep.Repriced == nil || len(rep.Repriced) != 0 {
		t.Fatalf("second update: %+v", rep)
	}
	text := c.ok("", "pricing", "show", "openai/gpt-5.6-terra")
	if !strings.Contains(text, "$2.00") || !strings.Contains(text, "$12.00") {
		t.Fatalf("gpt-5.6-terra after the update:\n%s", text)
	}

	// Offline: a clear message, exit 1, and the catalog stays.
	srv.Close()
	r := c.run("", "pricing", "update", "--from", srv.URL+"/litellm.json")
	if r.code != exitError || !strings.Contains(r.err, "cannot reach") || !strings.Contains(r.err, "stays") {
		t.Fatalf("offline: exit %d\n%s%s", r.code, r.out, r.err)
	}
	if text2 := c.ok("", "pricing", "show", "openai/gpt-5.6-terra"); text2 != text {
		t.Fatalf("the catalog changed offline:\n%s", text2)
	}

	// A file given by path works without any network.
	r = c.run("", "pricing", "update", "--from", "../../app/testdata/prices/litellm-2026-07-24.json")
	if r.code != 0 || !strings.Contains(r.out, "OpenRouter's model list could not be read") || !strings.Contains(r.out, "~ openai/gpt-5.6-terra  cache_read $0.20 → $0.25") {
		t.Fatalf("update from a file while offline: exit %d\n%s%s", r.code, r.out, r.err)
	}
}

// TestDamagedSnapshotIsNamed: a snapshot byok cannot read leaves the
// embedded catalog in use, and the pricing commands say so.
func TestDamagedSnapshotIsNamed(t *testing.T) {
	c := newCLI(t, "")
	checkErr(t, os.MkdirAll(c.home+"/prices", 0o700))
	mustWrite(t, c.home+"/prices/catalog-2099-01-01.json", []byte("{not json"))
	r := c.run("", "pricing", "list", "anthropic")
	if r.code != 0 || !strings.Contains(r.err, "catalog-2099-01-01.json cannot be read") || !strings.Contains(r.err, "byok pricing update") {
		t.Fatalf("exit %d\nstderr: %s", r.code, r.err)
	}
}
