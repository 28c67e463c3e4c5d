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
		filterKeys: newFilterKeys("filter"),
		sortKeys:   newSortKeys(),
		Add:        bind("a", "add"),
		Test:       bind("t", "test"),
		Rotate:     bind("r", "rotate"),
		Revoke:     bind("d", "revoke", "delete"),
		Default:    bind("*", "make default", "space"),
		Refresh:    bind("ctrl+r", "refresh"),
		Balances:   bind("b", "read balances"),
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
