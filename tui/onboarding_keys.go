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
		AddKey:     bind("a", "add a key"),
		Playground: bind("p", "playground"),
		Demo:       bind("d", "demo"),
		Dashboard:  bind("enter", "dashboard"),
	}
}
