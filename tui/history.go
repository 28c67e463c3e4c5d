package tui

import (
	"encoding/json"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/store"
)

const historyPage = 200

// history lists recorded requests, newest first, with filters and a
// detail pane.
type history struct {
	loader[store.Event]
	c      *common
	keys   historyKeys
	filter textinput.Model
	query  string // the applied filter
	more   bool   // an older page may exist

	detail     *store.Event // the event shown in the pane, with text
	price      string       // its price record, as stored
	detailID   int
	detailOpen bool // the keys scroll the pane; on narrow screens it replaces the table
	pane       viewport.Model
	paneW      int // the width the pane's text is wrapped to
}

type eventDetailMsg struct {
	result
	event store.Event
	price string
	err   error
}

func newHistory(c *common) *history {
	in := newInput("/ ", "provider:openai model:gpt-4o key:openai/work status:error source:proxy text")
	h := &history{loader: newLoader[store.Event](pageHistory), c: c, keys: newHistoryKeys(), filter: in, pane: viewport.New()}
	h.sort = newSorter(
		sortCol[store.Event]{title: "TIME", cmp: byNumber(func(e store.Event) int64 { return e.Time.UnixNano() }), desc: true},
		sortCol[store.Event]{title: "MODEL", cmp: byText(func(e store.Event) string { return e.Provider + "/" + e.Model })},
		sortCol[store.Event]{title: "STATUS", cmp: byText(func(e store.Event) string { return string(e.Status) })},
		sortCol[store.Event]{title: "TOKENS", cmp: byNumber(eventTokens), desc: true},
		sortCol[store.Event]{title: "COST", cmp: byNumber(func(e store.Event) int64 { return int64(e.Cost) }), desc: true},
		sortCol[store.Event]{title: "LATENCY", cmp: byNumber(func(e store.Event) int64 { return int64(e.Latency) }), desc: true},
	)
	return h
}

// eventTokens is the TOKENS column: every token the request was billed.
func eventTokens(e store.Event) int64 {
	return e.InputTokens + e.CacheReadTokens + e.CacheWriteTokens() + e.OutputTokens
}

func (h *history) Keys() help.KeyMap { return h.keys }
func (h *history) Editing() bool     { return h.filter.Focused() }

// parseFilter reads "provider:x model:y key:p/l status:s source:s words".
// Keys are resolved by the command, which may touch the database.
func parseFilter(q string) (f store.Filter, keyName string, err error) {
	var text []string
	for _, w := range strings.Fields(q) {
		k, v, ok := strings.Cut(w, ":")
		if !ok || v == "" {
			text = append(text, w)
			continue
		}
		switch strings.ToLower(k) {
		case "provider", "p":
			f.Provider = strings.ToLower(v)
		case "model", "m":
			if p, m, ok := strings.Cut(v, "/"); ok && f.Provider == "" {
				f.Provider, v = p, m
			}
			f.Model = v
		case "key", "k":
			keyName = v
		case "status", "s":
			switch store.Status(v) {
			case store.StatusOK, store.StatusError, store.StatusCancelled, store.StatusPartial:
				f.Status = store.Status(v)
			default:
				return f, "", fmt.Errorf("status %q: use ok, error, cancelled or partial", v)
			}
		case "source":
			switch store.Source(v) {
			case store.SourceTUI, store.SourceCLI, store.SourceProxy, store.SourceManual:
				f.Source = store.Source(v)
			default:
				return f, "", fmt.Errorf("source %q: use tui, cli, proxy or manual", v)
			}
		default:
			text = append(text, w)
		}
	}
	if f.Model != "" && f.Provider == "" {
		return f, "", fmt.Errorf("model:%s needs its provider: write model:PROVIDER/%s", f.Model, f.Model)
	}
	f.Text = strings.Join(text, " ")
	return f, keyName, nil
}

func (h *history) Load() tea.Cmd { return h.read(0) }

// read reads a page of events; before > 0 appends an older page.
func (h *history) read(before int64) tea.Cmd {
	f, keyName, err := parseFilter(h.query)
	if err != nil {
		h.err = err
		return failure(err)
	}
	f.Limit, f.Before = historyPage, before
	ctx, a := h.c.ctx, h.c.app
	fetch := func() ([]store.Event, error) {
		if keyName != "" {
			p, l, _ := strings.Cut(keyName, "/")
			k, err := a.Store.KeyByName(ctx, p, l)
			if err != nil {
				return nil, fmt.Errorf("no key %s (see the Keys view): %w", keyName, err)
			}
			f.KeyID = k.ID
			if f.Provider == "" {
				f.Provider = k.Provider
			}
		}
		return a.Store.Events(ctx, f)
	}
	if before > 0 {
		return h.loadMore(h.c, fetch)
	}
	return h.load(h.c, fetch)
}

