package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// loader is the state every list page shares: the rows, the list shown of
// them, its cursor and scroll, the request it waits for and the write it
// has in flight. Pages embed it; it starts loads and writes as commands
// and drops the results of requests superseded since, in one place.
type loader[T any] struct {
	page pageID
	// rows are the items as loaded, in the order loaded; list is what the
	// page shows of them, the rows the filter lets through in the sort's
	// order, and at maps list's rows to rows'. arrange alone makes list
	// and at, whenever the rows, the filter or the sort change.
	rows    []T
	list    []T
	at      []int
	cursor  int
	offset  int // the first row shown
	rowsTop int // the body line of the first row, for clicks
	reqID   int
	loading bool
	err     error // of the last load
	workID  int
	// dialogWrites says the page's writes start in a dialog that stays
	// open, working, until the write ends (see withDialogWrites).
	dialogWrites bool

	// sort orders list.
	sort sorter[T]

	// filter narrows the list as one types after /; rowText gives the
	// text of a row's visible columns, and is nil on a page without a
	// filter.
	filter  textinput.Model
	rowText func(T) string
}

// loadedMsg carries the items of a list page's load.
type loadedMsg[T any] struct {
	result
	items []T
	// more says the items go after those listed (an older page of
	// history) rather than replacing them.
	more bool
	err  error
}

// doneMsg ends a list page's write: what to tell the user, or the error.
type doneMsg struct {
	result
	note noticeMsg
	err  error
}

func newLoader[T any](page pageID) loader[T] { return loader[T]{page: page} }

// withDialogWrites marks a page whose writes start in its dialogs: the end
// of a write closes the dialog.
func (l loader[T]) withDialogWrites() loader[T] {
	l.dialogWrites = true
	return l
}

// withFilter gives a page the / filter: every word typed must appear in
// some column of a row, as rowText writes the row's visible columns.
func (l loader[T]) withFilter(placeholder string, rowText func(T) string) loader[T] {
	l.filter = newInput("/ ", placeholder)
	l.rowText = rowText
	return l
}

// Busy reports whether a load is in flight (the spinner turns).
func (l *loader[T]) Busy() bool { return l.loading }

// Editing reports whether a text field has focus: the filter, while it is
// typed.
func (l *loader[T]) Editing() bool { return l.filter.Focused() }

// keysFor is a list page's key map: the filter's typing keys while the
// filter is typed (every other key is text then), else the page's own.
func (l *loader[T]) keysFor(own help.KeyMap) help.KeyMap {
	if l.Editing() {
		return filterTyping
	}
	return own
}

// filtered reports whether the filter hides rows.
func (l *loader[T]) filtered() bool {
	return l.rowText != nil && strings.TrimSpace(l.filter.Value()) != ""
}

// setRows lists items, loaded anew, through the filter in the sort's
// order; the cursor keeps its place.
func (l *loader[T]) setRows(items []T) {
	l.rows = items
	l.arrange(false)
}

// arrange lists the rows the filter lets through, in the sort's order.
// With keep, the cursor stays on the row it was on while that row is
// listed; else it keeps its place.
func (l *loader[T]) arrange(keep bool) {
	was := -1
	if keep && l.cursor < len(l.at) {
		was = l.at[l.cursor]
	}
	var words []string
	if l.rowText != nil {
		words = strings.Fields(strings.ToLower(l.filter.Value()))
	}
	matched := make([]T, 0, len(l.rows))
	from := make([]int, 0, len(l.rows))
	for i, it := range l.rows {
		if matchWords(words, l.rowText, it) {
			matched = append(matched, it)
			from = append(from, i)
		}
	}
	order := l.sort.order(matched)
	l.list, l.at = make([]T, len(order)), make([]int, len(order))
	for i, j := range order {
		l.list[i], l.at[i] = matched[j], from[j]
	}
	l.cursor = min(l.cursor, max(len(l.list)-1, 0))
	if i := slices.Index(l.at, was); i >= 0 {
		l.cursor = i
	}
}

// matchWords reports whether every word appears in the row's text. The
// columns are joined by spaces, which no word holds, so each word
// matches within one column.
func matchWords[T any](words []string, text func(T) string, it T) bool {
	if len(words) == 0 {
		return true
	}
	t := strings.ToLower(text(it))
	for _, w := range words {
		if !strings.Contains(t, w) {
			return false
		}
	}
	return true
}

// filterKey handles the filter's keys, reporting whether msg was one.
// While the filter is typed every key goes to it and the list follows;
// enter keeps the filter, esc drops it. On the list, / opens the filter
// and esc clears a filter set; only on an unfiltered list does esc go on
// to the page.
func (l *loader[T]) filterKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	if l.rowText == nil {
		return nil, false
	}
	if l.filter.Focused() {
		cmd, changed := typeFilter(&l.filter, msg)
		if changed {
			l.arrange(true)
		}
		return cmd, true
	}
	switch msg.String() {
	case "/":
		return l.filter.Focus(), true
	case "esc":
		if l.clearFilter() {
			return nil, true
		}
	}
	return nil, false
}

