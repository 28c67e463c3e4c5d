package tui

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/budget"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/store"
)

// periods of the dashboard's switch.
var dashPeriods = []string{"today", "week", "month", "custom"}

// dashboard shows what was spent in a period: the total against the `all`
// budget, a row per provider, a 30-day chart and unacknowledged alerts.
type dashboard struct {
	c       *common
	keys    dashboardKeys
	period  int
	from    time.Time // custom range
	to      time.Time
	sum     app.Summary
	loaded  bool
	loading bool
	reqID   int
	err     error
	cursor  int
	// at says which figure the cursor is on outside a drill-down: a
	// provider's row (cursor), the period's total or the All budget above
	// them, or a day of the chart below them (day, an index of sum.Days).
	// Enter on any of them lists the requests behind it.
	at    dashSpot
	day   int
	sort  sorter[store.Group]
	provs []store.Group // sum.Providers in the sort's order

	// drill-down into one provider
	drill      string
	drillReq   request
	models     []store.Group // in the drill sort's order
	keysOfProv []store.Group // in the drill sort's order
	// drillSort orders both of the drill-down's tables, which share their
	// columns; drillRaw keeps them as read, for the sort to start from.
	drillSort sorter[store.Group]
	drillRaw  [2][]store.Group
	// drillCursor walks the provider's total line (-1), then its models,
	// then its keys.
	drillCursor int
}

// dashSpot is a place of the dashboard's cursor.
type dashSpot int

const (
	atRows dashSpot = iota
	atTotal
	atBudget
	atChart
)

type summaryMsg struct {
	result
	sum app.Summary
	err error
}

type drillMsg struct {
	result
	provider     string
	models, keys []store.Group
	err          error
}

func newDashboard(c *common) *dashboard {
	d := &dashboard{c: c, keys: newDashboardKeys(), period: 2}
	// A provider without a budget has no percent: it sorts below 0 %.
	pct := func(g store.Group) float64 {
		if b, ok := d.providerBudget(g.Key); ok {
			return b.Percent
		}
		return -1
	}
	d.sort = newSorter(
		sortCol[store.Group]{title: "PROVIDER", cmp: byText(func(g store.Group) string { return g.Key })},
		sortCol[store.Group]{title: "SPEND", cmp: byNumber(func(g store.Group) int64 { return int64(g.Cost) }), desc: true},
		sortCol[store.Group]{title: "USED", cmp: byNumber(pct), desc: true},
		sortCol[store.Group]{title: "REQUESTS", cmp: byNumber(func(g store.Group) int64 { return g.Requests }), desc: true},
		sortCol[store.Group]{title: "UNPRICED", alias: "UNPR", cmp: byNumber(func(g store.Group) int64 { return g.Unpriced }), desc: true},
	)
	d.drillSort = newSorter(
		sortCol[store.Group]{title: "MODEL", alias: "KEY", cmp: byText(func(g store.Group) string { return g.Key })},
		sortCol[store.Group]{title: "SPEND", cmp: byNumber(func(g store.Group) int64 { return int64(g.Cost) }), desc: true},
		sortCol[store.Group]{title: "REQUESTS", cmp: byNumber(func(g store.Group) int64 { return g.Requests }), desc: true},
		sortCol[store.Group]{title: "PROMPT", cmp: byNumber(groupPrompt), desc: true},
		sortCol[store.Group]{title: "OUTPUT", cmp: byNumber(func(g store.Group) int64 { return g.OutputTokens }), desc: true},
		sortCol[store.Group]{title: "UNPRICED", cmp: byNumber(func(g store.Group) int64 { return g.Unpriced }), desc: true},
	)
	return d
}

// groupPrompt is every prompt token of a group, cached or not, as the
// drill-down's PROMPT column counts them; "input" is the uncached part
// alone, in History's detail as in `byok usage`.
func groupPrompt(g store.Group) int64 { return g.InputTokens + g.CacheReadTokens + g.CacheWriteTokens }