// loadDetail reads the event under the cursor with its text and prices.
func (h *history) loadDetail() tea.Cmd {
	if h.cursor >= len(h.list) {
		return nil
	}
	if h.detail != nil && h.detail.ID == h.list[h.cursor].ID {
		return nil
	}
	h.detailID = h.c.nextID()
	id, ctx, a, evID := h.detailID, h.c.ctx, h.c.app, h.list[h.cursor].ID
	return func() tea.Msg {
		e, err := a.Store.Event(ctx, evID)
		msg := eventDetailMsg{result: result{pageHistory, id}, event: e, err: err}
		if err == nil && e.PriceRef != "" {
			msg.price, _ = a.Store.PriceRecord(ctx, e.PriceRef)
			if msg.price == "" {
				// Not kept with the event: the catalog's record is the
				// same one when its reference matches.
				if p, ok := a.Catalog().Lookup(e.Provider, e.Model); ok && p.Ref == e.PriceRef {
					if b, err := json.Marshal(p); err == nil {
						msg.price = string(b)
					}
				}
			}
		}
		return msg
	}
}

func (h *history) wide() bool { return h.c.width >= 110 }

func (h *history) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg[store.Event]:
		if !h.loaded(msg) {
			return nil
		}
		if msg.err != nil {
			return failure(msg.err)
		}
		if !msg.more {
			h.cursor, h.offset = 0, 0
		}
		h.more = len(msg.items) == historyPage
		if h.wide() || h.detailOpen {
			return h.loadDetail()
		}
		return nil
	case eventDetailMsg:
		if msg.id != h.detailID {
			return nil
		}
		if msg.err != nil {
			return failure(msg.err)
		}
		e := msg.event
		h.detail, h.price = &e, msg.price
		h.paneW = h.paneWidth()
		h.pane.SetContent(h.detailText(h.paneW))
		h.pane.GotoTop()
		return nil
	case tea.WindowSizeMsg:
		if h.wide() && h.detail == nil {
			return h.loadDetail()
		}
		return nil
	case dataChangedMsg:
		if h.cursor == 0 && !h.filter.Focused() {
			return h.Load()
		}
		return nil
	case tea.KeyPressMsg:
		return h.key(msg)
	}
	if h.filter.Focused() {
		var cmd tea.Cmd
		h.filter, cmd = h.filter.Update(msg)
		return cmd
	}
	return nil
}

func (h *history) key(msg tea.KeyPressMsg) tea.Cmd {
	k := h.keys
	if h.filter.Focused() {
		switch msg.String() {
		case "enter":
			h.filter.Blur()
			h.query = h.filter.Value()
			return h.Load()
		case "esc":
			h.filter.Blur()
			h.filter.SetValue(h.query)
			return nil
		}
		var cmd tea.Cmd
		h.filter, cmd = h.filter.Update(msg)
		return cmd
	}
	if h.detailOpen {
		switch {
		case key.Matches(msg, k.Back), key.Matches(msg, k.Detail):
			h.detailOpen = false
			return nil
		case key.Matches(msg, k.Rerun):
			return h.rerun()
		}
		var cmd tea.Cmd
		h.pane, cmd = h.pane.Update(msg)
		return cmd
	}
	switch {
	case key.Matches(msg, k.Filter):
		return h.filter.Focus()
	case key.Matches(msg, k.Clear), key.Matches(msg, k.Back):
		if h.query == "" {
			return nil
		}
		h.query = ""
		h.filter.SetValue("")
		return h.Load()
	case key.Matches(msg, k.Detail):
		// Wide screens show the pane already; enter moves the keys into it
		// to scroll.
		h.detailOpen = true
		if h.wide() {
			return nil
		}
		h.detail = nil
		return h.loadDetail()
	case key.Matches(msg, k.Rerun):
		return h.rerun()
	case h.sortKey(msg, k.sortKeys):
		h.offset = scroll(h.cursor, 0, h.rows())
	case key.Matches(msg, k.PageDown):
		h.cursor = min(h.cursor+h.rows(), max(len(h.list)-1, 0))
	case key.Matches(msg, k.PageUp):
		h.cursor = max(h.cursor-h.rows(), 0)
	default:
		var ok bool
		if h.cursor, ok = k.move(msg, h.cursor, len(h.list)); !ok {
			return nil
		}
	}
	var cmds []tea.Cmd
	if h.more && !h.loading && h.cursor >= len(h.list)-1 && len(h.list) > 0 {
		// Older pages go by the order read, whatever the sort.
		last, _ := h.last()
		cmds = append(cmds, h.read(last.ID))
	}
	if h.wide() {
		cmds = append(cmds, h.loadDetail())
	}
	return tea.Batch(cmds...)
}

