package tui

import (
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/budget"
	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/store"
)

// budgets lists the budgets with their fill, forecast and reset time, and
// edits them.
type budgets struct {
	loader[budget.Status]
	c    *common
	keys budgetsKeys
}

func newBudgets(c *common) *budgets {
	return &budgets{loader: newLoader[budget.Status](pageBudgets).withDialogWrites().withFilter("filter budgets, e.g. openai monthly", budgetRowText), c: c, keys: newBudgetsKeys()}
}

// budgetRowText is the text of a budget's row that the filter matches.
func budgetRowText(s budget.Status) string {
	b := s.Budget
	hard := ""
	if b.Hard {
		hard = "hard"
	}
	return strings.Join([]string{b.Scope, string(b.Period), hard, s.Spent.String() + " of " + b.Limit.String(), percent(s.Percent)}, " ")
}

func (p *budgets) Keys() help.KeyMap { return p.keysFor(p.keys) }

func (p *budgets) Load() tea.Cmd {
	ctx, a := p.c.ctx, p.c.app
	return p.load(p.c, func() ([]budget.Status, error) { return a.Budgets(ctx) })
}

func (p *budgets) Update(msg tea.Msg) tea.Cmd {
	return p.update(msg, p.Load)
}

func (p *budgets) key(msg tea.KeyPressMsg) tea.Cmd {
	k := p.keys
	switch {
	case key.Matches(msg, k.Add):
		return openDialog(p.form(nil))
	case key.Matches(msg, k.Edit):
		if s, ok := p.selected(); ok {
			return openDialog(p.form(&s.Budget))
		}
	case key.Matches(msg, k.Delete):
		if s, ok := p.selected(); ok {
			b := s.Budget
			ctx, a := p.c.ctx, p.c.app
			return openDialog(newConfirm(p.c, fmt.Sprintf("Delete the %s budget of %s on %s? Its alerts stay in the list.", b.Period, b.Limit, b.Scope), func() tea.Cmd {
				return p.work(p.c, func() (noticeMsg, error) {
					_, err := a.DeleteBudget(ctx, b.Scope)
					return noticeMsg{text: "Deleted the budget on " + b.Scope}, err
				})
			}))
		}
	default:
		p.cursor, _ = k.move(msg, p.cursor, len(p.list))
	}
	return nil
}

// form adds a budget (b nil) or edits one. The scope of an existing budget
// is fixed: changing it is deleting one budget and adding another.
func (p *budgets) form(b *store.Budget) dialog {
	v := &struct {
		scope, amount, period, thresholds string
		hard                              bool
	}{scope: "all", period: "monthly", thresholds: "50,80,100"}
	title := "Add a budget"
	if b != nil {
		title = "Edit the budget on " + b.Scope
		v.scope, v.amount, v.period, v.hard = b.Scope, b.Limit.Decimal(), string(b.Period), b.Hard
		ts := make([]string, len(b.Thresholds))
		for i, t := range b.Thresholds {
			ts[i] = strconv.Itoa(t)
		}
		v.thresholds = strings.Join(ts, ",")
	}
	// The scope is checked as typed, provider included: an unknown one
	// found only on saving would close the form and lose what was typed.
	scope := huh.NewInput().Title("Scope").Description("all, provider:ID, key:PROVIDER/LABEL, model:PROVIDER/MODEL").
		Value(&v.scope).Validate(func(s string) error {
		sc, err := budget.ParseScope(s)
		if err == nil && sc.Kind != budget.KindAll {
			_, err = p.c.app.Provider(sc.Provider)
		}
		return err
	})
	amount := huh.NewInput().Title("Amount (USD)").Description("per period, e.g. 50 or 12.50").Value(&v.amount).
		Validate(func(s string) error {
			a, err := money.Parse(s)
			if err == nil && a <= 0 {
				return fmt.Errorf("the amount must be more than $0")
			}
			return err
		})
	first := []huh.Field{scope, amount,
		huh.NewSelect[string]().Title("Period").Options(huh.NewOptions("daily", "weekly", "monthly")...).Value(&v.period),
	}
	if b != nil {
		first = first[1:]
	}
	form := huh.NewForm(
		huh.NewGroup(first...),
		huh.NewGroup(
			huh.NewInput().Title("Alert at (percent)").Value(&v.thresholds).Validate(func(s string) error { _, err := budget.ParseThresholds(s); return err }),
			huh.NewConfirm().Title("Hard limit?").Description("a hard budget refuses requests once reached").Value(&v.hard),
		),
	)
	return newFormDialog(p.c, title, form, "Saving…", func() tea.Cmd {
		ctx, a := p.c.ctx, p.c.app
		in := *v
		return p.work(p.c, func() (noticeMsg, error) {
			amount, err := money.Parse(in.amount)
			if err != nil {
				return noticeMsg{}, err
			}
			period, err := budget.ParsePeriod(in.period)
			if err != nil {
				return noticeMsg{}, err
			}
			ths, err := budget.ParseThresholds(in.thresholds)
			if err != nil {
				return noticeMsg{}, err
			}
			saved, err := a.SetBudget(ctx, app.BudgetInput{Scope: in.scope, Limit: amount, Period: period, Hard: in.hard, Thresholds: ths})
			if err != nil {
				return noticeMsg{}, err
			}
			return savedBudgetNotice(saved), nil
		})
	})
}

