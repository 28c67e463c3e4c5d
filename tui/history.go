package tui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/store"
)

const historyPage = 200

// history lists recorded requests, newest first, with filters and a
// detail pane.
type history struct {
	loader[store.Event]
	c       *common
	keys    historyKeys
	queryIn textinput.Model // the filter as typed, read from the store (not the list base's row filter)
	query   string          // the applied filter
	// The filter applies as it is typed, once typing pauses: typed counts
	// the edits so that only the pause after the latest one reads the
	// list; before is the filter to restore when esc abandons the edit;
	// problem is why the text typed does not read yet, shown quietly
	// beside it while the list keeps the last filter that did; failed is
	// the filter whose read failed while it was typed (a key not known).
	typed   int
	before  string
	problem string
	failed  string
	more    bool  // a further page may exist
	keepID  int64 // the request the cursor stays on through a reload, if listed
	// sums are the figures of every request the filter selects (not only
	// those loaded), for the header; sumsReq is their read.
	sums    *store.Totals
	sumsReq request
	// back is where esc returns to when a drill-down opened the list, with
	// the filter the list had before; nil when the list was opened as a tab.
	back *historyBack

	detail     *store.Event // the event shown in the pane, with text
	price      string       // its price record, as stored
	detailReq  request
	detailOpen bool // the keys scroll the pane; on narrow screens it replaces the table
	pane       viewport.Model
	paneW      int // the width the pane's text is wrapped to
}

// historyBack remembers the way back from a drill-down.
type historyBack struct {
	page  pageID
	query string
	label string // where esc goes, for the header ("the dashboard")
	// budgetSpend says the figure behind the list is a budget's, which
	// counts unpriced requests at their fallback price.
	budgetSpend bool
}

// showRequestsMsg opens the list filtered to the requests behind a figure
// elsewhere; esc goes back to page.
type showRequestsMsg struct {
	query       string
	page        pageID
	label       string
	budgetSpend bool
}

// historyOrder is the column of the store's order for each sortable column
// of the table, in the sorter's order.
var historyOrder = []store.EventColumn{store.OrderTime, store.OrderModel, store.OrderStatus, store.OrderTokens, store.OrderCost, store.OrderLatency}

// historyTyping is the query's typing keys: esc puts back the filter the
// list had before / was pressed.
var historyTyping = newTypingKeys("undo the edit")

// filterPause is how long typing must pause before the filter reads the
// list again: long enough that a word typed at speed reads once, short
// enough to feel immediate.
const filterPause = 180 * time.Millisecond

// filterTickMsg ends the pause after the typed-th edit of the filter.
type filterTickMsg struct{ typed int }

// sumsMsg carries the totals of a filter.
type sumsMsg struct {
	result
	sums store.Totals
	err  error
}

type eventDetailMsg struct {
	result
	event store.Event
	price string
	err   error
}

func newHistory(c *common) *history {
	in := newInput("/ ", "provider:openai model:gpt-4o key:openai/work status:error source:proxy text")
	h := &history{loader: newLoader[store.Event](pageHistory), c: c, keys: newHistoryKeys(), queryIn: in, pane: viewport.New()}
	// The columns have no comparison: the store sorts every matching
	// request (historyOrder), not only the pages loaded.
	h.sort = newSorter(
		sortCol[store.Event]{title: "TIME", desc: true},
		sortCol[store.Event]{title: "MODEL"},
		sortCol[store.Event]{title: "STATUS"},
		sortCol[store.Event]{title: "TOKENS", desc: true},
		sortCol[store.Event]{title: "COST", desc: true},
		sortCol[store.Event]{title: "LATENCY", desc: true},
	)
	return h
}

// order is the store's order for the table's sort.
func (h *history) order() store.EventOrder {
	if h.sort.by < 0 {
		return store.EventOrder{}
	}
	return store.EventOrder{By: historyOrder[h.sort.by], Asc: !h.sort.desc}
}

