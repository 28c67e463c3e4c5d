package main

import (
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/byokhq/byok/internal/tmuxtest"
)

// TestTUIScreensLeakNothing opens the terminal UI, as `byok` in a real
// terminal would, on a home whose keys were added, rejected and quoted
// back in provider errors, captures every view, and scans the captures.
func TestTUIScreensLeakNothing(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed; the TUI captures need it (CI installs it)")
	}
	up := newUpstream(t)
	c := newCLI(t, fmt.Sprintf("keyring = \"file\"\ntimezone = \"UTC\"\n\n[alerts]\nbell = false\n\n[providers.openai]\nbase_url = %q\n\n[providers.anthropic]\nbase_url = %[2]q\n", up.srv.URL+"/v1", up.srv.URL))
	pass := "tui leak passphrase " + randomTail(8)
	t.Setenv("BYOK_PASSPHRASE", pass)
	keys := []string{"sk-LEAKTEST-TUI-" + randomTail(32), "sk-ant-LEAKTEST-TUI-" + randomTail(32), "sk-LEAKTEST-TUI-BAD-" + randomTail(32)}
	scan := &leakScan{t: t, secrets: keys}
	if r := scan.cli(c, keys[2]+"\n", "keys", "add", "openai", "--label", "bad"); r.code != exitKey {
		t.Fatalf("a rejected key: exit %d %q", r.code, r.err)
	}
	c.ok(keys[0]+"\n", "keys", "add", "openai", "--label", "work")
	c.ok(keys[1]+"\n", "keys", "add", "anthropic", "--label", "work")
	c.ok("", "prompt", "-m", "openai/gpt-4o-mini", "hello")
	c.ok("", "budget", "set", "all", "0.0001")
	up.setMode("echo key")
	for _, m := range []string{"openai/gpt-4o-mini", "anthropic/claude-sonnet-4-5"} {
		if r := scan.cli(c, "", "prompt", "-m", m, "hi"); r.code != exitError {
			t.Fatalf("prompt %s against an upstream quoting the key: exit %d %q", m, r.code, r.err)
		}
	}
	up.setMode("")

	shell := fmt.Sprintf("env BYOK_HOME=%q BYOK_PASSPHRASE=%q %s=cli %q -test.run='^$' --; echo EXIT=$?; sleep 30",
		c.home, pass, childEnv, os.Args[0])
	s := tmuxtest.Start(t, "harden", 120, 40, shell)
	// Each view by its jump key, and a word it always shows.
	views := []struct{ key, want string }{
		{"1", "LAST 30 DAYS"}, {"2", "to filter"}, {"3", "Prompt"}, {"4", "Compare"},
		{"5", "secrets stay in the encrypted file"}, {"6", "SPENT OF LIMIT"}, {"7", "unacknowledged"}, {"8", "catalog of"},
	}
	s.WaitFor(views[0].want)
	for _, v := range views {
		s.Keys(v.key)
		scan.add("TUI view "+v.key, []byte(s.WaitFor(v.want)))
	}
	// The history view's detail of the newest request, an error quoting a key.
	s.Keys("2")
	s.WaitFor("to filter")
	s.Keys("Enter")
	scan.add("TUI history detail", []byte(s.WaitFor("provider said")))
	s.Keys("q")
	s.Keys("q")
	scan.add("TUI exit", []byte(s.WaitFor("EXIT=")))
	n, size := scan.check()
	t.Logf("scanned %d captures, %d bytes", n, size)
}
