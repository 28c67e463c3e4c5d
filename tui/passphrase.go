package tui

import (
	"errors"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
)

// The file keyring asks for its passphrase the first time a secret is
// needed. On the command line that is a hidden prompt on the terminal;
// while the TUI runs the terminal is the program's, so a dialog asks
// instead, and the answer goes back to the command waiting for it.

// errNoPassphrase is the answer when the dialog is cancelled.
var errNoPassphrase = errors.New("no passphrase given: the file keyring stays locked (set BYOK_PASSPHRASE to skip the question)")

// passphraseMsg asks for the passphrase; exactly one answer goes to reply.
type passphraseMsg struct{ reply chan<- passphraseAnswer }

type passphraseAnswer struct {
	pass string
	err  error
}

// askPassphrase is the app's passphrase source while the program runs. It
// is called from a command's goroutine (never from Update) and waits for
// the dialog's answer.
func (c *common) askPassphrase() (string, error) {
	reply := make(chan passphraseAnswer, 1)
	c.send(passphraseMsg{reply: reply})
	select {
	case a := <-reply:
		return a.pass, a.err
	case <-c.ctx.Done():
		return "", c.ctx.Err()
	}
}

// passphraseDialog asks for the passphrase over whatever dialog was open
// (a key form waiting on its save), and puts that one back when answered.
type passphraseDialog struct {
	*formDialog
	reply    chan<- passphraseAnswer
	prev     dialog
	answered bool
}

func newPassphraseDialog(c *common, reply chan<- passphraseAnswer, prev dialog) *passphraseDialog {
	d := &passphraseDialog{reply: reply, prev: prev}
	var pass string
	form := huh.NewForm(huh.NewGroup(
		huh.NewInput().Title("Passphrase").Description("the secrets file is encrypted with it; set BYOK_PASSPHRASE to skip this").
			EchoMode(huh.EchoModePassword).Value(&pass),
	))
	d.formDialog = newFormDialog(c, "Unlock the file keyring", form, "Unlocking…", func() tea.Cmd {
		return d.answer(pass, nil)
	})
	return d
}

func (d *passphraseDialog) Update(msg tea.Msg) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, d.keys.Cancel) {
		return d.answer("", errNoPassphrase)
	}
	cmd := d.formDialog.Update(msg)
	if d.form.State == huh.StateAborted {
		return d.answer("", errNoPassphrase)
	}
	return cmd
}

// answer hands the passphrase (or the refusal) to the waiting command
// once, then shows the dialog it covered again.
func (d *passphraseDialog) answer(pass string, err error) tea.Cmd {
	if !d.answered {
		d.answered = true
		d.reply <- passphraseAnswer{pass: pass, err: err}
	}
	if d.prev != nil {
		return openDialog(d.prev)
	}
	return closeDialog
}
