package tui

import "charm.land/bubbles/v2/key"

type compareKeys struct {
	sortKeys
	Add, Remove, Prev, Next, Edit, Send, Cancel key.Binding
}

func newCompareKeys() compareKeys {
	return compareKeys{
		sortKeys: newSortKeys(),
		Add:      key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "add model")),
		Remove:   key.NewBinding(key.WithKeys("d", "delete"), key.WithHelp("d", "remove model")),
		Prev:     key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/→", "select model")),
		Next:     key.NewBinding(key.WithKeys("right", "l")),
		Edit:     key.NewBinding(key.WithKeys("enter", "i"), key.WithHelp("enter", "edit prompt")),
		Send:     key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "send to all")),
		Cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop / leave prompt")),
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
