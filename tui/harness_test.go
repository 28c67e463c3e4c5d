package tui

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/store"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// testNow is the fixed clock of every test: goldens must not move.
var testNow = time.Date(2026, 11, 26, 15, 4, 5, 0, time.UTC)

func fixedClock() time.Time { return testNow }

// testApp opens an app on a temp home. fakeURL, when set, defines the
// "fake" provider (OpenAI chat API, no key) in config.toml first. seed
// fills the store with demo data.
func testApp(t *testing.T, fakeURL string, seed bool) *app.App {
	t.Helper()
	home := t.TempDir()
	if fakeURL != "" {
		cfg := fmt.Sprintf("store_text = true\n\n[providers.fake]\nkind = \"openai\"\nbase_url = %q\nno_key = true\n", fakeURL+"/v1")
		if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	a, err := app.Open(ctx, app.Options{Home: home, Now: fixedClock, Env: func(string) string { return "" }})
	if err != nil {
		t.Fatalf("open app: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	if seed {
		if _, err := a.SeedDemo(ctx, app.DemoOptions{Events: 2000, Days: 40, Seed: 1}); err != nil {
			t.Fatalf("seed demo: %v", err)
		}
	}
	return a
}

// harness drives the root model like a program would: it runs commands,
// feeds their messages back into Update, and forwards what streams send.
type harness struct {
	t    testing.TB
	m    *model
	mu   sync.Mutex
	sent []tea.Msg
	quit bool
}

func newHarness(t testing.TB, a *app.App, opt Options, w, h int) *harness {
	t.Helper()
	hs := &harness{t: t}
	hs.m = newModel(context.Background(), a, opt)
	hs.m.c.noTimers = true
	hs.m.c.send = func(msg tea.Msg) {
		hs.mu.Lock()
		hs.sent = append(hs.sent, msg)
		hs.mu.Unlock()
	}
	hs.drive(hs.m.Init())
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	return hs
}

// skipped are messages a test never feeds back: timers that would loop
// (polling, spinners, cursor blinks, notice expiry).
func skipped(msg tea.Msg) bool {
	switch msg.(type) {
	case pollMsg, spinner.TickMsg, noticeExpiredMsg:
		return true
	}
	return strings.Contains(strings.ToLower(fmt.Sprintf("%T", msg)), "blink")
}

// blinks reports whether cmd is a text cursor's blink timer (the forms'
// cursors blink; waiting for each would only slow the tests down).
func blinks(cmd tea.Cmd) bool {
	name := runtime.FuncForPC(reflect.ValueOf(cmd).Pointer()).Name()
	return strings.Contains(name, "/cursor.") && strings.Contains(name, "Blink")
}

// run executes one command with a bound, so a stuck command fails the
// test instead of hanging it.
func (hs *harness) run(cmd tea.Cmd) tea.Msg {
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		return msg
	case <-time.After(20 * time.Second):
		hs.t.Fatalf("a command did not return within 20s")
		return nil
	}
}

// drive runs cmd and everything that follows from it.
func (hs *harness) drive(cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 500 {
			hs.t.Fatalf("commands keep coming after 500 steps")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil || blinks(c) {
			continue
		}
		msg := hs.run(c)
		hs.mu.Lock()
		streamed := hs.sent
		hs.sent = nil
		hs.mu.Unlock()
		for _, s := range streamed {
			queue = append(queue, hs.feed(s))
		}
		if batch, ok := msg.(tea.BatchMsg); ok {
			queue = append(queue, batch...)
			continue
		}
		queue = append(queue, hs.feed(msg))
	}
}

func (hs *harness) feed(msg tea.Msg) tea.Cmd {
	if msg == nil || skipped(msg) {
		return nil
	}
	if _, ok := msg.(tea.QuitMsg); ok {
		hs.quit = true
		return nil
	}
	_, cmd := hs.m.Update(msg)
	return cmd
}

// send delivers a message and drives what follows.
func (hs *harness) send(msg tea.Msg) { hs.drive(func() tea.Msg { return msg }) }

// press types keys: "enter", "ctrl+s", "shift+tab", or single characters.
func (hs *harness) press(keys ...string) {
	for _, k := range keys {
		hs.send(keyMsg(k))
	}
}

// burst delivers keys one after another before any command they return
// runs, as a terminal delivers a paste or fast typing; then it drives the
// commands. Each key is a name press takes, or text typed character by
// character when it is longer than one character and names no key.
func (hs *harness) burst(keys ...string) {
	var cmds []tea.Cmd
	for _, k := range keys {
		msgs := []tea.KeyPressMsg{keyMsg(k)}
		if len([]rune(k)) > 1 && !strings.Contains(k, "+") && !isKeyName(k) {
			msgs = msgs[:0]
			for _, r := range k {
				msgs = append(msgs, tea.KeyPressMsg{Code: r, Text: string(r)})
			}
		}
		for _, m := range msgs {
			cmds = append(cmds, hs.feed(m))
		}
	}
	hs.drive(tea.Batch(cmds...))
}

func isKeyName(k string) bool {
	switch k {
	case "enter", "esc", "tab", "up", "down", "left", "right", "backspace", "space":
		return true
	}
	return false
}

// typeText types each character of s.
func (hs *harness) typeText(s string) {
	for _, r := range s {
		hs.send(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func keyMsg(k string) tea.KeyPressMsg {
	special := map[string]rune{"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "up": tea.KeyUp,
		"down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight, "backspace": tea.KeyBackspace, "space": tea.KeySpace}
	var mod tea.KeyMod
	if rest, ok := strings.CutPrefix(k, "ctrl+"); ok {
		mod, k = tea.ModCtrl, rest
	}
	if rest, ok := strings.CutPrefix(k, "shift+"); ok {
		mod, k = tea.ModShift, rest
	}
	if c, ok := special[k]; ok {
		return tea.KeyPressMsg{Code: c, Mod: mod}
	}
	r := []rune(k)[0]
	if mod != 0 {
		return tea.KeyPressMsg{Code: r, Mod: mod}
	}
	return tea.KeyPressMsg{Code: r, Text: k}
}

// screen is the frame as plain text, as a terminal without colours shows it.
func (hs *harness) screen() string {
	var buf bytes.Buffer
	w := &colorprofile.Writer{Forward: &buf, Profile: colorprofile.NoTTY}
	if _, err := w.WriteString(hs.m.render()); err != nil {
		hs.t.Fatal(err)
	}
	return buf.String()
}

// contains fails unless the screen shows every one of want.
func (hs *harness) contains(want ...string) {
	hs.t.Helper()
	s := hs.screen()
	for _, w := range want {
		if !strings.Contains(s, w) {
			hs.t.Fatalf("the screen lacks %q:\n%s", w, s)
		}
	}
}

// lacks fails if the screen shows any of bad.
func (hs *harness) lacks(bad ...string) {
	hs.t.Helper()
	s := hs.screen()
	for _, b := range bad {
		if strings.Contains(s, b) {
			hs.t.Fatalf("the screen shows %q:\n%s", b, s)
		}
	}
}

// golden compares the screen with testdata/name.golden.
func (hs *harness) golden(name string) {
	hs.t.Helper()
	got := hs.screen()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			hs.t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		hs.t.Fatalf("read golden (run go test ./tui -update to create it): %v", err)
	}
	if got != string(want) {
		hs.t.Errorf("%s differs from the golden file (run go test ./tui -update after checking):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// fakeApp is testApp with the fake provider of fakeOpenAI, which replies
// reply to every prompt.
func fakeApp(t *testing.T, reply string, seed bool) *app.App {
	t.Helper()
	return testApp(t, fakeOpenAI(t, reply, false).URL, seed)
}

// fakeOpenAI serves the OpenAI chat completions stream: reply split in
// words, then a usage chunk. hold, when set, blocks after the first chunk
// until the client goes away (for cancelling).
func fakeOpenAI(t *testing.T, reply string, hold bool) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/models") {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"object":"list","data":[{"id":"test-model","object":"model","created":1,"owned_by":"fake"},{"id":"big-model","object":"model","created":1,"owned_by":"fake"}]}`)
			return
		}
		if !strings.HasSuffix(r.URL.Path, "/chat/completions") {
			http.Error(w, `{"error":{"message":"not found","type":"invalid_request_error"}}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fl := w.(http.Flusher)
		chunk := func(content string) {
			fmt.Fprintf(w, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"test-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":%q},\"finish_reason\":null}]}\n\n", content)
			fl.Flush()
		}
		words := strings.SplitAfter(reply, " ")
		for i, wd := range words {
			chunk(wd)
			if hold && i == 0 {
				<-r.Context().Done()
				return
			}
		}
		fmt.Fprint(w, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"test-model\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n")
		fmt.Fprint(w, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"test-model\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":7,\"total_tokens\":19}}\n\n")
		fmt.Fprint(w, "data: [DONE]\n\n")
		fl.Flush()
	}))
	t.Cleanup(srv.Close)
	return srv
}

// testAppAt opens a second app on the database directory of another, as a
// separate process would.
func testAppAt(t *testing.T, home string) *app.App {
	t.Helper()
	a, err := app.Open(context.Background(), app.Options{Home: home, Now: fixedClock, Env: func(string) string { return "" }})
	if err != nil {
		t.Fatalf("open a second app: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// deliver hands msg to Update even when it is a timer message that
// drive would drop, then drives what follows.
func (hs *harness) deliver(msg tea.Msg) {
	_, cmd := hs.m.Update(msg)
	hs.drive(cmd)
}

// testStore opens the database of a as another process would, for tests
// that put in place what no screen of byok writes (a failed request with
// its prompt).
func testStore(t *testing.T, a *app.App) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), a.Config.Paths.Database, store.Options{Now: fixedClock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// openPage starts the program on page id at w×h columns and rows, and
// returns it with the page.
func openPage[P page](t testing.TB, a *app.App, id pageID, w, h int) (*harness, P) {
	t.Helper()
	hs := newHarness(t, a, Options{StartView: id.String(), Now: fixedClock}, w, h)
	return hs, hs.m.pages[id].(P)
}
