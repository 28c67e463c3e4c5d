package tui

import (
	"strings"
	"testing"
)

// The hint bar drops the page's last keys rather than "? help", however
// narrow the terminal.
func TestHintBarKeepsHelp(t *testing.T) {
	a := testApp(t, "", true)
	for _, w := range []int{80, 60, 40, 24} {
		for _, view := range []string{"dashboard", "playground", "compare", "keys", "history"} {
			hs := newHarness(t, a, Options{StartView: view, Now: fixedClock}, w, 24)
			lines := strings.Split(hs.screen(), "\n")
			bar := lines[len(lines)-1]
			if !strings.Contains(bar, "? help") || strings.Contains(bar, "…") {
				t.Errorf("%s at %d columns: hint bar %q", view, w, strings.TrimSpace(bar))
			}
		}
	}
}
