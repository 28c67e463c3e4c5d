package tui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/store"
)

// keyOutcome is what one action on a key came to, through the CLI or the
// TUI: whether it was refused and with what words, and what the home holds
// afterwards.
type keyOutcome struct {
	refused bool
	said    string // the refusal, or what success said
	home    string // homeKeys after the action
}

// homeKeys reads what the actions on keys may change in a home, from its
// database afresh: each key's default mark, removal and health, and the
// alerts raised.
func homeKeys(t *testing.T, home string) string {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(home, "byok.db"), store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ks, err := st.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, k := range ks {
		lines = append(lines, fmt.Sprintf("%s default=%t removed=%t health=%q", k.Name(), k.Default, k.Revoked(), k.Health))
	}
	as, err := st.Alerts(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range as {
		lines = append(lines, fmt.Sprintf("alert %s %s: %s", a.Kind, a.Scope, a.Message))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// removeKey removes a's key provider/label, as `byok keys rm` does.
func removeKey(t *testing.T, a *app.App, provider, label string) {
	t.Helper()
	ctx := context.Background()
	k, err := a.Store.KeyByName(ctx, provider, label)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.RemoveKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
}

// keysParity drives one home through the CLI (the built binary, with env)
// and through the Keys view of an app open on the same home.
type keysParity struct {
	t    *testing.T
	bin  string
	home string
	env  []string
	hs   *harness
	p    *keysPage
	ids  map[string]int64
}

func newKeysParity(t *testing.T, bin, home string, env map[string]string) *keysParity {
	t.Helper()
	a, err := app.Open(context.Background(), app.Options{Home: home, Env: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	kp := &keysParity{t: t, bin: bin, home: home, env: []string{"BYOK_HOME="}, ids: map[string]int64{}}
	for k, v := range env {
		kp.env = append(kp.env, k+"="+v)
	}
	kp.hs, kp.p = openPage[*keysPage](t, a, pageKeys, 120, 40)
	for _, k := range kp.p.list {
		kp.ids[k.Name()] = k.ID
	}
	return kp
}

// id returns the id of the key the Keys view lists by name.
func (kp *keysParity) id(name string) int64 {
	kp.t.Helper()
	id, ok := kp.ids[name]
	if !ok {
		kp.t.Fatalf("the Keys view lists no %s: %v", name, kp.ids)
	}
	return id
}

// cli runs byok --home home args… with nothing on stdin.
func (kp *keysParity) cli(args ...string) keyOutcome {
	kp.t.Helper()
	cmd := exec.Command(kp.bin, append([]string{"--home", kp.home}, args...)...)
	cmd.Env = append(os.Environ(), kp.env...)
	cmd.Stdin = strings.NewReader("")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	var o keyOutcome
	err := cmd.Run()
	if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
		o.refused, o.said = true, strings.TrimSpace(strings.TrimPrefix(stderr.String(), "byok: "))
	} else if err != nil {
		kp.t.Fatalf("run byok: %v", err)
	} else {
		o.said = strings.TrimSpace(stdout.String())
	}
	o.home = homeKeys(kp.t, kp.home)
	return o
}

// press selects the key id in the Keys view, reads the keys again, and
// presses key on it.
func (kp *keysParity) press(id int64, key string) keyOutcome {
	kp.t.Helper()
	kp.hs.drive(kp.p.Load())
	for i, k := range kp.p.list {
		if k.ID == id {
			kp.p.cursor = i
		}
	}
	kp.hs.m.notice = ""
	kp.hs.press(key)
	if kp.p.working != "" || kp.hs.m.dialog != nil {
		kp.t.Fatalf("%s left the view busy (%q) or a dialog open:\n%s", key, kp.p.working, kp.hs.screen())
	}
	return keyOutcome{refused: kp.hs.m.noticeKind == noticeError, said: kp.hs.m.notice, home: homeKeys(kp.t, kp.home)}
}

// TestTestAndDefaultAlikeThroughCLIAndTUI runs `byok keys test` and `byok
// keys default` on each kind of key, and presses t and * on the same key
// in the Keys view of the same home: a stored key, a removed one, an
// admin key and an environment variable's in a home of one's own, and a
// demo key, a removed one and an environment variable's in a demo home.
// Both ask app.TestKey and app.SetDefaultKey, so each refusal is app's
// error word for word and leaves the home as it was, a success succeeds
// through both, and the home holds the same after either.
func TestTestAndDefaultAlikeThroughCLIAndTUI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	const (
		envKey   = "sk-fake-env-parity-0000111122223333"
		workKey  = "sk-fake-work-parity-0000111122223333"
		homeKey  = "sk-fake-home-parity-0000111122223333"
		goneKey  = "sk-fake-gone-parity-0000111122223333"
		adminKey = "sk-admin-fake-parity-0000111122223333"
	)
	// OpenAI's model list and admin projects list answer the keys above.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") {
		case envKey, workKey, homeKey, goneKey, adminKey:
			fmt.Fprint(w, `{"object":"list","data":[]}`)
		default:
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":{"message":"Incorrect API key provided.","type":"invalid_request_error","code":"invalid_api_key"}}`)
		}
	}))
	t.Cleanup(srv.Close)
	ctx := context.Background()
	dir := t.TempDir()
	bin := buildByok(t, dir)

	own := newHome(t, dir, "own", fmt.Sprintf("keyring = \"file\"\n[providers.openai]\nbase_url = %q\n", srv.URL+"/v1"))
	env := map[string]string{"OPENAI_API_KEY": envKey, "BYOK_PASSPHRASE": "keys parity passphrase"}
	setup, err := app.Open(ctx, app.Options{Home: own, Env: func(k string) string { return env[k] }})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []struct{ label, secret string }{{"work", workKey}, {"home", homeKey}, {"gone", goneKey}} {
		if _, err := setup.AddKey(ctx, "openai", k.label, k.secret, false); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := setup.AddAdminKey(ctx, "openai", "", adminKey, false); err != nil {
		t.Fatal(err)
	}
	removeKey(t, setup, "openai", "gone")
	setup.Close()

	// The demo makes its home as a user's `byok demo` does, its made-up
	// keys in the home's own file keyring.
	demo := newHome(t, dir, "demo", "keyring = \"file\"\n")
	made := exec.Command(bin, "demo", "--home", demo, "--events", "50", "--days", "2", "--no-tui")
	made.Env = append(os.Environ(), "BYOK_HOME=", "OPENAI_API_KEY=")
	if out, err := made.CombinedOutput(); err != nil {
		t.Fatalf("byok demo: %v\n%s", err, out)
	}
	demoEnv := map[string]string{"OPENAI_API_KEY": envKey}
	setup, err = app.Open(ctx, app.Options{Home: demo, Env: func(k string) string { return demoEnv[k] }})
	if err != nil {
		t.Fatal(err)
	}
	removeKey(t, setup, "anthropic", "side-project")
	setup.Close()

	homes := map[string]*keysParity{"own": newKeysParity(t, bin, own, env), "demo": newKeysParity(t, bin, demo, demoEnv)}
	for _, tc := range []struct {
		home, key, press string
		want             string // part of the refusal, or of what success says
		refused          bool
		never            string // what a refusal must not advise
	}{
		{"own", "openai/work", "t", "openai/work works", false, ""},
		{"own", "openai/gone", "t", "openai/gone was removed and its secret deleted: there is nothing to test; add a new key with `byok keys add openai --label gone-2`", true, ""},
		{"own", "openai/env", "t", "openai/env works", false, ""},
		{"own", "openai/admin", "t", "openai/admin works", false, ""},
		{"own", "openai/env", "*", "openai/env comes from an environment variable and cannot be the default", true, ""},
		{"own", "openai/gone", "*", "openai/gone was removed and cannot be the default", true, ""},
		{"own", "openai/admin", "*", "openai/admin is an admin key", true, ""},
		{"own", "openai/home", "*", "openai/home is now the default", false, ""},
		{"demo", "openai/work", "t", "openai/work works", false, ""},
		{"demo", "anthropic/side-project", "t", "anthropic/side-project was removed and its secret deleted: there is nothing to test", true, "byok keys add"},
		{"demo", "openai/env", "t", "openai/env works", false, ""},
		{"demo", "openai/env", "*", "openai/env comes from an environment variable and cannot be the default", true, "import-env"},
		{"demo", "anthropic/side-project", "*", "anthropic/side-project was removed and cannot be the default", true, "byok keys add"},
		{"demo", "openai/personal", "*", "openai/personal is now the default", false, ""},
	} {
		t.Run(tc.home+" "+tc.press+" "+tc.key, func(t *testing.T) {
			kp := homes[tc.home]
			kp.t = t
			id := kp.id(tc.key)
			before := homeKeys(t, kp.home)
			verb := map[string]string{"t": "test", "*": "default"}[tc.press]
			c := kp.cli("keys", verb, fmt.Sprint(id))
			u := kp.press(id, tc.press)
			for _, o := range []struct {
				who string
				keyOutcome
			}{{"the CLI", c}, {"the TUI", u}} {
				if o.refused != tc.refused || !strings.Contains(o.said, tc.want) || (tc.never != "" && strings.Contains(o.said, tc.never)) {
					t.Errorf("%s: refused=%t, said %q; want refused=%t and %q", o.who, o.refused, o.said, tc.refused, tc.want)
				}
			}
			if tc.refused && (c.said != u.said || c.home != before || u.home != before) {
				t.Errorf("the refusals differ or changed the home:\nCLI %q\nTUI %q\nbefore:\n%s\nafter the CLI:\n%s\nafter the TUI:\n%s", c.said, u.said, before, c.home, u.home)
			}
			if c.home != u.home {
				t.Errorf("the home differs after the CLI and after the TUI:\n%s\n---\n%s", c.home, u.home)
			}
		})
	}
}
