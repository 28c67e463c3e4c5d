// Package tmuxtest drives a terminal program in a private tmux server, as a
// person at a terminal would: the tests of the TUI and of the CLI start byok
// in a pane, press keys and read the screen.
package tmuxtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Session is the session "byok" of a tmux server of the test's own.
type Session struct {
	t      testing.TB
	socket string
}

// Start skips the test when tmux is not installed; otherwise it starts a
// server named after name and the test's temporary folder, with a w×h
// session running shell, and kills the server when the test ends.
func Start(t testing.TB, name string, w, h int, shell string) *Session {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux is not installed; the test drives byok in it (CI installs it)")
	}
	// The socket is this process's own: temporary folders of two test runs
	// at once end alike ("001").
	s := &Session{t: t, socket: fmt.Sprintf("byok-%s-%d-%s", name, os.Getpid(), filepath.Base(t.TempDir()))}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	s.Run("new-session", "-d", "-s", "byok", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), shell)
	return s
}

// Run runs a tmux command on the server and returns what it printed.
func (s *Session) Run(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// Restart replaces the session by a new one running shell. The new session
// starts before the old one is killed: a server left without sessions
// exits, and a new-session racing its exit fails.
func (s *Session) Restart(w, h int, shell string) {
	s.t.Helper()
	s.Run("new-session", "-d", "-s", "byok-next", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h), shell)
	s.Run("kill-session", "-t", "byok")
	s.Run("rename-session", "-t", "byok-next", "byok")
}

// Keys sends keys to the pane ("-l" first sends the rest literally).
func (s *Session) Keys(keys ...string) {
	s.t.Helper()
	s.Run(append([]string{"send-keys", "-t", "byok"}, keys...)...)
}

// Press sends a key and waits, as WaitFor does, for the pane to show every
// one of want.
func (s *Session) Press(key string, want ...string) string {
	s.t.Helper()
	s.Keys(key)
	return s.WaitFor(want...)
}

// Screen returns what the pane shows.
func (s *Session) Screen() string {
	s.t.Helper()
	return s.Run("capture-pane", "-p", "-t", "byok")
}

// WaitFor polls the pane until it shows every one of want, for at most 30
// seconds, and returns the screen that did.
func (s *Session) WaitFor(want ...string) string {
	s.t.Helper()
	return s.WaitUntil(fmt.Sprintf("%q", want), func(screen string) bool {
		for _, w := range want {
			if !strings.Contains(screen, w) {
				return false
			}
		}
		return true
	})
}

// WaitForRe polls the pane until every one of the patterns matches it, for
// at most 30 seconds, and returns the screen that did.
func (s *Session) WaitForRe(patterns ...string) string {
	s.t.Helper()
	res := make([]*regexp.Regexp, len(patterns))
	for i, p := range patterns {
		res[i] = regexp.MustCompile(p)
	}
	return s.WaitUntil(fmt.Sprintf("%q", patterns), func(screen string) bool {
		for _, re := range res {
			if !re.MatchString(screen) {
				return false
			}
		}
		return true
	})
}

// WaitUntil captures the pane every 100ms until ok holds, for at most 30
// seconds, and returns the screen; what names the wait for the failure.
func (s *Session) WaitUntil(what string, ok func(string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var screen string
	for time.Now().Before(deadline) {
		screen = s.Screen()
		if ok(screen) {
			return screen
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("the pane never showed %s; last screen:\n%s", what, screen)
	return ""
}
