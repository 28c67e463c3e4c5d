package tui

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/budget"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/store"
)

const maxCompare = 4

// compare sends one prompt to two to four models at once and shows the
// replies side by side, then what each cost and how fast it was.
type compare struct {
	c      *common
	keys   compareKeys
	models []string
	sel    int
	prompt textarea.Model // focused while the prompt is written

	runID   int
	cancel  context.CancelFunc
	running int
	cols    []compareCol
	started time.Time
	// keyed are the providers with a key, whose models the picker lists first.
	keyed map[string]bool
	// sort orders the summary's rows; the columns above keep the order
	// the models were added in.
	sort sorter[compareRow]
	// md draws the replies as the Playground does; every column has the
	// same width, so one renderer serves them all.
	md markdown
}

// compareRow is one model's line in the summary.
type compareRow struct {
	model string
	out   *app.Outcome
}

// compareCol is one model's reply.
type compareCol struct {
	reply    string
	usage    providers.Usage
	hasUsage bool
	done     bool
	out      *app.Outcome
	err      error
	// drawn is reply as markdown, for the width and background in
	// drawnFor, so a frame draws again only the columns that changed.
	drawn    string
	drawnFor drawnKey
}

// drawnKey is what a column's drawn reply depends on.
type drawnKey struct {
	n, w int
	dark bool
}

type pickedCompareMsg struct {
	result
	model string
}

type compareKeyedMsg struct {
	result
	keyed map[string]bool
}

func newCompare(c *common) *compare {
	p := &compare{c: c, keys: newCompareKeys(), prompt: newTextarea("One prompt for every model… (enter edits, ctrl+s sends)")}
	// A model that sent nothing has no figures: it counts as less than any
	// figure, so it ends the list when the largest come first.
	figure := func(f func(e store.Event) int64) func(a, b compareRow) int {
		return func(a, b compareRow) int {
			switch {
			case a.out == nil && b.out == nil:
				return 0
			case a.out == nil:
				return -1
			case b.out == nil:
				return 1
			}
			return cmp.Compare(f(a.out.Event), f(b.out.Event))
		}
	}
	status := func(r compareRow) string {
		if r.out == nil {
			return "not sent"
		}
		return string(r.out.Event.Status)
	}
	p.sort = newSorter(
		sortCol[compareRow]{title: "MODEL", cmp: byText(func(r compareRow) string { return r.model })},
		sortCol[compareRow]{title: "STATUS", cmp: byText(status)},
		sortCol[compareRow]{title: "COST", cmp: figure(func(e store.Event) int64 { return int64(e.Cost) }), desc: true},
		sortCol[compareRow]{title: "LATENCY", cmp: figure(func(e store.Event) int64 { return int64(e.Latency) }), desc: true},
		sortCol[compareRow]{title: "TTFT", cmp: figure(func(e store.Event) int64 { return int64(e.TTFT) }), desc: true},
		sortCol[compareRow]{title: "PROMPT", cmp: figure(eventPrompt), desc: true},
		sortCol[compareRow]{title: "OUT", cmp: figure(func(e store.Event) int64 { return e.OutputTokens }), desc: true},
	)
	return p
}

func (p *compare) Keys() help.KeyMap { return p.keys }
func (p *compare) Editing() bool     { return p.prompt.Focused() }
func (p *compare) Busy() bool        { return p.running > 0 }
func (p *compare) Load() tea.Cmd {
	ctx, a := p.c.ctx, p.c.app
	return func() tea.Msg {
		ks, _ := a.Keys(ctx) // without them the picker lists every provider alike
		return compareKeyedMsg{result: result{pageCompare, 0}, keyed: keyedProviders(ks)}
	}
}

func (p *compare) stop() {
	if p.cancel != nil {
		p.cancel()
	}
}

