package tui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/budget"
	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/store"
)

// Playground fields, in focus order.
const (
	fieldModel = iota
	fieldKey
	fieldSystem
	fieldMax
	fieldPrompt
	fieldCount
)

// playground sends one prompt to one model: the worst case and budget
// warnings before sending, the reply streamed as markdown with tokens and
// cost counting up, and the recorded outcome after.
type playground struct {
	c     *common
	keys  playgroundKeys
	model string // provider/model
	label string // key label; "" is the provider's default
	all   []app.KeyView
	keyID int

	system  textinput.Model
	maxTok  textinput.Model
	prompt  textarea.Model
	focus   int
	editing bool

	// the estimate for the current inputs
	estID    int
	worst    money.USD
	warnings []budget.Status
	estErr   error
	confirm  bool // a warning was shown; ctrl+s again sends anyway

	// the request in flight or last finished
	runID     int
	cancel    context.CancelFunc
	streaming bool
	sent      app.Call
	reply     string
	reasoning int
	usage     providers.Usage
	hasUsage  bool
	// ttft is the time to the first token of the reply (or of its
	// reasoning), 0 until it arrives.
	ttft   time.Duration
	out    *app.Outcome
	runErr error

	live    map[string][]string // provider → models it listed itself
	liveReq request

	pane       viewport.Model
	rendered   string
	renderedAt time.Time
	renderLen  int
	renderW    int // the width the reply was wrapped to
	md         markdown
}

type playKeysMsg struct {
	result
	keys []app.KeyView
	err  error
}

type estimateMsg struct {
	result
	worst    money.USD
	warnings []budget.Status
	err      error
}

// estimateDueMsg fires after typing pauses.
type estimateDueMsg struct{ result }

// liveModelsMsg is a provider's own model list.
type liveModelsMsg struct {
	result
	provider string
	models   []string
	err      error
}

// pickedModelMsg is the model picker's choice.
type pickedModelMsg struct {
	result
	model string
}

func newPlayground(c *common) *playground {
	p := &playground{c: c, keys: newPlaygroundKeys(), pane: viewport.New(), live: map[string][]string{}}
	p.system = newInput("", "optional system prompt")
	p.maxTok = newInput("", "default")
	p.maxTok.CharLimit = 7
	p.prompt = newTextarea("Ask something… (enter edits, ctrl+s sends)")
	p.focus = fieldPrompt
	if d := c.app.Config.DefaultModel; d != "" {
		p.model = d
	}
	return p
}

// Keys shows the editing keys while a field has focus.
func (p *playground) Keys() help.KeyMap {
	if p.editing {
		return editingKeys{p.keys}
	}
	return p.keys
}

// editingKeys are the playground's keys while typing.
type editingKeys struct{ playgroundKeys }

// ShortHelp implements help.KeyMap.
func (k editingKeys) ShortHelp() []key.Binding {
	leave := bind("esc", "done")
	return []key.Binding{k.Send, leave, k.NextField}
}
func (p *playground) Editing() bool { return p.editing }

// draft names what a quit would lose: a reply still streaming, or a prompt
// written and not sent.
func (p *playground) draft() string {
	switch {
	case p.streaming:
		return "the reply still streaming"
	case p.prompt.Value() != "" && (len(p.sent.Request.Messages) == 0 || p.prompt.Value() != p.sent.Request.Messages[0].Content):
		return "the prompt you are writing"
	}
	return ""
}

// Busy is true while a reply streams or the provider is asked for its
// models (L), so the spinner turns for both.
func (p *playground) Busy() bool { return p.streaming || p.liveReq.busy }

// stop cancels a request still streaming when the program ends; the app
// records it as cancelled.
func (p *playground) stop() {
	if p.cancel != nil {
		p.cancel()
	}
}

func (p *playground) Load() tea.Cmd {
	p.keyID = p.c.nextID()
	id, ctx, a := p.keyID, p.c.ctx, p.c.app
	return tea.Batch(func() tea.Msg {
		ks, err := a.Keys(ctx)
		return playKeysMsg{result: result{pagePlayground, id}, keys: ks, err: err}
	}, p.estimateSoon())
}

