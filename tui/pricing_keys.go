package tui

import "charm.land/bubbles/v2/key"

type pricingKeys struct {
	listKeys
	sortKeys
	Search, Clear, Set, Remove, PageDown, PageUp key.Binding
}

func newPricingKeys() pricingKeys {
	return pricingKeys{
		listKeys: newListKeys(),
		sortKeys: newSortKeys(),
		Search:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search")),
		Clear:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear search")),
		Set:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "set override")),
		Remove:   key.NewBinding(key.WithKeys("x", "delete"), key.WithHelp("x", "remove override")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+d"), key.WithHelp("pgdn", "page down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
	}
}

// ShortHelp implements help.KeyMap.
func (k pricingKeys) ShortHelp() []key.Binding { return []key.Binding{k.Search, k.Set, k.Remove} }

// FullHelp implements help.KeyMap.
func (k pricingKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}, {k.Search, k.Clear, k.Set, k.Remove}, {k.Sort, k.Reverse}}
}
