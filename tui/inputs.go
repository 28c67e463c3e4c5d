package tui

import (
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
)

// newInput is a one-line text field with a steady cursor: a blinking one
// would redraw the screen twice a second for nothing.
func newInput(prompt, placeholder string) textinput.Model {
	in := textinput.New()
	in.Prompt = prompt
	in.Placeholder = placeholder
	s := in.Styles()
	s.Cursor.Blink = false
	in.SetStyles(s)
	return in
}

// restyleInput gives a field the colours of the terminal's background.
func restyleInput(in *textinput.Model, dark bool) {
	s := textinput.DefaultStyles(dark)
	s.Cursor.Blink = false
	in.SetStyles(s)
}

// restyleTextarea gives a text area the colours of the terminal's background.
func restyleTextarea(ta *textarea.Model, dark bool) {
	s := textarea.DefaultStyles(dark)
	s.Cursor.Blink = false
	ta.SetStyles(s)
}

// newTextarea is a multi-line field with a steady cursor.
func newTextarea(placeholder string) textarea.Model {
	ta := textarea.New()
	ta.Placeholder = placeholder
	ta.ShowLineNumbers = false
	ta.Prompt = "│ "
	s := ta.Styles()
	s.Cursor.Blink = false
	ta.SetStyles(s)
	return ta
}
