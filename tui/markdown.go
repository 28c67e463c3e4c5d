package tui

import (
	"strings"

	"charm.land/glamour/v2"
)

// markdown draws model replies as the Playground and Compare show them:
// glamour's standard style for the terminal's background, wrapped to the
// space the reply has. It keeps one renderer, made again only when the
// width or the background changes.
type markdown struct {
	renderer *glamour.TermRenderer
	width    int
	dark     bool
}

// render returns text drawn as markdown within w columns (glamour's
// margins take four of them). Without a renderer, or when glamour fails,
// the text is wrapped as it is.
func (m *markdown) render(text string, w int, dark bool) string {
	if m.renderer == nil || m.width != w || m.dark != dark {
		style := "dark"
		if !dark {
			style = "light"
		}
		r, err := glamour.NewTermRenderer(glamour.WithStandardStyle(style), glamour.WithWordWrap(max(w-4, 1)))
		m.renderer, m.width, m.dark = nil, 0, false
		if err == nil {
			m.renderer, m.width, m.dark = r, w, dark
		}
	}
	if m.renderer != nil && text != "" {
		if out, err := m.renderer.Render(text); err == nil {
			return strings.Trim(out, "\n")
		}
	}
	return wrap(text, w)
}
