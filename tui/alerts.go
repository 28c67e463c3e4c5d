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
	loader[store.Alert]
	c    *common
	keys alertsKeys
	all  bool
}

func newAlerts(c *common) *alerts {
	p := &alerts{c: c, keys: newAlertsKeys()}
	p.loader = newLoader[store.Alert](pageAlerts).withFilter("filter alerts, e.g. threshold openai", p.rowText)
	return p
}

// rowText is the text of an alert's row that the filter matches.
func (p *alerts) rowText(a store.Alert) string {
	return strings.Join([]string{a.Time.In(p.c.app.Location()).Format("Jan 02 15:04"), string(a.Kind), a.Scope, a.Message}, " ")
}

func (p *alerts) Keys() help.KeyMap { return p.keysFor(p.keys) }

func (p *alerts) Load() tea.Cmd {
	ctx, a, all := p.c.ctx, p.c.app, p.all
	return p.load(p.c, func() ([]store.Alert, error) { return a.Alerts(ctx, all) })
}

func (p *alerts) Update(msg tea.Msg) tea.Cmd {
	if msg, ok := msg.(loadedMsg[store.Alert]); ok {
		if !p.loaded(msg) || msg.err != nil {
			return nil
		}
		return p.c.bell(p.list)
	}
	return p.update(msg, p.Load)
}

func (p *alerts) key(msg tea.KeyPressMsg) tea.Cmd {
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
	return nil
}

func (p *alerts) ack(ids []int64) tea.Cmd {
	ctx, a := p.c.ctx, p.c.app
	return p.work(p.c, func() (noticeMsg, error) {
		n := len(ids)
		return noticeMsg{text: fmt.Sprintf("Acknowledged %d alert%s", n, plural(n))}, a.AckAlerts(ctx, ids...)
	})
}

func (p *alerts) View() string {
	st := p.c.st
	w, h := p.c.width, p.c.height
	which := "unacknowledged"
	if p.all {
		which = "all"
	}
	out := []string{fit(p.filterHead(st, "Alerts", fmt.Sprintf("  %s (%d) · h toggles acknowledged ones", which, len(p.list)), "alerts"), w, false), ""}
	if len(p.list) == 0 {
		none := st.OK.Render("No alerts. Budgets raise them at their thresholds, on forecasts and on unusual days.")
		return strings.Join(append(out, p.noRows(st, "alert", none)...), "\n")
	}
	loc := p.c.app.Location()
	cols := []col{{"", 1, false}, {"TIME", 12, false}, {"KIND", 9, false}, {"SCOPE", 18, false}, {"MESSAGE", 0, false}}
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
	// The scope column is as wide as the longest scope, up to 18 cells
	// (30 on a wide terminal); the message takes the rest.
	scopeW := 18
	if w >= 110 {
		scopeW = 30
	}
	cols[3].width = max(min(widest(rows, 3), scopeW), len("SCOPE"))
	th := h - len(out) - 3
	p.offset = scroll(p.cursor, p.offset, th-1)
	p.rowsTop = len(out) + 1 // below the header
	out = append(out, st.table(cols, rows, w, th, p.cursor, p.offset))
	if p.cursor < len(p.list) {
		out = append(out, "", wrap(p.list[p.cursor].Message, w))
	}
	return strings.Join(out, "\n")
}