// noTextReason says why a request of source src has no prompt or reply
// to show: store_text governs only the CLI's and the TUI's requests; the
// proxy never stores text, and an import reads usage from the agent's log
// and keeps none. A manual or reconciled entry never had text.
func noTextReason(src store.Source) string {
	switch src {
	case store.SourceCLI, store.SourceTUI:
		return "The prompt and reply were not stored (store_text in config.toml)."
	case store.SourceProxy:
		return "The proxy never stores prompts or replies, only usage and cost."
	case store.SourceManual, store.SourceReconciled:
		return ""
	}
	return fmt.Sprintf("Imported from %s's logs, which byok reads for usage only.", src)
}

// eventPrompt is every prompt token of a request, cached or not: what
// the TUI calls "prompt", where "input" is the uncached part alone (as
// `byok usage` counts it).
func eventPrompt(e store.Event) int64 {
	return e.InputTokens + e.CacheReadTokens + e.CacheWriteTokens()
}

// eventTokens is the TOKENS column: every token the request was billed.
func eventTokens(e store.Event) int64 {
	return e.InputTokens + e.CacheReadTokens + e.CacheWriteTokens() + e.OutputTokens
}

// Keys offers R only when the request under the cursor can be sent again.
func (h *history) Keys() help.KeyMap {
	if h.Editing() {
		return historyTyping
	}
	k := h.keys
	e, ok := h.selected()
	k.Rerun.SetEnabled(ok && rerunnable(e) == nil)
	if h.back != nil {
		// The hint bar names the way back first.
		k.backTo = "back to " + h.back.label
	}
	return k
}
func (h *history) Editing() bool { return h.queryIn.Focused() }

// parseFilter reads "provider:x model:y key:p/l status:s source:s
// since:t until:t words"; key:none is the requests sent without a key, and
// times are read by parseTime (as --since and --until are). Keys are
// resolved by the command, which may touch the database.
func parseFilter(q string, parseTime func(string) (time.Time, error)) (f store.Filter, keyName string, err error) {
	var text []string
	for _, w := range strings.Fields(q) {
		k, v, ok := strings.Cut(w, ":")
		if ok && v == "" {
			if example, known := filterExamples[strings.ToLower(k)]; known {
				// Half typed, as the filter applies while it is typed.
				return f, "", fmt.Errorf("%s needs a value, as in %s", w, example)
			}
		}
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
			if strings.EqualFold(v, "none") {
				f.NoKey = true
				continue
			}
			keyName = v
		case "since", "until":
			t, err := parseTime(v)
			if err != nil {
				return f, "", fmt.Errorf("%s:%s: %w", strings.ToLower(k), v, err)
			}
			if strings.EqualFold(k, "since") {
				f.Since = t
			} else {
				f.Until = t
			}
		case "status", "s":
			switch store.Status(v) {
			case store.StatusOK, store.StatusError, store.StatusCancelled, store.StatusPartial:
				f.Status = store.Status(v)
			default:
				return f, "", fmt.Errorf("status %q: use ok, error, cancelled or partial", v)
			}
		case "source":
			src, err := app.ParseEventSource(strings.ToLower(v))
			if err != nil {
				return f, "", err
			}
			f.Source = src
		default:
			text = append(text, w)
		}
	}
	if f.Model != "" && f.Provider == "" {
		return f, "", fmt.Errorf("model:%s needs its provider: write model:PROVIDER/%s", f.Model, f.Model)
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return f, "", fmt.Errorf("since: must come before until: (the range ends before it starts)")
	}
	f.Text = strings.Join(text, " ")
	return f, keyName, nil
}

