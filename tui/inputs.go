package tui

import (
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// component is a bubbles model (a field, a viewport, a spinner): its
// Update returns it changed.
type component[M any] interface {
	Update(tea.Msg) (M, tea.Cmd)
}

// forward passes msg to the component at m and keeps what it becomes.
func forward[M component[M]](m *M, msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	*m, cmd = (*m).Update(msg)
	return cmd
}

// field is a text field: a textinput or a textarea.
type field[M any] interface {
	component[M]
	Focused() bool
}

// toField passes msg (a paste, say) to the field at f while it has focus.
func toField[M field[M]](f *M, msg tea.Msg) tea.Cmd {
	if !(*f).Focused() {
		return nil
	}
	return forward(f, msg)
}

// typeFilter passes a key to a filter field being typed: enter (or down,
// into the list) keeps what was typed, esc drops it, and every other key
// edits it. changed says the field's text may have changed.
func typeFilter(in *textinput.Model, msg tea.KeyPressMsg) (cmd tea.Cmd, changed bool) {
	switch msg.String() {
	case "enter", "down":
		in.Blur()
		return nil, false
	case "esc":
		in.Blur()
		in.SetValue("")
		return nil, true
	}
	return forward(in, msg), true
}

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
