package app

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/store"
)

// openWithUpstream opens an app whose custom provider "fake" (no key)
// points at handler.
func openWithUpstream(t *testing.T, handler http.HandlerFunc, extra string) *App {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	cfg := fmt.Sprintf("store_text = true\n[providers.fake]\nkind = \"openai\"\nbase_url = %q\nno_key = true\n%s", srv.URL+"/v1", extra)
	return openHome(t, t.TempDir(), cfg)
}

// streamWithUsage answers every request with a short streamed reply whose
// last chunk reports in prompt and out completion tokens.
func streamWithUsage(in, out int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, chunk("hi"))
		fmt.Fprintf(w, "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"total_tokens\":%d}}\n\ndata: [DONE]\n\n", in, out, in+out)
	}
}

func chunk(text string) string {
	return fmt.Sprintf(`data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":%q}}]}`+"\n\n", text)
}

func call(text string) Call {
	return Call{Provider: "fake", Model: "m", Request: providers.Request{Model: "m", Messages: []providers.Message{{Role: providers.RoleUser, Content: text}}}}
}

func TestFinishRecordsEveryEnding(t *testing.T) {
	release := make(chan struct{})
	n := 0
	a := openWithUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		n++
		if n > 1 {
			// Later requests hang until the client gives up.
			w.Header().Set("Content-Type", "text/event-stream")
			fmt.Fprint(w, chunk("partial reply"))
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, chunk("partial reply that was cut"))
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
		// Hang up without finishing: a cut stream.
		hj, ok := w.(http.Hijacker)
		if ok {
			c, _, _ := hj.Hijack()
			c.Close()
		}
	}, "")
	ctx := context.Background()
	if _, err := a.SetPrice(ctx, pricing.Price{Provider: "fake", Model: "m", Rates: pricing.Rates{Input: 1_000_000, Output: 2_000_000}}); err != nil {
		t.Fatal(err)
	}

	// A cut stream: recorded with the text so far, usage estimated.
	go func() { time.Sleep(50 * time.Millisecond); close(release) }()
	out, err := a.Prompt(ctx, call("tell me a story"), nil)
	if err == nil {
		t.Fatal("a cut stream reported success")
	}
	e, gerr := a.db.Event(ctx, out.Event.ID)
	if gerr != nil {
		t.Fatal(gerr)
	}
	if e.Status != store.StatusPartial || e.CostState != pricing.Estimated || e.OutputTokens == 0 || e.Response != "partial reply that was cut" {
		t.Fatalf("cut stream recorded as %+v", e)
	}

	// A cancelled request: recorded as cancelled.
	cctx, cancel := context.WithCancel(ctx)
	first := make(chan struct{})
	var once bool
	go func() { <-first; cancel() }()
	out, err = a.Prompt(cctx, call("again"), func(ev providers.Event) {
		if !once {
			once = true
			close(first)
		}
	})
	if err == nil {
		t.Fatal("a cancelled request reported success")
	}
	e, _ = a.db.Event(ctx, out.Event.ID)
	if e.Status != store.StatusCancelled || e.CostState != pricing.Estimated {
		t.Fatalf("cancelled request recorded as %+v", e)
	}
}

// A provider that stalls mid-stream, sending neither another byte nor the
// end, is not waited for until the whole request's timeout: the reply ends
// once the idle wait passes, the error says to retry, and the request is
// recorded as partial (network) with its text and estimated usage.
func TestStalledStreamIsRecorded(t *testing.T) {
	a := openWithUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, chunk("Hello there,")+chunk(" this"))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-time.After(time.Minute):
		}
	}, "")
	a.replyIdle = 100 * time.Millisecond
	// A bound far beyond the idle wait, so that a stall byok misses fails
	// the test instead of hanging it.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := a.SetPrice(ctx, pricing.Price{Provider: "fake", Model: "m", Rates: pricing.Rates{Input: 1_000_000, Output: 2_000_000}}); err != nil {
		t.Fatal(err)
	}
	out, err := a.Prompt(ctx, call("please CUT now"), nil)
	if err == nil || !strings.Contains(err.Error(), "sent nothing for 100ms mid-reply") || !strings.Contains(err.Error(), "the partial reply was kept; retry") {
		t.Fatalf("a stalled stream ended with %v", err)
	}
	e, gerr := a.db.Event(context.Background(), out.Event.ID)
	if gerr != nil {
		t.Fatal(gerr)
	}
	if e.Status != store.StatusPartial || e.ErrorClass != string(providers.ClassNetwork) || e.Response != "Hello there, this" ||
		e.CostState != pricing.Estimated || e.OutputTokens == 0 || !strings.Contains(e.ErrorMessage, "retry") {
		t.Fatalf("stalled stream recorded as %+v", e)
	}
}