// savedBudgetNotice says what saving a budget did, warnings and the
// alerts it raised first: they are what the user must read.
func savedBudgetNotice(saved app.SavedBudget) noticeMsg {
	b := saved.Status.Budget
	parts := []string{fmt.Sprintf("Budget on %s: %s %s", b.Scope, b.Limit, b.Period)}
	parts = append(parts, saved.Warnings...)
	for _, al := range saved.Alerts {
		parts = append(parts, al.Message)
	}
	n := noticeMsg{text: strings.Join(parts, " · ")}
	if len(parts) > 1 {
		n.kind = noticeWarn
	}
	return n
}

func (p *budgets) View() string {
	st := p.c.st
	w, h := p.c.width, p.c.height
	now := p.c.now()
	out := []string{fit(p.filterHead(st, "Budgets", "  spend in the current period; hard budgets refuse requests once reached", "budgets"), w, false), ""}
	if len(p.list) == 0 {
		none := "No budgets yet. Press " + st.Key.Render("a") + " to add one — for example $50 a month on everything."
		return strings.Join(append(out, p.noRows(st, "budget", none)...), "\n")
	}
	barW := 10
	// At 80 columns the forecast moves to the line under the table.
	narrow := w < 90
	cols := []col{{"SCOPE", 0, false}, {"PERIOD", 7, false}, {"HARD", 4, false}, {"SPENT OF LIMIT", 17, true}, {"", barW, false}, {"%", 5, true}, {"FORECAST", 9, true}, {"RESETS", 7, true}}
	if narrow {
		cols = append(cols[:6], cols[7])
	}
	if w >= 110 {
		cols = append(cols, col{"ALERTS AT", 13, false})
	}
	rows := make([][]string, len(p.list))
	for i, b := range p.list {
		hard := ""
		if b.Budget.Hard {
			hard = st.Over.Render("yes")
		}
		fc := b.ForecastText()
		if !b.Projected {
			fc = st.Muted.Render(fc)
		}
		r := []string{b.Budget.Scope, string(b.Budget.Period), hard, st.state(b.State).Render(b.Spent.String()) + " of " + b.Budget.Limit.String(),
			"", st.state(b.State).Render(percent(b.Percent)), fc, until(now, b.End)}
		if narrow {
			r = append(r[:6], r[7])
		}
		if w >= 110 {
			ts := make([]string, len(b.Budget.Thresholds))
			for j, t := range b.Budget.Thresholds {
				ts[j] = strconv.Itoa(t) + "%"
			}
			r = append(r, strings.Join(ts, " "))
		}
		rows[i] = r
	}
	// What the columns leave of a wide terminal goes to the bar, up to
	// 30 cells.
	barW += min(spare(cols, rows, w), 20)
	cols[4].width = barW
	for i, b := range p.list {
		rows[i][4] = st.bar(b.Percent/100, barW, b.State)
	}
	th := h - len(out) - 2
	p.offset = scroll(p.cursor, p.offset, th-1)
	p.rowsTop = len(out) + 1 // below the header
	out = append(out, st.table(cols, rows, w, th, p.cursor, p.offset))
	if p.cursor < len(p.list) {
		b := p.list[p.cursor]
		line := fmt.Sprintf("%s resets %s", b.Budget.Scope, b.End.In(p.c.app.Location()).Format("Mon Jan 2 15:04"))
		if b.Projected {
			line += " · forecast " + b.Forecast.String()
		}
		if b.Unpriced > 0 {
			line += fmt.Sprintf(" · %d unpriced at a fallback price", b.Unpriced)
		}
		out = append(out, "", st.Muted.Render(line))
	}
	return strings.Join(out, "\n")
}
