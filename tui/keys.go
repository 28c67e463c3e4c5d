package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// bind is a binding that help shows as its key k; more are keys that do
// the same unnamed.
func bind(k, desc string, more ...string) key.Binding {
	return key.NewBinding(key.WithKeys(append([]string{k}, more...)...), key.WithHelp(k, desc))
}

// globalKeys work on every page unless a text field has focus.
type globalKeys struct {
	Next, Prev, Jump, Help, Quit, Interrupt key.Binding
}

func newGlobalKeys() globalKeys {
	return globalKeys{
		Next:      bind("tab", "next view"),
		Prev:      bind("shift+tab", "previous view"),
		Jump:      key.NewBinding(key.WithKeys("1", "2", "3", "4", "5", "6", "7", "8", "9"), key.WithHelp("1-9", "jump to view")),
		Help:      bind("?", "help"),
		Quit:      bind("q", "quit"),
		Interrupt: bind("ctrl+c", "quit"),
	}
}

// ShortHelp implements help.KeyMap.
func (k globalKeys) ShortHelp() []key.Binding { return []key.Binding{k.Help, k.Quit} }

// FullHelp implements help.KeyMap.
func (k globalKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Next, k.Prev, k.Jump}, {k.Help, k.Quit, k.Interrupt}}
}

// filterKeys open and clear a list's / filter (see loader.filterKey).
type filterKeys struct {
	Filter, Clear key.Binding
}

// newFilterKeys returns / and esc for a filter that help calls what
// ("filter", "search"). A page whose esc does something else before it
// clears the filter (History, Reconcile) sets a Clear of its own.
func newFilterKeys(what string) filterKeys {
	return filterKeys{Filter: bind("/", what), Clear: bind("esc", "clear "+what)}
}

// typingKeys are a text filter's keys while it is typed: every other key
// is text then, so the hint bar names only these two.
type typingKeys struct{ Keep, Drop key.Binding }

// newTypingKeys returns a filter's typing keys; drop says what esc does.
func newTypingKeys(drop string) typingKeys {
	return typingKeys{
		Keep: bind("enter", "keep filter"),
		Drop: bind("esc", drop),
	}
}

// ShortHelp implements help.KeyMap.
func (k typingKeys) ShortHelp() []key.Binding { return []key.Binding{k.Keep, k.Drop} }

// FullHelp implements help.KeyMap.
func (k typingKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// filterTyping is the / filter's typing keys on the list pages, where esc
// drops what was typed.
var filterTyping = newTypingKeys("drop filter")

// listKeys are the cursor keys every list shares.
type listKeys struct {
	Up, Down, Top, Bottom key.Binding
}

func newListKeys() listKeys {
	return listKeys{
		Up:     key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:   key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Top:    bind("g", "top", "home"),
		Bottom: bind("G", "bottom", "end"),
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

// pagingKeys move the cursor of a list longer than the screen a screen at
// a time.
type pagingKeys struct {
	PageUp, PageDown key.Binding
}

func newPagingKeys() pagingKeys {
	return pagingKeys{
		PageUp:   bind("pgup", "page up", "ctrl+u"),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+d"), key.WithHelp("pgdn", "page down")),
	}
}

// page returns the cursor of a list of n after a paging key, which moves
// it by rows.
func (k pagingKeys) page(msg tea.KeyPressMsg, cursor, n, rows int) int {
	if key.Matches(msg, k.PageUp) {
		return max(cursor-rows, 0)
	}
	return min(cursor+rows, max(n-1, 0))
}
