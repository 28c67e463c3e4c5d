package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// keys rotate in a demo home refuses as the demo before it looks at the
// key, as app.RotateKey and the Keys view do: a removed key or an
// environment variable's would otherwise be met with advice (add a new
// key, import the variable) that the demo refuses in turn.
func TestKeysRotateInDemoHomeRefusesAsTheDemo(t *testing.T) {
	c := newCLI(t, "")
	demo := filepath.Join(t.TempDir(), "demo")
	c.ok("", "demo", "--events", "50", "--days", "2", "--no-tui", "--home", demo)
	t.Setenv("OPENAI_API_KEY", "sk-fake-env-demo-rotate-0000111122223333")
	var ks []map[string]any
	decode(t, c.ok("", "--home", demo, "keys", "list", "--json"), &ks)
	ids := map[string]string{}
	for _, k := range ks {
		ids[fmt.Sprintf("%s/%s", k["provider"], k["label"])] = fmt.Sprint(k["id"])
	}
	c.ok("", "--home", demo, "keys", "rm", ids["anthropic/side-project"])
	for _, name := range []string{"anthropic/side-project", "openai/env", "openai/work"} {
		id, ok := ids[name]
		if !ok {
			t.Fatalf("the demo home lists no %s: %v", name, ids)
		}
		r := c.run("", "--home", demo, "keys", "rotate", id)
		if r.code == 0 || !strings.Contains(r.err, "this is an offline demo home") || strings.Contains(r.err, "byok keys add openai --label") ||
			strings.Contains(r.err, "import-env") || strings.Contains(r.err, "no key on stdin") {
			t.Errorf("keys rotate of %s in the demo home: exit %d, stderr %q; want the demo's refusal", name, r.code, r.err)
		}
	}
}
