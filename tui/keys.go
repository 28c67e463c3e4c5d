package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// globalKeys work on every page unless a text field has focus.
type globalKeys struct {
	Next, Prev, Jump, Help, Quit, Interrupt key.Binding
}

func newGlobalKeys() globalKeys {
	return globalKeys{
		Next:      key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next view")),
		Prev:      key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous view")),
		Jump:      key.NewBinding(key.WithKeys("1", "2", "3", "4", "5", "6", "7", "8", "9"), key.WithHelp("1-9", "jump to view")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:      key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		Interrupt: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
	}
}

// ShortHelp implements help.KeyMap.
func (k globalKeys) ShortHelp() []key.Binding { return []key.Binding{k.Help, k.Quit} }

// FullHelp implements help.KeyMap.
func (k globalKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Next, k.Prev, k.Jump}, {k.Help, k.Quit, k.Interrupt}}
}

// listKeys are the cursor keys every list shares.
// filterKeys open and clear a list's / filter (see loader.filterKey).
type filterKeys struct {
	Filter, Clear key.Binding
}

func newFilterKeys() filterKeys {
	return filterKeys{
		Filter: key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Clear:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
	}
}

// typingKeys are a text filter's keys while it is typed: every other key
// is text then, so the hint bar names only these two.
type typingKeys struct{ Keep, Drop key.Binding }

// newTypingKeys returns a filter's typing keys; drop says what esc does.
func newTypingKeys(drop string) typingKeys {
	return typingKeys{
		Keep: key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")),
		Drop: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", drop)),
	}
}

// ShortHelp implements help.KeyMap.
func (k typingKeys) ShortHelp() []key.Binding { return []key.Binding{k.Keep, k.Drop} }

// FullHelp implements help.KeyMap.
func (k typingKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// filterTyping is the / filter's typing keys on the list pages, where esc
// drops what was typed.
var filterTyping = newTypingKeys("drop filter")

type listKeys struct {
	Up, Down, Top, Bottom key.Binding
}

func newListKeys() listKeys {
	return listKeys{
		Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Top:    key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "top")),
		Bottom: key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "bottom")),
	}
}

// move returns the cursor after a list key, and whether the key was one.
func (k listKeys) move(msg tea.KeyPressMsg, cursor, n int) (int, bool) {
	switch {
	case key.Matches(msg, k.Up):
		return max(cursor-1, 0), true
	case key.Matches(msg, k.Down):
		return max(min(cursor+1, n-1), 0), true
	case key.Matches(msg, k.Top):
		return 0, true
	case key.Matches(msg, k.Bottom):
		return max(n-1, 0), true
	}
	return cursor, false
}
