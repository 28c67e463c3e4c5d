package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/store"
	"github.com/byokhq/byok/store/keychain"
)

// keysPage lists the stored keys (never more than their last 4
// characters) and adds, tests, rotates and revokes them.
type keysPage struct {
	loader[app.KeyView]
	c       *common
	keys    keysPageKeys
	working string // a test or removal in flight
	// rotateReq is the check r makes before the rotate form opens.
	rotateReq request
}

// addKeyMsg opens the add form (from the onboarding screen).
type addKeyMsg struct{}

// rotateCheckedMsg answers r: the key to rotate, as app.KeyToRotate read
// it, or why it cannot take a new secret.
type rotateCheckedMsg struct {
	result
	key store.Key
	err error
}

func newKeysPage(c *common) *keysPage {
	p := &keysPage{loader: newLoader[app.KeyView](pageKeys).withDialogWrites().withFilter("filter keys, e.g. openai rejected", keyRowText), c: c, keys: newKeysPageKeys()}
	// AGE and LAST USED show how long ago: the earlier time is the larger
	// figure.
	ago := func(t time.Time) int64 { return -t.UnixNano() }
	p.sort = newSorter(
		sortCol[app.KeyView]{title: "PROVIDER", cmp: byText(func(k app.KeyView) string { return k.Provider })},
		sortCol[app.KeyView]{title: "LABEL", cmp: byText(func(k app.KeyView) string { return k.Label })},
		sortCol[app.KeyView]{title: "SOURCE", cmp: byText(func(k app.KeyView) string { return string(k.Source) })},
		sortCol[app.KeyView]{title: "AGE", cmp: byNumber(func(k app.KeyView) int64 { return int64(k.Age(time.Unix(0, 0))) }), desc: true},
		sortCol[app.KeyView]{title: "LAST USED", cmp: byNumber(func(k app.KeyView) int64 { return ago(k.LastUsedAt) }), desc: true},
		sortCol[app.KeyView]{title: "STATUS", cmp: byText(func(k app.KeyView) string { return k.Status() })},
	)
	return p
}

// keyRowText is the text of a key's row that the filter matches.
func keyRowText(k app.KeyView) string {
	src := string(k.Source)
	if k.Env != "" {
		src = k.Env
	}
	kind := ""
	if k.Admin {
		kind = "admin"
	}
	return strings.Join([]string{k.Provider, k.Label, kind, "…" + k.Last4, src, k.Status()}, " ")
}

func (p *keysPage) Keys() help.KeyMap { return p.keysFor(p.keys) }
func (p *keysPage) Busy() bool        { return p.loading || p.working != "" || p.rotateReq.busy }

func (p *keysPage) Load() tea.Cmd {
	ctx, a := p.c.ctx, p.c.app
	return p.load(p.c, func() ([]app.KeyView, error) { return a.Keys(ctx) })
}

func (p *keysPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case doneMsg:
		if msg.id == p.workID {
			p.working = "" // the test or removal has ended
		}
	case addKeyMsg:
		return p.openAdd()
	case rotateCheckedMsg:
		if cmd, ok := p.rotateReq.take(msg.result, msg.err); !ok {
			return cmd
		}
		return openDialog(p.rotateForm(msg.key))
	}
	return p.update(msg, p.Load)
}

