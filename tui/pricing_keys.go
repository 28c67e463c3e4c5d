package tui

import "charm.land/bubbles/v2/key"

type pricingKeys struct {
	listKeys
	pagingKeys
	filterKeys
	sortKeys
	Set, Remove key.Binding
}

func newPricingKeys() pricingKeys {
	return pricingKeys{
		listKeys:   newListKeys(),
		pagingKeys: newPagingKeys(),
		filterKeys: newFilterKeys("search"),
		sortKeys:   newSortKeys(),
		Set:        bind("enter", "set override"),
		Remove:     bind("x", "remove override", "delete"),
	}
}

// ShortHelp implements help.KeyMap.
func (k pricingKeys) ShortHelp() []key.Binding { return []key.Binding{k.Filter, k.Set, k.Remove} }

// FullHelp implements help.KeyMap.
func (k pricingKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {k.Filter, k.Clear, k.Set, k.Remove}, {k.Sort, k.Reverse}}
}
