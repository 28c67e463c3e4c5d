package tui

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/sahilm/fuzzy"
)

// dialog is a modal over the active page: a form, a confirmation or a
// picker. It gets every key while open.
type dialog interface {
	Init() tea.Cmd
	Update(msg tea.Msg) tea.Cmd
	View() string
	Keys() help.KeyMap
	Busy() bool
}

// dialogKeys are the keys shown while a dialog is open.
type dialogKeys struct {
	Submit, Back, Cancel, Up, Down key.Binding
}

func newDialogKeys(submit string) dialogKeys {
	return dialogKeys{
		Submit: bind("enter", submit),
		Back:   bind("shift+tab", "back"),
		Cancel: bind("esc", "cancel"),
		Up:     key.NewBinding(key.WithKeys("up", "ctrl+p"), key.WithHelp("↑", "up")),
		Down:   key.NewBinding(key.WithKeys("down", "ctrl+n"), key.WithHelp("↓", "down")),
	}
}

// ShortHelp implements help.KeyMap.
func (k dialogKeys) ShortHelp() []key.Binding { return []key.Binding{k.Submit, k.Back, k.Cancel} }

// FullHelp implements help.KeyMap.
func (k dialogKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Submit, k.Cancel, k.Up, k.Down}}
}

// formDialog shows a huh form. On submit it calls submit, whose command
// does the work; the dialog then shows working until the owner page
// closes it with the result.
type formDialog struct {
	c       *common
	title   string
	form    *huh.Form
	submit  func() tea.Cmd
	working string
	busy    bool
	keys    dialogKeys
	// huh moves to another field by a command, whose message comes after
	// the keys already waiting: typed or pasted quickly, the characters
	// after a tab would land in the field being left. No issue in
	// charmbracelet/huh reports this, so these are the source lines: an
	// input returns huh.NextField as a command on tab or enter, in huh
	// v2.0.3,
	// https://github.com/charmbracelet/huh/blob/v2.0.3/field_input.go#L357
	// and https://github.com/charmbracelet/huh/blob/v2.0.3/group.go#L189.
	// Keys that arrive while a move is under way are held (from is the
	// field being left) and replayed once the focus has moved, or after
	// moveWait when it does not (a value that fails validation).
	moving bool
	from   huh.Field
	moveID int
	held   []tea.Msg
	// invalid says the focused field holds a value its check refused;
	// the theme marks that field until the value is put right.
	invalid bool
}

// moveWait bounds how long keys are held for a field move that does not
// happen.
const moveWait = 150 * time.Millisecond

// redrawMsg makes a form draw its fields again.
type redrawMsg struct{}

// moveDoneMsg ends the hold of the move it names, if still under way.
type moveDoneMsg struct{ id int }

// movesFocus reports whether k may move the form to another field.
func movesFocus(k tea.KeyPressMsg) bool {
	switch k.String() {
	case "tab", "shift+tab", "enter":
		return true
	}
	return false
}

func newFormDialog(c *common, title string, form *huh.Form, working string, submit func() tea.Cmd) *formDialog {
	d := &formDialog{c: c, title: title, submit: submit, working: working, keys: newDialogKeys("next / submit")}
	// huh's inputs show a refused value's message under the form but do
	// not mark the field itself (v2.0.3); the theme, read at every
	// render, gives the focused field a ✗ and the error colour while its
	// value is refused. Validation keeps the focus on the refused field,
	// so the focused field is the one to mark.
	theme := huh.ThemeFunc(func(dark bool) *huh.Styles {
		t := huh.ThemeCharm(dark)
		if d.invalid {
			over := c.st.Over.GetForeground()
			t.Focused.Base = t.Focused.Base.BorderForeground(over)
			t.Focused.Title = t.Focused.Title.Foreground(over).SetString("✗")
		}
		return t
	})
	d.form = form.WithShowHelp(false).WithWidth(min(64, c.width-6)).WithTheme(theme)
	return d
}

func (d *formDialog) Init() tea.Cmd { return d.form.Init() }

func (d *formDialog) Busy() bool { return d.busy }

func (d *formDialog) Keys() help.KeyMap { return d.keys }

