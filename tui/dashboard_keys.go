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
		Today:    bind("t", "today"),
		Week:     bind("w", "week"),
		Month:    bind("m", "month"),
		Custom:   bind("c", "custom range"),
		Drill:    bind("enter", "models & keys"),
		Back:     bind("esc", "back", "backspace"),
		Refresh:  bind("r", "refresh"),
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