// providerKeys are the usable keys of the chosen provider.
func (p *playground) providerKeys() []app.KeyView {
	prov, _ := splitModel(p.model)
	if spec, ok := p.c.app.Registry.Get(prov); ok {
		prov = spec.ID
	}
	var out []app.KeyView
	for _, k := range p.all {
		if k.Provider == prov && !k.Revoked() {
			out = append(out, k)
		}
	}
	return out
}

// call is the request the inputs describe.
func (p *playground) call() app.Call {
	prov, model := splitModel(p.model)
	maxTok, _ := strconv.Atoi(strings.TrimSpace(p.maxTok.Value()))
	return app.Call{Provider: prov, Model: model, KeyLabel: p.label, Source: store.SourceTUI,
		Request: providers.Request{Model: model, System: p.system.Value(), MaxTokens: maxTok,
			Messages: []providers.Message{{Role: providers.RoleUser, Content: p.prompt.Value()}}}}
}

// maxOutErr says what is wrong with the Max out field: it holds a whole
// number of tokens, or nothing for the model's default.
func (p *playground) maxOutErr() error {
	v := strings.TrimSpace(p.maxTok.Value())
	if v == "" {
		return nil
	}
	if n, err := strconv.Atoi(v); err != nil || n <= 0 {
		return fmt.Errorf("max out %q is not a number of tokens: write one such as 1024, or clear it for the model's default", v)
	}
	return nil
}

// estimateSoon asks for a new estimate once typing pauses. A request
// changed since the budget warning asks to be confirmed again, so the
// warning's "press ctrl+s again" is taken back.
func (p *playground) estimateSoon() tea.Cmd {
	p.estID = p.c.nextID()
	r := result{pagePlayground, p.estID}
	due := p.c.after(250*time.Millisecond, func(time.Time) tea.Msg { return estimateDueMsg{r} })
	if p.confirm {
		p.confirm = false
		return tea.Batch(withdraw(crossWarning), due)
	}
	return due
}

// crossWarning asks to confirm a request that could cross a budget.
const crossWarning = "This request could cross a budget; press ctrl+s again to send it anyway"

func (p *playground) estimate() tea.Cmd {
	if p.model == "" {
		return nil
	}
	ctx, a, call, r := p.c.ctx, p.c.app, p.call(), result{pagePlayground, p.estID}
	return func() tea.Msg {
		worst, warn, err := a.Estimate(ctx, call)
		return estimateMsg{result: r, worst: worst, warnings: warn, err: err}
	}
}

func (p *playground) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case playKeysMsg:
		if msg.id == p.keyID && msg.err == nil {
			p.all = msg.keys
		}
		return nil
	case estimateDueMsg:
		if msg.id != p.estID {
			return nil
		}
		return p.estimate()
	case estimateMsg:
		if msg.id != p.estID {
			return nil
		}
		p.worst, p.warnings, p.estErr = msg.worst, msg.warnings, msg.err
		return nil
	case pickedModelMsg:
		p.model, p.label = msg.model, ""
		return p.estimateSoon()
	case liveModelsMsg:
		if cmd, ok := p.liveReq.take(msg.result, msg.err); !ok {
			return cmd
		}
		p.live[msg.provider] = msg.models
		return tea.Batch(notice("%s lists %d models", msg.provider, len(msg.models)), p.pickModelFilter(msg.provider+"/"))
	case rerunMsg:
		p.stop()
		p.model, p.label = msg.provider+"/"+msg.model, msg.keyLabel
		if msg.prompt != "" {
			p.prompt.SetValue(msg.prompt)
		}
		p.focus, p.editing = fieldPrompt, false
		p.reply, p.out, p.runErr, p.rendered = "", nil, nil, ""
		hint := "ctrl+s sends it again"
		if msg.prompt == "" {
			hint = "its prompt was not stored: write it, then ctrl+s"
		}
		return tea.Batch(p.estimateSoon(), notice("Loaded %s in the playground; %s", p.model, hint))
	case streamEventMsg:
		if msg.id != p.runID {
			return nil
		}
		p.event(msg.ev, msg.since)
		return nil
	case streamDoneMsg:
		if msg.id != p.runID {
			return nil
		}
		return p.done(msg)
	case dataChangedMsg:
		return p.Load()
	}
	return p.updateField(msg)
}