func (p *keysPage) key(msg tea.KeyPressMsg) tea.Cmd {
	k := p.keys
	if key.Matches(msg, k.Add) {
		return p.openAdd()
	}
	if key.Matches(msg, k.Refresh) {
		return p.Load()
	}
	if key.Matches(msg, k.Balances) && p.working == "" {
		ctx, a := p.c.ctx, p.c.app
		p.working = "Reading balances…"
		return p.work(p.c, func() (noticeMsg, error) {
			bs, err := a.Balances(ctx)
			if err != nil {
				return noticeMsg{}, err
			}
			if len(bs) == 0 {
				return noticeMsg{text: "No key can read a balance: DeepSeek's and OpenRouter's keys can, and management keys of OpenRouter and xAI"}, nil
			}
			// Providers that failed alike (no network, an offline demo) are
			// named once before their shared reason.
			var reasons []string
			who := map[string][]string{}
			for _, b := range bs {
				if b.Err != nil {
					r := b.Err.Error()
					if who[r] == nil {
						reasons = append(reasons, r)
					}
					who[r] = append(who[r], b.Name)
				}
			}
			if len(reasons) > 0 {
				failed := make([]string, len(reasons))
				for i, r := range reasons {
					failed[i] = strings.Join(who[r], ", ") + ": " + r
				}
				return noticeMsg{}, errors.New(strings.Join(failed, "; "))
			}
			return noticeMsg{text: fmt.Sprintf("Read %d balance%s", len(bs), plural(len(bs)))}, nil
		})
	}
	if p.sortKey(msg, k.sortKeys) {
		return nil
	}
	if c, ok := k.move(msg, p.cursor, len(p.list)); ok {
		p.cursor = c
		return nil
	}
	sel, ok := p.selected()
	if !ok || p.working != "" {
		return nil
	}
	ctx, a := p.c.ctx, p.c.app
	switch {
	case key.Matches(msg, k.Test):
		// TestKey refuses a removed key, and an environment variable's
		// that is no longer set, as byok keys test does.
		return p.keyWork("Testing "+sel.Name()+"…", "works", func() (store.Key, error) {
			k, err := a.TestKey(ctx, sel.ID)
			return k, testFailure(err)
		})
	case key.Matches(msg, k.Rotate):
		// RotateKey's checks, in its order, refuse a home that takes no
		// new secret (a demo's, where advice to add a key instead would be
		// refused too), then a key that cannot take one (an environment
		// variable's, a removed one), before the form asks for a secret.
		if err := a.CheckNewSecret(); err != nil {
			return failure(newSecretRefused(err))
		}
		r := p.rotateReq.start(p.c, pageKeys)
		return func() tea.Msg {
			k, err := a.KeyToRotate(ctx, sel.ID)
			return rotateCheckedMsg{result: r, key: k, err: err}
		}
	case key.Matches(msg, k.Revoke):
		if sel.Revoked() {
			return nil
		}
		text := fmt.Sprintf("Revoke %s (…%s)? The secret is deleted from the keyring; its history stays. Revoke it at the provider too if it leaked.", sel.Name(), sel.Last4)
		return openDialog(newConfirm(p.c, text, func() tea.Cmd {
			return p.keyWork("Revoking "+sel.Name()+"…", "revoked", func() (store.Key, error) { return a.RemoveKey(ctx, sel.ID) })
		}))
	case key.Matches(msg, k.Default):
		// SetDefaultKey says which keys cannot be the default (removed,
		// admin, an environment variable's) and what to do instead, as
		// byok keys default does.
		return p.keyWork("", "is now the default", func() (store.Key, error) { return a.SetDefaultKey(ctx, sel.ID) })
	}
	return nil
}

// openAdd opens the add form, unless this home takes no new key: then it
// says so before anything is typed.
func (p *keysPage) openAdd() tea.Cmd {
	if err := p.c.app.CheckNewSecret(); err != nil {
		return failure(newSecretRefused(err))
	}
	return openDialog(p.addForm())
}

// newSecretRefused phrases for this view why a home takes no new secret.
func newSecretRefused(err error) error {
	if errors.Is(err, app.ErrDemoKey) {
		return errors.New("this offline demo keeps to its stand-in keys for simulated providers: it takes no new or rotated secret; run byok without --home to add your own keys")
	}
	return err
}

// labelRefused phrases for this view why a label cannot name a new key:
// app's check, said with the keys of this view.
func labelRefused(err error) error {
	var taken *app.KeyExistsError
	switch {
	case errors.As(err, &taken) && taken.Key.Revoked():
		return fmt.Errorf("%s names a revoked key, whose history keeps the name: pick another label", taken.Key.Name())
	case errors.As(err, &taken):
		return fmt.Errorf("a key %s exists already: press r on it to replace its secret, or pick another label", taken.Key.Name())
	}
	return newSecretRefused(err)
}

// keyWork runs one key operation in a command; label says what is under
// way while it runs, what how it ended ("works", "revoked").
func (p *keysPage) keyWork(label, what string, fn func() (store.Key, error)) tea.Cmd {
	p.working = label
	return p.work(p.c, func() (noticeMsg, error) {
		k, err := fn()
		return noticeMsg{text: k.Name() + " " + what}, err
	})
}

// keyring names where the secrets are kept, as the user configured it.
func (p *keysPage) keyring() string {
	if p.c.app.Config.Keyring == keychain.BackendFile {
		return "the encrypted file"
	}
	return "the keychain"
}

// keyProviders are the providers a key can be added for.
func (p *keysPage) keyProviders() []huh.Option[string] {
	var opts []huh.Option[string]
	for _, s := range p.c.app.Registry.All() {
		if s.NoKey && !s.Structured {
			continue
		}
		opts = append(opts, huh.NewOption(fmt.Sprintf("%s (%s)", s.Name, s.ID), s.ID))
	}
	return opts
}

