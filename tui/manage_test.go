package tui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/store"
	"github.com/byokhq/byok/store/keychain"
)

func TestKeys(t *testing.T) {
	// OpenAI points at a server that rejects every key.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`)
	}))
	t.Cleanup(srv.Close)
	a, sec := openAIAppAt(t, srv.URL)
	ctx := context.Background()
	if _, err := a.SeedDemo(ctx, app.DemoOptions{Events: 200, Days: 10, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	hs, p := openPage[*keysPage](t, a, pageKeys, 120, 40)
	hs.contains("openai", "work", "…Xk2q", "due for rotation")

	const secret = "sk-tuitest-0123456789abcdefWXYZ"
	hs.press("a")
	if hs.m.dialog == nil {
		t.Fatal("a did not open the form")
	}
	hs.contains("Add a key", "Provider")
	hs.press("enter") // the first provider: OpenAI
	// A label that names a key already is refused in the field.
	hs.press("ctrl+u")
	hs.typeText("work")
	hs.press("enter")
	hs.contains("a key openai/work exists already", "Label")
	hs.press("ctrl+u")
	hs.typeText("default")
	hs.press("enter")
	hs.contains("Is it an admin key?", "never used for prompts")
	hs.press("enter") // an ordinary key, the choice's default
	hs.typeText(secret)
	hs.lacks(secret)
	hs.press("enter")
	hs.press("left", "enter") // do not check it with the provider
	if hs.m.dialog != nil {
		t.Fatalf("the form is still open:\n%s", hs.screen())
	}
	var added *app.KeyView
	for i, k := range p.list {
		if k.Provider == "openai" && k.Label == "default" {
			added = &p.list[i]
		}
	}
	if added == nil || added.Last4 != "WXYZ" {
		t.Fatalf("the new key is not listed with its last 4: %+v", added)
	}
	got, err := sec.Get(ctx, "openai/default")
	if err != nil || got != secret {
		t.Fatalf("the keyring holds %q (%v)", got, err)
	}
	hs.contains("openai/default added", "…WXYZ")
	hs.lacks(secret, "sk-tuitest")

	// Move to the new key, test it against the rejecting server.
	for i, k := range p.list {
		if k.ID == added.ID {
			p.cursor = i
		}
	}
	const rotated = "sk-tuitest-rotated-0123456789NEW1"
	hs.press("r")
	hs.contains("Rotate openai/default", "…WXYZ")
	hs.typeText(rotated)
	hs.press("enter", "left", "enter")
	if k, err := a.Store.KeyByID(ctx, added.ID); err != nil || k.Last4 != "NEW1" || k.RotatedAt.IsZero() {
		t.Fatalf("after rotating: %+v %v", k, err)
	}
	if got, _ := sec.Get(ctx, "openai/default"); got != rotated {
		t.Fatal("the keyring still holds the old secret")
	}
	hs.contains("openai/default rotated", "…NEW1")
	hs.lacks(rotated)

	hs.press("t")
	hs.contains("rejected the stored key", "press r to put a")
	hs.lacks("byok keys rotate")

	hs.press("d")
	hs.contains("Revoke openai/default")
	hs.press("y")
	k, err := a.Store.KeyByID(ctx, added.ID)
	if err != nil || !k.Revoked() {
		t.Fatalf("the key was not revoked: %+v %v", k, err)
	}
	if _, err := sec.Get(ctx, "openai/default"); err == nil {
		t.Error("the secret is still in the keyring after revoking")
	}
	hs.contains("revoked")
}

// TestFormTakesABurstOfKeys types a whole form at once, as a paste or a
// fast typist does: every character lands in the field it was typed for,
// although the form moves between fields by a command that runs after
// the keys already waiting.
func TestFormTakesABurstOfKeys(t *testing.T) {
	a := testApp(t, "", true)
	hs := newHarness(t, a, Options{StartView: "budgets", Now: fixedClock}, 100, 30)
	hs.press("a")
	hs.contains("Add a budget")
	hs.burst("ctrl+u", "provider:groq", "tab", "7.5", "tab", "up", "enter", "enter", "enter")
	if hs.m.dialog != nil {
		t.Fatalf("the form is still open:\n%s", hs.screen())
	}
	b, err := storedBudget(context.Background(), a, "provider:groq")
	if err != nil {
		t.Fatalf("the budget was not saved: %v\n%s", err, hs.screen())
	}
	if b.Limit != 750*money.Cent || b.Period != store.Weekly {
		t.Errorf("saved %s %s, want $7.50 weekly", b.Limit, b.Period)
	}
}

func TestBudgets(t *testing.T) {
	a := testApp(t, "", true)
	ctx := context.Background()
	hs, p := openPage[*budgets](t, a, pageBudgets, 80, 24)
	n := len(p.list)
	hs.contains("all", "monthly", "SPENT OF LIMIT", "RESETS")

	hs.press("a")
	hs.contains("Add a budget", "Scope")
	hs.press("ctrl+u")
	// An unknown provider is refused in the field; the form stays open.
	hs.typeText("provider:groq5")
	hs.press("enter")
	hs.contains(`unknown provider "groq5"`, "Add a budget", "✗ Scope", "provider:groq5")
	if hs.m.dialog == nil {
		t.Fatal("an unknown provider closed the form")
	}
	// The mark goes once the value is put right.
	hs.press("backspace")
	hs.lacks("✗ Scope")
	hs.press("enter")
	hs.typeText("12.50")
	hs.press("enter")
	hs.press("up", "enter") // weekly
	hs.press("enter")       // thresholds as they are
	hs.press("enter")       // soft
	if hs.m.dialog != nil {
		t.Fatalf("the form is still open:\n%s", hs.screen())
	}
	b, err := storedBudget(ctx, a, "provider:groq")
	if err != nil {
		t.Fatalf("the budget was not saved: %v\n%s", err, hs.screen())
	}
	if b.Limit != 1250*money.Cent || b.Period != store.Weekly || b.Hard {
		t.Errorf("saved %s %s hard=%v, want $12.50 weekly soft", b.Limit, b.Period, b.Hard)
	}
	if len(p.list) != n+1 {
		t.Fatalf("the list has %d budgets, want %d", len(p.list), n+1)
	}
	hs.contains("provider:groq", "$12.50")

	// Edit: the scope stays, the amount changes.
	for i, s := range p.list {
		if s.Budget.Scope == "provider:groq" {
			p.cursor = i
		}
	}
	hs.press("e")
	hs.contains("Edit the budget on provider:groq")
	hs.press("ctrl+u")
	hs.typeText("20")
	hs.press("enter", "enter", "enter", "enter")
	if b, err := storedBudget(ctx, a, "provider:groq"); err != nil || b.Limit != 20*money.Dollar || b.Period != store.Weekly {
		t.Fatalf("after editing: %+v %v", b, err)
	}

	hs.press("d", "y")
	if _, err := storedBudget(ctx, a, "provider:groq"); err == nil {
		t.Fatal("the budget is still stored after deleting")
	}
	for _, s := range p.list {
		if s.Budget.Scope == "provider:groq" {
			t.Fatal("the deleted budget is still listed")
		}
	}
	hs.contains("Deleted the budget on provider:groq")
}

func TestAlerts(t *testing.T) {
	a := testApp(t, "", true)
	ctx := context.Background()
	hs, p := openPage[*alerts](t, a, pageAlerts, 80, 24)
	n := len(p.list)
	if n < 2 {
		t.Fatalf("the demo raised %d alerts, want several", n)
	}
	hs.press("a")
	if len(p.list) != n-1 {
		t.Fatalf("after acknowledging one, %d are listed, want %d", len(p.list), n-1)
	}
	hs.contains("Acknowledged 1 alert")
	hs.press("h")
	if len(p.list) != n {
		t.Fatalf("with acknowledged ones shown, %d are listed, want %d", len(p.list), n)
	}
	hs.press("h", "A")
	left, err := a.Store.Alerts(ctx, false)
	if err != nil || len(left) != 0 || len(p.list) != 0 {
		t.Fatalf("after A, %d stay unacknowledged (%v)", len(left), err)
	}
	hs.contains("No alerts.")
}

func TestPricing(t *testing.T) {
	a := testApp(t, "", false)
	ctx := context.Background()
	hs, p := openPage[*pricingPage](t, a, pagePricing, 120, 40)
	if len(p.list) < 100 {
		t.Fatalf("the catalog lists %d prices", len(p.list))
	}
	hs.press("/")
	hs.typeText("openai/gpt-4o-mini")
	hs.press("enter")
	sel, ok := p.selected()
	if !ok || sel.Provider != "openai" || !strings.HasPrefix(sel.Model, "gpt-4o-mini") {
		t.Fatalf("search selected %s/%s", sel.Provider, sel.Model)
	}
	hs.contains("search openai/gpt-4o-mini", "openai/gpt-4o-mini")

	hs.press("enter")
	hs.contains("Set a price", "Input, $ per 1M tokens")
	hs.press("enter") // model as it is
	hs.press("ctrl+u")
	hs.typeText("1.25")
	hs.press("enter", "enter", "enter")
	if hs.m.dialog != nil {
		t.Fatalf("the form is still open:\n%s", hs.screen())
	}
	got, ok := a.Catalog().Lookup("openai", sel.Model)
	if !ok || got.Source != "override" || got.Input != 1_250_000 {
		t.Fatalf("after setting, the catalog has %+v", got)
	}
	hs.contains("override", "$1.25")

	for i, idx := range p.shown {
		if p.list[idx].Model == sel.Model {
			p.cursor = i
		}
	}
	hs.press("x", "y")
	ovs, err := a.Overrides(ctx)
	if err != nil || len(ovs) != 0 {
		t.Fatalf("overrides after removing: %v %v", ovs, err)
	}
	if got, _ := a.Catalog().Lookup("openai", sel.Model); got.Source == "override" {
		t.Fatal("the catalog still applies the removed override")
	}
}

// The file keyring's passphrase is asked in a dialog over whatever was open,
// answered once, and the covered dialog comes back.
func TestPassphraseDialog(t *testing.T) {
	a := testApp(t, "", false)
	hs := newHarness(t, a, Options{StartView: "budgets", Now: fixedClock}, 80, 24)
	hs.press("a")
	form := hs.m.dialog
	if form == nil {
		t.Fatal("a did not open the budget form")
	}

	reply := make(chan passphraseAnswer, 1)
	hs.send(passphraseMsg{reply: reply})
	hs.contains("Unlock the file keyring", "BYOK_PASSPHRASE")
	hs.typeText("correct horse")
	hs.lacks("correct horse")
	hs.press("enter")
	if got := <-reply; got.pass != "correct horse" || got.err != nil {
		t.Fatalf("answer %+v", got)
	}
	if hs.m.dialog != form {
		t.Fatalf("the budget form did not come back:\n%s", hs.screen())
	}

	hs.press("esc") // the form goes
	hs.send(passphraseMsg{reply: reply})
	hs.press("esc")
	if got := <-reply; !errors.Is(got.err, errNoPassphrase) {
		t.Fatalf("a cancelled dialog answered %+v", got)
	}
	if hs.m.dialog != nil {
		t.Fatal("the cancelled dialog is still open")
	}
}

// The keys view says where the secrets are: the keychain or the file.
func TestKeysNameTheirKeyring(t *testing.T) {
	for _, tc := range []struct{ cfg, want string }{
		{"", "secrets stay in the keychain"},
		{"keyring = \"file\"\n", "secrets stay in the encrypted file"},
	} {
		home := t.TempDir()
		if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(tc.cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		hs := newHarness(t, testAppAt(t, home), Options{StartView: "keys", Now: fixedClock}, 100, 24)
		hs.contains(tc.want)
		hs.press("a")
		hs.press("enter", "enter", "enter") // OpenAI, its label, an ordinary key
		hs.contains("kept in " + strings.TrimPrefix(tc.want, "secrets stay in ") + " only")
	}
}

// storedBudget reads the budget of scope as the store holds it, so a test
// sees what a form saved rather than what the view shows.
func storedBudget(ctx context.Context, a *app.App, scope string) (store.Budget, error) {
	sts, err := a.Budgets(ctx)
	if err != nil {
		return store.Budget{}, err
	}
	for _, s := range sts {
		if s.Budget.Scope == scope {
			return s.Budget, nil
		}
	}
	return store.Budget{}, fmt.Errorf("no budget for %s: %w", scope, store.ErrNotFound)
}

// A label that names a key is refused in the label field, before the
// secret is asked for, even when the key came from elsewhere after the
// view was loaded (the check goes to app, not to the listed rows), and a
// revoked key's name too, whose history keeps it.
func TestAddKeyRefusesATakenLabelFirst(t *testing.T) {
	a := testApp(t, "", false)
	hs := newHarness(t, a, Options{StartView: "keys", Now: fixedClock}, 80, 24)
	st := testStore(t, a)
	ctx := context.Background()
	for _, k := range []store.Key{
		{Provider: "openai", Label: "laptop", Last4: "AAAA", Fingerprint: "fp-laptop", Source: store.KeyKeychain},
		{Provider: "openai", Label: "gone", Last4: "BBBB", Fingerprint: "fp-gone", Source: store.KeyKeychain, RevokedAt: fixedClock()},
	} {
		if err := st.PutKey(ctx, &k); err != nil {
			t.Fatal(err)
		}
	}
	p := hs.m.pages[pageKeys].(*keysPage)
	if len(p.list) != 0 {
		t.Fatalf("the view lists %d keys before reloading; the test needs it stale", len(p.list))
	}

	hs.press("a")
	hs.press("enter") // the first provider: OpenAI
	for _, tc := range []struct{ label, want string }{
		{"laptop", "a key openai/laptop exists already: press r on it"},
		{"gone", "openai/gone names a revoked key"},
		{"no spaces", "use up to 40 letters"},
	} {
		hs.press("ctrl+u")
		hs.typeText(tc.label)
		hs.press("enter")
		if hs.m.dialog == nil {
			t.Fatalf("label %q closed the form", tc.label)
		}
		hs.contains(tc.want, "Label", tc.label)
		hs.lacks("never shown again") // the secret's field is not reached
	}
	hs.press("ctrl+u")
	hs.typeText("fresh")
	hs.press("enter")
	hs.contains("Is it an admin key?")
	hs.press("enter")
	hs.contains("never shown again")
}

// The add form stores an OpenAI admin key through app.AddAdminKey, checked
// with OpenAI's admin call against a server that answers it for that key
// only, and the Keys view lists it as admin; a provider that takes no admin
// key is not asked the question.
func TestAddFormAddsAnAdminKey(t *testing.T) {
	const adminSecret = "sk-admin-FAKE-tui-form-000000000000adm1"
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		seen = append(seen, r.URL.Path)
		w.Header().Set("Content-Type", "application/json")
		if !strings.HasPrefix(r.URL.Path, "/v1/organization/") || auth != adminSecret {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"error":{"message":"You have insufficient permissions for this operation. Missing scopes: api.management.read.","type":"invalid_request_error","param":null,"code":null}}`)
			return
		}
		fmt.Fprint(w, `{"object":"list","data":[],"has_more":false}`)
	}))
	t.Cleanup(srv.Close)
	a, sec := openAIAppAt(t, srv.URL)
	ctx := context.Background()
	hs, p := openPage[*keysPage](t, a, pageKeys, 120, 40)

	hs.press("a")
	hs.press("enter") // the first provider: OpenAI
	hs.press("ctrl+u")
	hs.typeText("billing")
	hs.press("enter")
	hs.contains("Is it an admin key?", "reads usage, cost and balance reports; never used for prompts", "Admin key", "Ordinary key")
	hs.press("left", "enter") // Admin key
	hs.contains("its admin or management key")
	hs.typeText(adminSecret)
	hs.press("enter", "enter") // checked with OpenAI now, the default
	if hs.m.dialog != nil {
		t.Fatalf("the form is still open:\n%s", hs.screen())
	}
	if len(seen) == 0 || !strings.HasPrefix(seen[len(seen)-1], "/v1/organization/") {
		t.Fatalf("the key was not checked with an admin call: %q", seen)
	}
	k, err := a.Store.KeyByName(ctx, "openai", "billing")
	if err != nil || !k.Admin || k.ValidatedAt.IsZero() {
		t.Fatalf("stored: %+v %v", k, err)
	}
	if got, err := sec.Get(ctx, "openai/billing"); err != nil || got != adminSecret {
		t.Fatalf("the keyring holds %q (%v)", got, err)
	}
	if len(p.list) != 1 || !p.list[0].Admin {
		t.Fatalf("the view lists %+v", p.list)
	}
	hs.contains("openai/billing added", "billing (admin)", "…adm1")
	hs.lacks(adminSecret)

	// DeepSeek takes no admin key: after its label comes the key itself.
	hs.press("a")
	found := false
	for _, o := range p.keyProviders() {
		if o.Value == "deepseek" {
			found = true
			break
		}
		hs.press("down")
	}
	if !found {
		t.Fatal("no deepseek in the provider list")
	}
	hs.contains("DeepSeek")
	hs.press("enter", "enter") // the label "default"
	hs.contains("never shown again")
	hs.lacks("Is it an admin key?")
}

// demoApp opens a claimed offline demo home with its sample data, the
// demo keys' secrets in a file keyring.
func demoApp(t *testing.T) *app.App {
	t.Helper()
	a := testApp(t, "", false)
	sec, err := keychain.Open(keychain.Options{Backend: keychain.BackendFile, FilePath: filepath.Join(t.TempDir(), "secrets.enc"),
		Passphrase: func() (string, error) { return "test passphrase", nil }})
	if err != nil {
		t.Fatal(err)
	}
	a.SetSecrets(sec)
	ctx := context.Background()
	if err := a.ClaimDemoHome(ctx); err != nil {
		t.Fatal(err)
	}
	if rep, err := a.SeedDemo(ctx, app.DemoOptions{Events: 200, Days: 10, Seed: 1}); err != nil || rep.SecretsErr != nil {
		t.Fatalf("seed: %v, secrets: %v", err, rep.SecretsErr)
	}
	return a
}

// In a demo home the rejected stand-in key is explained as the demo's, with
// what to try instead; nothing offers a rotation the demo refuses, and the
// add and rotate forms do not open to lose what would be typed in them,
// nor does a removed key send the user to add one.
func TestDemoKeyAdvice(t *testing.T) {
	a := demoApp(t)
	hs, p := openPage[*keysPage](t, a, pageKeys, 120, 40)
	hs.contains("due for rotation", "this demo keeps its stand-ins")
	hs.lacks("press r on it")

	hs.press("a")
	if hs.m.dialog != nil {
		t.Fatal("a opened the add form in a demo home")
	}
	hs.contains("takes no new or rotated secret")

	for i, k := range p.list {
		if k.Label == "old-laptop" {
			p.cursor = i
		}
	}
	hs.press("r")
	if hs.m.dialog != nil {
		t.Fatal("r opened the rotate form in a demo home")
	}
	hs.contains("takes no new or rotated secret")

	hs.press("t")
	hs.contains("rejected the stored key openai/old-laptop", "stands for a revoked key", "Press t on another key", "openai/work")
	hs.lacks("press r to put", "keys rotate")

	// Once removed, the key is still refused as the demo's: advice to
	// add a key in its place would be refused too.
	hs.press("d", "y")
	hs.contains("openai/old-laptop revoked")
	hs.m.notice = ""
	hs.press("r")
	if hs.m.dialog != nil {
		t.Fatal("r opened the rotate form for a removed key in a demo home")
	}
	hs.contains("takes no new or rotated secret")
	hs.lacks("byok keys add")
}

// openAIAppAt opens an app on a new home whose OpenAI provider is the test
// server at url, with a file keyring in the home; it returns the app and the
// keyring.
func openAIAppAt(t *testing.T, url string) (*app.App, keychain.Secrets) {
	t.Helper()
	home := t.TempDir()
	cfg := fmt.Sprintf("[providers.openai]\nbase_url = %q\n", url+"/v1")
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	a := testAppAt(t, home)
	sec, err := keychain.Open(keychain.Options{Backend: keychain.BackendFile, FilePath: filepath.Join(home, "secrets.enc"),
		Passphrase: func() (string, error) { return "test passphrase", nil }})
	if err != nil {
		t.Fatal(err)
	}
	a.SetSecrets(sec)
	return a, sec
}

// In a demo home b reads no balance and says why once for every provider
// that has one, not once per provider.
func TestDemoReadsNoBalances(t *testing.T) {
	hs, _ := openPage[*keysPage](t, demoApp(t), pageKeys, 200, 40)
	hs.press("b")
	hs.contains("OpenRouter, DeepSeek: this offline demo home reads no balances")
	if got := strings.Count(hs.screen(), "reads no balances"); got != 1 {
		t.Errorf("the reason shows %d times, want once", got)
	}
}