func (p *playground) updateField(msg tea.Msg) tea.Cmd {
	if !p.editing {
		return nil
	}
	switch p.focus {
	case fieldSystem:
		return forward(&p.system, msg)
	case fieldMax:
		return forward(&p.maxTok, msg)
	case fieldPrompt:
		return forward(&p.prompt, msg)
	}
	return nil
}

func (p *playground) key(msg tea.KeyPressMsg) tea.Cmd {
	k := p.keys
	switch {
	case key.Matches(msg, k.Send):
		return p.send(false)
	case key.Matches(msg, k.Rerun):
		return p.send(true)
	case key.Matches(msg, k.Cancel) && p.streaming:
		p.cancel()
		return nil
	case key.Matches(msg, k.ScrollUp), key.Matches(msg, k.ScrollDown):
		return forward(&p.pane, msg)
	}
	if p.editing {
		switch {
		case key.Matches(msg, k.Leave):
			p.blur()
			return nil
		case key.Matches(msg, k.NextField), msg.String() == "shift+tab":
			// tab moves among the text fields only: system, max, prompt.
			step := 1
			if msg.String() == "shift+tab" {
				step = 2
			}
			p.blur()
			p.focus = fieldSystem + (p.focus-fieldSystem+step)%3
			return p.edit()
		case msg.String() == "enter" && p.focus != fieldPrompt:
			p.blur()
			return nil
		}
		return tea.Batch(p.updateField(msg), p.estimateSoon())
	}
	switch {
	case key.Matches(msg, k.Up):
		p.focus = (p.focus + fieldCount - 1) % fieldCount
	case key.Matches(msg, k.Down):
		p.focus = (p.focus + 1) % fieldCount
	case key.Matches(msg, k.Model):
		return p.pickModel()
	case key.Matches(msg, k.Live):
		return p.listLive()
	case key.Matches(msg, k.PrevKey), key.Matches(msg, k.NextKey):
		arrow := msg.String() == "left" || msg.String() == "right"
		if p.focus == fieldKey || arrow {
			p.cycleKey(key.Matches(msg, k.NextKey))
			return p.estimateSoon()
		}
	case key.Matches(msg, k.Edit):
		return p.edit()
	case key.Matches(msg, k.Copy):
		if p.reply == "" {
			return failure(errors.New("no reply to copy yet"))
		}
		return tea.Batch(tea.SetClipboard(p.reply), notice("Copied the reply (%d characters) to the clipboard", len(p.reply)))
	}
	return nil
}

func (p *playground) blur() {
	p.editing = false
	p.system.Blur()
	p.maxTok.Blur()
	p.prompt.Blur()
}

// edit focuses the current field, or acts on it when it is not text.
func (p *playground) edit() tea.Cmd {
	switch p.focus {
	case fieldModel:
		return p.pickModel()
	case fieldKey:
		p.cycleKey(true)
		return p.estimateSoon()
	case fieldSystem:
		p.editing = true
		return p.system.Focus()
	case fieldMax:
		p.editing = true
		return p.maxTok.Focus()
	}
	p.editing = true
	return p.prompt.Focus()
}

func (p *playground) pickModel() tea.Cmd { return p.pickModelFilter("") }

// pickModelFilter opens the model picker over the catalog and the live
// lists fetched so far, with filter typed in.
func (p *playground) pickModelFilter(filter string) tea.Cmd {
	a := p.c.app
	r := result{pagePlayground, 0}
	items := modelChoices(a, keyedProviders(p.all))
	seen := make(map[string]bool, len(items))
	for _, it := range items {
		seen[it] = true
	}
	for prov, ms := range p.live {
		for _, m := range ms {
			if !seen[prov+"/"+m] {
				items = append(items, prov+"/"+m)
			}
		}
	}
	keyed := keyedProviders(p.all)
	d := newPicker(p.c, "Model", items, p.model, freeModel(a), func(v string) tea.Cmd {
		return func() tea.Msg { return pickedModelMsg{result: r, model: v} }
	})
	d.notes = modelNotes(a, keyed)
	if filter != "" {
		d.input.SetValue(filter)
		d.filter()
	}
	return openDialog(d)
}