// rerunMsg opens a past request in the playground.
type rerunMsg struct {
	provider, model, keyLabel, prompt string
}

func (h *history) rerun() tea.Cmd {
	if h.cursor >= len(h.list) {
		return nil
	}
	e := h.list[h.cursor]
	if e.Source == store.SourceManual {
		return failure(fmt.Errorf("#%d is a manual spend entry, not a request", e.ID))
	}
	if e.Status == store.StatusOK {
		return failure(fmt.Errorf("#%d succeeded; re-run is for failed, partial and cancelled requests (open the playground to send it again)", e.ID))
	}
	// The listing has no text; read the event whole for its prompt.
	ctx, a := h.c.ctx, h.c.app
	return func() tea.Msg {
		full, err := a.Store.Event(ctx, e.ID)
		if err != nil {
			return noticeMsg{text: err.Error(), kind: noticeError}
		}
		label := ""
		if _, l, ok := strings.Cut(full.KeyName, "/"); ok && full.KeyID != 0 {
			label = l
		}
		return gotoMsg{page: pagePlayground, msg: rerunMsg{provider: full.Provider, model: full.Model, keyLabel: label, prompt: full.Prompt}}
	}
}

func (h *history) rows() int { return max(h.c.height-3, 1) }

func (h *history) paneWidth() int {
	if h.wide() {
		return h.c.width - h.tableWidth() - 3
	}
	return h.c.width
}

// tableWidth is the list's share of the width: all of it, or beside the
// details up to three fifths, no wider than its columns need, so that a
// wide terminal gives the details what the list would leave empty.
func (h *history) tableWidth() int {
	tw := h.listRoom()
	if !h.wide() {
		return tw
	}
	cols, rows := h.tableRows(tw)
	return max(tw-spare(cols, rows, tw), 66)
}

// listRoom is the most the list may take: all of the width, or three
// fifths beside the details.
func (h *history) listRoom() int {
	if h.wide() {
		return max(h.c.width*3/5, 66)
	}
	return h.c.width
}

func (h *history) View() string {
	st := h.c.st
	w, ht := h.c.width, h.c.height
	head := h.filter.View()
	if !h.filter.Focused() {
		if h.query == "" {
			head = st.Muted.Render("/ to filter by provider: model: key: status: source: or words")
		} else {
			head = st.Key.Render("filter ") + h.query + st.Muted.Render("  (x clears)")
		}
	}
	if h.detailOpen {
		head = st.Muted.Render("↑/↓ scroll the details · R re-run · esc back to the list")
	}
	head = fit(head, w, false)
	if h.detailOpen && !h.wide() {
		h.pane.SetWidth(w)
		h.pane.SetHeight(ht - 1)
		return head + "\n" + h.pane.View()
	}
	tw := h.tableWidth()
	table := h.table(tw, ht-1)
	if !h.wide() {
		return head + "\n" + table
	}
	pw := h.paneWidth()
	if pw != h.paneW && h.detail != nil {
		// The list's columns follow the rows loaded, and the details
		// take what they leave: wrap them again to the new width.
		h.paneW = pw
		h.pane.SetContent(h.detailText(pw))
	}
	h.pane.SetWidth(pw)
	h.pane.SetHeight(ht - 1)
	pane := h.pane.View()
	if h.detail == nil {
		pane = st.Muted.Render("…")
	}
	sep := strings.TrimSuffix(strings.Repeat(" "+st.Muted.Render("│")+" \n", ht-1), "\n")
	return head + "\n" + joinColumns(block(table, tw, ht-1), sep, block(pane, pw, ht-1))
}

// joinColumns puts blocks of equal height side by side.
func joinColumns(parts ...string) string {
	split := make([][]string, len(parts))
	n := 0
	for i, p := range parts {
		split[i] = strings.Split(p, "\n")
		n = max(n, len(split[i]))
	}
	out := make([]string, n)
	for r := range n {
		var b strings.Builder
		for _, s := range split {
			if r < len(s) {
				b.WriteString(s[r])
			}
		}
		out[r] = b.String()
	}
	return strings.Join(out, "\n")
}

