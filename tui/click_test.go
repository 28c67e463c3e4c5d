package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// lineOf finds the screen line showing text.
func lineOf(t *testing.T, screen, text string) int {
	t.Helper()
	for i, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, text) {
			return i
		}
	}
	t.Fatalf("%q is not on the screen:\n%s", text, screen)
	return 0
}

func TestClickSelectsRows(t *testing.T) {
	a := testApp(t, "", true)

	// History: a click on the third row selects it and shows its details.
	hs, h := openPage[*history](t, a, pageHistory, 120, 40)
	screen := hs.screen()
	third := h.list[2]
	y := lineOf(t, screen, "TIME") + 3 // the header, then rows 1, 2, 3
	hs.send(tea.MouseClickMsg{X: 5, Y: y, Button: tea.MouseLeft})
	if h.cursor != 2 || h.detail == nil || h.detail.ID != third.ID {
		t.Fatalf("clicking line %d selected row %d (detail %v), want row 2", y, h.cursor, h.detail)
	}

	// Keys: a click on a row moves the cursor there; a click on the title
	// does nothing.
	hs.press("5")
	k := hs.m.pages[pageKeys].(*keysPage)
	screen = hs.screen()
	y = lineOf(t, screen, "…"+k.list[3].Last4)
	hs.send(tea.MouseClickMsg{X: 10, Y: y, Button: tea.MouseLeft})
	if k.cursor != 3 {
		t.Fatalf("clicking %s selected row %d, want 3", k.list[3].Name(), k.cursor)
	}
	hs.send(tea.MouseClickMsg{X: 10, Y: 1, Button: tea.MouseLeft})
	if k.cursor != 3 {
		t.Fatalf("a click on the title moved the cursor to %d", k.cursor)
	}
}
