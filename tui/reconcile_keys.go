package tui

import "charm.land/bubbles/v2/key"

type reconcileKeys struct {
	listKeys
	Drill, Back, Run key.Binding
}

func newReconcileKeys() reconcileKeys {
	return reconcileKeys{
		listKeys: newListKeys(),
		Drill:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keys & byok's requests")),
		Back:     key.NewBinding(key.WithKeys("esc", "backspace"), key.WithHelp("esc", "back")),
		Run:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reconcile now")),
	}
}

// ShortHelp implements help.KeyMap.
func (k reconcileKeys) ShortHelp() []key.Binding { return []key.Binding{k.Drill, k.Run, k.Back} }

// FullHelp implements help.KeyMap.
func (k reconcileKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down}, {k.Drill, k.Back, k.Run}}
}