// drillRow returns the drill-down's row under the cursor: its table
// (0 models, 1 keys) and group; ok is false on the provider's total line.
func (d *dashboard) drillRow() (table int, g store.Group, ok bool) {
	switch c := d.drillCursor; {
	case c < 0:
		return 0, store.Group{}, false
	case c < len(d.models):
		return 0, d.models[c], true
	case c-len(d.models) < len(d.keysOfProv):
		return 1, d.keysOfProv[c-len(d.models)], true
	}
	return 0, store.Group{}, false
}

// findDrillRow puts the cursor back on a group after the drill-down's rows
// were read again or sorted, or on the nearest row when it went.
func (d *dashboard) findDrillRow(table int, g store.Group, ok bool) {
	n := len(d.models) + len(d.keysOfProv)
	if ok {
		rows := [2][]store.Group{d.models, d.keysOfProv}
		for i, r := range rows[table] {
			if r.Key == g.Key {
				d.drillCursor = i + table*len(d.models)
				return
			}
		}
	}
	d.drillCursor = min(d.drillCursor, n-1)
}

// arrangeDrill orders the drill-down's models and keys by its sort.
func (d *dashboard) arrangeDrill() {
	for i, dst := range []*[]store.Group{&d.models, &d.keysOfProv} {
		raw := d.drillRaw[i]
		idx := d.drillSort.order(raw)
		*dst = make([]store.Group, len(idx))
		for j, k := range idx {
			(*dst)[j] = raw[k]
		}
	}
}

// arrange orders the providers by the sort, the cursor staying on the
// provider it was on.
func (d *dashboard) arrange() {
	at := ""
	if d.cursor < len(d.provs) {
		at = d.provs[d.cursor].Key
	}
	idx := d.sort.order(d.sum.Providers)
	d.provs = make([]store.Group, len(idx))
	for i, j := range idx {
		d.provs[i] = d.sum.Providers[j]
		if d.provs[i].Key == at {
			d.cursor = i
		}
	}
	d.cursor = min(d.cursor, max(len(d.provs)-1, 0))
}

// Keys names what enter does where the cursor is.
func (d *dashboard) Keys() help.KeyMap {
	k := d.keys
	switch {
	case d.drill != "", d.at == atTotal, d.at == atBudget:
		k.Drill.SetHelp("enter", "list the requests")
	case d.at == atChart:
		k.Drill.SetHelp("enter", "list the day's requests")
	}
	k.onChart = d.drill == "" && d.at == atChart
	return k
}

func (d *dashboard) Editing() bool { return false }
func (d *dashboard) Busy() bool    { return d.loading || d.drillReq.busy }

func (d *dashboard) Load() tea.Cmd {
	d.reqID = d.c.nextID()
	d.loading = true
	id, ctx, a := d.reqID, d.c.ctx, d.c.app
	period, from, to := dashPeriods[d.period], d.from, d.to
	cmds := []tea.Cmd{func() tea.Msg {
		var s app.Summary
		var err error
		if period == "custom" {
			s, err = a.SummarizeRange(ctx, period, from, to)
		} else {
			s, err = a.Summarize(ctx, period)
		}
		return summaryMsg{result: result{pageDashboard, id}, sum: s, err: err}
	}}
	if d.drill != "" {
		cmds = append(cmds, d.loadDrill(d.drill))
	}
	return tea.Batch(cmds...)
}

// loadDrill reads one provider's models and keys in the current period.
func (d *dashboard) loadDrill(provider string) tea.Cmd {
	r, ctx, a := d.drillReq.start(d.c, pageDashboard), d.c.ctx, d.c.app
	from, to := d.sum.From, d.sum.To
	period := dashPeriods[d.period]
	return func() tea.Msg {
		msg := drillMsg{result: r, provider: provider}
		if period != "custom" {
			var err error
			if from, to, err = a.PeriodRange(period); err != nil {
				msg.err = err
				return msg
			}
		}
		sc := store.Scope{Provider: provider}
		msg.models, msg.err = a.Store.Breakdown(ctx, sc, from, to, store.ByModel, a.Location())
		if msg.err == nil {
			msg.keys, msg.err = a.Store.Breakdown(ctx, sc, from, to, store.ByKey, a.Location())
		}
		return msg
	}
}

