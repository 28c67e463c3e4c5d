package tui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/store"
)

// reconcileDays is how many UTC days the Reconcile view shows.
const reconcileDays = 30

// reconcilePage shows the last reconcile per provider and UTC day: what
// byok recorded against what the provider billed, and the state. Enter
// opens the day: the provider's request counts per key and byok's own
// requests of that day. r asks the providers again; / filters the days as
// one types.
type reconcilePage struct {
	loader[app.ReconcileRow]
	c    *common
	keys reconcileKeys
	// keyRows are the per-key rows of every day; the loader lists the
	// day rows, newest first.
	keyRows []app.ReconcileRow
	// open is the day shown in detail, with byok's own requests of it.
	open      *app.ReconcileRow
	events    []store.Event
	eventsReq request
}

type reconcileEventsMsg struct {
	result
	events []store.Event
	err    error
}

func newReconcilePage(c *common) *reconcilePage {
	p := &reconcilePage{c: c, keys: newReconcileKeys()}
	p.loader = newLoader[app.ReconcileRow](pageReconcile).withFilter("filter days, e.g. openai unseen or 2026-11", p.rowText)
	// A day the provider has not reported sorts below every reported one.
	reported := func(r app.ReconcileRow) int64 {
		if !r.HasReported {
			return -1
		}
		return int64(r.Reported)
	}
	p.sort = newSorter(
		sortCol[app.ReconcileRow]{title: "PROVIDER", cmp: byText(func(r app.ReconcileRow) string { return r.Provider })},
		sortCol[app.ReconcileRow]{title: "DAY", cmp: byNumber(func(r app.ReconcileRow) int64 { return r.Day.Unix() }), desc: true},
		sortCol[app.ReconcileRow]{title: "BYOK", cmp: byNumber(func(r app.ReconcileRow) int64 { return int64(r.Byok) }), desc: true},
		sortCol[app.ReconcileRow]{title: "REPORTED", cmp: byNumber(reported), desc: true},
		sortCol[app.ReconcileRow]{title: "DIFF", cmp: byNumber(func(r app.ReconcileRow) int64 { return int64(r.Diff) }), desc: true},
		sortCol[app.ReconcileRow]{title: "STATE", cmp: byText(func(r app.ReconcileRow) string { return string(r.State) })},
	)
	return p
}

func (p *reconcilePage) Keys() help.KeyMap {
	if p.Editing() {
		return filterTyping
	}
	return p.keys
}

// rowText is the text of a day's row that the filter matches.
func (p *reconcilePage) rowText(r app.ReconcileRow) string {
	reported, diff := "—", ""
	if r.HasReported {
		reported, diff = r.Reported.String(), signedUSD(r.Diff)
	}
	return strings.Join([]string{r.Provider, r.Day.Format(time.DateOnly), r.Byok.String(), reported, diff, string(r.State)}, " ")
}

func (p *reconcilePage) Load() tea.Cmd {
	ctx, a := p.c.ctx, p.c.app
	to := p.c.now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	return p.load(p.c, func() ([]app.ReconcileRow, error) { return a.Reconciliation(ctx, to.AddDate(0, 0, -reconcileDays), to) })
}

// split keeps the day rows, newest first, and sets the key rows aside.
func (p *reconcilePage) split(rows []app.ReconcileRow) {
	var days, keys []app.ReconcileRow
	for _, r := range rows {
		if r.KeyName != "" || r.ProviderKey != "" {
			keys = append(keys, r)
		} else {
			days = append(days, r)
		}
	}
	slices.Reverse(days)
	p.keyRows = keys
	p.setRows(days)
}

// follow closes the open day once the cursor leaves it.
func (p *reconcilePage) follow() {
	if r, ok := p.selected(); !ok || p.open == nil || !sameDay(*p.open, r) {
		p.open, p.events = nil, nil
	}
}

func sameDay(a, b app.ReconcileRow) bool { return a.Provider == b.Provider && a.Day.Equal(b.Day) }

