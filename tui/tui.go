// Package tui is byok's terminal interface: a Bubble Tea program with a
// dashboard, the request history, a playground, a model comparison, and
// screens for keys, budgets, alerts and prices.
//
// Every read and write goes through package app, in commands, never in
// Update. The root model only routes: window size, global keys, the open
// dialog, async results to the page that asked for them, and everything
// else to the active page.
package tui

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/store"
)

// Options configure Run.
type Options struct {
	// StartView names the first page ("dashboard", "history", "playground",
	// "compare", "keys", "budgets", "alerts", "pricing"); empty means the
	// dashboard, or the onboarding screen on an empty database.
	StartView string
	// Now is the clock for relative times; nil means the app's clock.
	Now func() time.Time
	// PollInterval is how often the database is checked for writes by
	// other processes; zero means one second.
	PollInterval time.Duration
	// DemoCommand is what the welcome screen's demo runs; nil means this
	// program with the demo command.
	DemoCommand func() *exec.Cmd
}

// Run starts the program and blocks until the user quits or ctx ends.
func Run(ctx context.Context, a *app.App, opt Options) error {
	m := newModel(ctx, a, opt)
	p := tea.NewProgram(m, tea.WithContext(ctx))
	m.c.send = p.Send
	a.SetPassphrase(m.c.askPassphrase)
	_, err := p.Run()
	m.stopAll()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("run the terminal interface: %w", err)
	}
	return nil
}

// pageID names a page; its order is the tab order and its number the jump key.
type pageID int

const (
	pageDashboard pageID = iota
	pageHistory
	pagePlayground
	pageCompare
	pageKeys
	pageBudgets
	pageAlerts
	pagePricing
	pageReconcile
	pageCount
	pageOnboarding = pageCount     // outside the tab cycle
	pageAll        = pageCount + 1 // every page, tabbed or not
)

var pageNames = [...]string{"dashboard", "history", "playground", "compare", "keys", "budgets", "alerts", "pricing", "reconcile", "welcome"}

var pageTitles = [...]string{"Dashboard", "History", "Playground", "Compare", "Keys", "Budgets", "Alerts", "Pricing", "Reconcile"}

// pageTabs are the tab labels below 110 columns: the short ones while
// they fit, the tight ones, which keep all nine tabs on an 80-column
// line, below that.
var pageTabs = [...][pageCount]string{
	{"Dash", "History", "Play", "Compare", "Keys", "Budgets", "Alerts", "Pricing", "Recon"},
	{"Dash", "Hist", "Play", "Comp", "Keys", "Budgets", "Alerts", "Pricing", "Recon"},
}

func (p pageID) String() string { return pageNames[p] }

// common is what every page shares: the app, the clock, the styles, the
// size of the content area, and the way back into the program for
// streaming work.
type common struct {
	ctx    context.Context
	app    *app.App
	now    func() time.Time
	st     *styles
	width  int
	height int
	// send delivers a message to the program from a goroutine; streams use
	// it to forward their events as they arrive.
	send      func(tea.Msg)
	lastID    int
	seenAlert int64 // the newest alert id seen, for the bell
	// noTimers makes timed commands fire at once (tests drive Update
	// without a program or a clock).
	noTimers bool
	// demoCommand is Options.DemoCommand.
	demoCommand func() *exec.Cmd
}

// bell rings the terminal bell when alerts holds one newer than any seen
// before and config asks for it. The first alerts seen only set the mark.
func (c *common) bell(alerts []store.Alert) tea.Cmd {
	var newest int64
	for _, a := range alerts {
		newest = max(newest, a.ID)
	}
	ring := c.seenAlert != 0 && newest > c.seenAlert && c.app.Config.Alerts.Bell
	c.seenAlert = max(c.seenAlert, newest)
	if ring {
		return tea.Raw("\a")
	}
	return nil
}

// after delivers fn's message after d.
func (c *common) after(d time.Duration, fn func(time.Time) tea.Msg) tea.Cmd {
	if c.noTimers {
		return func() tea.Msg { return fn(c.now()) }
	}
	return tea.Tick(d, fn)
}

// nextID returns a fresh request id for an async command.
func (c *common) nextID() int {
	c.lastID++
	return c.lastID
}