// listLive asks the current model's provider for the models it serves,
// with the chosen key.
func (p *playground) listLive() tea.Cmd {
	prov, _ := splitModel(p.model)
	if prov == "" {
		return failure(errors.New("pick a model first (m); L then lists what its provider serves"))
	}
	if spec, ok := p.c.app.Registry.Get(prov); ok {
		prov = spec.ID
	}
	r, ctx, a, label := p.liveReq.start(p.c, pagePlayground), p.c.ctx, p.c.app, p.label
	return func() tea.Msg {
		list, err := a.ListModels(ctx, prov, label)
		return liveModelsMsg{result: r, provider: prov, models: list.Models, err: err}
	}
}

// cycleKey moves through "default" and the provider's key labels.
func (p *playground) cycleKey(forward bool) {
	labels := []string{""}
	for _, k := range p.providerKeys() {
		labels = append(labels, k.Label)
	}
	i := 0
	for j, l := range labels {
		if l == p.label {
			i = j
		}
	}
	if forward {
		i = (i + 1) % len(labels)
	} else {
		i = (i + len(labels) - 1) % len(labels)
	}
	p.label = labels[i]
}

// send starts the request, after a confirmation when it could cross a
// budget. again re-sends the last request as it was.
func (p *playground) send(again bool) tea.Cmd {
	if p.streaming {
		return nil
	}
	call := p.call()
	if again {
		if p.sent.Model == "" {
			return failure(errors.New("nothing sent yet: ctrl+s sends the prompt"))
		}
		call = p.sent
	}
	if call.Model == "" {
		return failure(errors.New("pick a model first: press m"))
	}
	if strings.TrimSpace(call.Request.Messages[0].Content) == "" {
		return failure(errors.New("the prompt is empty: press enter to write one"))
	}
	if !again {
		if err := p.maxOutErr(); err != nil {
			return failure(err)
		}
	}
	if !again && len(p.warnings) > 0 && !p.confirm && p.estErr == nil {
		p.confirm = true
		return warning(crossWarning)
	}
	p.blur()
	// Once sent, the warning asking to send it no longer holds.
	confirmed := p.confirm
	p.confirm = false
	ctx, cancel := context.WithCancel(p.c.ctx)
	p.runID = p.c.nextID()
	p.cancel, p.streaming, p.sent = cancel, true, call
	p.reply, p.reasoning, p.usage, p.hasUsage, p.out, p.runErr = "", 0, providers.Usage{}, false, nil, nil
	p.rendered, p.renderLen = "", 0
	p.ttft = 0
	p.pane.SetContent("")
	stream := startStream(ctx, p.c, pagePlayground, p.runID, 0, call)
	if confirmed {
		return tea.Batch(withdraw(crossWarning), stream)
	}
	return stream
}

// event takes in one event of the stream, which arrived since after the
// request was sent.
func (p *playground) event(ev providers.Event, since time.Duration) {
	switch ev.Type {
	case providers.EventText:
		if p.ttft == 0 {
			p.ttft = max(since, time.Nanosecond)
		}
		p.reply += ev.Text
	case providers.EventReasoning:
		if p.ttft == 0 {
			p.ttft = max(since, time.Nanosecond)
		}
		p.reasoning += len(ev.Text)
	case providers.EventUsage:
		p.usage, p.hasUsage = ev.Usage, true
	}
	// Markdown is re-rendered at most ten times a second while streaming.
	if time.Since(p.renderedAt) > 100*time.Millisecond {
		p.render()
	}
}

func (p *playground) done(msg streamDoneMsg) tea.Cmd {
	p.streaming = false
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
	p.runErr = msg.err
	var cmds []tea.Cmd
	if msg.began {
		out := msg.out
		p.out = &out
		if len(out.Alerts) > 0 {
			cmds = append(cmds, warning("%d new alert%s: %s", len(out.Alerts), plural(len(out.Alerts)), out.Alerts[0].Message), p.c.bell(out.Alerts))
		}
	}
	p.render()
	return tea.Batch(append(cmds, p.estimateSoon())...)
}
