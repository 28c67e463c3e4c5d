package tui

import "charm.land/bubbles/v2/key"

type keysPageKeys struct {
	listKeys
	filterKeys
	sortKeys
	Add, Test, Rotate, Revoke, Default, Refresh, Balances key.Binding
}

func newKeysPageKeys() keysPageKeys {
	return keysPageKeys{
		listKeys:   newListKeys(),
		filterKeys: newFilterKeys(),
		sortKeys:   newSortKeys(),
		Add:        key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "add")),
		Test:       key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "test")),
		Rotate:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "rotate")),
		Revoke:     key.NewBinding(key.WithKeys("d", "delete"), key.WithHelp("d", "revoke")),
		Default:    key.NewBinding(key.WithKeys("*", "space"), key.WithHelp("*", "make default")),
		Refresh:    key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "refresh")),
		Balances:   key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "read balances")),
	}
}

// ShortHelp implements help.KeyMap.
func (k keysPageKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Filter, k.Add, k.Test, k.Rotate, k.Revoke, k.Default}
}

// FullHelp implements help.KeyMap.
func (k keysPageKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Sort, k.Reverse, k.Filter, k.Clear}, {k.Add, k.Test, k.Rotate, k.Revoke, k.Default, k.Balances, k.Refresh}}
}
