package tui

import "charm.land/bubbles/v2/key"

type historyKeys struct {
	listKeys
	sortKeys
	Filter, Clear, Detail, Back, Rerun, PageDown, PageUp key.Binding
	// backTo names where esc goes when a drill-down opened the list.
	backTo string
}

func newHistoryKeys() historyKeys {
	return historyKeys{
		listKeys: newListKeys(),
		sortKeys: newSortKeys(),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Clear:    key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "clear filter")),
		Detail:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "details")),
		Back:     key.NewBinding(key.WithKeys("esc", "backspace"), key.WithHelp("esc", "clear filter / back")),
		Rerun:    key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "re-run in playground")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+d"), key.WithHelp("pgdn", "page down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
	}
}

// ShortHelp implements help.KeyMap.
func (k historyKeys) ShortHelp() []key.Binding {
	if k.backTo != "" {
		back := key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", k.backTo))
		return []key.Binding{back, k.Filter, k.Detail, k.Rerun}
	}
	return []key.Binding{k.Filter, k.Detail, k.Rerun}
}

// FullHelp implements help.KeyMap.
func (k historyKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {k.Filter, k.Clear, k.Detail, k.Back, k.Rerun}, {k.Sort, k.Reverse}}
}
