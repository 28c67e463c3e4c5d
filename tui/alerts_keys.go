package tui

import "charm.land/bubbles/v2/key"

type alertsKeys struct {
	listKeys
	filterKeys
	Ack, AckAll, ShowAll key.Binding
}

func newAlertsKeys() alertsKeys {
	return alertsKeys{
		listKeys:   newListKeys(),
		filterKeys: newFilterKeys("filter"),
		Ack:        bind("a", "acknowledge"),
		AckAll:     bind("A", "acknowledge all"),
		ShowAll:    bind("h", "show/hide acknowledged"),
	}
}

// ShortHelp implements help.KeyMap.
func (k alertsKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Filter, k.Ack, k.AckAll, k.ShowAll}
}

// FullHelp implements help.KeyMap.
func (k alertsKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Filter, k.Clear}, {k.Ack, k.AckAll, k.ShowAll}}
}
