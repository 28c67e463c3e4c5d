package tui

import "charm.land/bubbles/v2/key"

type compareKeys struct {
	sortKeys
	Add, Remove, Prev, Next, Edit, Send, Cancel key.Binding
}

func newCompareKeys() compareKeys {
	return compareKeys{
		sortKeys: newSortKeys(),
		Add:      bind("a", "add model"),
		Remove:   bind("d", "remove model", "delete"),
		Prev:     key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/→", "select model")),
		Next:     key.NewBinding(key.WithKeys("right", "l")),
		Edit:     bind("enter", "edit prompt", "i"),
		Send:     bind("ctrl+s", "send to all"),
		Cancel:   bind("esc", "stop / leave prompt"),
	}
}

// ShortHelp implements help.KeyMap.
func (k compareKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Add, k.Remove, k.Edit, k.Send, k.Cancel}
}

// FullHelp implements help.KeyMap.
func (k compareKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Add, k.Remove, k.Prev}, {k.Edit, k.Send, k.Cancel}, {k.Sort, k.Reverse}}
}