func (d *dashboard) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case summaryMsg:
		if msg.id != d.reqID {
			return nil
		}
		d.loading = false
		d.err = msg.err
		if msg.err == nil {
			at := ""
			if d.day < len(d.sum.Days)-1 {
				at = d.sum.Days[d.day].Key
			}
			d.sum, d.loaded = msg.sum, true
			d.arrange()
			// The chart's cursor stays on its date while the 30 days
			// move, or on the last day (today) when it was there.
			d.day = len(d.sum.Days) - 1
			for i, g := range d.sum.Days {
				if g.Key == at {
					d.day = i
				}
			}
			if _, ok := d.allBudget(); !ok && d.at == atBudget {
				d.at = atTotal
			}
			return d.c.bell(d.sum.Alerts)
		}
		return nil
	case drillMsg:
		if cmd, ok := d.drillReq.take(msg.result, msg.err); !ok {
			return cmd
		}
		table, g, ok := d.drillRow()
		if msg.provider != d.drill {
			// A new drill-down starts on the provider's first model.
			table, ok, d.drillCursor = 0, false, 0
		}
		d.drill, d.drillRaw = msg.provider, [2][]store.Group{msg.models, msg.keys}
		d.arrangeDrill()
		d.findDrillRow(table, g, ok)
		return nil
	case customRangeMsg:
		d.period, d.from, d.to = 3, msg.from, msg.to
		return tea.Batch(closeDialog, d.Load())
	case dataChangedMsg:
		return d.Load()
	}
	return nil
}

func (d *dashboard) key(msg tea.KeyPressMsg) tea.Cmd {
	k := d.keys
	switch {
	case key.Matches(msg, k.Today), key.Matches(msg, k.Week), key.Matches(msg, k.Month):
		d.period = map[string]int{"t": 0, "w": 1, "m": 2}[msg.String()]
		return d.Load()
	case key.Matches(msg, k.Custom):
		return openDialog(d.customForm())
	case key.Matches(msg, k.Refresh):
		return d.Load()
	case key.Matches(msg, k.Back):
		// Back to the providers, the cursor on the one drilled into.
		d.drill = ""
		return nil
	case key.Matches(msg, k.Drill):
		switch {
		case d.drill != "":
			return d.showRequests()
		case d.at == atTotal:
			return d.showRequests()
		case d.at == atBudget:
			if b, ok := d.allBudget(); ok {
				return d.showBudgetRequests(b)
			}
			return nil
		case d.at == atChart:
			return d.showDay()
		case d.cursor < len(d.provs):
			return d.loadDrill(d.provs[d.cursor].Key)
		}
		return nil
	}
	if d.drill != "" {
		if d.drillSort.key(msg, k.sortKeys) {
			table, g, ok := d.drillRow()
			d.arrangeDrill()
			d.findDrillRow(table, g, ok)
			return nil
		}
		// The provider's total line sits above the first model.
		n := len(d.models) + len(d.keysOfProv)
		if key.Matches(msg, k.Up) && d.drillCursor <= 0 {
			d.drillCursor = -1
		} else if c, ok := k.move(msg, d.drillCursor, n); ok {
			d.drillCursor = c
		}
		return nil
	}
	if d.sort.key(msg, k.sortKeys) {
		d.arrange()
		return nil
	}
	// The period's total line sits above the first provider.
	d.move(msg)
	return nil
}

