package tui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/byokhq/byok/budget"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/store"
)

// replyWidth is the width the reply is wrapped to.
func (p *playground) replyWidth() int { return max(p.c.width-2, 20) }

// render draws the reply as markdown into the pane.
func (p *playground) render() {
	w := p.replyWidth()
	text := p.md.render(p.reply, w, p.c.st.dark)
	atBottom := p.pane.AtBottom()
	p.rendered, p.renderLen, p.renderedAt, p.renderW = text, len(p.reply), time.Now(), w
	p.pane.SetContent(text)
	if atBottom {
		p.pane.GotoBottom()
	}
}

func (p *playground) View() string {
	st := p.c.st
	w, h := p.c.width, p.c.height
	label := func(f int, name string) string {
		n := fit(name, 8, false)
		if f == p.focus {
			return st.Key.Render("›" + n)
		}
		return st.Muted.Render(" " + n)
	}
	var lines []string
	model := p.model
	if model == "" {
		model = st.Warn.Render("none — press m to pick one")
	}
	keyText := "default"
	if p.label != "" {
		keyText = p.label
	}
	for _, k := range p.providerKeys() {
		if k.Label == p.label || p.label == "" && k.Default {
			keyText += st.Muted.Render(fmt.Sprintf(" (%s …%s)", k.Name(), k.Last4))
			break
		}
	}
	keyText += st.Muted.Render("  ←/→")
	prov, _ := splitModel(p.model)
	if spec, ok := p.c.app.Registry.Get(prov); ok && spec.NoKey {
		keyText = st.Muted.Render("none needed")
	}
	lines = append(lines, label(fieldModel, "Model")+model)
	lines = append(lines, label(fieldKey, "Key")+keyText)
	p.system.SetWidth(w - 12)
	lines = append(lines, label(fieldSystem, "System")+p.system.View())
	p.maxTok.SetWidth(10)
	lines = append(lines, label(fieldMax, "Max out")+p.maxTok.View())
	lines = append(lines, label(fieldPrompt, "Prompt"))
	ph := 4
	if h >= 34 {
		ph = 8
	}
	p.prompt.SetWidth(w - 2)
	p.prompt.SetHeight(ph)
	lines = append(lines, p.prompt.View())
	lines = append(lines, fit(p.estimateLine(), w, false))
	lines = append(lines, st.Muted.Render(strings.Repeat("─", w)))
	lines = append(lines, fit(p.statusLine(), w, false))
	paneH := max(h-lineCount(lines), 1)
	p.pane.SetWidth(w)
	p.pane.SetHeight(paneH)
	if p.reply != "" && p.renderW != p.replyWidth() {
		// The terminal was resized since the reply was drawn (on this page
		// or another): wrap it again to the new width, or the pane would
		// cut its lines.
		p.render()
	}
	if p.pane.PastBottom() {
		// A taller pane, or a reply drawn before the pane had its height,
		// would leave the reply scrolled out of sight above.
		p.pane.GotoBottom()
	}
	body := p.pane.View()
	switch {
	case p.runErr != nil && !p.streaming && (p.out == nil || !stopped(*p.out)):
		body = p.errorText(w) + "\n" + body
	case p.reply == "" && !p.streaming && p.out == nil:
		body = st.Muted.Render("The reply appears here, rendered as markdown. Nothing is sent until you press ctrl+s.")
	}
	lines = append(lines, body)
	return strings.Join(lines, "\n")
}

func (p *playground) estimateLine() string {
	st := p.c.st
	if p.model == "" {
		return ""
	}
	if p.estErr != nil {
		if errors.Is(p.estErr, budget.ErrBudgetExceeded) {
			return st.Over.Render("✗ blocked: " + p.estErr.Error())
		}
		return st.Warn.Render(p.estErr.Error())
	}
	worst := "worst case " + p.worst.String()
	if p.worst == 0 {
		worst = "no price known (recorded as unpriced)"
	}
	if len(p.warnings) == 0 {
		return st.Muted.Render(worst + " · within budgets · ctrl+s sends")
	}
	b := p.warnings[0]
	warn := fmt.Sprintf("⚠ %s could cross the %s budget on %s (%s of %s spent)", worst, b.Budget.Period, b.Budget.Scope, b.Spent, b.Budget.Limit)
	if p.confirm {
		warn += " — ctrl+s again sends"
	}
	return st.Warn.Render(warn)
}

// statusLine shows the live or final tokens, cost and timings.
func (p *playground) statusLine() string {
	st := p.c.st
	switch {
	case p.streaming:
		prov, model := splitModel(p.sent.Provider + "/" + p.sent.Model)
		u := p.usage
		if !p.hasUsage {
			u = providers.Usage{Input: providers.EstimateTokens(p.sent.Request.System + p.sent.Request.Messages[0].Content),
				Output: providers.EstimateTokens(p.reply), Estimated: true}
		}
		cost := p.c.app.Catalog().Price(prov, model, u, p.c.app.Config.Markup(prov))
		// Until the provider reports, the running cost is an estimate.
		state := pricing.Estimated
		if cost.State == pricing.Unpriced {
			state = pricing.Unpriced
		}
		money := pricing.FormatCost(cost.Total, state, pricing.Screen)
		ttft := "waiting for the first token"
		if p.ttft > 0 {
			ttft = "first token " + millis(p.ttft)
		}
		return st.Warn.Render("streaming") + st.Muted.Render(fmt.Sprintf(" · %s prompt · %s out · %s · %s · esc stops", count(u.Prompt()), count(u.Output), money, ttft))
	case p.out != nil:
		e := p.out.Event
		state := st.OK.Render(string(e.Status))
		if e.Status != store.StatusOK {
			state = st.Warn.Render(string(e.Status))
		}
		cost := st.Strong.Render(pricing.FormatCost(e.Cost, e.CostState, pricing.Screen)) + st.Muted.Render(" "+string(e.CostState))
		if e.CostState == pricing.Unpriced {
			cost = st.Warn.Render(pricing.FormatCost(e.Cost, e.CostState, pricing.Screen)) + st.Muted.Render(" (budgets count "+e.Fallback.String()+")")
		}
		line := state + fmt.Sprintf(" · %s prompt · %s out", count(eventPrompt(e)), count(e.OutputTokens))
		if e.ReasoningTokens > 0 {
			line += fmt.Sprintf(" (%s reasoning)", count(e.ReasoningTokens))
		}
		line += " · " + cost +
			fmt.Sprintf(" · %s · first token %s · #%d", millis(e.Latency), millis(e.TTFT), e.ID)
		return line
	case p.runErr != nil:
		return st.Over.Render("not sent")
	}
	return st.Header.Render("REPLY")
}

func (p *playground) errorText(w int) string {
	st := p.c.st
	if errors.Is(p.runErr, budget.ErrBudgetExceeded) {
		return st.Over.Render(wrap("Refused by a hard budget: "+p.runErr.Error(), w))
	}
	return st.Over.Render(wrap(p.runErr.Error(), w))
}

// restyle follows the terminal's background; the reply is drawn again in
// the matching markdown style.
func (p *playground) restyle(dark bool) {
	restyleInput(&p.system, dark)
	restyleInput(&p.maxTok, dark)
	restyleTextarea(&p.prompt, dark)
	if p.reply != "" {
		p.render()
	}
}

// wheel scrolls the reply.
func (p *playground) wheel(up bool) {
	if up {
		p.pane.ScrollUp(3)
	} else {
		p.pane.ScrollDown(3)
	}
}
