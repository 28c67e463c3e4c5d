package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/byokhq/byok/store"
)

// alerts lists budget, forecast, anomaly and rotation alerts and
// acknowledges them. New alerts ring the terminal bell when config asks.
type alerts struct {
	c       *common
	keys    alertsKeys
	list    []store.Alert
	all     bool
	cursor  int
	offset  int
	rowsTop int // the body line of the first row, for clicks
	reqID   int
	loading bool
	workID  int
	err     error
}

type alertListMsg struct {
	result
	list []store.Alert
	err  error
}

type alertAckedMsg struct {
	result
	n   int
	err error
}

func newAlerts(c *common) *alerts { return &alerts{c: c, keys: newAlertsKeys()} }

func (p *alerts) Keys() help.KeyMap { return p.keys }
func (p *alerts) Editing() bool     { return false }
func (p *alerts) Busy() bool        { return p.loading }

func (p *alerts) Load() tea.Cmd {
	p.reqID = p.c.nextID()
	p.loading = true
	id, ctx, a, all := p.reqID, p.c.ctx, p.c.app, p.all
	return func() tea.Msg {
		l, err := a.Alerts(ctx, all)
		return alertListMsg{result: result{pageAlerts, id}, list: l, err: err}
	}
}

func (p *alerts) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case alertListMsg:
		if msg.id != p.reqID {
			return nil
		}
		p.loading = false
		p.err = msg.err
		if msg.err != nil {
			return nil
		}
		p.list = msg.list
		p.cursor = min(p.cursor, max(len(p.list)-1, 0))
		return p.c.bell(p.list)
	case alertAckedMsg:
		if msg.id != p.workID {
			return nil
		}
		if msg.err != nil {
			return failure(msg.err)
		}
		return tea.Batch(notice("Acknowledged %d alert%s", msg.n, plural(msg.n)), p.Load())
	case dataChangedMsg:
		return p.Load()
	case tea.KeyPressMsg:
		k := p.keys
		switch {
		case key.Matches(msg, k.ShowAll):
			p.all = !p.all
			return p.Load()
		case key.Matches(msg, k.Ack):
			if p.cursor < len(p.list) && !p.list[p.cursor].Acked {
				return p.ack([]int64{p.list[p.cursor].ID})
			}
		case key.Matches(msg, k.AckAll):
			var ids []int64
			for _, a := range p.list {
				if !a.Acked {
					ids = append(ids, a.ID)
				}
			}
			if len(ids) > 0 {
				return p.ack(ids)
			}
		default:
			p.cursor, _ = k.move(msg, p.cursor, len(p.list))
		}
	}
	return nil
}

func (p *alerts) ack(ids []int64) tea.Cmd {
	p.workID = p.c.nextID()
	id, ctx, a := p.workID, p.c.ctx, p.c.app
	return func() tea.Msg {
		return alertAckedMsg{result: result{pageAlerts, id}, n: len(ids), err: a.AckAlerts(ctx, ids...)}
	}
}

func (p *alerts) View() string {
	st := p.c.st
	w, h := p.c.width, p.c.height
	which := "unacknowledged"
	if p.all {
		which = "all"
	}
	out := []string{st.Title.Render("Alerts") + st.Muted.Render(fmt.Sprintf("  %s (%d) · h toggles acknowledged ones", which, len(p.list))), ""}
	if len(p.list) == 0 {
		if p.err != nil {
			return strings.Join(append(out, st.Over.Render(p.err.Error())), "\n")
		}
		if !p.loading {
			out = append(out, st.OK.Render("No alerts. Budgets raise them at their thresholds, on forecasts and on unusual days."))
		}
		return strings.Join(out, "\n")
	}
	loc := p.c.app.Location()
	cols := []col{{"", 1, false}, {"TIME", 12, false}, {"KIND", 9, false}, {"SCOPE", 18, false}, {"MESSAGE", 0, false}}
	if w >= 110 {
		cols[3].width = 30
	}
	rows := make([][]string, len(p.list))
	for i, a := range p.list {
		mark := st.Warn.Render("●")
		if a.Acked {
			mark = st.Muted.Render("✓")
		}
		kind := string(a.Kind)
		if a.Kind == store.AlertThreshold && a.Threshold >= 100 {
			kind = st.Over.Render(kind)
		}
		rows[i] = []string{mark, a.Time.In(loc).Format("Jan 02 15:04"), kind, a.Scope, a.Message}
	}
	th := h - len(out) - 3
	p.offset = scroll(p.cursor, p.offset, th-1)
	p.rowsTop = len(out) + 1 // below the header
	out = append(out, st.table(cols, rows, w, th, p.cursor, p.offset))
	if p.cursor < len(p.list) {
		out = append(out, "", wrap(p.list[p.cursor].Message, w))
	}
	return strings.Join(out, "\n")
}

// click selects the clicked row.
func (p *alerts) click(line, _ int) tea.Cmd {
	if i, ok := rowAt(line, p.rowsTop, p.offset, len(p.list)); ok {
		p.cursor = i
	}
	return nil
}