// move walks the cursor over the dashboard's figures, top to bottom: the
// All budget (beside or below the total), the period's total, the
// providers, then the chart, whose days ←/→ pick.
func (d *dashboard) move(msg tea.KeyPressMsg) {
	k := d.keys
	_, hasBudget := d.allBudget()
	chart := d.chartHeight() > 0 && len(d.sum.Days) > 0
	if d.at == atChart && !chart {
		// The terminal shrank below the chart.
		d.at, d.cursor = atRows, max(len(d.provs)-1, 0)
	}
	switch d.at {
	case atBudget:
		if key.Matches(msg, k.Down) || key.Matches(msg, k.PrevDay) {
			d.at = atTotal
		}
	case atTotal:
		switch {
		case hasBudget && (key.Matches(msg, k.Up) || key.Matches(msg, k.NextDay)):
			d.at = atBudget
		case key.Matches(msg, k.Down) && len(d.provs) > 0:
			d.at, d.cursor = atRows, 0
		case key.Matches(msg, k.Down) && chart:
			d.at = atChart
		}
	case atChart:
		switch {
		case key.Matches(msg, k.Up) && len(d.provs) > 0:
			d.at, d.cursor = atRows, len(d.provs)-1
		case key.Matches(msg, k.Up):
			d.at = atTotal
		case key.Matches(msg, k.PrevDay):
			d.day = max(d.day-1, 0)
		case key.Matches(msg, k.NextDay):
			d.day = min(d.day+1, len(d.sum.Days)-1)
		case key.Matches(msg, k.Top):
			d.day = 0
		case key.Matches(msg, k.Bottom):
			d.day = len(d.sum.Days) - 1
		}
	default:
		switch {
		case key.Matches(msg, k.Up) && d.cursor == 0:
			d.at = atTotal
		case key.Matches(msg, k.Down) && d.cursor >= len(d.provs)-1 && chart:
			d.at = atChart
		default:
			d.cursor, _ = k.move(msg, d.cursor, len(d.provs))
		}
	}
}

// showRequests opens History on the requests behind the figure under the
// cursor, in the period the dashboard shows; esc there comes back here.
func (d *dashboard) showRequests() tea.Cmd {
	words := []string{}
	if d.drill != "" {
		table, g, ok := d.drillRow()
		switch {
		case !ok:
			words = append(words, "provider:"+d.drill)
		case table == 0:
			words = append(words, "model:"+g.Key)
		case g.Key == "(no key)" || g.Key == "":
			words = append(words, "provider:"+d.drill, "key:none")
		default:
			words = append(words, "key:"+g.Key)
		}
	}
	return d.listRequests(words, d.sum.From, d.sum.To, false)
}

// showDay opens History on the requests of the chart's day under the
// cursor, midnight to midnight in the home's time zone.
func (d *dashboard) showDay() tea.Cmd {
	if d.day >= len(d.sum.Days) {
		return nil
	}
	loc := d.c.app.Location()
	from, err := time.ParseInLocation(time.DateOnly, d.sum.Days[d.day].Key, loc)
	if err != nil {
		return failure(fmt.Errorf("the chart's day %q: %w", d.sum.Days[d.day].Key, err))
	}
	return d.listRequests(nil, from, from.AddDate(0, 0, 1), false)
}

// showBudgetRequests opens History on what a budget counts: the requests
// of its scope in its own current period, which need not be the period the
// dashboard shows.
func (d *dashboard) showBudgetRequests(b budget.Status) tea.Cmd {
	var words []string
	switch sc := b.Scope; sc.Kind {
	case budget.KindProvider:
		words = append(words, "provider:"+sc.Provider)
	case budget.KindModel:
		words = append(words, "model:"+sc.Provider+"/"+sc.Model)
	case budget.KindKey:
		words = append(words, "key:"+sc.Provider+"/"+sc.Label)
	}
	return d.listRequests(words, b.Start, b.End, true)
}

// listRequests is the one way from a dashboard figure to History: the
// filter words, the period, and the way back here. budgetSpend says the
// figure is a budget's, which counts unpriced requests at their fallback.
func (d *dashboard) listRequests(words []string, from, to time.Time, budgetSpend bool) tea.Cmd {
	words = append(words, periodWords(from, to, d.c.app.Location()))
	return goTo(pageHistory, showRequestsMsg{query: strings.Join(words, " "), page: pageDashboard, label: "the dashboard", budgetSpend: budgetSpend})
}

type customRangeMsg struct {
	result
	from, to time.Time
}

// rangeText writes the days a period covers, after its title: ", Dec 6
// 2026" for one day, "  Nov 1 – Nov 30 2026" for several (the last day
// named is the last one counted).
func rangeText(from, to time.Time, loc *time.Location) string {
	first, last := from.In(loc), to.Add(-time.Nanosecond).In(loc)
	if first.Format(time.DateOnly) == last.Format(time.DateOnly) {
		return ", " + first.Format("Jan 2 2006")
	}
	if first.Year() != last.Year() {
		return "  " + first.Format("Jan 2 2006") + " – " + last.Format("Jan 2 2006")
	}
	return "  " + first.Format("Jan 2") + " – " + last.Format("Jan 2 2006")
}