func (d *formDialog) Update(msg tea.Msg) tea.Cmd {
	// esc closes the dialog even while its work runs; the result still
	// arrives as a notice.
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, d.keys.Cancel) {
		return closeDialog
	}
	if d.busy {
		return nil
	}
	switch msg := msg.(type) {
	case tea.KeyPressMsg, tea.PasteMsg:
		if d.moving {
			d.held = append(d.held, msg)
			return nil
		}
		if k, ok := msg.(tea.KeyPressMsg); ok && movesFocus(k) {
			d.moving, d.from = true, d.form.GetFocusedField()
			d.moveID++
			id := d.moveID
			return tea.Batch(d.update(msg), d.c.after(moveWait, func(time.Time) tea.Msg { return moveDoneMsg{id} }))
		}
	case moveDoneMsg:
		if d.moving && msg.id == d.moveID {
			return d.replay()
		}
		return nil
	}
	cmd := d.update(msg)
	if d.moving && d.form.GetFocusedField() != d.from {
		return tea.Batch(cmd, d.replay())
	}
	return cmd
}

// replay ends a move and hands on the keys held during it, holding again
// from the next key that moves the focus.
func (d *formDialog) replay() tea.Cmd {
	d.moving = false
	held := d.held
	d.held = nil
	var cmds []tea.Cmd
	for i, m := range held {
		if d.moving {
			d.held = append(d.held, held[i:]...)
			break
		}
		cmds = append(cmds, d.Update(m))
	}
	return tea.Batch(cmds...)
}

// update passes msg to the form and acts on the state it leaves.
func (d *formDialog) update(msg tea.Msg) tea.Cmd {
	f, cmd := d.form.Update(msg)
	if ff, ok := f.(*huh.Form); ok {
		d.form = ff
	}
	field := d.form.GetFocusedField()
	if invalid := field != nil && field.Error() != nil; invalid != d.invalid {
		// huh draws a group's fields when it updates; a message none of
		// them knows draws them again with the mark put on or taken off.
		d.invalid = invalid
		_, redraw := d.form.Update(redrawMsg{})
		cmd = tea.Batch(cmd, redraw)
	}
	switch d.form.State {
	case huh.StateCompleted:
		d.busy = true
		return d.submit()
	case huh.StateAborted:
		return closeDialog
	}
	return cmd
}

func (d *formDialog) View() string {
	st := d.c.st
	body := d.form.View()
	if d.busy {
		body = st.Warn.Render(d.working)
	}
	return st.Box.Render(st.Title.Render(d.title) + "\n\n" + body)
}

// confirmDialog asks yes or no before something that cannot be undone.
type confirmDialog struct {
	c    *common
	text string
	yes  func() tea.Cmd
	keys confirmKeys
}

type confirmKeys struct{ Yes, No key.Binding }

// ShortHelp implements help.KeyMap.
func (k confirmKeys) ShortHelp() []key.Binding { return []key.Binding{k.Yes, k.No} }

// FullHelp implements help.KeyMap.
func (k confirmKeys) FullHelp() [][]key.Binding { return [][]key.Binding{{k.Yes, k.No}} }

func newConfirm(c *common, text string, yes func() tea.Cmd) *confirmDialog {
	return &confirmDialog{c: c, text: text, yes: yes, keys: confirmKeys{
		Yes: bind("y", "yes"),
		No:  key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "no")),
	}}
}

func (d *confirmDialog) Init() tea.Cmd     { return nil }
func (d *confirmDialog) Busy() bool        { return false }
func (d *confirmDialog) Keys() help.KeyMap { return d.keys }

func (d *confirmDialog) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(k, d.keys.Yes):
		return tea.Batch(closeDialog, d.yes())
	case key.Matches(k, d.keys.No):
		return closeDialog
	}
	return nil
}

func (d *confirmDialog) View() string {
	st := d.c.st
	return st.Box.Render(wrap(d.text, min(60, d.c.width-8)) + "\n\n" + st.Key.Render("y") + " yes   " + st.Key.Render("n") + " no")
}

// pickerDialog filters a list with fuzzy matching; enter picks the
// highlighted item, or the typed text when free is set and it matches
// nothing (a model the catalog does not know).
type pickerDialog struct {
	c      *common
	title  string
	items  []string
	shown  []string
	cursor int
	input  textinput.Model
	free   func(string) bool
	pick   func(string) tea.Cmd
	keys   dialogKeys
	// notes, when set, says what to show beside an item (a model's price
	// and whether a key is on hand) and whether the item ranks first.
	notes func(string) (note string, preferred bool)
}