func (p *reconcilePage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg[app.ReconcileRow]:
		// A reload (a reconcile, a change elsewhere) keeps the cursor on
		// its day.
		sel, had := p.selected()
		if p.loaded(msg) && msg.err == nil {
			p.split(msg.items)
			for i, r := range p.list {
				if had && sameDay(sel, r) {
					p.cursor = i
				}
			}
			p.follow()
		}
		return nil
	case reconcileEventsMsg:
		if cmd, ok := p.eventsReq.take(msg.result, msg.err); !ok {
			return cmd
		}
		p.events = msg.events
		return nil
	}
	return p.update(msg, p.Load)
}

// filterKey comes before the list base's: esc closes the open day first,
// then clears the filter; a day the filter hides closes.
func (p *reconcilePage) filterKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	if key.Matches(msg, p.keys.Clear) && p.open != nil && !p.Editing() {
		p.open, p.events = nil, nil
		return nil, true
	}
	cmd, ok := p.loader.filterKey(msg)
	if ok {
		p.follow()
	}
	return cmd, ok
}

func (p *reconcilePage) key(msg tea.KeyPressMsg) tea.Cmd {
	k := p.keys
	switch {
	case key.Matches(msg, k.Clear):
		// Backspace clears the filter as esc does.
		if p.clearFilter() {
			p.follow()
		}
	case key.Matches(msg, k.Run):
		return p.run()
	case key.Matches(msg, k.Drill):
		r, ok := p.selected()
		switch {
		case !ok:
		case p.open != nil && sameDay(*p.open, r):
			p.open, p.events = nil, nil
		default:
			p.open = &r
			return p.loadEvents(r)
		}
	case p.sortKey(msg, k.sortKeys):
	default:
		p.cursor, _ = k.move(msg, p.cursor, len(p.list))
		p.follow()
	}
	return nil
}

// loadEvents reads byok's own requests of a provider's UTC day.
func (p *reconcilePage) loadEvents(r app.ReconcileRow) tea.Cmd {
	res, ctx, a := p.eventsReq.start(p.c, pageReconcile), p.c.ctx, p.c.app
	return func() tea.Msg {
		evs, err := a.Store.Events(ctx, store.Filter{Scope: store.Scope{Provider: r.Provider}, Since: r.Day, Until: r.Day.AddDate(0, 0, 1), Limit: 200})
		return reconcileEventsMsg{result: res, events: evs, err: err}
	}
}

// run reconciles every provider with an admin key now.
func (p *reconcilePage) run() tea.Cmd {
	ctx, a := p.c.ctx, p.c.app
	return p.work(p.c, func() (noticeMsg, error) {
		res, err := a.Reconcile(ctx, app.ReconcileOptions{})
		if errors.Is(err, app.ErrNoAdminKey) {
			// app's refusal names the CLI command; here the way is the Keys view's form.
			return noticeMsg{}, errors.New("no provider has an admin key to read its reports with: press 5, then a, and choose admin key (OpenAI, Anthropic and OpenRouter publish reports)")
		}
		if err != nil {
			return noticeMsg{}, err
		}
		var failed []string
		for id, e := range res.Errors {
			failed = append(failed, id+": "+e.Error())
		}
		if len(failed) > 0 {
			return noticeMsg{}, errors.New(strings.Join(failed, "; "))
		}
		return noticeMsg{text: fmt.Sprintf("Reconciled %s to %s (UTC)", res.From.Format("Jan 2"), res.To.AddDate(0, 0, -1).Format("Jan 2"))}, nil
	})
}

