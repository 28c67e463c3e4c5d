package tui

import tea "charm.land/bubbletea/v2"

// loader is the state every list page shares: the list, its cursor and
// scroll, the request it waits for and the write it has in flight. Pages
// embed it; it starts loads and writes as commands and drops the results
// of requests superseded since, in one place.
type loader[T any] struct {
	page    pageID
	list    []T
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

	// sort orders list; natural is the list in the order it was loaded
	// and perm maps list's rows to natural's.
	sort    sorter[T]
	natural []T
	perm    []int
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

// Busy reports whether a load is in flight (the spinner turns).
func (l *loader[T]) Busy() bool { return l.loading }

// Editing reports whether a text field has focus; a plain list has none.
func (l *loader[T]) Editing() bool { return false }

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
		l.natural = append(l.natural, msg.items...)
		l.arrange(false)
	default:
		l.natural = msg.items
		l.arrange(false)
		l.cursor = min(l.cursor, max(len(l.list)-1, 0))
	}
	return true
}

// arrange lays list out in the sort's order. With keep, the cursor stays
// on the item it was on.
func (l *loader[T]) arrange(keep bool) {
	at := -1
	if keep && l.cursor < len(l.perm) {
		at = l.perm[l.cursor]
	}
	l.perm = l.sort.order(l.natural)
	l.list = make([]T, len(l.perm))
	for i, j := range l.perm {
		l.list[i] = l.natural[j]
		if j == at {
			l.cursor = i
		}
	}
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
	if len(l.natural) == 0 {
		var zero T
		return zero, false
	}
	return l.natural[len(l.natural)-1], true
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

// refresh handles the messages after which a list page reads its list
// again with reload: a change made elsewhere (dataChangedMsg), and the end
// of the page's own write (doneMsg), which is told by its notice or error
// whether it succeeded or not. On a page whose writes start in a dialog,
// which stays open and working until then, the end of a write closes the
// dialog. The end of a write superseded since does nothing. handled is
// false for every other message.
func (l *loader[T]) refresh(msg tea.Msg, reload func() tea.Cmd) (cmd tea.Cmd, handled bool) {
	switch msg := msg.(type) {
	case dataChangedMsg:
		return reload(), true
	case doneMsg:
		return l.finish(msg, reload), true
	}
	return nil, false
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