// clearFilter drops the filter set, if any, the cursor staying on its row;
// it reports whether there was one to drop.
func (l *loader[T]) clearFilter() bool {
	if l.filter.Value() == "" {
		return false
	}
	l.filter.SetValue("")
	l.arrange(true)
	return true
}

// filterHead is a page's header line: the field while the filter is
// typed, the filter and how many rows it shows while one is set, else the
// title and the page's own line.
func (l *loader[T]) filterHead(st *styles, title, line, rows string) string {
	switch {
	case l.filter.Focused():
		return l.filter.View()
	case l.filtered():
		return st.Title.Render(title) + "  " + st.Key.Render("filter ") + l.filter.Value() +
			st.Muted.Render(fmt.Sprintf("  %d of %d %s · esc clears", len(l.list), len(l.rows), rows))
	}
	return st.Title.Render(title) + st.Muted.Render(line)
}

// noRows is what a page shows in place of an empty table: the load's
// error, that the filter hides every row, or, once loaded, none (the
// page's word for having nothing yet); nothing while the first load runs.
// noun names a row.
func (l *loader[T]) noRows(st *styles, noun, none string) []string {
	switch {
	case l.err != nil:
		return []string{st.Over.Render(l.err.Error())}
	case len(l.rows) > 0:
		return []string{st.Muted.Render("No " + noun + " matches the filter.")}
	case !l.loading:
		return []string{none}
	}
	return nil
}

// restyle follows the terminal's background.
func (l *loader[T]) restyle(dark bool) { restyleInput(&l.filter, dark) }

// load starts fetch in a command, superseding any load still running.
func (l *loader[T]) load(c *common, fetch func() ([]T, error)) tea.Cmd {
	return l.fetch(c, false, fetch)
}

// loadMore starts fetch for items that go after those listed.
func (l *loader[T]) loadMore(c *common, fetch func() ([]T, error)) tea.Cmd {
	return l.fetch(c, true, fetch)
}

func (l *loader[T]) fetch(c *common, more bool, fetch func() ([]T, error)) tea.Cmd {
	l.reqID = c.nextID()
	l.loading = true
	r := result{l.page, l.reqID}
	return func() tea.Msg {
		items, err := fetch()
		return loadedMsg[T]{result: r, items: items, more: more, err: err}
	}
}

// loaded takes the result of a load. It reports false, changing nothing,
// for a result the page no longer waits for.
func (l *loader[T]) loaded(msg loadedMsg[T]) bool {
	if msg.id != l.reqID {
		return false
	}
	l.loading = false
	l.err = msg.err
	switch {
	case msg.err != nil:
	case msg.more:
		l.setRows(append(l.rows, msg.items...))
	default:
		l.setRows(msg.items)
	}
	return true
}

// sortKey applies s or S to the list, reporting whether msg was one.
func (l *loader[T]) sortKey(msg tea.KeyPressMsg, k sortKeys) bool {
	if len(l.sort.cols) == 0 || !l.sort.key(msg, k) {
		return false
	}
	l.arrange(true)
	return true
}

// last returns the last item in the order loaded (the oldest of a list
// read newest first), whatever the sort.
func (l *loader[T]) last() (T, bool) {
	if len(l.rows) == 0 {
		var zero T
		return zero, false
	}
	return l.rows[len(l.rows)-1], true
}

// work runs a write in a command; its doneMsg supersedes any earlier
// write's.
func (l *loader[T]) work(c *common, fn func() (noticeMsg, error)) tea.Cmd {
	l.workID = c.nextID()
	r := result{l.page, l.workID}
	return func() tea.Msg {
		note, err := fn()
		return doneMsg{result: r, note: note, err: err}
	}
}

// update takes the list base's messages, ignoring any other: the result
// of a load (loadedMsg), and the messages after which a list page reads
// its list again with reload: a change made elsewhere (dataChangedMsg),
// and the end of the page's own write (doneMsg), which is told by its
// notice or error whether it succeeded or not. On a page whose writes
// start in a dialog, which stays open and working until then, the end of
// a write closes the dialog. The end of a write superseded since does
// nothing. A page that does more with a load takes loadedMsg itself.
func (l *loader[T]) update(msg tea.Msg, reload func() tea.Cmd) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg[T]:
		l.loaded(msg)
	case dataChangedMsg:
		return reload()
	case doneMsg:
		return l.finish(msg, reload)
	}
	return nil
}

func (l *loader[T]) finish(msg doneMsg, reload func() tea.Cmd) tea.Cmd {
	if msg.id != l.workID {
		return nil
	}
	n := msg.note
	note := func() tea.Msg { return n }
	if msg.err != nil {
		note = failure(msg.err)
	}
	if l.dialogWrites {
		return tea.Batch(closeDialog, note, reload())
	}
	return tea.Batch(note, reload())
}

// selected returns the item under the cursor.
func (l *loader[T]) selected() (T, bool) {
	if l.cursor < len(l.list) {
		return l.list[l.cursor], true
	}
	var zero T
	return zero, false
}

// click selects the clicked row.
func (l *loader[T]) click(line, _ int) tea.Cmd {
	if i, ok := rowAt(line, l.rowsTop, l.offset, len(l.list)); ok {
		l.cursor = i
	}
	return nil
}