func (p *reconcilePage) View() string {
	st := p.c.st
	w, h := p.c.width, p.c.height
	head := p.filterHead(st, "Reconcile", fmt.Sprintf("  byok against the providers' bills, last %d UTC days · / filters", reconcileDays), "days")
	out := []string{fit(head, w, false), ""}
	if len(p.list) == 0 {
		none := wrap("Nothing reconciled yet. Add an admin key (OpenAI's admin key, Anthropic's Admin API key, an OpenRouter management key): press 5, then a, and choose admin key; then press r.", w)
		return strings.Join(append(out, p.noRows(st, "day", none)...), "\n")
	}
	cols := p.sort.mark([]col{{"PROVIDER", 0, false}, {"DAY", 10, false}, {"BYOK", 10, true}, {"REPORTED", 10, true}, {"DIFF", 10, true}, {"STATE", 9, false}})
	rows := make([][]string, len(p.list))
	for i, r := range p.list {
		reported, diff := "—", ""
		if r.HasReported {
			reported, diff = r.Reported.String(), signedUSD(r.Diff)
		}
		rows[i] = []string{r.Provider, r.Day.Format(time.DateOnly), r.Byok.String(), reported, diff, p.stateText(r.State)}
	}
	detail := p.detail(w)
	th := h - len(out) - 2 - len(detail)
	th = max(th, 4)
	p.offset = scroll(p.cursor, p.offset, th-1)
	p.rowsTop = len(out) + 1
	out = append(out, st.table(cols, rows, w, th, p.cursor, p.offset), "")
	out = append(out, detail...)
	return block(strings.Join(out, "\n"), w, h)
}

func (p *reconcilePage) stateText(s app.ReconcileState) string {
	st := p.c.st
	switch s {
	case app.StateUnseen:
		return st.Warn.Render(string(s))
	case app.StateOver:
		return st.Over.Render(string(s))
	case app.StateMatch:
		return st.OK.Render(string(s))
	}
	return st.Muted.Render(string(s))
}

// detail describes the selected day; opened (enter), it lists the
// provider's request counts per key and byok's own requests of the day.
func (p *reconcilePage) detail(w int) []string {
	st := p.c.st
	r, ok := p.selected()
	if !ok {
		return nil
	}
	var out []string
	line := fmt.Sprintf("%s %s: byok %s in %d requests", r.Provider, r.Day.Format(time.DateOnly), r.Byok, r.ByokRequests)
	if r.HasReported {
		line += fmt.Sprintf(", the provider billed %s", r.Reported)
		if r.HasReportedRequests {
			line += fmt.Sprintf(" for %d", r.ReportedRequests)
		}
	}
	if r.Reconciled > 0 {
		line += fmt.Sprintf("; %s counted as reconciled spend", r.Reconciled)
	}
	out = append(out, strings.Split(wrap(line, w), "\n")...)
	if p.open == nil || !sameDay(*p.open, r) {
		return append(out, st.Muted.Render("enter: per key, and byok's own requests of the day"))
	}
	for _, k := range p.keyRows {
		if k.Provider != r.Provider || !k.Day.Equal(r.Day) {
			continue
		}
		name := k.ProviderKey
		if k.KeyName != "" {
			name = k.KeyName + " (" + k.ProviderKey + ")"
		}
		line := fmt.Sprintf("  key %s: byok %d requests, the provider %d", name, k.ByokRequests, k.ReportedRequests)
		if k.HasReported {
			line = fmt.Sprintf("  key %s: byok %s in %d requests, the provider billed %s for %d", name, k.Byok, k.ByokRequests, k.Reported, k.ReportedRequests)
		}
		if k.Reconciled > 0 {
			line += fmt.Sprintf(", %s counted", k.Reconciled)
		}
		out = append(out, fit(line+" · "+p.stateText(k.State), w, false))
	}
	loc := p.c.app.Location()
	n := 0
	for _, e := range p.events {
		if e.Source == store.SourceReconciled {
			continue
		}
		if n == 8 {
			out = append(out, st.Muted.Render(fmt.Sprintf("  … %d more in History", len(p.events)-n)))
			break
		}
		out = append(out, fit(fmt.Sprintf("  %s  %-8s %-28s %s", e.Time.In(loc).Format("15:04"), e.Source, e.Model, e.Cost.Precise()), w, false))
		n++
	}
	if n == 0 {
		out = append(out, st.Muted.Render("  byok recorded no request of its own that day"))
	}
	return out
}

// signedUSD writes a difference with its sign.
func signedUSD(d interface{ String() string }) string {
	s := d.String()
	if !strings.HasPrefix(s, "-") && s != "$0.00" {
		return "+" + s
	}
	return s
}
