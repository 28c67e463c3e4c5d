package tui

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/app"
)

// TestEndToEndInTmux runs the real binary in a tmux pane and uses it as a
// person would: it reads the dashboard, visits every view, sends a prompt
// to a fake provider in the playground, finds it in the history and quits.
func TestEndToEndInTmux(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and drives it in tmux")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed; the end-to-end test needs it (CI installs it)")
	}
	srv := fakeOpenAI(t, "Hello from the fake model, end to end.", false)
	dir := t.TempDir()
	home := newHome(t, dir, "home", fmt.Sprintf("store_text = true\n\n[providers.fake]\nkind = \"openai\"\nbase_url = %q\nno_key = true\n", srv.URL+"/v1"))
	bin := buildByok(t, dir)

	// The socket is this process's own: temporary directories of two test
	// runs at once end alike ("001").
	tm := &tmux{t: t, socket: fmt.Sprintf("byok-e2e-%d-%s", os.Getpid(), filepath.Base(dir))}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", tm.socket, "kill-server").Run() })
	shell := fmt.Sprintf("BYOK_HOME= %s demo --home %s --events 3000; echo EXIT=$?; sleep 60", bin, home)
	tm.run("new-session", "-d", "-s", "byok", "-x", "120", "-y", "40", shell)
	// The server outlives its last session: each part below kills its
	// session and starts the next, which would otherwise race the server's
	// exit ("server exited unexpectedly").
	tm.run("set-option", "-g", "exit-empty", "off")

	tm.waitFor("Total $", "All budget", "%", "openai", "anthropic", "LAST 30 DAYS")

	views := []string{"to filter", "›Prompt", "Compare", "only their last 4 characters show", "SPENT OF LIMIT", "unacknowledged", "catalog of", "All budget"}
	for _, want := range views {
		tm.keys("Tab")
		tm.waitFor(want)
	}
	tm.keys("?")
	tm.waitFor("Everywhere", "next view")
	tm.keys("Escape")
	tm.waitFor("LAST 30 DAYS")

	tm.send("fake/test-model", "say hello", "no price known")
	tm.waitFor("Hello from the fake model", "ok · ")

	tm.keys("2")
	tm.waitFor("fake/test-model")

	tm.keys("q")
	tm.waitFor("EXIT=0")

	// A new user's empty home: the welcome screen's demo opens in a
	// throwaway home of its own, and q comes back with nothing recorded.
	empty := newHome(t, dir, "empty", "")
	tm.restart(100, 30, fmt.Sprintf("BYOK_HOME= %s --home %s; echo EXIT=$?; sleep 60", bin, empty))
	tm.waitFor("Welcome to byok", "look around the demo")
	tm.keys("d")
	tm.waitFor("Total $", "LAST 30 DAYS", "anthropic")
	tm.keys("q")
	tm.waitFor("Back in your own byok", "Welcome to byok")
	tm.keys("q")
	tm.waitFor("EXIT=0")
	// A file keyring without BYOK_PASSPHRASE: the TUI asks in a dialog, not
	// with a prompt that would fight it for the terminal.
	locked := newHome(t, dir, "locked", fmt.Sprintf("keyring = \"file\"\n\n[providers.fake]\nkind = \"openai\"\nbase_url = %q\n", srv.URL+"/v1"))
	add := exec.Command(bin, "--home", locked, "keys", "add", "fake", "--label", "work", "--no-validate")
	add.Env = append(os.Environ(), "BYOK_HOME=", "BYOK_PASSPHRASE=e2e passphrase")
	add.Stdin = strings.NewReader("sk-e2e-file-keyring-0123456789abcd\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("keys add: %v\n%s", err, out)
	}
	tm.restart(100, 30, fmt.Sprintf("BYOK_HOME= BYOK_PASSPHRASE= %s --home %s; echo EXIT=$?; sleep 60", bin, locked))
	tm.waitFor("Nothing spent in this period")
	tm.send("fake/test-model", "say hello", "fake/work")
	tm.waitFor("Unlock the file keyring", "Passphrase")
	tm.keys("-l", "e2e passphrase")
	tm.keys("Enter")
	tm.waitFor("Hello from the fake model", "ok · ")
	if screen := tm.run("capture-pane", "-p", "-t", "byok"); strings.Contains(screen, "e2e passphrase") || strings.Contains(screen, "Passphrase for the byok") {
		t.Fatalf("the passphrase or a terminal prompt is on the screen:\n%s", screen)
	}
	tm.keys("q")
	tm.waitFor("EXIT=0")

	a, err := app.Open(context.Background(), app.Options{Home: empty, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if es, err := a.Store.Events(context.Background(), storeFilterOne); err != nil || len(es) != 0 {
		t.Fatalf("the user's home holds %d events after the demo (%v)", len(es), err)
	}
}

type tmux struct {
	t      *testing.T
	socket string
}

func (tm *tmux) run(args ...string) string {
	tm.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", tm.socket}, args...)...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// restart replaces the session "byok" by a new one running shell. The new
// session starts before the old one is killed: a server left without
// sessions exits, and a new-session racing its exit fails.
func (tm *tmux) restart(w, h int, shell string) {
	tm.t.Helper()
	tm.run("new-session", "-d", "-s", "byok-next", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), shell)
	tm.run("kill-session", "-t", "byok")
	tm.run("rename-session", "-t", "byok-next", "byok")
}

// send picks model in the playground, waits for it and for picked (what
// the playground shows about it), and sends text.
func (tm *tmux) send(model, text string, picked ...string) {
	tm.t.Helper()
	tm.keys("3", "m")
	tm.waitFor("type to filter")
	tm.keys("-l", model)
	tm.keys("Enter")
	tm.waitFor(append([]string{"Model   " + model}, picked...)...)
	tm.keys("Enter")
	tm.keys("-l", text)
	tm.keys("C-s")
}

// keys sends keys to the pane ("-l" first sends the rest literally).
func (tm *tmux) keys(keys ...string) {
	tm.t.Helper()
	tm.run(append([]string{"send-keys", "-t", "byok"}, keys...)...)
}

// waitFor polls the pane until it shows every one of want, for at most
// 30 seconds.
func (tm *tmux) waitFor(want ...string) {
	tm.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var screen string
	for time.Now().Before(deadline) {
		screen = tm.run("capture-pane", "-p", "-t", "byok")
		missing := false
		for _, w := range want {
			if !strings.Contains(screen, w) {
				missing = true
				break
			}
		}
		if !missing {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	tm.t.Fatalf("the pane never showed %q; last screen:\n%s", want, screen)
}

// newHome makes the byok home dir/name, with config as its config.toml
// unless that is empty.
// buildByok builds the byok binary into dir and returns its path.
func buildByok(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "byok")
	build := exec.Command("go", "build", "-o", bin, "./cmd/byok")
	build.Dir = ".."
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build byok: %v\n%s", err, out)
	}
	return bin
}

func newHome(t *testing.T, dir, name, config string) string {
	t.Helper()
	home := filepath.Join(dir, name)
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	if config != "" {
		if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return home
}