func newPicker(c *common, title string, items []string, current string, free func(string) bool, pick func(string) tea.Cmd) *pickerDialog {
	in := newInput("> ", "type to filter")
	in.SetWidth(min(60, c.width-10))
	in.Focus()
	d := &pickerDialog{c: c, title: title, items: items, input: in, free: free, pick: pick, keys: newDialogKeys("pick")}
	d.keys.Back.SetEnabled(false)
	d.filter()
	for i, it := range d.shown {
		if it == current {
			d.cursor = i
		}
	}
	return d
}

func (d *pickerDialog) Init() tea.Cmd     { return nil }
func (d *pickerDialog) Busy() bool        { return false }
func (d *pickerDialog) Keys() help.KeyMap { return d.keys }

// findModels filters "provider/model" names fuzzily. A typed model name
// ("gpt-4o-mini") puts the models of exactly that name first, in the order
// of the items (the playground lists providers with keys first), then the
// preferred items (models of a provider with a key: "4o-mini" finds
// openai/gpt-4o-mini before azure's when only openai has a key), each tier
// in fuzzy order. preferred may be nil.
func findModels(q string, items []string, preferred func(string) bool) []fuzzy.Match {
	ms := fuzzy.Find(q, items)
	tier := func(m fuzzy.Match) int {
		_, name, _ := strings.Cut(m.Str, "/")
		switch {
		case strings.EqualFold(m.Str, q) || strings.EqualFold(name, q):
			return 0
		case preferred != nil && preferred(m.Str):
			return 1
		}
		return 2
	}
	slices.SortStableFunc(ms, func(a, b fuzzy.Match) int {
		ta, tb := tier(a), tier(b)
		if ta == 0 && tb == 0 {
			return cmp.Compare(a.Index, b.Index)
		}
		return cmp.Compare(ta, tb)
	})
	return ms
}

func (d *pickerDialog) filter() {
	q := strings.TrimSpace(d.input.Value())
	if q == "" {
		d.shown = d.items
		d.cursor = min(d.cursor, max(len(d.shown)-1, 0))
		return
	}
	var preferred func(string) bool
	if d.notes != nil {
		preferred = func(s string) bool { _, ok := d.notes(s); return ok }
	}
	ms := findModels(q, d.items, preferred)
	d.shown = make([]string, len(ms))
	for i, m := range ms {
		d.shown[i] = m.Str
	}
	d.cursor = 0
}

func (d *pickerDialog) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, d.keys.Cancel):
			return closeDialog
		case key.Matches(k, d.keys.Up):
			d.cursor = max(d.cursor-1, 0)
			return nil
		case key.Matches(k, d.keys.Down):
			d.cursor = min(d.cursor+1, max(len(d.shown)-1, 0))
			return nil
		case key.Matches(k, d.keys.Submit):
			v := strings.TrimSpace(d.input.Value())
			for _, it := range d.items {
				if strings.EqualFold(it, v) {
					return tea.Batch(closeDialog, d.pick(it))
				}
			}
			if d.free != nil && d.free(v) {
				return tea.Batch(closeDialog, d.pick(v))
			}
			if len(d.shown) == 0 {
				return nil
			}
			return tea.Batch(closeDialog, d.pick(d.shown[d.cursor]))
		}
	}
	cmd := forward(&d.input, msg)
	d.filter()
	return cmd
}

func (d *pickerDialog) View() string {
	st := d.c.st
	w := min(64, d.c.width-8)
	h := max(min(14, d.c.height-8), 3)
	off := scroll(d.cursor, max(d.cursor-h+1, 0), h)
	var lines []string
	for i := off; i < len(d.shown) && len(lines) < h; i++ {
		l := fit(" "+d.shown[i], w, false)
		if d.notes != nil {
			if note, _ := d.notes(d.shown[i]); note != "" {
				nw := min(len([]rune(note))+1, w/2)
				l = fit(" "+d.shown[i], w-nw, false) + fit(note, nw, true)
			}
		}
		if i == d.cursor {
			l = st.Selected.Render(l)
		}
		lines = append(lines, l)
	}
	if len(d.shown) == 0 {
		hint := "no match"
		if d.free != nil && d.free(strings.TrimSpace(d.input.Value())) {
			hint = "no match — enter uses what you typed"
		}
		lines = append(lines, st.Muted.Render(hint))
	}
	info := st.Muted.Render(count(int64(len(d.shown))) + " of " + count(int64(len(d.items))))
	return st.Box.Render(st.Title.Render(d.title) + "  " + info + "\n" + d.input.View() + "\n\n" + block(strings.Join(lines, "\n"), w, h))
}