// page is one screen of the program.
type page interface {
	// Load returns the command that (re)loads the page's data.
	Load() tea.Cmd
	// Update takes every message but key presses, which go to key.
	Update(msg tea.Msg) tea.Cmd
	// key handles a key press the root does not take itself (after a
	// filterer's / filter, if the page has one).
	key(msg tea.KeyPressMsg) tea.Cmd
	View() string
	Keys() help.KeyMap
	// Editing reports whether a text field has focus, so single-letter
	// global keys (q, ?, digits) go to the field.
	Editing() bool
	// Busy reports whether slow work is in flight (the spinner turns).
	Busy() bool
}

// Abilities a page may have beyond page; the root model asks for them.
type (
	// stopper cancels work still running when the program ends (streams).
	stopper interface{ stop() }
	// restyler follows the terminal's background (text inputs keep their
	// own styles).
	restyler interface{ restyle(dark bool) }
	// clicker acts on a mouse click at line and column x of the page body.
	clicker interface{ click(line, x int) tea.Cmd }
	// wheeler scrolls by the mouse wheel itself; pages without it scroll by
	// moving their cursor.
	wheeler interface{ wheel(up bool) }
	// drafter holds work a quit would lose (a prompt being written, a reply
	// streaming); ctrl+c asks once before losing it.
	drafter interface{ draft() string }
	// filterer narrows its list by the / filter, which takes keys before
	// the page does; it reports whether it took msg. Every page with the
	// list base has it; where no filter was given it takes nothing.
	filterer interface {
		filterKey(msg tea.KeyPressMsg) (tea.Cmd, bool)
	}
)

// The pages that have each ability, checked when compiling: a method
// whose signature drifted would otherwise quietly stop being asked for.
var (
	_ = []stopper{(*playground)(nil), (*compare)(nil)}
	_ = []restyler{(*playground)(nil), (*compare)(nil), (*history)(nil), (*pricingPage)(nil)}
	_ = []clicker{(*alerts)(nil), (*budgets)(nil), (*keysPage)(nil), (*pricingPage)(nil), (*history)(nil)}
	_ = []wheeler{(*playground)(nil)}
	_ = []drafter{(*playground)(nil)}
	_ = []filterer{(*alerts)(nil), (*budgets)(nil), (*keysPage)(nil), (*reconcilePage)(nil)}
)

// owned is an async result that belongs to one page, whichever is active.
type owned interface{ owner() pageID }

// result is embedded in async results: the page it goes to and the id of
// the request, so a page can drop results it no longer waits for.
type result struct {
	page pageID
	id   int
}

func (r result) owner() pageID { return r.page }

// request is a page's latest read of one kind: starting one supersedes
// any still running, whose answer is then dropped.
type request struct {
	id   int
	busy bool // started and not answered yet
}

// start begins a read for page and returns the result its answer carries.
func (r *request) start(c *common, page pageID) result {
	r.id, r.busy = c.nextID(), true
	return result{page, r.id}
}

// take takes an answer, reporting whether it answers the latest read and
// succeeded; when not, cmd tells the user what failed, and nothing of an
// answer superseded since.
func (r *request) take(res result, err error) (cmd tea.Cmd, ok bool) {
	if !r.answered(res) {
		return nil, false
	}
	if err != nil {
		return failure(err), false
	}
	return nil, true
}

// answered reports whether res answers the latest read, which is then no
// longer busy: for a page that says itself what failed (see take).
func (r *request) answered(res result) bool {
	if res.id != r.id {
		return false
	}
	r.busy = false
	return true
}

// drop forgets the read under way, if any: the page wants its answer no
// more, which is then dropped as a superseded one is.
func (r *request) drop() { r.id, r.busy = 0, false }

// Messages between pages and the root.
type (
	// gotoMsg switches pages, optionally handing the page a message.
	gotoMsg struct {
		page pageID
		msg  tea.Msg
	}
	// noticeMsg shows a line in the status bar for a while.
	noticeMsg struct {
		text string
		kind noticeKind
	}
	noticeExpiredMsg struct{ id int }
	// noticeWithdrawnMsg takes back a notice that no longer holds, if it
	// is still the one shown.
	noticeWithdrawnMsg struct{ text string }
	// openDialogMsg puts a dialog over the active page.
	openDialogMsg struct{ d dialog }
	// closeDialogMsg removes the dialog.
	closeDialogMsg struct{}
	// pollMsg carries the database's data version.
	pollMsg struct {
		version int64
		err     error
	}
	// dataChangedMsg tells a page the database changed under it.
	dataChangedMsg struct{}
)