func (h *history) table(w, ht int) string {
	st := h.c.st
	if len(h.list) == 0 {
		if h.loading {
			return st.Muted.Render("Loading…")
		}
		if h.query != "" {
			return st.Muted.Render("No request matches the filter.")
		}
		return st.Muted.Render("No requests recorded yet.")
	}
	cols, rows := h.tableRows(w)
	h.offset = scroll(h.cursor, h.offset, ht-1)
	return st.table(h.sort.mark(cols), rows, w, ht, h.cursor, h.offset)
}

// tableRows are the list's columns and rows in w cells.
func (h *history) tableRows(w int) ([]col, [][]string) {
	st := h.c.st
	loc := h.c.app.Location()
	cols := []col{{"TIME", 12, false}, {"MODEL", 0, false}, {"STATUS", 9, false}, {"TOKENS", 6, true}, {"COST", 10, true}, {"LATENCY", 7, true}}
	// The source shows when the list has room for it, whatever width
	// its columns then take.
	source := h.listRoom() >= 100
	if source {
		cols = append([]col{{"SOURCE", 6, false}}, cols...)
	}
	rows := make([][]string, len(h.list))
	for i, e := range h.list {
		status := string(e.Status)
		switch e.Status {
		case store.StatusError:
			status = st.Over.Render(status)
		case store.StatusCancelled, store.StatusPartial:
			status = st.Warn.Render(status)
		}
		cost := pricing.FormatCost(e.Cost, e.CostState, pricing.Screen)
		if e.CostState == pricing.Unpriced {
			cost = st.Warn.Render(cost)
		}
		r := []string{e.Time.In(loc).Format("Jan 02 15:04"), e.Provider + "/" + e.Model, status,
			tokens(eventTokens(e)), cost, millis(e.Latency)}
		if e.Source == store.SourceManual {
			r[3], r[5] = "", ""
		}
		if source {
			r = append([]string{string(e.Source)}, r...)
		}
		rows[i] = r
	}
	return cols, rows
}

// detailText is the detail pane: tokens, cost lines with the prices used,
// timings, the error and the text.
func (h *history) detailText(w int) string {
	st := h.c.st
	e := h.detail
	if e == nil {
		return ""
	}
	loc := h.c.app.Location()
	var b []string
	add := func(label, v string) { b = append(b, st.Header.Render(fit(label, 9, false))+v) }
	b = append(b, st.Title.Render(fmt.Sprintf("#%d %s/%s", e.ID, e.Provider, e.Model)))
	add("time", e.Time.In(loc).Format("2006-01-02 15:04:05 MST")+"  via "+string(e.Source)+clientOf(e))
	key := e.KeyName
	if key == "" {
		key = "none"
	}
	add("key", key)
	status := string(e.Status)
	if e.ErrorClass != "" && e.ErrorClass != string(e.Status) {
		status += " (" + e.ErrorClass + ")"
	}
	if e.HTTPStatus != 0 {
		status += fmt.Sprintf("  HTTP %d", e.HTTPStatus)
	}
	add("status", status)
	add("timing", fmt.Sprintf("latency %s · first token %s", millis(e.Latency), millis(e.TTFT)))
	if e.RequestID != "" {
		add("req id", e.RequestID)
	}
	if e.Note != "" {
		add("note", e.Note)
	}
	b = append(b, "")
	b = append(b, st.Header.Render("TOKENS"))
	cw := count(e.CacheWriteTokens())
	if e.CacheWrite1hTokens > 0 {
		cw += fmt.Sprintf(" (1h %s)", count(e.CacheWrite1hTokens))
	}
	b = append(b, fmt.Sprintf("  input %s · cache read %s · cache write %s", count(e.InputTokens), count(e.CacheReadTokens), cw))
	b = append(b, fmt.Sprintf("  output %s (reasoning %s)", count(e.OutputTokens), count(e.ReasoningTokens)))
	b = append(b, "")
	b = append(b, st.Header.Render("COST ")+costState(st, e))
	b = append(b, h.costLines(e)...)
	if e.ErrorMessage != "" {
		b = append(b, "", st.Header.Render("ERROR"), st.Over.Render(wrap(e.ErrorMessage, w-2)))
	}
	if e.Prompt != "" {
		b = append(b, "", st.Header.Render("PROMPT"), wrap(e.Prompt, w-2))
	}
	if e.Response != "" {
		b = append(b, "", st.Header.Render("REPLY"), wrap(e.Response, w-2))
	}
	if e.Prompt == "" && e.Response == "" && e.Source != store.SourceManual {
		b = append(b, "", st.Muted.Render("The prompt and reply were not stored (store_text in config.toml)."))
	}
	if e.Status != store.StatusOK && e.Source != store.SourceManual {
		b = append(b, "", st.Muted.Render("R re-runs this request in the playground."))
	}
	return wrap(strings.Join(b, "\n"), w)
}

