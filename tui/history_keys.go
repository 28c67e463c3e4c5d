package tui

import "charm.land/bubbles/v2/key"

type historyKeys struct {
	listKeys
	pagingKeys
	filterKeys
	sortKeys
	Detail, Back, Rerun key.Binding
	// backTo names where esc goes when a drill-down opened the list.
	backTo string
}

func newHistoryKeys() historyKeys {
	k := historyKeys{
		listKeys:   newListKeys(),
		pagingKeys: newPagingKeys(),
		filterKeys: newFilterKeys("filter"),
		sortKeys:   newSortKeys(),
		Detail:     bind("enter", "details"),
		Back:       bind("esc", "clear filter / back", "backspace"),
		Rerun:      bind("R", "re-run in playground"),
	}
	// esc goes back along a drill-down before it clears the filter; x
	// only clears it.
	k.Clear = bind("x", "clear filter")
	return k
}

// ShortHelp implements help.KeyMap.
func (k historyKeys) ShortHelp() []key.Binding {
	if k.backTo != "" {
		back := bind("esc", k.backTo)
		return []key.Binding{back, k.Filter, k.Detail, k.Rerun}
	}
	return []key.Binding{k.Filter, k.Detail, k.Rerun}
}

// FullHelp implements help.KeyMap.
func (k historyKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {k.Filter, k.Clear, k.Detail, k.Back, k.Rerun}, {k.Sort, k.Reverse}}
}
