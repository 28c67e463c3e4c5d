package tui

import "charm.land/bubbles/v2/key"

type budgetsKeys struct {
	listKeys
	filterKeys
	Add, Edit, Delete key.Binding
}

func newBudgetsKeys() budgetsKeys {
	return budgetsKeys{
		listKeys:   newListKeys(),
		filterKeys: newFilterKeys("filter"),
		Add:        bind("a", "add"),
		Edit:       bind("e", "edit", "enter"),
		Delete:     bind("d", "delete", "delete"),
	}
}

// ShortHelp implements help.KeyMap.
func (k budgetsKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Filter, k.Add, k.Edit, k.Delete}
}

// FullHelp implements help.KeyMap.
func (k budgetsKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Filter, k.Clear}, {k.Add, k.Edit, k.Delete}}
}