func clientOf(e *store.Event) string {
	if e.Client == "" {
		return ""
	}
	return " (" + e.Client + ")"
}

func costState(st *styles, e *store.Event) string {
	switch e.CostState {
	case pricing.Unpriced:
		return st.Warn.Render(fmt.Sprintf("unpriced — not in totals; budgets count %s", e.Fallback))
	case pricing.Estimated:
		return st.Warn.Render(pricing.FormatCost(e.Cost, e.CostState, pricing.Screen) + " estimated (tokens counted locally)")
	case pricing.Reported:
		return st.Strong.Render(pricing.FormatCost(e.Cost, e.CostState, pricing.Screen)) + st.Muted.Render(" reported by the provider · "+driftText(e))
	}
	return st.Strong.Render(pricing.FormatCost(e.Cost, e.CostState, pricing.Screen)) + st.Muted.Render(" "+string(e.CostState))
}

// driftText compares a reported cost with what byok's catalog computed for
// the same usage: "byok computed $0.003600, 5.3% less". Manual entries and
// models the catalog lacks have nothing to compare.
func driftText(e *store.Event) string {
	switch {
	case e.Source == store.SourceManual:
		return "entered by hand"
	case !e.HasComputed:
		return "byok's catalog has no price to compare"
	case e.Computed == e.Cost:
		return "byok's catalog computes the same"
	}
	computed := pricing.FormatCost(e.Computed, pricing.Computed, pricing.Screen)
	diff := e.Cost - e.Computed
	if e.Computed == 0 {
		return "byok computed " + computed
	}
	// Tenths of a percent of the computed figure, rounded half away from
	// zero; display only.
	tenths := (int64(diff)*1000 + sign(int64(diff))*int64(e.Computed)/2) / int64(e.Computed)
	word := "more"
	if tenths < 0 {
		word, tenths = "less", -tenths
	}
	return fmt.Sprintf("byok computed %s; the provider billed %d.%d%% %s", computed, tenths/10, tenths%10, word)
}

func sign(v int64) int64 {
	if v < 0 {
		return -1
	}
	return 1
}

// costLines re-derives the lines of the recorded cost from the price
// record the event was priced with, for display.
func (h *history) costLines(e *store.Event) []string {
	st := h.c.st
	var out []string
	if e.PriceRef != "" {
		out = append(out, st.Muted.Render("  price "+e.PriceRef))
	}
	var p pricing.Price
	if h.price == "" || json.Unmarshal([]byte(h.price), &p) != nil {
		if e.Markup != 0 {
			out = append(out, fmt.Sprintf("  platform fee %s", e.Markup.Precise()))
		}
		return out
	}
	u := providers.Usage{Input: e.InputTokens, CacheRead: e.CacheReadTokens, CacheWrite5m: e.CacheWrite5mTokens,
		CacheWrite1h: e.CacheWrite1hTokens, Output: e.OutputTokens, Reasoning: e.ReasoningTokens}
	bd := pricing.Cost(p, u, 0)
	for _, l := range bd.Lines {
		out = append(out, fmt.Sprintf("  %-10s %7s × %s/M = %s", l.Name, count(l.Units), l.Rate.Dollars(), l.Amount.Precise()))
	}
	if e.Markup != 0 {
		out = append(out, fmt.Sprintf("  %-10s %s", "fee", e.Markup.Precise()))
	}
	if e.CostState == pricing.Computed && bd.Total+e.Markup != e.Cost {
		out = append(out, st.Muted.Render("  (lines re-derived from the price record; the recorded total stands)"))
	}
	return out
}

// restyle follows the terminal's background.
func (h *history) restyle(dark bool) { restyleInput(&h.filter, dark) }

// click selects the clicked request and shows its details.
func (h *history) click(line, x int) tea.Cmd {
	if h.detailOpen && !h.wide() || x >= h.tableWidth() {
		return nil
	}
	// The filter line, then the table's header.
	if i, ok := rowAt(line, 2, h.offset, len(h.list)); ok {
		h.cursor = i
		return h.loadDetail()
	}
	return nil
}
