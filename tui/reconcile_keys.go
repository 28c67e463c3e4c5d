package tui

import "charm.land/bubbles/v2/key"

type reconcileKeys struct {
	listKeys
	sortKeys
	Filter, Clear, Drill, Run key.Binding
}

func newReconcileKeys() reconcileKeys {
	return reconcileKeys{
		listKeys: newListKeys(),
		sortKeys: newSortKeys(),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Clear:    key.NewBinding(key.WithKeys("esc", "backspace"), key.WithHelp("esc", "close day / clear filter")),
		Drill:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "day's keys & requests")),
		Run:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reconcile now")),
	}
}

// ShortHelp implements help.KeyMap.
func (k reconcileKeys) ShortHelp() []key.Binding { return []key.Binding{k.Filter, k.Drill, k.Run} }

// FullHelp implements help.KeyMap.
func (k reconcileKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom}, {k.Filter, k.Clear, k.Drill, k.Run}, {k.Sort, k.Reverse}}
}