// noticeKind says how a notice reads in the status line.
type noticeKind int

const (
	noticeInfo  noticeKind = iota // a done deed, shown with ✓
	noticeWarn                    // something that asks for care, shown with ⚠
	noticeError                   // a failure, shown with ✗ for longer
)

func notice(format string, args ...any) tea.Cmd {
	text := fmt.Sprintf(format, args...)
	return func() tea.Msg { return noticeMsg{text: text} }
}

// warning is a notice that asks for care: a request that could cross a
// budget, alerts a request raised.
func warning(format string, args ...any) tea.Cmd {
	text := fmt.Sprintf(format, args...)
	return func() tea.Msg { return noticeMsg{text: text, kind: noticeWarn} }
}

// withdraw takes back the notice text once it no longer holds (a warning
// about a request that was then sent), unless another notice replaced it.
func withdraw(text string) tea.Cmd {
	return func() tea.Msg { return noticeWithdrawnMsg{text: text} }
}

func failure(err error) tea.Cmd {
	return func() tea.Msg { return noticeMsg{text: err.Error(), kind: noticeError} }
}

func goTo(p pageID, msg tea.Msg) tea.Cmd {
	return func() tea.Msg { return gotoMsg{page: p, msg: msg} }
}

func openDialog(d dialog) tea.Cmd {
	return func() tea.Msg { return openDialogMsg{d: d} }
}

func closeDialog() tea.Msg { return closeDialogMsg{} }

// model is the root: it routes and draws the frame around the active page.
type model struct {
	c        *common
	opt      Options
	pages    [pageAll]page
	loaded   [pageAll]bool
	active   pageID
	dialog   dialog
	help     help.Model
	showHelp bool
	keys     globalKeys
	spin     spinner.Model
	spinning bool

	notice     string
	noticeKind noticeKind
	noticeID   int
	// quitArmed says ctrl+c was pressed once over work a quit would lose;
	// a second ctrl+c quits, any other key keeps working.
	quitArmed bool

	version int64
	width   int
	height  int
}

func newModel(ctx context.Context, a *app.App, opt Options) *model {
	now := opt.Now
	if now == nil {
		now = a.Now
	}
	if opt.PollInterval <= 0 {
		opt.PollInterval = time.Second
	}
	c := &common{ctx: ctx, app: a, now: now, st: newStyles(true), send: func(tea.Msg) {}, demoCommand: opt.DemoCommand}
	m := &model{c: c, opt: opt, keys: newGlobalKeys(), help: help.New(), spin: spinner.New(spinner.WithSpinner(spinner.MiniDot))}
	m.pages = [...]page{
		newDashboard(c), newHistory(c), newPlayground(c), newCompare(c),
		newKeysPage(c), newBudgets(c), newAlerts(c), newPricing(c), newReconcilePage(c), newOnboarding(c),
	}
	m.active = pageDashboard
	for i, n := range pageNames {
		if opt.StartView != "" && strings.EqualFold(opt.StartView, n) {
			m.active = pageID(i)
		}
	}
	m.setSize(80, 24)
	return m
}

// stopAll cancels streams still running when the program ends.
func (m *model) stopAll() {
	for _, p := range m.pages {
		if s, ok := p.(stopper); ok {
			s.stop()
		}
	}
}

func (m *model) Init() tea.Cmd {
	cmds := []tea.Cmd{tea.RequestBackgroundColor, m.poll(0)}
	if m.opt.StartView == "" {
		cmds = append(cmds, checkEmpty(m.c))
	}
	cmds = append(cmds, m.activate(m.active))
	return tea.Batch(cmds...)
}

// emptyMsg says whether the database holds nothing yet.
type emptyMsg struct{ empty bool }

// checkEmpty looks for any recorded request or stored key.
func checkEmpty(c *common) tea.Cmd {
	ctx, a := c.ctx, c.app
	return func() tea.Msg {
		evs, err := a.Store.Events(ctx, storeFilterOne)
		if err != nil || len(evs) > 0 {
			return emptyMsg{}
		}
		ks, err := a.Store.Keys(ctx)
		return emptyMsg{empty: err == nil && len(ks) == 0}
	}
}