func (p *keysPage) addForm() dialog {
	v := &struct {
		provider, label, secret string
		validate, admin         bool
	}{label: "default", validate: true}
	opts := p.keyProviders()
	if len(opts) > 0 {
		v.provider = opts[0].Value
	}
	form := huh.NewForm(
		huh.NewGroup(
			huh.NewSelect[string]().Title("Provider").Options(opts...).Value(&v.provider).Height(min(8, max(p.c.height-12, 3))),
			huh.NewInput().Title("Label").Description("work, personal… to tell keys apart").Value(&v.label).
				Validate(func(s string) error {
					label := strings.TrimSpace(s)
					if label == "" {
						return errors.New("a label is needed")
					}
					// A taken name is refused here, before the secret is
					// pasted, by the check AddKey makes: one indexed read of
					// the local database, which is why it may run inside
					// the form's update.
					ctx, cancel := context.WithTimeout(p.c.ctx, time.Second)
					defer cancel()
					if err := p.c.app.CheckKeyName(ctx, v.provider, label); err != nil {
						return labelRefused(err)
					}
					return nil
				}),
		),
		// The choice is asked only of providers whose admin or management
		// key byok can read, the ones AddAdminKey accepts.
		huh.NewGroup(
			huh.NewConfirm().Title("Is it an admin key?").Description("reads usage, cost and balance reports; never used for prompts").
				Affirmative("Admin key").Negative("Ordinary key").Value(&v.admin),
		).WithHideFunc(func() bool { return !app.TakesAdminKey(v.provider) }),
		huh.NewGroup(
			huh.NewInput().Title("Key").DescriptionFunc(func() string {
				if v.admin && app.TakesAdminKey(v.provider) {
					return "its admin or management key; kept in " + p.keyring() + " only"
				}
				if spec, ok := p.c.app.Registry.Get(v.provider); ok && spec.Structured {
					return "the credentials as one JSON value; kept in " + p.keyring() + " only"
				}
				return "kept in " + p.keyring() + " only; never shown again"
			}, []any{&v.provider, &v.admin}).EchoMode(huh.EchoModePassword).Value(&v.secret).Validate(huh.ValidateNotEmpty()),
			huh.NewConfirm().Title("Check it with the provider now?").Value(&v.validate),
		),
	)
	return newFormDialog(p.c, "Add a key", form, "Checking and saving the key…", func() tea.Cmd {
		ctx, a := p.c.ctx, p.c.app
		provider, label, secret, validate := v.provider, strings.TrimSpace(v.label), v.secret, v.validate
		admin := v.admin && app.TakesAdminKey(provider) // a choice made before the provider changed does not count
		v.secret = ""
		return p.keyWork("", "added", func() (store.Key, error) {
			if admin {
				return a.AddAdminKey(ctx, provider, label, secret, validate)
			}
			return a.AddKey(ctx, provider, label, secret, validate)
		})
	})
}

func (p *keysPage) rotateForm(k store.Key) dialog {
	v := &struct {
		secret   string
		validate bool
	}{validate: true}
	form := huh.NewForm(huh.NewGroup(
		huh.NewInput().Title("New key for "+k.Name()).Description("the old one (…"+k.Last4+") is replaced in the keychain").
			EchoMode(huh.EchoModePassword).Value(&v.secret).Validate(huh.ValidateNotEmpty()),
		huh.NewConfirm().Title("Check the new key with the provider now?").Value(&v.validate),
	))
	return newFormDialog(p.c, "Rotate "+k.Name(), form, "Checking and saving the new key…", func() tea.Cmd {
		ctx, a := p.c.ctx, p.c.app
		secret, validate := v.secret, v.validate
		v.secret = ""
		return p.keyWork("", "rotated", func() (store.Key, error) { return a.RotateKey(ctx, k.ID, secret, validate) })
	})
}

