package tui

import "charm.land/bubbles/v2/key"

type dashboardKeys struct {
	listKeys
	sortKeys
	Today, Week, Month, Custom, Drill, Back, Refresh key.Binding
	// PrevDay and NextDay walk the chart's days; on the total's line they
	// step between the total and the All budget beside it.
	PrevDay, NextDay key.Binding
	// onChart puts ←/→ in the hint bar, while the cursor is on the chart.
	onChart bool
}

func newDashboardKeys() dashboardKeys {
	return dashboardKeys{
		listKeys: newListKeys(),
		sortKeys: newSortKeys(),
		Today:    key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "today")),
		Week:     key.NewBinding(key.WithKeys("w"), key.WithHelp("w", "week")),
		Month:    key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "month")),
		Custom:   key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "custom range")),
		Drill:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "models & keys")),
		Back:     key.NewBinding(key.WithKeys("esc", "backspace"), key.WithHelp("esc", "back")),
		Refresh:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh")),
		PrevDay:  key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/→", "chart day")),
		NextDay:  key.NewBinding(key.WithKeys("right", "l")),
	}
}

// ShortHelp implements help.KeyMap.
func (k dashboardKeys) ShortHelp() []key.Binding {
	if k.onChart {
		return []key.Binding{k.PrevDay, k.Drill, k.Today, k.Week, k.Month, k.Custom}
	}
	return []key.Binding{k.Drill, k.Today, k.Week, k.Month, k.Custom}
}

// FullHelp implements help.KeyMap.
func (k dashboardKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Today, k.Week, k.Month, k.Custom}, {k.Up, k.Down, k.PrevDay, k.Drill, k.Back}, {k.Sort, k.Reverse, k.Refresh}}
}