// poll reads the data version after the poll interval (immediately when
// the last version is unknown).
func (m *model) poll(after time.Duration) tea.Cmd {
	ctx, a := m.c.ctx, m.c.app
	read := func(time.Time) tea.Msg {
		v, err := a.Store.DataVersion(ctx)
		return pollMsg{version: v, err: err}
	}
	if after <= 0 {
		return func() tea.Msg { return read(time.Time{}) }
	}
	return m.c.after(after, read)
}

// activate switches to page p and loads it the first time.
// unsaved names what a quit now would lose, or "".
func (m *model) unsaved() string {
	if m.dialog != nil {
		return "the open form"
	}
	for _, p := range m.pages {
		if d, ok := p.(drafter); ok {
			if lost := d.draft(); lost != "" {
				return lost
			}
		}
	}
	return ""
}

func (m *model) activate(p pageID) tea.Cmd {
	if p != m.active {
		// A notice belongs to the view whose action raised it.
		m.notice = ""
	}
	m.active = p
	m.showHelp = false
	if m.loaded[p] {
		return nil
	}
	m.loaded[p] = true
	return m.pages[p].Load()
}

func (m *model) setSize(w, h int) {
	m.width, m.height = w, h
	m.c.width, m.c.height = w, max(h-3, 4)
	m.help.SetWidth(w)
}

func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	cmd := m.route(msg)
	if !m.spinning && m.anyBusy() {
		m.spinning = true
		cmd = tea.Batch(cmd, m.spin.Tick)
	}
	return m, cmd
}

func (m *model) anyBusy() bool {
	if m.dialog != nil && m.dialog.Busy() {
		return true
	}
	return m.pages[m.active].Busy()
}

func (m *model) route(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.setSize(msg.Width, msg.Height)
		cmd := m.pages[m.active].Update(msg)
		if m.dialog != nil {
			return tea.Batch(cmd, m.dialog.Update(msg))
		}
		return cmd
	case tea.BackgroundColorMsg:
		*m.c.st = *newStyles(msg.IsDark())
		m.help.Styles = help.DefaultStyles(msg.IsDark())
		for _, p := range m.pages {
			if r, ok := p.(restyler); ok {
				r.restyle(msg.IsDark())
			}
		}
		return nil
	case spinner.TickMsg:
		if !m.anyBusy() {
			m.spinning = false
			return nil
		}
		return forward(&m.spin, msg)
	case pollMsg:
		return m.polled(msg)
	case emptyMsg:
		if msg.empty && m.active == pageDashboard {
			return m.activate(pageOnboarding)
		}
		return nil
	case noticeMsg:
		m.notice, m.noticeKind = msg.text, msg.kind
		m.noticeID++
		id := m.noticeID
		ttl := 5 * time.Second
		if msg.kind != noticeInfo {
			// What asks for care stays long enough to be read.
			ttl = 12 * time.Second
		}
		return m.c.after(ttl, func(time.Time) tea.Msg { return noticeExpiredMsg{id: id} })
	case noticeExpiredMsg:
		if msg.id == m.noticeID {
			m.notice = ""
		}
		return nil
	case noticeWithdrawnMsg:
		if m.notice == msg.text {
			m.notice = ""
		}
		return nil
	case gotoMsg:
		cmd := m.activate(msg.page)
		if msg.msg != nil {
			cmd = tea.Batch(cmd, m.pages[msg.page].Update(msg.msg))
		}
		return cmd
	case openDialogMsg:
		m.dialog = msg.d
		return m.dialog.Init()
	case passphraseMsg:
		m.dialog = newPassphraseDialog(m.c, msg.reply, m.dialog)
		return m.dialog.Init()
	case closeDialogMsg:
		m.dialog = nil
		return nil
	case tea.KeyPressMsg:
		return m.key(msg)
	case tea.MouseClickMsg:
		if m.dialog != nil || m.showHelp {
			return nil
		}
		if msg.Y == 0 {
			_, _, spans := tabLayout(m.width)
			for i, r := range spans {
				if msg.X >= r[0] && msg.X < r[1] {
					return m.activate(pageID(i))
				}
			}
			return nil
		}
		// A click on a list row selects it (the page body starts on line 1).
		if c, ok := m.pages[m.active].(clicker); ok {
			return c.click(msg.Y-1, msg.X)
		}
		return nil
	case tea.MouseWheelMsg:
		if m.dialog != nil {
			return nil
		}
		up := msg.Button == tea.MouseWheelUp
		if w, ok := m.pages[m.active].(wheeler); ok {
			w.wheel(up)
			return nil
		}
		// Lists scroll by moving their cursor.
		k := tea.KeyPressMsg{Code: tea.KeyDown}
		if up {
			k = tea.KeyPressMsg{Code: tea.KeyUp}
		}
		return pageKey(m.pages[m.active], k)
	case owned:
		return m.pages[msg.owner()].Update(msg)
	}
	if m.dialog != nil {
		return m.dialog.Update(msg)
	}
	return m.pages[m.active].Update(msg)
}

