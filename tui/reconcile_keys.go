package tui

import "charm.land/bubbles/v2/key"

type reconcileKeys struct {
	listKeys
	filterKeys
	sortKeys
	Drill, Run key.Binding
}

func newReconcileKeys() reconcileKeys {
	k := reconcileKeys{
		listKeys:   newListKeys(),
		filterKeys: newFilterKeys("filter"),
		sortKeys:   newSortKeys(),
		Drill:      bind("enter", "day's keys & requests"),
		Run:        bind("r", "reconcile now"),
	}
	// esc (or backspace) closes an open day before it clears the filter.
	k.Clear = bind("esc", "close day / clear filter", "backspace")
	return k
}

// ShortHelp implements help.KeyMap.
func (k reconcileKeys) ShortHelp() []key.Binding { return []key.Binding{k.Filter, k.Drill, k.Run} }

// FullHelp implements help.KeyMap.
func (k reconcileKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom}, {k.Filter, k.Clear, k.Drill, k.Run}, {k.Sort, k.Reverse}}
}
