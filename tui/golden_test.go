package tui

import (
	"fmt"
	"testing"
)

func TestGoldenViews(t *testing.T) {
	a := testApp(t, "", true)
	sizes := []struct{ w, h int }{{80, 24}, {120, 40}, {200, 50}}
	for _, page := range pageNames[:pageCount] {
		for _, sz := range sizes {
			name := fmt.Sprintf("%s_%dx%d", page, sz.w, sz.h)
			t.Run(name, func(t *testing.T) {
				hs := newHarness(t, a, Options{StartView: page, Now: fixedClock}, sz.w, sz.h)
				hs.golden(name)
			})
		}
	}
	t.Run("help_80x24", func(t *testing.T) {
		hs := newHarness(t, a, Options{Now: fixedClock}, 80, 24)
		hs.press("?")
		hs.golden("help_80x24")
	})
	// The playground has the most keys: every one of them shows at 80×24,
	// the columns that do not fit beside the others wrapping below.
	t.Run("help_playground_80x24", func(t *testing.T) {
		hs := newHarness(t, a, Options{StartView: "playground", Now: fixedClock}, 80, 24)
		hs.press("?")
		hs.contains("y         copy reply", "pgup/pgdn scroll reply", "ctrl+r re-run", "? help")
		hs.golden("help_playground_80x24")
	})
}

func TestGoldenOnboarding(t *testing.T) {
	a := testApp(t, "", false)
	hs := newHarness(t, a, Options{Now: fixedClock}, 80, 24)
	hs.golden("welcome_80x24")
}