// polled refreshes the pages when another writer changed the database.
func (m *model) polled(msg pollMsg) tea.Cmd {
	next := m.poll(m.opt.PollInterval)
	if msg.err != nil || msg.version == m.version {
		return next
	}
	first := m.version == 0
	m.version = msg.version
	if first {
		return next
	}
	// Pages not on screen reload when they are next shown.
	for i := range m.loaded {
		if pageID(i) != m.active {
			m.loaded[i] = false
		}
	}
	return tea.Batch(next, m.pages[m.active].Update(dataChangedMsg{}))
}

func (m *model) key(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, m.keys.Interrupt) {
		if lost := m.unsaved(); lost != "" && !m.quitArmed {
			m.quitArmed = true
			return func() tea.Msg {
				return noticeMsg{text: "press ctrl+c again to quit and lose " + lost, kind: noticeWarn}
			}
		}
		return tea.Quit
	}
	if m.quitArmed {
		m.quitArmed = false
		m.notice = ""
	}
	if m.dialog != nil {
		return m.dialog.Update(msg)
	}
	p := m.pages[m.active]
	if p.Editing() {
		return pageKey(p, msg)
	}
	switch {
	case key.Matches(msg, m.keys.Quit):
		return tea.Quit
	case key.Matches(msg, m.keys.Help):
		m.showHelp = !m.showHelp
		return nil
	case key.Matches(msg, m.keys.Next):
		return m.activate((m.tabIndex() + 1) % pageCount)
	case key.Matches(msg, m.keys.Prev):
		return m.activate((m.tabIndex() + pageCount - 1) % pageCount)
	case key.Matches(msg, m.keys.Jump):
		return m.activate(pageID(msg.Code - '1'))
	case m.showHelp && msg.Code == tea.KeyEscape:
		m.showHelp = false
		return nil
	}
	return pageKey(p, msg)
}

// pageKey gives a key to a page: to its / filter first, if it has one.
func pageKey(p page, msg tea.KeyPressMsg) tea.Cmd {
	if f, ok := p.(filterer); ok {
		if cmd, ok := f.filterKey(msg); ok {
			return cmd
		}
	}
	return p.key(msg)
}

// tabIndex is the tab of the active page (the onboarding screen counts as
// the dashboard).
func (m *model) tabIndex() pageID {
	if m.active == pageOnboarding {
		return pageDashboard
	}
	return m.active
}

func (m *model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "byok"
	return v
}

