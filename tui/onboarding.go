package tui

import (
	"fmt"
	"os"
	"os/exec"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/byokhq/byok/store"
)

// storeFilterOne asks for the newest event only: enough to tell an empty
// database.
var storeFilterOne = store.Filter{Limit: 1}

// onboarding greets a new user on an empty database.
type onboarding struct {
	c    *common
	keys onboardingKeys
}

// demoExitedMsg says the demo the welcome screen started has ended.
type demoExitedMsg struct{ err error }

func newOnboarding(c *common) *onboarding {
	return &onboarding{c: c, keys: newOnboardingKeys()}
}

func (o *onboarding) Load() tea.Cmd     { return nil }
func (o *onboarding) Keys() help.KeyMap { return o.keys }
func (o *onboarding) Editing() bool     { return false }
func (o *onboarding) Busy() bool        { return false }

func (o *onboarding) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case demoExitedMsg:
		if msg.err != nil {
			return failure(fmt.Errorf("the demo ended with %w; run `byok demo` to try again", msg.err))
		}
		return notice("Back in your own byok: the demo's sample data stayed in its throwaway home")
	}
	return nil
}

func (o *onboarding) key(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, o.keys.AddKey):
		return goTo(pageKeys, addKeyMsg{})
	case key.Matches(msg, o.keys.Playground):
		return goTo(pagePlayground, nil)
	case key.Matches(msg, o.keys.Dashboard):
		return goTo(pageDashboard, nil)
	case key.Matches(msg, o.keys.Demo):
		return o.demo()
	}
	return nil
}

// demo runs `byok demo` in the terminal until the user quits it. The demo
// fills a throwaway home of its own: sample data never mixes with the
// user's requests, and its keys never meet theirs.
func (o *onboarding) demo() tea.Cmd {
	cmd := o.c.demoCommand
	if cmd == nil {
		exe, err := os.Executable()
		if err != nil {
			return failure(fmt.Errorf("find the byok program to start the demo: %w; run `byok demo` instead", err))
		}
		cmd = func() *exec.Cmd { return exec.Command(exe, "demo") }
	}
	return tea.ExecProcess(cmd(), func(err error) tea.Msg { return demoExitedMsg{err} })
}

func (o *onboarding) View() string {
	st := o.c.st
	k := st.Key.Render
	lines := []string{
		st.Title.Render("Welcome to byok"),
		"",
		"byok keeps your AI provider keys in the system keychain, runs prompts with",
		"them, and records what every request cost, against budgets you set.",
		"",
		"Nothing is recorded yet. Start with one of these:",
		"",
		fmt.Sprintf("  %s  add a key (OpenAI, Anthropic, Google, OpenRouter, Groq, …)", k("a")),
		fmt.Sprintf("  %s  open the playground and send a prompt", k("p")),
		fmt.Sprintf("  %s  look around the demo: sample data in a throwaway home (q comes back)", k("d")),
		"",
		st.Muted.Render("Requests made with `byok prompt` or through `byok proxy` show up here live."),
	}
	return wrap(joinLines(lines), o.c.width)
}
