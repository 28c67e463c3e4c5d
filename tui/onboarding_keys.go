package tui

import "charm.land/bubbles/v2/key"

// onboardingKeys are the welcome screen's choices.
type onboardingKeys struct{ AddKey, Playground, Demo, Dashboard key.Binding }

// ShortHelp implements help.KeyMap.
func (k onboardingKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.AddKey, k.Playground, k.Demo, k.Dashboard}
}

// FullHelp implements help.KeyMap.
func (k onboardingKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

func newOnboardingKeys() onboardingKeys {
	return onboardingKeys{
		AddKey:     key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "add a key")),
		Playground: key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "playground")),
		Demo:       key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "demo")),
		Dashboard:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "dashboard")),
	}
}