// render draws the whole screen as text (goldens compare it).
func (m *model) render() string {
	st := m.c.st
	p := m.pages[m.active]
	// An error or a warning may take up to three lines; the page gives
	// them up.
	var status []string
	switch {
	case m.notice != "" && m.noticeKind == noticeError:
		status = strings.Split(st.Over.Render(wrap("✗ "+m.notice, m.width)), "\n")
		status = status[:min(len(status), 3)]
	case m.notice != "" && m.noticeKind == noticeWarn:
		status = strings.Split(st.Warn.Render(wrap("⚠ "+m.notice, m.width)), "\n")
		status = status[:min(len(status), 3)]
	case m.notice != "":
		status = []string{st.OK.Render("✓ " + m.notice)}
	default:
		status = []string{""}
	}
	if m.anyBusy() {
		status[0] = m.spin.View() + " " + status[0]
	}
	m.c.height = max(m.height-2-len(status), 4)
	var body string
	switch {
	case m.showHelp:
		body = m.fullHelp()
	case m.dialog != nil:
		body = lipgloss.Place(m.c.width, m.c.height, lipgloss.Center, lipgloss.Center, m.dialog.View())
	default:
		body = p.View()
	}
	keys, global := p.Keys().ShortHelp(), m.keys.ShortHelp()
	switch {
	case m.dialog != nil:
		keys, global = m.dialog.Keys().ShortHelp(), nil
	case p.Editing():
		// q and ? are text here.
		global = nil
	}
	lines := []string{m.tabs(), block(body, m.width, m.c.height)}
	for _, l := range status {
		lines = append(lines, fit(l, m.width, false))
	}
	return strings.Join(append(lines, fit(m.hintBar(keys, global), m.width, false)), "\n")
}

// hintBar lays out the page's keys then the global ones on one line. When
// they do not fit, the page's last keys go first, so that "? help", which
// lists them all, always shows.
func (m *model) hintBar(page, global []key.Binding) string {
	h := m.help
	h.SetWidth(0)
	for n := len(page); n > 0; n-- {
		keys := append(slices.Clip(page[:n]), global...)
		if s := h.ShortHelpView(keys); lipgloss.Width(s) <= m.width {
			return s
		}
	}
	if s := h.ShortHelpView(global); lipgloss.Width(s) <= m.width || len(global) == 0 {
		return s
	}
	return h.ShortHelpView(global[:1])
}

// helpColumns lays the groups of a full help out as columns, wrapping the
// columns that do not fit beside the others onto rows below rather than
// cutting them off.
func (m *model) helpColumns(groups [][]key.Binding) string {
	h := m.help
	h.ShowAll = true
	h.SetWidth(0)
	var rows []string
	var row [][]key.Binding
	for _, g := range groups {
		if len(row) > 0 && lipgloss.Width(h.FullHelpView(append(slices.Clip(row), g))) > m.width {
			rows = append(rows, h.FullHelpView(row))
			row = nil
		}
		row = append(row, g)
	}
	if len(row) > 0 {
		rows = append(rows, h.FullHelpView(row))
	}
	return strings.Join(rows, "\n\n")
}

// tabLayout returns the tab labels for a width and the columns each
// covers on the first line (for mouse clicks).
func tabLayout(width int) (brand bool, labels [pageCount]string, spans [pageCount][2]int) {
	names := pageTabs[len(pageTabs)-1]
	x := 0
	if width >= 110 {
		names, brand, x = pageTitles, true, len("byok")+2
	} else {
		for _, set := range pageTabs {
			if tabsWidth(set) <= width {
				names = set
				break
			}
		}
	}
	for i, n := range names {
		labels[i] = fmt.Sprintf("%d %s", i+1, n)
		spans[i] = [2]int{x, x + len(labels[i])}
		x += len(labels[i]) + 2
	}
	return brand, labels, spans
}

// tabsWidth is the width of a tab line of labels.
func tabsWidth(labels [pageCount]string) int {
	w := 0
	for i, n := range labels {
		w += len(fmt.Sprintf("%d %s", i+1, n)) + 2
	}
	return w - 2
}

func (m *model) tabs() string {
	st := m.c.st
	brand, labels, _ := tabLayout(m.width)
	parts := make([]string, 0, pageCount+1)
	if brand {
		parts = append(parts, st.Title.Render("byok"))
	}
	for i, label := range labels {
		if pageID(i) == m.tabIndex() {
			parts = append(parts, st.TabOn.Render(label))
		} else {
			parts = append(parts, st.Tab.Render(label))
		}
	}
	return fit(strings.Join(parts, "  "), m.width, false)
}

func (m *model) fullHelp() string {
	st := m.c.st
	title := st.Title.Render(pageTitles[m.tabIndex()] + " — keys")
	page := m.helpColumns(m.pages[m.active].Keys().FullHelp())
	global := m.helpColumns(m.keys.FullHelp())
	return strings.Join([]string{title, "", page, "", st.Title.Render("Everywhere"), "", global, "", st.Muted.Render("? or esc closes this help")}, "\n")
}
