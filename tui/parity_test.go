package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/store"
)

// TestBudgetsAlikeThroughCLIAndTUI sets the same budgets with `byok budget
// set` and with the Budgets view's form, each in a home of its own holding
// the same spend, and compares what each refused, warned, stored and
// raised: both go through app.SetBudget, so nothing may differ.
func TestBudgetsAlikeThroughCLIAndTUI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := buildByok(t, dir)
	config := "[providers.fake]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:9/v1\"\nno_key = true\n"
	// Both homes run on the real clock: the binary has no other.
	open := func(name string) *app.App {
		home := newHome(t, dir, name, config)
		a, err := app.Open(context.Background(), app.Options{Home: home, Env: func(string) string { return "" }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		if _, err := a.AddSpend(context.Background(), "fake", money.Dollar, "console", a.Now().Add(-time.Minute)); err != nil {
			t.Fatal(err)
		}
		return a
	}
	cliApp, tuiApp := open("cli"), open("tui")
	hs := newHarness(t, tuiApp, Options{StartView: "budgets"}, 100, 30)

	type outcome struct {
		failed   bool
		message  string   // the error
		shown    []string // the warnings and alerts, as the user reads them
		budget   string
		alerts   []string
		exitCode int
	}
	cli := func(args ...string) outcome {
		cmd := exec.Command(bin, append([]string{"--home", cliApp.DataDir(), "budget", "set"}, args...)...)
		cmd.Env = append(os.Environ(), "BYOK_HOME=")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var o outcome
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			o.failed, o.exitCode = true, ee.ExitCode()
			o.message = strings.TrimSpace(strings.TrimPrefix(stderr.String(), "byok: "))
		} else if err != nil {
			t.Fatalf("run byok: %v", err)
		}
		for _, l := range strings.Split(stderr.String(), "\n") {
			if w, ok := strings.CutPrefix(l, "warning: "); ok {
				o.shown = append(o.shown, w)
			}
			if al, ok := strings.CutPrefix(l, "alert: "); ok {
				o.shown = append(o.shown, al)
			}
		}
		return o
	}
	tuiSet := func(scope, amount string) outcome {
		hs.m.notice = ""
		hs.press("a")
		hs.contains("Add a budget")
		hs.press("ctrl+u")
		hs.typeText(scope)
		hs.press("enter")
		hs.typeText(amount)
		hs.press("enter", "enter", "enter", "enter") // monthly, 50,80,100, soft
		if hs.m.dialog != nil {
			t.Fatalf("the form is still open:\n%s", hs.screen())
		}
		o := outcome{failed: hs.m.noticeKind == noticeError}
		if o.failed {
			o.message = hs.m.notice
		} else if hs.m.noticeKind == noticeWarn {
			// The notice names the budget, then each warning and alert.
			o.shown = strings.Split(hs.m.notice, " · ")[1:]
		}
		return o
	}
	// stored reads a home afresh: an app open for a while reuses the
	// budgets it read within the last second.
	stored := func(home string, o *outcome, scope string) {
		a, err := app.Open(context.Background(), app.Options{Home: home, ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		sts, err := a.Budgets(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sts {
			if s.Budget.Scope == scope {
				b := s.Budget
				o.budget = fmt.Sprintf("%s %s %s hard=%t at %v", b.Scope, b.Limit, b.Period, b.Hard, b.Thresholds)
			}
		}
		as, err := a.Store.Alerts(context.Background(), true)
		if err != nil {
			t.Fatal(err)
		}
		for _, al := range as {
			if al.Kind != store.AlertAnomaly {
				o.alerts = append(o.alerts, fmt.Sprintf("%s %s %d%%: %s", al.Kind, al.Scope, al.Threshold, al.Message))
			}
		}
		slices.Sort(o.alerts)
	}

	for _, tc := range []struct {
		name, scope, amount string
		wantFailed          bool
		wantMessage         string // part of the error or of what is shown
		wantAlert           string // part of a stored alert
	}{
		{"unknown key", "key:fake/typo", "5", true, "no key fake/typo", ""},
		{"below the spend", "provider:fake", "1.50", false, "50% of the monthly budget provider:fake reached", "threshold provider:fake 50%"},
		{"unknown model", "model:fake/no-such-model", "20", false, "not in the price catalog", "threshold provider:fake 50%"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := cli(tc.scope, tc.amount)
			u := tuiSet(tc.scope, tc.amount)
			stored(cliApp.DataDir(), &c, tc.scope)
			stored(tuiApp.DataDir(), &u, tc.scope)
			if c.failed && c.exitCode != 2 {
				t.Errorf("the CLI exited %d, want 2 (the user's input)", c.exitCode)
			}
			c.exitCode = 0
			said := c.message + "\n" + strings.Join(c.shown, "\n")
			if c.failed != tc.wantFailed || !strings.Contains(said, tc.wantMessage) {
				t.Errorf("CLI: failed=%t, said %q; want failed=%t and %q", c.failed, said, tc.wantFailed, tc.wantMessage)
			}
			if !strings.Contains(strings.Join(c.alerts, "\n"), tc.wantAlert) || (tc.wantAlert == "") != (len(c.alerts) == 0) {
				t.Errorf("CLI: alerts %q, want one with %q", c.alerts, tc.wantAlert)
			}
			if tc.wantFailed == (c.budget != "") {
				t.Errorf("CLI: stored %q", c.budget)
			}
			if !slices.Equal(c.alerts, u.alerts) || !slices.Equal(c.shown, u.shown) || c.failed != u.failed || c.message != u.message || c.budget != u.budget {
				t.Errorf("the CLI and the TUI differ:\nCLI %+v\nTUI %+v", c, u)
			}
		})
	}
}

// TestRotateRefusedAlikeThroughCLIAndTUI presses r in the Keys view on an
// environment variable's key, on a removed key and on a stored one, and
// runs `byok keys rotate` on the same keys of the same home: both ask
// app.KeyToRotate before a secret is asked for, so each refuses with its
// error word for word, and both go on to ask for the stored key's secret.
func TestRotateRefusedAlikeThroughCLIAndTUI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	const envKey = "sk-fake-env-rotate-0000111122223333"
	ctx := context.Background()
	dir := t.TempDir()
	bin := buildByok(t, dir)
	home := newHome(t, dir, "home", "keyring = \"file\"\n")
	env := map[string]string{"OPENAI_API_KEY": envKey, "BYOK_PASSPHRASE": "rotate parity passphrase"}
	a, err := app.Open(ctx, app.Options{Home: home, Env: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	st := testStore(t, a)
	for _, k := range []store.Key{
		{Provider: "anthropic", Label: "gone", Last4: "GONE", Fingerprint: "fp-gone", Source: store.KeyKeychain, RevokedAt: fixedClock()},
		{Provider: "anthropic", Label: "work", Last4: "WORK", Fingerprint: "fp-work", Source: store.KeyKeychain},
	} {
		if err := st.PutKey(ctx, &k); err != nil {
			t.Fatal(err)
		}
	}
	hs, p := openPage[*keysPage](t, a, pageKeys, 120, 30)
	ids := map[string]int64{}
	for _, k := range p.list {
		ids[k.Name()] = k.ID
	}

	for _, tc := range []struct {
		key  string
		want string // part of the refusal; none for a key that can be rotated
	}{
		{"openai/env", "openai/env comes from an environment variable"},
		{"anthropic/gone", "anthropic/gone was removed"},
		{"anthropic/work", ""},
	} {
		t.Run(tc.key, func(t *testing.T) {
			id, ok := ids[tc.key]
			if !ok {
				t.Fatalf("the Keys view lists no %s: %v", tc.key, ids)
			}
			var refusal string
			if _, err := a.KeyToRotate(ctx, id); err != nil {
				refusal = err.Error()
			}
			if !strings.Contains(refusal, tc.want) || (tc.want == "") != (refusal == "") {
				t.Fatalf("app.KeyToRotate said %q, want %q", refusal, tc.want)
			}

			cmd := exec.Command(bin, "--home", home, "keys", "rotate", fmt.Sprint(id))
			cmd.Env = append(os.Environ(), "BYOK_HOME=", "OPENAI_API_KEY="+envKey, "BYOK_PASSPHRASE="+env["BYOK_PASSPHRASE"])
			cmd.Stdin = strings.NewReader("")
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err == nil {
				t.Fatal("byok keys rotate with nothing on stdin succeeded")
			}
			cli := strings.TrimSpace(strings.TrimPrefix(stderr.String(), "byok: "))

			for i, k := range p.list {
				if k.ID == id {
					p.cursor = i
				}
			}
			hs.m.notice = ""
			hs.press("r")
			opened := hs.m.dialog != nil
			if opened {
				hs.press("esc")
			}

			if refusal != "" {
				if cli != refusal {
					t.Errorf("the CLI said %q, want app's %q", cli, refusal)
				}
				if opened || hs.m.noticeKind != noticeError || hs.m.notice != refusal {
					t.Errorf("the TUI opened the form: %t, said %q; want app's %q", opened, hs.m.notice, refusal)
				}
				return
			}
			if !strings.Contains(cli, "no key on stdin") {
				t.Errorf("the CLI said %q, want it to ask for the new key", cli)
			}
			if !opened || hs.m.notice != "" {
				t.Errorf("the TUI opened the form: %t, said %q; want the form for %s", opened, hs.m.notice, tc.key)
			}
		})
	}
}