func (p *compare) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case compareKeyedMsg:
		p.keyed = msg.keyed
		return nil
	case pickedCompareMsg:
		for _, m := range p.models {
			if m == msg.model {
				return failure(fmt.Errorf("%s is in the comparison already", m))
			}
		}
		// A model no key can reach would only fail once sent.
		if prov, _ := splitModel(msg.model); p.keyed != nil && !p.keyed[prov] {
			if spec, ok := p.c.app.Registry.Get(prov); ok && !spec.NoKey && !p.keyed[spec.ID] {
				return failure(fmt.Errorf("no key for %s: add one on the Keys view (press 5, then a), then add %s again", spec.Name, msg.model))
			}
		}
		if len(p.models) < maxCompare {
			p.models = append(p.models, msg.model)
			p.sel = len(p.models) - 1
		}
		return nil
	case streamEventMsg:
		if msg.id != p.runID || msg.col >= len(p.cols) {
			return nil
		}
		c := &p.cols[msg.col]
		switch msg.ev.Type {
		case providers.EventText:
			c.reply += msg.ev.Text
		case providers.EventUsage:
			c.usage, c.hasUsage = msg.ev.Usage, true
		}
		return nil
	case streamDoneMsg:
		if msg.id != p.runID || msg.col >= len(p.cols) {
			return nil
		}
		c := &p.cols[msg.col]
		c.done, c.err = true, msg.err
		if msg.began {
			out := msg.out
			c.out = &out
		}
		p.running--
		if p.running == 0 && p.cancel != nil {
			p.cancel()
			p.cancel = nil
		}
		if msg.began {
			return p.c.bell(msg.out.Alerts)
		}
		return nil
	}
	return toField(&p.prompt, msg)
}

func (p *compare) key(msg tea.KeyPressMsg) tea.Cmd {
	k := p.keys
	switch {
	case key.Matches(msg, k.Send):
		return p.send()
	case key.Matches(msg, k.Cancel) && p.running > 0:
		p.cancel()
		return nil
	}
	if p.prompt.Focused() {
		if key.Matches(msg, k.Cancel) {
			p.prompt.Blur()
			return nil
		}
		return forward(&p.prompt, msg)
	}
	if p.running == 0 && len(p.cols) > 0 && p.sort.key(msg, k.sortKeys) {
		return nil
	}
	switch {
	case key.Matches(msg, k.Add):
		if len(p.models) >= maxCompare {
			return failure(fmt.Errorf("at most %d models side by side: remove one with d", maxCompare))
		}
		a := p.c.app
		d := newPicker(p.c, "Add a model", modelChoices(a, p.keyed), "", freeModel(a), func(v string) tea.Cmd {
			return func() tea.Msg { return pickedCompareMsg{result: result{pageCompare, 0}, model: v} }
		})
		d.notes = modelNotes(a, p.keyed)
		return openDialog(d)
	case key.Matches(msg, k.Remove):
		if p.running == 0 && p.sel < len(p.models) {
			p.models = append(p.models[:p.sel], p.models[p.sel+1:]...)
			p.sel = max(min(p.sel, len(p.models)-1), 0)
			p.cols = nil
		}
	case key.Matches(msg, k.Prev):
		p.sel = max(p.sel-1, 0)
	case key.Matches(msg, k.Next):
		p.sel = max(min(p.sel+1, len(p.models)-1), 0)
	case key.Matches(msg, k.Edit):
		return p.prompt.Focus()
	}
	return nil
}

func (p *compare) send() tea.Cmd {
	if p.running > 0 {
		return nil
	}
	if len(p.models) < 2 {
		return failure(errors.New("add at least two models with a"))
	}
	text := p.prompt.Value()
	if strings.TrimSpace(text) == "" {
		return failure(errors.New("the prompt is empty: press enter to write one"))
	}
	p.prompt.Blur()
	ctx, cancel := context.WithCancel(p.c.ctx)
	p.cancel = cancel
	p.runID = p.c.nextID()
	p.cols = make([]compareCol, len(p.models))
	p.running = len(p.models)
	p.started = time.Now()
	cmds := make([]tea.Cmd, len(p.models))
	for i, m := range p.models {
		prov, model := splitModel(m)
		call := app.Call{Provider: prov, Model: model, Source: store.SourceTUI,
			Request: providers.Request{Model: model, Messages: []providers.Message{{Role: providers.RoleUser, Content: text}}}}
		cmds[i] = startStream(ctx, p.c, pageCompare, p.runID, i, call)
	}
	return tea.Batch(cmds...)
}

