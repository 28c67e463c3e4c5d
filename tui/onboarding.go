package tui

import (
	"fmt"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/store"
)

// storeFilterOne asks for the newest event only: enough to tell an empty
// database.
var storeFilterOne = store.Filter{Limit: 1}

// onboarding greets a new user on an empty database.
type onboarding struct {
	c       *common
	keys    onboardingKeys
	seeding bool
	reqID   int
}

type seededMsg struct {
	result
	rep app.DemoReport
	err error
}

func newOnboarding(c *common) *onboarding {
	return &onboarding{c: c, keys: newOnboardingKeys()}
}

func (o *onboarding) Load() tea.Cmd     { return nil }
func (o *onboarding) Keys() help.KeyMap { return o.keys }
func (o *onboarding) Editing() bool     { return false }
func (o *onboarding) Busy() bool        { return o.seeding }

func (o *onboarding) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case seededMsg:
		if msg.id != o.reqID {
			return nil
		}
		o.seeding = false
		if msg.err != nil {
			return failure(msg.err)
		}
		return tea.Batch(goTo(pageDashboard, dataChangedMsg{}),
			notice("Loaded %s sample requests over 90 days (%s in total); the demo keys hold no secrets", count(int64(msg.rep.Events)), msg.rep.Spend))
	case tea.KeyPressMsg:
		if o.seeding {
			return nil
		}
		switch {
		case key.Matches(msg, o.keys.AddKey):
			return goTo(pageKeys, addKeyMsg{})
		case key.Matches(msg, o.keys.Playground):
			return goTo(pagePlayground, nil)
		case key.Matches(msg, o.keys.Dashboard):
			return goTo(pageDashboard, nil)
		case key.Matches(msg, o.keys.Demo):
			o.seeding = true
			o.reqID = o.c.nextID()
			id, ctx, a := o.reqID, o.c.ctx, o.c.app
			return func() tea.Msg {
				rep, err := a.SeedDemo(ctx, app.DemoOptions{Events: 20000, Days: 90})
				return seededMsg{result: result{pageOnboarding, id}, rep: rep, err: err}
			}
		}
	}
	return nil
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
		fmt.Sprintf("  %s  load demo data to look around (20,000 sample requests)", k("d")),
		"",
		st.Muted.Render("Requests made with `byok prompt` or through `byok proxy` show up here live."),
	}
	if o.seeding {
		lines = append(lines, "", st.Warn.Render("Loading demo data…"))
	}
	return wrap(joinLines(lines), o.c.width)
}