func (p *keysPage) View() string {
	st := p.c.st
	w, h := p.c.width, p.c.height
	now := p.c.now()
	var out []string
	due := 0
	for _, k := range p.list {
		if k.RotateDue {
			due++
		}
	}
	title := p.filterHead(st, "Keys", fmt.Sprintf("  %d · secrets stay in %s; only their last 4 characters show", len(p.list), p.keyring()), "keys")
	out = append(out, fit(title, w, false))
	if due > 0 {
		fix := "press r on it to replace the secret"
		if p.c.app.CheckNewSecret() != nil {
			fix = "in your own home, r on it replaces the secret (this demo keeps its stand-ins)"
		}
		out = append(out, st.Warn.Render(fmt.Sprintf("⚠ %d key%s due for rotation: %s", due, plural(due), fix)))
	}
	if p.working != "" {
		out = append(out, st.Warn.Render(p.working))
	}
	out = append(out, "")
	if len(p.list) == 0 {
		none := "No keys yet. Press " + st.Key.Render("a") + " to add one; keys in OPENAI_API_KEY and friends appear here by themselves."
		return strings.Join(append(out, p.noRows(st, "key", none)...), "\n")
	}
	cols := []col{{"", 1, false}, {"PROVIDER", 12, false}, {"LABEL", 0, false}, {"KEY", 7, false}, {"SOURCE", 8, false}, {"AGE", 8, true}, {"LAST USED", 10, true}, {"STATUS", 14, false}}
	if w >= 110 {
		cols = append(cols[:7], col{"CHECKED", 10, true}, cols[7])
	}
	rows := make([][]string, len(p.list))
	for i, k := range p.list {
		mark := ""
		if k.Default {
			mark = "★"
		}
		status := st.OK.Render(k.Status())
		switch k.Status() {
		case "revoked", "unchecked":
			status = st.Muted.Render(k.Status())
		case "rotate":
			status = st.Warn.Render("rotate")
		case "rejected", "no credit", "missing secret":
			status = st.Over.Render(k.Status())
		}
		src := string(k.Source)
		if k.Env != "" {
			src = k.Env
		}
		label := k.Label
		if k.Admin {
			label += " (admin)" // reads reports only; never sends a prompt
		}
		r := []string{mark, k.Provider, label, "…" + k.Last4, src, strings.TrimSuffix(age(now, now.Add(-k.Age(now))), " ago"), age(now, k.LastUsedAt), status}
		if w >= 110 {
			checked := k.ValidatedAt
			if k.HealthAt.After(checked) && k.Health != store.HealthOK {
				checked = k.HealthAt
			}
			r = append(r[:7], age(now, checked), r[7])
		}
		rows[i] = r
	}
	bal := p.balanceLines(w, now)
	th := h - len(out) - len(bal)
	p.offset = scroll(p.cursor, p.offset, th-1)
	p.rowsTop = len(out) + 1 // below the header
	out = append(out, st.table(p.sort.mark(cols), rows, w, th, p.cursor, p.offset))
	out = append(out, bal...)
	return strings.Join(out, "\n")
}

// balanceLines shows, under the keys, the last balance, credit or limit
// each provider told (by byok balance, b here, or the automatic
// low-balance check), with the key it was read with and how long ago.
func (p *keysPage) balanceLines(w int, now time.Time) []string {
	st := p.c.st
	var out []string
	for _, k := range p.list {
		b := k.Balance
		if b == nil {
			continue
		}
		line := fmt.Sprintf("  %-12s %s", b.Name, b.What)
		switch {
		case b.HasRemaining && b.HasTotal:
			line += fmt.Sprintf(" %s left of %s", b.Format(b.Remaining), b.Format(b.Total))
		case b.HasRemaining:
			line += " " + b.Format(b.Remaining)
		case b.HasTotal:
			line += fmt.Sprintf(" %s used of %s", b.Format(b.Used), b.Format(b.Total))
		default:
			line += fmt.Sprintf(" %s used", b.Format(b.Used))
		}
		line += fmt.Sprintf(" · %s · %s", b.KeyName, age(now, b.At))
		if b.Unavailable {
			line += " · " + st.Over.Render("cannot spend")
		}
		out = append(out, fit(line, w, false))
	}
	if len(out) == 0 {
		return nil
	}
	head := st.Muted.Render("Balances as last read (b reads them again):")
	return append([]string{"", fit(head, w, false)}, out...)
}

// testFailure phrases a failed key test for this view: the provider's
// diagnosis, and the key to press here rather than a command to run.
func testFailure(err error) error {
	var se *app.StoredKeyError
	if !errors.As(err, &se) {
		return err
	}
	name := se.Key.Name()
	switch se.Class {
	case providers.ClassAuth:
		if se.Demo {
			use := "another of the demo's keys (every other one works)"
			if se.Instead != "" {
				use = se.Instead + " (the provider's default)"
			}
			return fmt.Errorf("%s rejected the stored key %s (HTTP %d): %s. Press t on another key to see one pass, or send with %s in the Playground (press 3)", se.Provider, name, se.Status, app.DemoRejectedKey, use)
		}
		return fmt.Errorf("%s rejected the stored key %s (HTTP %d): it is wrong, revoked or lacks permission; press r to put a working key in its place, or d to revoke it", se.Provider, name, se.Status)
	case providers.ClassCredit:
		return fmt.Errorf("%s accepted the stored key %s but the account has no credit: add credit in the provider's console, then press t to test it again", se.Provider, name)
	case providers.ClassNetwork, providers.ClassTimeout:
		return fmt.Errorf("could not reach %s to test the stored key %s: check the network, then press t again", se.Provider, name)
	}
	return err
}
