package tui

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/store"
)

func TestPlaygroundStreamsAndRecords(t *testing.T) {
	a := fakeApp(t, "Hello from the **fake** model.", true)
	hs, p := openPage[*playground](t, a, pagePlayground, 80, 24)

	hs.contains("none — press m to pick one")
	hs.press("m")
	if hs.m.dialog == nil {
		t.Fatal("m did not open the model picker")
	}
	hs.typeText("fake/test-model")
	hs.press("enter")
	if p.model != "fake/test-model" || hs.m.dialog != nil {
		t.Fatalf("picked %q (dialog open: %v), want fake/test-model", p.model, hs.m.dialog != nil)
	}
	hs.contains("no price known")

	// While the provider is asked for its models the page is busy, so the
	// spinner turns; its answer ends that.
	list := p.listLive()
	if !p.Busy() {
		t.Fatal("the Playground is not busy while L asks the provider")
	}
	p.Update(list())
	if p.Busy() {
		t.Fatal("the Playground is still busy after the provider answered")
	}

	// L lists the provider's own models and offers them in the picker.
	hs.press("L")
	if got := p.live["fake"]; len(got) != 2 || hs.m.dialog == nil {
		t.Fatalf("live models %v, picker open %v", got, hs.m.dialog != nil)
	}
	hs.contains("fake lists 2 models", "fake/big-model", "fake/test-model")
	hs.press("esc")

	hs.press("ctrl+s")
	hs.contains("the prompt is empty")

	hs.press("enter")
	hs.typeText("Say hello")
	// A max out that is not a number is refused, not quietly dropped.
	p.maxTok.SetValue("lots")
	hs.press("ctrl+s")
	hs.contains(`max out "lots" is not a number of tokens`)
	if p.streaming || p.out != nil {
		t.Fatal("a request with max out \"lots\" was sent")
	}
	p.maxTok.SetValue("")
	hs.press("ctrl+s")
	if p.streaming {
		t.Fatal("the request is still streaming after the fake server finished")
	}
	if p.out == nil || p.runErr != nil {
		t.Fatalf("outcome %v, error %v", p.out, p.runErr)
	}
	if p.reply != "Hello from the **fake** model." {
		t.Errorf("reply = %q", p.reply)
	}
	if p.out.Event.Status != store.StatusOK || p.out.Event.InputTokens != 12 || p.out.Event.OutputTokens != 7 {
		t.Errorf("recorded %s with %d in / %d out, want ok 12/7", p.out.Event.Status, p.out.Event.InputTokens, p.out.Event.OutputTokens)
	}
	hs.contains("Hello from the", "fake", "12 prompt", "7 out", "unpriced")

	hs.press("y")
	hs.contains("Copied the reply")

	// The request shows in the history with its reply.
	hs.press("2")
	h := hs.m.pages[pageHistory].(*history)
	if len(h.list) == 0 || h.list[0].Provider != "fake" || h.list[0].Source != store.SourceTUI {
		t.Fatalf("the newest history entry is not the playground request: %+v", h.list[:1])
	}
	hs.contains("fake/test-model")
	hs.press("enter")
	hs.contains("Say hello", "REPLY")

	// ctrl+r sends the same request again.
	hs.press("3", "ctrl+r")
	if p.out == nil || p.out.Event.ID == h.list[0].ID {
		t.Fatal("ctrl+r did not record a second request")
	}
}

func TestPlaygroundCancel(t *testing.T) {
	srv := fakeOpenAI(t, "one two three", true)
	a := testApp(t, srv.URL, false)
	hs, p := openPage[*playground](t, a, pagePlayground, 80, 24)
	hs.send(pickedModelMsg{result: result{page: pagePlayground}, model: "fake/test-model"})
	hs.press("enter")
	hs.typeText("count")

	// Run the stream as the program would, in its own goroutine.
	_, cmd := hs.m.Update(keyMsg("ctrl+s"))
	if !p.streaming {
		t.Fatal("ctrl+s did not start the request")
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- runAll(cmd) }()
	deadline := time.After(10 * time.Second)
	for p.reply == "" {
		hs.mu.Lock()
		sent := hs.sent
		hs.sent = nil
		hs.mu.Unlock()
		for _, m := range sent {
			hs.m.Update(m)
		}
		select {
		case <-deadline:
			t.Fatal("no text arrived within 10s")
		case <-time.After(5 * time.Millisecond):
		}
	}
	hs.contains("streaming", "esc stops")
	hs.press("esc")
	select {
	case msg := <-done:
		hs.send(msg)
	case <-deadline:
		t.Fatal("esc did not end the stream")
	}
	if p.streaming || p.out == nil || p.out.Event.Status != store.StatusCancelled {
		t.Fatalf("after esc: streaming %v, outcome %+v", p.streaming, p.out)
	}
	e, err := a.Store.Event(context.Background(), p.out.Event.ID)
	if err != nil || e.Status != store.StatusCancelled {
		t.Fatalf("the store has %v (%v), want a cancelled event", e.Status, err)
	}
	hs.contains("cancelled")
}