// filterExamples shows each filter word with a value, for the word typed
// without one.
var filterExamples = map[string]string{
	"provider": "provider:openai", "p": "p:openai",
	"model": "model:openai/gpt-4o", "m": "m:openai/gpt-4o",
	"key": "key:openai/work or key:none", "k": "k:openai/work or k:none",
	"since": "since:2026-12-01 or since:today", "until": "until:2026-12-01 or until:today",
	"status": "status:error (ok, error, cancelled or partial)", "s": "s:error (ok, error, cancelled or partial)",
	"source": "source:proxy (" + sourceChoices + ")",
}

// sourceChoices lists the sources a request can be recorded with, as
// every filter by source takes them: "tui, cli, … or opencode".
var sourceChoices = func() string {
	srcs := app.EventSources()
	names := make([]string, len(srcs))
	for i, s := range srcs {
		names[i] = string(s)
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}()

// periodWords writes a filter's period as the tokens parseFilter reads: a
// date for a local midnight, else the exact time.
func periodWords(from, to time.Time, loc *time.Location) string {
	word := func(name string, t time.Time) string {
		if t.IsZero() {
			return ""
		}
		if l := t.In(loc); l.Equal(store.DayStart(l, loc)) {
			return name + ":" + l.Format(time.DateOnly)
		}
		return name + ":" + t.In(loc).Format(time.RFC3339Nano)
	}
	return strings.TrimSpace(word("since", from) + " " + word("until", to))
}

// periodText writes a filter's period for people: "Dec 1 – Dec 31 2026",
// "Dec 6 2026", "from Nov 29 13:03", "before Dec 7 2026".
func periodText(from, to time.Time, loc *time.Location) string {
	day := func(t time.Time) bool { l := t.In(loc); return l.Equal(store.DayStart(l, loc)) }
	switch {
	case from.IsZero() && to.IsZero():
		return ""
	case !from.IsZero() && !to.IsZero() && day(from) && day(to):
		return strings.TrimLeft(rangeText(from, to, loc), ", ")
	}
	at := func(t time.Time) string {
		if day(t) {
			return t.In(loc).Format("Jan 2 2006")
		}
		return t.In(loc).Format("Jan 2 2006 15:04")
	}
	switch {
	case to.IsZero():
		return "from " + at(from)
	case from.IsZero():
		return "before " + at(to)
	}
	return at(from) + " – before " + at(to)
}

func (h *history) Load() tea.Cmd { return tea.Batch(h.read(0), h.readSums()) }

// apply reads the list with the filter as typed. Text that does not read
// as a filter yet (a half-typed since:2026-1) changes nothing: the list
// keeps the last filter that read, and problem says why.
func (h *history) apply() tea.Cmd {
	q := h.queryIn.Value()
	if _, _, err := parseFilter(q, h.c.app.ParseTime); err != nil {
		h.problem = err.Error()
		return nil
	}
	if q == h.query {
		if q != h.failed {
			h.problem = ""
		}
		return nil
	}
	h.problem, h.failed = "", ""
	h.query = q
	h.cursor, h.offset = 0, 0
	return h.Load()
}

// readSums sums every request the filter selects; without a filter the
// header has none to show. A filter that does not parse reads nothing
// (the list's read says why).
func (h *history) readSums() tea.Cmd {
	f, keyName, err := parseFilter(h.query, h.c.app.ParseTime)
	if h.query == "" || err != nil {
		h.sums = nil
		h.sumsReq.drop()
		return nil
	}
	r, ctx, a := h.sumsReq.start(h.c, pageHistory), h.c.ctx, h.c.app
	return func() tea.Msg {
		msg := sumsMsg{result: r}
		if f, msg.err = withKey(ctx, a, f, keyName); msg.err == nil {
			msg.sums, msg.err = a.Store.EventTotals(ctx, f)
		}
		return msg
	}
}

// withKey narrows f to the key a filter names (keyName, "provider/label",
// or "" for none); it reads the database, so it runs in a command.
func withKey(ctx context.Context, a *app.App, f store.Filter, keyName string) (store.Filter, error) {
	if keyName == "" {
		return f, nil
	}
	p, l, _ := strings.Cut(keyName, "/")
	k, err := a.Store.KeyByName(ctx, p, l)
	if errors.Is(err, store.ErrNotFound) {
		// The store's message names the CLI's command; here the Keys
		// view is the place to look.
		return f, fmt.Errorf("no key %s: the Keys view (5) lists them", keyName)
	}
	if err != nil {
		return f, err
	}
	f.KeyID = k.ID
	if f.Provider == "" {
		f.Provider = k.Provider
	}
	return f, nil
}

// read reads a page of events in the table's order; after > 0 appends the
// page that follows that event.
func (h *history) read(after int64) tea.Cmd {
	f, keyName, err := parseFilter(h.query, h.c.app.ParseTime)
	if err != nil {
		h.err = err
		return failure(err)
	}
	f.Limit, f.After, f.Order = historyPage, after, h.order()
	ctx, a := h.c.ctx, h.c.app
	fetch := func() ([]store.Event, error) {
		f, err := withKey(ctx, a, f, keyName)
		if err != nil {
			return nil, err
		}
		return a.Store.Events(ctx, f)
	}
	if after > 0 {
		return h.loadMore(h.c, fetch)
	}
	return h.load(h.c, fetch)
}

// loadDetail reads the event under the cursor with its text and prices.
func (h *history) loadDetail() tea.Cmd {
	if h.cursor >= len(h.list) {
		// Nothing listed: the details of a request the list no longer
		// holds do not stay on show.
		h.detail, h.price = nil, ""
		h.pane.SetContent("")
		return nil
	}
	if h.detail != nil && h.detail.ID == h.list[h.cursor].ID {
		return nil
	}
	r, ctx, a, evID := h.detailReq.start(h.c, pageHistory), h.c.ctx, h.c.app, h.list[h.cursor].ID
	return func() tea.Msg {
		e, err := a.Store.Event(ctx, evID)
		msg := eventDetailMsg{result: r, event: e, err: err}
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
		if msg.err == nil {
			h.failed = ""
		}
		if msg.err != nil {
			return h.readFailed(msg.err)
		}
		if !msg.more {
			h.cursor, h.offset = 0, 0
			for i, e := range h.list {
				if h.keepID != 0 && e.ID == h.keepID {
					h.cursor = i
				}
			}
			h.keepID = 0
		}
		h.more = len(msg.items) == historyPage
		if h.wide() || h.detailOpen {
			return h.loadDetail()
		}
		return nil
	case sumsMsg:
		if !h.sumsReq.answered(msg.result) {
			return nil
		}
		h.sums = nil
		if msg.err != nil {
			return h.readFailed(msg.err)
		}
		h.sums = &msg.sums
		return nil
	case eventDetailMsg:
		if cmd, ok := h.detailReq.take(msg.result, msg.err); !ok {
			return cmd
		}
		e := msg.event
		h.detail, h.price = &e, msg.price
		h.paneW = h.paneWidth(h.tableWidth(h.tableRows()))
		h.pane.SetContent(h.detailText(h.paneW))
		h.pane.GotoTop()
		return nil
	case filterTickMsg:
		if msg.typed != h.typed || !h.queryIn.Focused() {
			// Typing went on, or the edit ended, since.
			return nil
		}
		return h.apply()
	case showRequestsMsg:
		h.typed++
		h.problem = ""
		prev := h.query
		if h.back != nil {
			prev = h.back.query
		}
		h.back = &historyBack{page: msg.page, query: prev, label: msg.label, budgetSpend: msg.budgetSpend}
		h.query = msg.query
		h.queryIn.Blur()
		h.queryIn.SetValue(msg.query)
		h.detailOpen, h.detail = false, nil
		h.cursor, h.offset = 0, 0
		return h.Load()
	case tea.WindowSizeMsg:
		if h.wide() && h.detail == nil {
			return h.loadDetail()
		}
		return nil
	case dataChangedMsg:
		if h.cursor == 0 && !h.queryIn.Focused() {
			return h.Load()
		}
		return nil
	}
	return toField(&h.queryIn, msg)
}

// readFailed reports a failed read of the list or of its sums: while the
// filter is typed (a key not known yet, say) quietly beside it, the list
// keeping what it shows; else in the notice.
func (h *history) readFailed(err error) tea.Cmd {
	if h.queryIn.Focused() {
		h.problem, h.failed = err.Error(), h.query
		return nil
	}
	return failure(err)
}

func (h *history) key(msg tea.KeyPressMsg) tea.Cmd {
	k := h.keys
	if h.queryIn.Focused() {
		switch msg.String() {
		case "enter":
			// The filter stays as typed, the pause still running ended
			// now; text that does not read stays in the field with why.
			h.typed++
			cmd := h.apply()
			if h.problem == "" {
				h.queryIn.Blur()
			}
			return cmd
		case "esc":
			// Back to the filter from before the edit.
			h.typed++
			h.problem, h.failed = "", ""
			h.queryIn.Blur()
			h.queryIn.SetValue(h.before)
			if h.query == h.before {
				return nil
			}
			h.query = h.before
			return h.Load()
		}
		was := h.queryIn.Value()
		cmd := forward(&h.queryIn, msg)
		if h.queryIn.Value() == was {
			return cmd
		}
		h.typed++
		typed := h.typed
		return tea.Batch(cmd, h.c.after(filterPause, func(time.Time) tea.Msg { return filterTickMsg{typed} }))
	}
	if h.detailOpen {
		switch {
		case key.Matches(msg, k.Back), key.Matches(msg, k.Detail):
			h.detailOpen = false
			return nil
		case key.Matches(msg, k.Rerun):
			return h.rerun()
		}
		return forward(&h.pane, msg)
	}
	switch {
	case key.Matches(msg, k.Filter):
		h.before = h.query
		h.problem, h.failed = "", ""
		return h.queryIn.Focus()
	case key.Matches(msg, k.Back) && h.back != nil:
		// Back along the drill-down, the list getting its own filter back.
		b := h.back
		h.back = nil
		h.query = b.query
		h.queryIn.SetValue(b.query)
		return tea.Batch(h.Load(), goTo(b.page, nil))
	case key.Matches(msg, k.Clear), key.Matches(msg, k.Back) && msg.String() == "esc":
		if h.query == "" {
			return nil
		}
		h.query = ""
		h.queryIn.SetValue("")
		return h.Load()
	case key.Matches(msg, k.Detail):
		if len(h.list) == 0 {
			return nil
		}
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
		// The store sorts every matching request; the cursor stays on its
		// request when the new order's first page holds it.
		if e, ok := h.selected(); ok {
			h.keepID = e.ID
		}
		return h.read(0)
	case key.Matches(msg, k.PageUp), key.Matches(msg, k.PageDown):
		h.cursor = k.page(msg, h.cursor, len(h.list), h.rows())
	default:
		var ok bool
		if h.cursor, ok = k.move(msg, h.cursor, len(h.list)); !ok {
			return nil
		}
	}
	var cmds []tea.Cmd
	if h.more && !h.loading && h.cursor >= len(h.list)-1 && len(h.list) > 0 {
		// The next page follows the last request in the table's order.
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

// rerunnable says why a recorded event cannot be sent again, or nil: any
// request byok sent (from the TUI, the CLI or the proxy), whatever its
// outcome, can; spend entered by hand, reported by a provider or imported
// from an agent's logs was never a request byok holds.
func rerunnable(e store.Event) error {
	switch e.Source {
	case store.SourceTUI, store.SourceCLI, store.SourceProxy:
		return nil
	case store.SourceManual:
		return fmt.Errorf("#%d is spend entered by hand, not a request: there is nothing to re-run", e.ID)
	case store.SourceReconciled:
		return fmt.Errorf("#%d is spend %s reported beyond byok's records, not a request: there is nothing to re-run", e.ID, e.Provider)
	}
	return fmt.Errorf("#%d was imported from %s's logs; byok never sent it, so there is nothing to re-run", e.ID, e.Source)
}

func (h *history) rerun() tea.Cmd {
	e, ok := h.selected()
	if !ok {
		return nil
	}
	if err := rerunnable(e); err != nil {
		return failure(err)
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

// paneWidth is the details' width beside a list tw cells wide: what the
// list and the " │ " between them leave, or all of it on a narrow screen.
func (h *history) paneWidth(tw int) int {
	if h.wide() {
		return h.c.width - tw - 3
	}
	return h.c.width
}

// tableWidth is the list's share of the width for its columns and rows
// (tableRows): all of it, or beside the details up to three fifths, no
// wider than its columns need, so that a wide terminal gives the details
// what the list would leave empty.
func (h *history) tableWidth(cols []col, rows [][]string) int {
	tw := h.listRoom()
	if !h.wide() {
		return tw
	}
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
	// The field shows its whole placeholder only with a width, and pads
	// typed text to it: a width while it is empty, none once typed into,
	// so that a problem fits beside the text.
	h.queryIn.SetWidth(0)
	if h.queryIn.Value() == "" {
		h.queryIn.SetWidth(max(w-3, 1))
	}
	head := h.queryIn.View()
	if h.queryIn.Focused() && h.problem != "" {
		// Quietly: the text may only be half typed.
		head += st.Muted.Render("  " + h.problem)
	}
	if !h.queryIn.Focused() {
		if h.query == "" {
			head = st.Muted.Render("/ to filter by provider: model: key: status: source: since: until: or words")
		} else {
			head = h.filterLine()
		}
	}
	if h.detailOpen {
		rerun := ""
		if e, ok := h.selected(); ok && rerunnable(e) == nil {
			rerun = "R re-run · "
		}
		head = st.Muted.Render("↑/↓ scroll the details · " + rerun + "esc back to the list")
	}
	head = fit(head, w, false)
	if h.detailOpen && !h.wide() {
		h.pane.SetWidth(w)
		h.pane.SetHeight(ht - 1)
		return head + "\n" + h.pane.View()
	}
	// The rows are written once a frame: the list's width, the details'
	// and the table all follow from them.
	cols, rows := h.tableRows()
	tw := h.tableWidth(cols, rows)
	table := h.table(cols, rows, tw, ht-1)
	if !h.wide() {
		return head + "\n" + table
	}
	pw := h.paneWidth(tw)
	if pw != h.paneW && h.detail != nil {
		// The list's columns follow the rows loaded, and the details
		// take what they leave: wrap them again to the new width.
		h.paneW = pw
		h.pane.SetContent(h.detailText(pw))
	}
	h.pane.SetWidth(pw)
	h.pane.SetHeight(ht - 1)
	pane := h.pane.View()
	if h.detail == nil && len(h.list) > 0 {
		pane = st.Muted.Render("…") // the details are being read
	}
	sep := strings.TrimSuffix(strings.Repeat(" "+st.Muted.Render("│")+" \n", ht-1), "\n")
	return head + "\n" + joinColumns(block(table, tw, ht-1), sep, block(pane, pw, ht-1))
}

// filterLine shows the applied filter: its words, the period as dates, and
// how to clear it or go back.
func (h *history) filterLine() string {
	st := h.c.st
	hint := "  (esc clears)"
	if h.back != nil {
		hint = "  (esc back to " + h.back.label + " · x clears)"
	}
	words, period := h.query, ""
	if f, _, err := parseFilter(h.query, h.c.app.ParseTime); err == nil && (!f.Since.IsZero() || !f.Until.IsZero()) {
		var kept []string
		for _, w := range strings.Fields(h.query) {
			if k, _, _ := strings.Cut(strings.ToLower(w), ":"); k != "since" && k != "until" {
				kept = append(kept, w)
			}
		}
		words = strings.Join(kept, " ")
		period = periodText(f.Since, f.Until, h.c.app.Location())
	}
	line := st.Key.Render("filter ") + words
	if period != "" {
		if words != "" {
			line += st.Muted.Render(" · ")
		}
		line += st.Strong.Render(period)
	}
	if t := h.sums; t != nil {
		// What the filter selects in all, unpriced requests named beside
		// the priced sum as every total reads; a figure shows whole or not
		// at all.
		spend := pricing.FormatTotal(t.Cost, t.Requests, t.Unpriced)
		if h.back != nil && h.back.budgetSpend && t.Fallback > 0 {
			// As the budget the list was opened from counts them.
			spend = t.BudgetSpend().String() + st.Muted.Render(" as budgets count")
		}
		sums := st.Muted.Render(fmt.Sprintf(" · %s request%s, ", count(t.Requests), plural(int(t.Requests)))) + spend
		if ansi.StringWidth(line+sums) <= h.c.width {
			line += sums
		}
	}
	if ansi.StringWidth(line+hint) > h.c.width {
		// The hint bar says it too.
		hint = ""
	}
	return line + st.Muted.Render(hint)
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

// table draws the list's columns and rows (tableRows) in w cells and ht
// lines, or says why there are none.
func (h *history) table(cols []col, rows [][]string, w, ht int) string {
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
	h.offset = scroll(h.cursor, h.offset, ht-1)
	return st.table(h.sort.mark(cols), rows, w, ht, h.cursor, h.offset)
}

// tableRows are the list's columns and rows.
func (h *history) tableRows() ([]col, [][]string) {
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
	b = append(b, h.costLines(e, w)...)
	if e.ErrorMessage != "" {
		b = append(b, "", st.Header.Render("ERROR"), st.Over.Render(wrap(e.ErrorMessage, w-2)))
	}
	if e.Prompt != "" {
		b = append(b, "", st.Header.Render("PROMPT"), wrap(e.Prompt, w-2))
	}
	if e.Response != "" {
		b = append(b, "", st.Header.Render("REPLY"), wrap(e.Response, w-2))
	}
	if e.Prompt == "" && e.Response == "" {
		if why := noTextReason(e.Source); why != "" {
			b = append(b, "", st.Muted.Render(why))
		}
	}
	if rerunnable(*e) == nil {
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

// priceRefLines shows a price reference ("catalog:2026-07-24:anthropic/
// claude-opus-4-1") in w columns. Where it does not fit on one line it is
// broken after its date, so the model's name stays whole: wrapping would
// break it at a hyphen of the name.
func priceRefLines(st *styles, ref string, w int) []string {
	line := "  price " + ref
	i := strings.LastIndex(ref, ":")
	if ansi.StringWidth(line) <= w || i < 0 {
		return []string{st.Muted.Render(line)}
	}
	return []string{st.Muted.Render("  price " + ref[:i+1]), st.Muted.Render("    " + ref[i+1:])}
}

// costLines re-derives the lines of the recorded cost from the price
// record the event was priced with, for display in w columns.
func (h *history) costLines(e *store.Event, w int) []string {
	st := h.c.st
	var out []string
	if e.PriceRef != "" {
		out = append(out, priceRefLines(st, e.PriceRef, w)...)
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
func (h *history) restyle(dark bool) { restyleInput(&h.queryIn, dark) }

// click selects the clicked request and shows its details.
func (h *history) click(line, x int) tea.Cmd {
	if h.detailOpen && !h.wide() || x >= h.tableWidth(h.tableRows()) {
		return nil
	}
	// The filter line, then the table's header.
	if i, ok := rowAt(line, 2, h.offset, len(h.list)); ok {
		h.cursor = i
		return h.loadDetail()
	}
	return nil
}