// customForm asks for a custom range; times are read by the app, so the
// same forms work as in `byok usage --since/--until`.
func (d *dashboard) customForm() dialog {
	a := d.c.app
	v := &struct{ from, to string }{from: "7d", to: "now"}
	check := func(s string) error { _, err := a.ParseTime(s); return err }
	// The end is checked against the start where it is typed, so a range
	// that ends before it starts keeps the form open with both values.
	checkTo := func(s string) error {
		to, err := a.ParseTime(s)
		if err != nil {
			return err
		}
		if from, err := a.ParseTime(v.from); err == nil && !to.After(from) {
			return fmt.Errorf("the range ends before it starts (%s → %s)", v.from, s)
		}
		return nil
	}
	form := huh.NewForm(huh.NewGroup(
		huh.NewInput().Title("From").Description("a date (2026-11-01), today, yesterday, or an age such as 7d; counted from its start").Value(&v.from).Validate(check),
		huh.NewInput().Title("To").Description("now, an age, or a date the range stops before (2026-12-01 ends with Nov 30)").Value(&v.to).Validate(checkTo),
	))
	return newFormDialog(d.c, "Custom range", form, "Loading…", func() tea.Cmd {
		from, _ := a.ParseTime(v.from)
		to, _ := a.ParseTime(v.to)
		if !to.After(from) {
			return tea.Batch(closeDialog, failure(fmt.Errorf("the range ends before it starts: %s → %s", v.from, v.to)))
		}
		return func() tea.Msg { return customRangeMsg{result: result{page: pageDashboard}, from: from, to: to} }
	})
}

// allBudget is the budget on everything, if one is set.
func (d *dashboard) allBudget() (budget.Status, bool) {
	for _, b := range d.sum.Budgets {
		if b.Scope.Kind == budget.KindAll {
			return b, true
		}
	}
	return budget.Status{}, false
}

// providerBudget is a provider's own budget, if one is set.
func (d *dashboard) providerBudget(id string) (budget.Status, bool) {
	for _, b := range d.sum.Budgets {
		if b.Scope.Kind == budget.KindProvider && b.Scope.Provider == id {
			return b, true
		}
	}
	return budget.Status{}, false
}

func (d *dashboard) View() string {
	st := d.c.st
	w, h := d.c.width, d.c.height
	if !d.loaded {
		if d.err != nil {
			return st.Over.Render("Could not load the dashboard: " + d.err.Error())
		}
		return st.Muted.Render("Loading the dashboard…")
	}
	s := d.sum
	var out []string
	// Period line.
	var sw []string
	for i, p := range dashPeriods {
		label := "[" + p[:1] + "]" + p[1:]
		if i == d.period {
			sw = append(sw, st.TabOn.Render(label))
		} else {
			sw = append(sw, st.Muted.Render(label))
		}
	}
	loc := d.c.app.Location()
	out = append(out, fit(st.Title.Render(strings.ToUpper(dashPeriods[d.period][:1])+dashPeriods[d.period][1:])+st.Muted.Render(rangeText(s.From, s.To, loc)), w-lenPlain(sw), false)+strings.Join(sw, " "))
	if n := len(s.Alerts); n > 0 {
		latest := s.Alerts[0]
		for _, a := range s.Alerts {
			if a.Time.After(latest.Time) {
				latest = a
			}
		}
		out = append(out, fit(st.Banner.Render(fmt.Sprintf("⚠ %d unacknowledged alert%s: %s", n, plural(n), latest.Message))+st.Muted.Render("  (press 7 to review)"), w, false))
	}
	out = append(out, d.totalLine(w)...)
	out = append(out, "")
	if d.drill != "" {
		out = append(out, d.drillView(w, h-len(out)-1)...)
	} else {
		chartH := d.chartHeight()
		rowsH := h - len(out) - 1
		if chartH > 0 {
			rowsH -= chartH + 3
		}
		out = append(out, d.providerTable(w, rowsH))
		if chartH > 0 {
			out = append(out, "", d.chart(w, chartH))
		}
	}
	body := strings.Join(out, "\n")
	footer := st.Muted.Render("prices of " + s.CatalogDate)
	if s.Total.Unpriced > 0 {
		footer += st.Warn.Render(fmt.Sprintf(" · %s unpriced requests not in totals (budgets count %s)", count(s.Total.Unpriced), s.Total.Fallback))
	}
	return block(body, w, h-1) + "\n" + fit(footer, w, false)
}