// runAll runs a command and returns the first message that is not a batch
// (the stream's end).
func runAll(cmd tea.Cmd) tea.Msg {
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		for _, c := range b {
			if c == nil {
				continue
			}
			if m := runAll(c); m != nil {
				if _, ok := m.(streamDoneMsg); ok {
					return m
				}
			}
		}
		return nil
	}
	return msg
}

func TestPlaygroundBudgets(t *testing.T) {
	a := fakeApp(t, "never sent", true)
	ctx := context.Background()
	hs, p := openPage[*playground](t, a, pagePlayground, 80, 24)

	// A priced model near a soft budget warns and asks again.
	if _, err := a.SetBudget(ctx, app.BudgetInput{Scope: "model:openai/gpt-4o", Period: store.Daily, Limit: money.Cent / 100, Thresholds: []int{100}}); err != nil {
		t.Fatal(err)
	}
	hs.send(pickedModelMsg{result: result{page: pagePlayground}, model: "openai/gpt-4o"})
	hs.press("enter")
	hs.typeText("a long question")
	hs.press("esc")
	if p.worst <= 0 || len(p.warnings) == 0 {
		t.Fatalf("worst case %s with %d warnings, want a price and a warning", p.worst, len(p.warnings))
	}
	hs.contains("worst case $", "could cross the daily budget on model:openai/gpt-4o")
	// Sending asks again, as a warning rather than a done deed.
	hs.press("ctrl+s")
	hs.contains("⚠ This request could cross a budget")
	hs.lacks("✓ This request")
	if p.streaming || p.out != nil {
		t.Fatal("the first ctrl+s sent the request")
	}

	// A used-up hard budget refuses before anything is sent.
	if _, err := a.SetBudget(ctx, app.BudgetInput{Scope: "provider:fake", Period: store.Monthly, Limit: money.Cent, Hard: true, Thresholds: []int{100}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddSpend(ctx, "fake", money.Dollar, "over", testNow.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	hs.send(pickedModelMsg{result: result{page: pagePlayground}, model: "fake/test-model"})
	hs.contains("blocked")
	hs.press("ctrl+s")
	if p.out != nil || p.runErr == nil {
		t.Fatalf("a hard budget let the request through: outcome %v error %v", p.out, p.runErr)
	}
	hs.contains("Refused by a hard budget")
}

func TestCompare(t *testing.T) {
	a := fakeApp(t, "Side by side answer", false)
	hs, c := openPage[*compare](t, a, pageCompare, 120, 40)

	hs.press("ctrl+s")
	hs.contains("add at least two models")
	for _, m := range []string{"fake/model-a", "fake/model-b", "fake/model-c"} {
		hs.press("a")
		hs.typeText(m)
		hs.press("enter")
	}
	if len(c.models) != 3 {
		t.Fatalf("models = %v, want three", c.models)
	}
	hs.press("d")
	if len(c.models) != 2 || c.models[1] != "fake/model-b" {
		t.Fatalf("d removed the wrong model: %v", c.models)
	}
	hs.press("enter")
	hs.typeText("compare this")
	hs.press("ctrl+s")
	if c.running != 0 {
		t.Fatalf("%d requests still running", c.running)
	}
	for i, col := range c.cols {
		if col.out == nil || col.out.Event.Status != store.StatusOK || col.reply != "Side by side answer" {
			t.Fatalf("column %d: outcome %+v reply %q err %v", i, col.out, col.reply, col.err)
		}
	}
	hs.contains("fake/model-a", "fake/model-b", "Side by side answer", "LATENCY", "TTFT", "COST", "PROMPT")
	if got := strings.Count(hs.screen(), "Side by side answer"); got != 2 {
		t.Errorf("the reply shows %d times, want once per column", got)
	}
}

func TestRerunFailedRequest(t *testing.T) {
	a := fakeApp(t, "worked the second time", false)
	ctx := context.Background()
	// A failed request with its prompt stored, as the app records one.
	failed := store.Event{Time: testNow.Add(-time.Minute), Source: store.SourceCLI, Provider: "fake", Model: "test-model",
		Status: store.StatusError, ErrorClass: "server", ErrorMessage: "fake: the server failed", HTTPStatus: 500,
		CostState: "unpriced", Prompt: "try this again", Response: ""}
	if _, err := testStore(t, a).Record(ctx, &failed); err != nil {
		t.Fatal(err)
	}
	hs := newHarness(t, a, Options{StartView: "history", Now: fixedClock}, 80, 24)
	hs.contains("fake/test-model", "error")
	rerun(t, hs, "try this again", "worked the second time")
}

// R re-runs any request byok sent, a successful one too, and is offered in
// the hint bar and the details only there: spend entered by hand has no
// request behind it, and R there says so.
func TestRerunOfferedWhereItApplies(t *testing.T) {
	a := fakeApp(t, "sent once more", false)
	ctx := context.Background()
	sent := store.Event{Time: testNow.Add(-2 * time.Minute), Source: store.SourceProxy, Provider: "fake", Model: "test-model",
		Status: store.StatusOK, CostState: "unpriced", Prompt: "again, please", Response: "done"}
	manual := store.Event{Time: testNow.Add(-time.Minute), Source: store.SourceManual, Provider: "fake", Model: "test-model",
		Status: store.StatusOK, CostState: "computed", Cost: money.Cent, Note: "an invoice"}
	for _, e := range []*store.Event{&sent, &manual} {
		if _, err := testStore(t, a).Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	hs, h := openPage[*history](t, a, pageHistory, 120, 40)
	if len(h.list) != 2 || h.list[0].Source != store.SourceManual {
		t.Fatalf("history lists %+v", h.list)
	}
	hs.lacks("R re-run", "R re-runs")
	hs.press("R")
	if hs.m.active != pageHistory || !strings.Contains(hs.m.notice, "entered by hand") {
		t.Fatalf("R on a manual entry: view %s, notice %q", hs.m.active, hs.m.notice)
	}

	hs.press("down")
	hs.contains("R re-run in playground", "R re-runs this request")
	hs.press("enter")
	hs.contains("R re-run · esc back")
	rerun(t, hs, "again, please", "sent once more")
}

// A typed model name lists the models of exactly that name first, those of
// providers with keys ahead of the rest, then the fuzzy matches.
func TestPickerPutsExactNamesFirst(t *testing.T) {
	a := fakeApp(t, "hi", true)
	hs := newHarness(t, a, Options{StartView: "playground", Now: fixedClock}, 80, 24)
	c := hs.m.pages[pagePlayground].(*playground).c
	for _, tc := range []struct {
		keyed map[string]bool
		want  []string
	}{
		{map[string]bool{"openai": true}, []string{"openai/gpt-4o-mini", "azure/gpt-4o-mini"}},
		{nil, []string{"azure/gpt-4o-mini", "openai/gpt-4o-mini"}},
	} {
		d := newPicker(c, "Model", modelChoices(a, tc.keyed), "", nil, nil)
		d.input.SetValue("GPT-4o-mini")
		d.filter()
		if len(d.shown) < 3 || !slices.Equal(d.shown[:2], tc.want) {
			t.Fatalf("keys for %v: the picker shows %q first, want %q", tc.keyed, d.shown[:min(3, len(d.shown))], tc.want)
		}
	}
}

// Ctrl-C over a prompt being written asks once; a second ctrl+c quits, and
// any other key keeps the program and clears the question.
func TestCtrlCAsksBeforeLosingADraft(t *testing.T) {
	a := testApp(t, "", false)
	hs := newHarness(t, a, Options{StartView: "playground", Now: fixedClock}, 80, 24)
	hs.press("ctrl+c")
	if !hs.quit {
		t.Fatal("ctrl+c with nothing to lose did not quit")
	}

	hs = newHarness(t, a, Options{StartView: "playground", Now: fixedClock}, 80, 24)
	hs.press("enter")
	hs.typeText("a long prompt I am still writing")
	hs.press("ctrl+c")
	if hs.quit {
		t.Fatal("ctrl+c quit over a prompt being written")
	}
	hs.contains("press ctrl+c again to quit and lose the prompt you are writing")
	hs.press("x")
	hs.lacks("press ctrl+c again")
	hs.press("ctrl+c")
	if hs.quit {
		t.Fatal("the question was forgotten by the next key, yet ctrl+c quit at once")
	}
	hs.press("ctrl+c")
	if !hs.quit {
		t.Fatal("a second ctrl+c did not quit")
	}
}

// The model picker shows each model's price and whether a key is on hand,
// and a fuzzy query ranks the models of providers with a key first; Compare
// refuses a model no key can reach before anything is sent.
func TestPickerPrefersModelsWithAKey(t *testing.T) {
	a := testApp(t, "", false)
	hs := newHarness(t, a, Options{StartView: "playground", Now: fixedClock}, 120, 40)
	c := hs.m.pages[pagePlayground].(*playground).c
	keyed := map[string]bool{"openai": true}
	d := newPicker(c, "Model", modelChoices(a, keyed), "", nil, nil)
	d.notes = modelNotes(a, keyed)
	d.input.SetValue("4o-mini")
	d.filter()
	if len(d.shown) == 0 || d.shown[0] != "openai/gpt-4o-mini" {
		t.Fatalf("4o-mini shows %q first, want openai/gpt-4o-mini", d.shown[:min(3, len(d.shown))])
	}
	view := stripANSI(d.View())
	if !strings.Contains(view, "$0.15/$0.60 ● key") || !strings.Contains(view, "azure/gpt-4o-mini") {
		t.Fatalf("picker:\n%s", view)
	}

	cmp := hs.m.pages[pageCompare].(*compare)
	cmp.keyed = keyed
	hs.send(pickedCompareMsg{result: result{pageCompare, 0}, model: "anthropic/claude-haiku-4-5"})
	if len(cmp.models) != 0 {
		t.Fatalf("compare took %v without a key", cmp.models)
	}
	hs.send(pickedCompareMsg{result: result{pageCompare, 0}, model: "openai/gpt-4o-mini"})
	if len(cmp.models) != 1 {
		t.Fatalf("compare refused a model with a key: %v", cmp.models)
	}
}

// rerun presses R on the selected request, which must open the playground
// on fake/test-model with prompt, and sends it again, which must answer
// reply.
func rerun(t *testing.T, hs *harness, prompt, reply string) {
	t.Helper()
	hs.press("R")
	p := hs.m.pages[pagePlayground].(*playground)
	if hs.m.active != pagePlayground || p.model != "fake/test-model" || p.prompt.Value() != prompt {
		t.Fatalf("R opened %s with model %q prompt %q", hs.m.active, p.model, p.prompt.Value())
	}
	hs.press("ctrl+s")
	if p.out == nil || p.out.Event.Status != store.StatusOK || p.reply != reply {
		t.Fatalf("the re-run ended with %+v, reply %q, error %v", p.out, p.reply, p.runErr)
	}
}

// TestCompareRendersMarkdown checks Compare draws replies as the
// Playground does: markdown rendered, no asterisks, wrapped to each
// column so nothing is cut at its edge.
func TestCompareRendersMarkdown(t *testing.T) {
	a := fakeApp(t, "A **bold** claim that runs well past one column's width, so it wraps onto more lines ending in zebra.", false)
	hs := newHarness(t, a, Options{StartView: "compare", Now: fixedClock}, 80, 24)
	for _, m := range []string{"fake/model-a", "fake/model-b"} {
		hs.press("a")
		hs.typeText(m)
		hs.press("enter")
	}
	hs.press("enter")
	hs.typeText("compare this")
	hs.press("ctrl+s")
	hs.contains("bold", "zebra.")
	hs.lacks("**")
	if got := strings.Count(hs.screen(), "zebra."); got != 2 {
		t.Errorf("the reply's last word shows %d times, want once per column:\n%s", got, hs.screen())
	}
}

// A reply drawn at one width is wrapped again when the terminal is
// resized, whether the Playground is on screen then or not: no word is
// cut off at the narrower width, and none stays cut when it widens.
func TestPlaygroundReplyRewrapsOnResize(t *testing.T) {
	const reply = "This is an offline demo reply from the fake model: nothing left this machine, but the usage and cost are recorded as for a real request."
	a := fakeApp(t, reply, false)
	hs, p := openPage[*playground](t, a, pagePlayground, 120, 40)
	hs.send(pickedModelMsg{result: result{page: pagePlayground}, model: "fake/test-model"})
	hs.press("enter")
	hs.typeText("say something long")
	hs.press("ctrl+s")
	if p.out == nil || p.reply != reply {
		t.Fatalf("outcome %v, reply %q", p.out, p.reply)
	}
	// shown is the screen's words in order, the reply's among them
	// whatever the lines they were wrapped to.
	shown := func() string { return strings.Join(strings.Fields(stripANSI(hs.screen())), " ") }
	for _, step := range []struct {
		name string
		size [2]int
		away bool // resized while another page is on screen
	}{
		{"at 120 columns", [2]int{120, 40}, false},
		{"narrowed to 80", [2]int{80, 24}, false},
		{"widened to 100", [2]int{100, 30}, false},
		{"narrowed to 60 on History", [2]int{60, 24}, true},
	} {
		if step.away {
			hs.press("esc", "2")
		}
		hs.send(tea.WindowSizeMsg{Width: step.size[0], Height: step.size[1]})
		if step.away {
			hs.press("3")
		}
		if !strings.Contains(shown(), reply) {
			t.Errorf("%s: the reply is not shown whole:\n%s", step.name, hs.screen())
		}
		for _, line := range strings.Split(hs.screen(), "\n") {
			if w := ansi.StringWidth(line); w > step.size[0] {
				t.Errorf("%s: a line is %d cells wide: %q", step.name, w, line)
			}
		}
	}
}

// The warning that a request could cross a budget asks for ctrl+s again;
// once that sends the request, the warning is taken back rather than
// left asking to send what was sent. Editing the request instead takes it
// back too, as ctrl+s then warns again.
func TestPlaygroundBudgetWarningWithdrawn(t *testing.T) {
	a := fakeApp(t, "sent anyway", false)
	if _, err := a.SetPrice(t.Context(), pricing.Price{Provider: "fake", Model: "test-model", Rates: pricing.Rates{Input: 10_000_000, Output: 10_000_000}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.SetBudget(t.Context(), app.BudgetInput{Scope: "provider:fake", Period: store.Daily, Limit: money.Cent / 1000, Thresholds: []int{100}}); err != nil {
		t.Fatal(err)
	}
	hs, p := openPage[*playground](t, a, pagePlayground, 120, 40)
	hs.send(pickedModelMsg{result: result{page: pagePlayground}, model: "fake/test-model"})
	hs.press("enter")
	hs.typeText("a long question")
	hs.press("esc")
	if len(p.warnings) == 0 {
		t.Fatalf("no budget warning for a request of worst case %s", p.worst)
	}
	hs.press("ctrl+s")
	hs.contains(crossWarning, "ctrl+s again sends")

	// An edit asks for a new confirmation: the old one is taken back.
	hs.press("enter")
	hs.typeText("?")
	hs.press("esc")
	hs.lacks(crossWarning, "ctrl+s again sends")

	hs.press("ctrl+s")
	hs.contains(crossWarning)
	hs.press("ctrl+s")
	if p.out == nil || p.reply != "sent anyway" {
		t.Fatalf("the confirmed request was not sent: outcome %v, reply %q", p.out, p.reply)
	}
	hs.contains("sent anyway", "#")
	hs.lacks(crossWarning, "ctrl+s again sends")
}

// The first-token time the Playground shows while streaming is timed as
// the recorded one is, from when the request went out, not from ctrl+s:
// the budget check and the key's read from the keychain before it, and
// the wait for the program to take in the event, are no part of it.
func TestPlaygroundFirstTokenAsRecorded(t *testing.T) {
	a := fakeApp(t, "unused", false)
	hs, p := openPage[*playground](t, a, pagePlayground, 120, 40)
	hs.send(pickedModelMsg{result: result{page: pagePlayground}, model: "fake/test-model"})
	hs.press("enter")
	hs.typeText("hello")
	// The stream's command is left unrun: the test hands in its event.
	if _, cmd := hs.m.Update(keyMsg("ctrl+s")); cmd == nil || !p.streaming {
		t.Fatal("ctrl+s did not start the request")
	}
	defer p.cancel()
	hs.contains("waiting for the first token")
	time.Sleep(150 * time.Millisecond)
	hs.m.Update(streamEventMsg{result: result{pagePlayground, p.runID}, ev: providers.Event{Type: providers.EventText, Text: "Hi"}, since: 7 * time.Millisecond})
	hs.contains("streaming", "first token 7ms")
}