func TestBeginErrors(t *testing.T) {
	a := openWithUpstream(t, func(w http.ResponseWriter, r *http.Request) {}, "")
	ctx := context.Background()
	if _, err := a.Begin(ctx, Call{Provider: "nosuch", Model: "m"}); err == nil || !strings.Contains(err.Error(), "byok providers") {
		t.Fatalf("unknown provider: %v", err)
	}
	if _, err := a.Begin(ctx, Call{Provider: "fake"}); err == nil || !strings.Contains(err.Error(), "no model") {
		t.Fatalf("no model: %v", err)
	}
	t.Setenv("ANTHROPIC_API_KEY", "")
	_, err := a.Begin(ctx, Call{Provider: "anthropic", Model: "claude-sonnet-4-5"})
	if err == nil || !strings.Contains(err.Error(), "byok keys add anthropic") || !strings.Contains(err.Error(), "ANTHROPIC_API_KEY") {
		t.Fatalf("no key: %v", err)
	}
	t.Setenv("ANTHROPIC_API_KEY", "sk-ant-fake-env-0000111122223333")
	r, err := a.Begin(ctx, Call{Provider: "anthropic", Model: "claude-sonnet-4-5"})
	if err != nil || r.Secret() != "sk-ant-fake-env-0000111122223333" || r.Key.Source != store.KeyEnv {
		t.Fatalf("env key: %+v %v", r, err)
	}
	if r.WorstCase <= 0 {
		t.Fatalf("worst case of a priced model is %v", r.WorstCase)
	}
	// Finish without contacting anyone: a refused-before-output failure.
	out, err := r.Finish(ctx, providers.Result{}, &providers.Error{Class: providers.ClassAuth, Status: 401, Message: "the key was rejected"})
	if err != nil || out.Event.Status != store.StatusError || out.Event.ErrorClass != "auth" || out.Event.KeyID == 0 {
		t.Fatalf("finish: %+v %v", out.Event, err)
	}
	if _, err := r.Finish(ctx, providers.Result{}, nil); err == nil {
		t.Fatal("a run was recorded twice")
	}
}

func TestRetriesOnlyRetryableBeforeOutput(t *testing.T) {
	var calls int
	statuses := []int{429, 503, 200}
	a := openWithUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		st := statuses[calls%len(statuses)]
		calls++
		if st != 200 {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Retry-After", "0")
			w.Header().Set("retry-after-ms", "10")
			w.WriteHeader(st)
			fmt.Fprint(w, `{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}`)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, chunk("ok"))
		fmt.Fprint(w, "data: [DONE]\n\n")
	}, "")
	ctx := context.Background()
	out, err := a.Prompt(ctx, call("hi"), nil)
	if err != nil || out.Event.Status != store.StatusOK || calls != 3 {
		t.Fatalf("after two retryable failures: %v, %d calls, %+v", err, calls, out.Event)
	}
	es, _ := a.db.Events(ctx, store.Filter{})
	if len(es) != 3 || es[1].Status != store.StatusError || es[2].ErrorClass != "rate_limit" {
		t.Fatalf("every attempt is recorded: %+v", es)
	}

	// Auth errors are never retried.
	calls = 0
	statuses = []int{401}
	if _, err := a.Prompt(ctx, call("hi"), nil); err == nil || calls != 1 {
		t.Fatalf("auth error: %v after %d calls", err, calls)
	}
}

// Deferred alert evaluations coalesce under load, but the last one starts
// after the last request was recorded: a budget crossed by many requests
// at once still raises its alerts, and Close waits for them.
// openThousandthDollar opens an app whose provider "fake" answers every
// request with 1,000 input tokens at $1 per million: $0.001 a request.
func openThousandthDollar(t *testing.T) *App {
	t.Helper()
	a := openWithUpstream(t, streamWithUsage(1000, 0), "")
	if _, err := a.SetPrice(context.Background(), pricing.Price{Provider: "fake", Model: "m", Rates: pricing.Rates{Input: 1_000_000}}); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestDeferredAlertsCoalesceWithoutMissingAny(t *testing.T) {
	a := openThousandthDollar(t)
	ctx := context.Background()
	const requests = 40
	if err := a.db.PutBudget(ctx, &store.Budget{Scope: "provider:fake", Period: store.Monthly, Limit: money.USD(requests) * money.Dollar / 1000, Thresholds: []int{50, 100}}); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, requests)
	for range requests {
		go func() {
			r, err := a.Begin(ctx, call("hello"))
			if err != nil {
				errs <- err
				return
			}
			r.DeferAlerts = true
			_, err = r.Stream(ctx, nil)
			errs <- err
		}()
	}
	for range requests {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	a.bg.Wait()
	alerts, err := a.db.Alerts(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	fired := map[int]bool{}
	for _, al := range alerts {
		if al.Kind == store.AlertThreshold && al.Scope == "provider:fake" {
			fired[al.Threshold] = true
		}
	}
	// Whether 50 % fired on its own depends on how the evaluations
	// coalesced; the limit is never missed.
	if !fired[100] {
		t.Fatalf("threshold alerts fired: %v (all alerts %+v)", fired, alerts)
	}
	a.pendingMu.Lock()
	defer a.pendingMu.Unlock()
	if len(a.pending) != 0 {
		t.Fatalf("evaluations still pending after they finished: %v", a.pending)
	}
}

// A request that takes a budget past several thresholds at once raises one
// alert, the highest, and the lower ones never fire later in the period.
func TestOneRequestPastSeveralThresholdsRaisesTheHighest(t *testing.T) {
	a := openThousandthDollar(t)
	ctx := context.Background()
	// The request's $0.001 is 125 % of the budget.
	if err := a.db.PutBudget(ctx, &store.Budget{Scope: "provider:fake", Period: store.Monthly, Limit: money.Dollar * 8 / 10_000, Thresholds: []int{50, 80, 100}}); err != nil {
		t.Fatal(err)
	}
	out, err := a.Prompt(ctx, call("hello"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Alerts) != 1 || out.Alerts[0].Threshold != 100 {
		t.Fatalf("announced %+v, want the 100%% alert alone", out.Alerts)
	}
	stored, err := a.db.Alerts(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != 1 {
		t.Fatalf("%d alerts stored, want the 100%% alert alone: %+v", len(stored), stored)
	}
	if out, err := a.Prompt(ctx, call("hello"), nil); err == nil && len(out.Alerts) != 0 {
		t.Fatalf("a later request raised %+v", out.Alerts)
	}
}