// sharePercent writes a part of a whole (0..1) as a percentage, a part
// too small to round to 1 % as "<1%" rather than a misleading 0 %.
func sharePercent(frac float64) string {
	if frac > 0 && frac < 0.005 {
		return "<1%"
	}
	return percent(frac * 100)
}

// periodMark abbreviates a budget period after its percentage.
func periodMark(p store.Period) string {
	switch p {
	case store.Daily:
		return " d"
	case store.Weekly:
		return " w"
	}
	return " m"
}

// lenPlain is the width of parts written with a space after each.
func lenPlain(parts []string) int {
	n := 0
	for _, p := range parts {
		n += ansi.StringWidth(p) + 1
	}
	return n
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// chartHeight is how many rows the chart's bars take: the height the
// providers leave below the lines above them, or 0 when too little is left
// to draw the chart at all.
func (d *dashboard) chartHeight() int {
	above := 2 + len(d.totalLine(d.c.width)) // the period line, a blank line
	if len(d.sum.Alerts) > 0 {
		above++
	}
	if d.c.height-above < 16 {
		return 0
	}
	return max(d.c.height-above-len(d.sum.Providers)-5, 3)
}

// totalLine is the period's total and the All budget, on one line when
// they fit beside each other, else on two; the one under the cursor is
// highlighted.
func (d *dashboard) totalLine(w int) []string {
	st := d.c.st
	t := d.sum.Total
	line := st.Strong.Render("Total "+spendCell(t)) + " " + st.Muted.Render(fmt.Sprintf("· %s requests", count(t.Requests)))
	if t.Errors > 0 {
		line += st.Muted.Render(fmt.Sprintf(" · %s failed", count(t.Errors)))
	}
	if r := d.sum.Reconciled; r > 0 {
		// Part of the total is what providers billed beyond byok's own
		// records; the Reconcile tab shows where.
		line += st.Warn.Render(fmt.Sprintf(" · incl. %s reconciled (press 9)", r))
	}
	var all string
	if b, ok := d.allBudget(); ok {
		all = st.Muted.Render(fmt.Sprintf("All budget (%s): ", b.Budget.Period)) +
			st.state(b.State).Render(fmt.Sprintf("%s of %s", b.Spent, b.Budget.Limit)) + " " +
			st.bar(b.Percent/100, 12, b.State) + " " + st.state(b.State).Render(percent(b.Percent))
		if b.Projected {
			all += st.Muted.Render(" → forecast " + b.Forecast.String())
		}
	} else {
		all = st.Muted.Render("No budget on everything yet (press 6 to add one)")
	}
	if d.drill == "" {
		switch d.at {
		case atTotal:
			line = st.Selected.Render(stripANSI(line))
		case atBudget:
			all = st.Selected.Render(stripANSI(all))
		}
	}
	if ansi.StringWidth(line)+3+ansi.StringWidth(all) <= w {
		return []string{line + "   " + all}
	}
	return []string{fit(line, w, false), fit(all, w, false)}
}

// providerTable lists the providers. Two kinds of bar, never mixed up: a
// budget bar (█ on a ░ track, in the budget's state colour) only where
// the provider has a budget, and under SHARE a thin muted line (━, no
// track) for the provider's part of the period's spend.
func (d *dashboard) providerTable(w, h int) string {
	st := d.c.st
	const minBar = 12
	cols := []col{{"PROVIDER", 0, false}, {"SPEND", 10, true}, {"SHARE", 5, false}, {"BUDGET", minBar, false}, {"USED", 7, true}, {"FORECAST", 10, true}, {"REQUESTS", 9, true}, {"UNPRICED", 8, true}}
	const shareCol, barCol = 2, 3
	if w < 90 {
		cols[5].title, cols[5].width = "FCAST", 9
		cols[7].title, cols[7].width = "UNPR", 4
	}
	// Below 75 columns the budget bars go (the percent keeps its colour),
	// so that the provider names still show.
	bars := w >= 75
	total := d.sum.Total.Cost
	share := func(g store.Group) float64 {
		if total <= 0 {
			return 0
		}
		return g.Cost.Float() / total.Float()
	}
	rows := make([][]string, 0, len(d.provs))
	for _, g := range d.provs {
		r := []string{g.Key, spendCell(g.Totals), "", "", "–", "–", count(g.Requests), count(g.Unpriced)}
		if total > 0 {
			r[shareCol] = st.Muted.Render(fit(sharePercent(share(g)), 4, true))
		}
		if b, ok := d.providerBudget(g.Key); ok {
			r[4] = st.state(b.State).Render(percent(b.Percent) + periodMark(b.Budget.Period))
			r[5] = b.ForecastText()
		}
		if g.Unpriced > 0 {
			r[7] = st.Warn.Render(count(g.Unpriced))
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 {
		return st.Muted.Render("Nothing spent in this period.")
	}
	if !bars {
		cols = slices.Delete(cols, barCol, barCol+1)
		for i := range rows {
			rows[i] = slices.Delete(rows[i], barCol, barCol+1)
		}
	} else {
		// What a wide terminal leaves over goes to the bars: the budget
		// bar first (up to 30 cells), then a share line after the
		// share's percent.
		extra := spare(cols, rows, w)
		barW := minBar + min(extra, 30-minBar)
		extra -= barW - minBar
		lineW := min(extra-1, 20)
		cols[barCol].width = barW
		if lineW >= 4 {
			cols[shareCol].width = 4 + 1 + lineW
		}
		for i, g := range d.provs {
			if b, ok := d.providerBudget(g.Key); ok {
				rows[i][barCol] = st.bar(b.Percent/100, barW, b.State)
			}
			if lineW >= 4 && total > 0 {
				rows[i][shareCol] += " " + st.shareLine(share(g), lineW)
			}
		}
	}
	off := scroll(d.cursor, 0, h-1)
	// One figure is under the cursor at a time: no row is marked while
	// the total, the budget or the chart has it.
	sel := d.cursor
	if d.at != atRows {
		sel = -1
	}
	return d.c.st.table(d.sort.mark(cols), rows, w, h, sel, off)
}

func (d *dashboard) drillView(w, h int) []string {
	st := d.c.st
	// The provider's own total heads its models and keys.
	head := st.Title.Render(d.drill)
	for _, g := range d.provs {
		if g.Key == d.drill {
			head += " " + pricing.FormatTotal(g.Cost, g.Requests, g.Unpriced) + st.Muted.Render(fmt.Sprintf(" · %s request%s", count(g.Requests), plural(int(g.Requests))))
		}
	}
	head += st.Muted.Render(" — models and keys in this period (esc back)")
	if d.drillCursor < 0 {
		head = st.Selected.Render(fit(stripANSI(head), w, false))
	}
	out := []string{fit(head, w, false)}
	cols := []col{{"MODEL", 0, false}, {"SPEND", 10, true}, {"REQUESTS", 9, true}, {"PROMPT", 8, true}, {"OUTPUT", 8, true}, {"UNPRICED", 8, true}}
	rows := func(gs []store.Group, trim bool) [][]string {
		var rs [][]string
		for _, g := range gs {
			name := g.Key
			if trim {
				name = strings.TrimPrefix(name, d.drill+"/")
			}
			if name == "" {
				name = "(no key)"
			}
			rs = append(rs, []string{name, spendCell(g.Totals), count(g.Requests), tokens(groupPrompt(g)), tokens(g.OutputTokens), count(g.Unpriced)})
		}
		return rs
	}
	half := max((h-2)/2, 3)
	// The cursor walks the models, then the keys; each table scrolls to
	// keep it in sight.
	mc, kc := d.drillCursor, d.drillCursor-len(d.models)
	if mc >= len(d.models) {
		mc = -1
	}
	// Both tables take the width of the longer names, so that their
	// figures line up one above the other.
	models, keys := rows(d.models, true), rows(d.keysOfProv, false)
	cols[0].width = colWidths(cols, append(slices.Clone(models), keys...), w)[0]
	out = append(out, st.table(d.drillSort.mark(cols), models, w, half, mc, scroll(max(mc, 0), 0, half-1)), "")
	cols[0].title = "KEY"
	out = append(out, st.table(d.drillSort.mark(cols), keys, w, h-half-2, kc, scroll(max(kc, 0), 0, h-half-3)))
	return out
}

// chart draws the last 30 days as vertical bars, h rows high. With the
// cursor on it, the day under the cursor is highlighted top to bottom (an
// empty day too) and the title gives its date and figures.
func (d *dashboard) chart(w, h int) string {
	st := d.c.st
	days := d.sum.Days
	if len(days) == 0 {
		return ""
	}
	var peak float64
	for _, g := range days {
		peak = math.Max(peak, g.Cost.Float())
	}
	// Each day's bar widens with the terminal (a gap of one cell between
	// days), up to six cells a day.
	cell := max(min(w/len(days), 6), 1)
	levels := []rune(" ▁▂▃▄▅▆▇█")
	sel := -1
	if d.at == atChart {
		sel = d.day
	}
	rows := make([]string, h)
	for r := 0; r < h; r++ {
		var b strings.Builder
		// The bars before the day under the cursor, then that day, then
		// the rest, each part in its own style.
		var parts []string
		for i, g := range days {
			if i == sel {
				parts = append(parts, st.OK.Render(b.String()))
				b.Reset()
			}
			units := 0.0
			if peak > 0 {
				units = g.Cost.Float() / peak * float64(h*8)
			}
			fill := units - float64((h-1-r)*8)
			var ch rune
			switch {
			case fill >= 8:
				ch = '█'
			case fill <= 0:
				ch = ' '
			default:
				ch = levels[int(math.Ceil(fill))]
			}
			b.WriteString(strings.Repeat(string(ch), max(cell-1, 1)))
			if i == sel {
				parts = append(parts, st.Selected.Inherit(st.OK).Render(b.String()))
				b.Reset()
			}
			if cell > 1 {
				b.WriteByte(' ')
			}
		}
		rows[r] = strings.Join(append(parts, st.OK.Render(b.String())), "")
	}
	maxDay := days[0]
	for _, g := range days {
		if g.Cost > maxDay.Cost {
			maxDay = g
		}
	}
	title := st.Header.Render("LAST 30 DAYS") + st.Muted.Render(fmt.Sprintf("  peak %s on %s", maxDay.Cost, maxDay.Key))
	if sel >= 0 && sel < len(days) {
		g := days[sel]
		day := g.Key
		if t, err := time.Parse(time.DateOnly, g.Key); err == nil {
			day = t.Format("Mon Jan 2 2006")
		}
		title = st.Header.Render("LAST 30 DAYS") + "  " + st.Strong.Render(day+": "+pricing.FormatTotal(g.Cost, g.Requests, g.Unpriced)) +
			st.Muted.Render(fmt.Sprintf(" · %s request%s (←/→ day, enter lists them)", count(g.Requests), plural(int(g.Requests))))
		title = fit(title, w, false)
	}
	axisW := cell * len(days)
	axis := st.Muted.Render(fit(days[0].Key, axisW-10, false) + fit(days[len(days)-1].Key, 10, true))
	return strings.Join(append(append([]string{title}, rows...), axis), "\n")
}

// spendCell is a row's spend: the priced sum, since the table's UNPRICED
// column counts the requests without a price beside it; a row of nothing
// but unpriced requests reads "unpriced", never $0.00.
func spendCell(t store.Totals) string {
	if t.Unpriced > 0 && t.Unpriced < t.Requests {
		return t.Cost.String()
	}
	return pricing.FormatTotal(t.Cost, t.Requests, t.Unpriced)
}
