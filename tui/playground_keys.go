package tui

import "charm.land/bubbles/v2/key"

type playgroundKeys struct {
	Up, Down, Edit, Model, Live, PrevKey, NextKey, Send, Cancel, Rerun, Copy, NextField, Leave, ScrollUp, ScrollDown key.Binding
}

func newPlaygroundKeys() playgroundKeys {
	return playgroundKeys{
		Up:         key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/↓", "field")),
		Down:       key.NewBinding(key.WithKeys("down", "j")),
		Edit:       bind("enter", "edit field", "i"),
		Model:      bind("m", "model"),
		Live:       bind("L", "provider's live model list"),
		PrevKey:    key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/→", "key")),
		NextKey:    key.NewBinding(key.WithKeys("right", "l")),
		Send:       bind("ctrl+s", "send"),
		Cancel:     bind("esc", "stop / leave field"),
		Rerun:      bind("ctrl+r", "re-run"),
		Copy:       bind("y", "copy reply"),
		NextField:  bind("tab", "next field (editing)"),
		Leave:      key.NewBinding(key.WithKeys("esc")),
		ScrollUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup/pgdn", "scroll reply")),
		ScrollDown: key.NewBinding(key.WithKeys("pgdown")),
	}
}

// ShortHelp implements help.KeyMap.
func (k playgroundKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Edit, k.Model, k.Send, k.Cancel, k.Copy}
}

// FullHelp implements help.KeyMap.
func (k playgroundKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Edit, k.NextField, k.Cancel}, {k.Model, k.Live, k.PrevKey, k.Send, k.Rerun}, {k.Copy, k.ScrollUp}}
}