func (p *compare) View() string {
	st := p.c.st
	w, h := p.c.width, p.c.height
	var chips []string
	for i, m := range p.models {
		chip := fmt.Sprintf("%d %s", i+1, m)
		if i == p.sel && !p.prompt.Focused() {
			chips = append(chips, st.Selected.Render(chip))
		} else {
			chips = append(chips, st.Strong.Render(chip))
		}
	}
	head := st.Title.Render("Compare ")
	if len(chips) == 0 {
		head += st.Muted.Render("no models yet — press a to add two to four")
	} else {
		head += strings.Join(chips, st.Muted.Render(" · "))
	}
	lines := []string{fit(head, w, false)}
	p.prompt.SetWidth(w - 2)
	p.prompt.SetHeight(3)
	lines = append(lines, p.prompt.View(), st.Muted.Render(strings.Repeat("─", w)))
	if len(p.cols) == 0 {
		lines = append(lines, st.Muted.Render("Each model streams into its own column; a summary of cost, latency, first token and tokens follows."))
		return strings.Join(lines, "\n")
	}
	sumH := 0
	if p.running == 0 {
		sumH = len(p.cols) + 2
	}
	colH := max(h-lineCount(lines)-sumH, 3)
	n := len(p.cols)
	cw := (w - (n - 1)) / n
	blocks := make([]string, 0, 2*n-1)
	for i := range p.cols {
		if i > 0 {
			blocks = append(blocks, strings.TrimSuffix(strings.Repeat(st.Muted.Render("│")+"\n", colH), "\n"))
		}
		blocks = append(blocks, block(p.column(i, cw, colH), cw, colH))
	}
	lines = append(lines, joinColumns(blocks...))
	if p.running == 0 {
		lines = append(lines, "", p.summary(w))
	}
	return strings.Join(lines, "\n")
}

func (p *compare) column(i, w, h int) string {
	st := p.c.st
	c := p.cols[i]
	title := st.Strong.Render(fit(p.models[i], w, false))
	var status string
	switch {
	case !c.done:
		status = st.Warn.Render(fmt.Sprintf("streaming · %s out", count(max(c.usage.Output, providers.EstimateTokens(c.reply)))))
	case c.out != nil && c.out.Event.CostState == pricing.Unpriced:
		status = st.OK.Render(string(c.out.Event.Status)) + " " + st.Warn.Render(pricing.FormatCost(c.out.Event.Cost, pricing.Unpriced, pricing.Screen))
	case c.out != nil:
		status = st.OK.Render(string(c.out.Event.Status)) + " " + pricing.FormatCost(c.out.Event.Cost, c.out.Event.CostState, pricing.Screen)
	default:
		status = st.Over.Render("not sent")
	}
	body := p.drawReply(i, w)
	if c.err != nil && (c.out == nil || !stopped(*c.out)) {
		msg := c.err.Error()
		if errors.Is(c.err, budget.ErrBudgetExceeded) {
			msg = "Refused by a hard budget: " + msg
		}
		body = st.Over.Render(wrap(msg, w)) + "\n" + body
	}
	// Keep the end of a long reply in view while it streams.
	bl := strings.Split(body, "\n")
	if len(bl) > h-2 {
		bl = bl[len(bl)-(h-2):]
	}
	return title + "\n" + status + "\n" + strings.Join(bl, "\n")
}

// drawReply returns column i's reply drawn as markdown within w columns.
func (p *compare) drawReply(i, w int) string {
	c := &p.cols[i]
	k := drawnKey{len(c.reply), w, p.c.st.dark}
	if c.drawnFor != k {
		c.drawn, c.drawnFor = p.md.render(c.reply, w, k.dark), k
	}
	return c.drawn
}

func (p *compare) summary(w int) string {
	st := p.c.st
	cols := []col{{"MODEL", 0, false}, {"STATUS", 9, false}, {"COST", 10, true}, {"LATENCY", 7, true}, {"TTFT", 6, true}, {"PROMPT", 6, true}, {"OUT", 6, true}}
	items := make([]compareRow, len(p.cols))
	for i, c := range p.cols {
		items[i] = compareRow{model: p.models[i], out: c.out}
	}
	rows := make([][]string, 0, len(items))
	for _, i := range p.sort.order(items) {
		r := []string{items[i].model, "not sent", "–", "–", "–", "–", "–"}
		if out := items[i].out; out != nil {
			e := out.Event
			cost := pricing.FormatCost(e.Cost, e.CostState, pricing.Screen)
			r = []string{items[i].model, string(e.Status), cost, millis(e.Latency), millis(e.TTFT),
				count(eventPrompt(e)), count(e.OutputTokens)}
		}
		rows = append(rows, r)
	}
	return st.table(p.sort.mark(cols), rows, w, len(rows)+1, -1, 0)
}

// restyle follows the terminal's background.
func (p *compare) restyle(dark bool) { restyleTextarea(&p.prompt, dark) }
