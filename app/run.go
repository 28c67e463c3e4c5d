package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/byokhq/byok/budget"
	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/redact"
	"github.com/byokhq/byok/safetext"
	"github.com/byokhq/byok/store"
)

// Call is one request as a user (or a proxied tool) asked for it.
type Call struct {
	Provider string // id or alias
	Model    string // the provider's model id
	KeyLabel string // "" means the provider's default key, then its env var
	Request  providers.Request
	Source   store.Source
	Client   string // the calling tool (proxy)
	// PromptText is what the request sends, for local token estimates and,
	// when config allows, storage. Empty means it is built from Request.
	PromptText string
	// Free marks a call providers do not bill (a model listing, a token
	// count): it is recorded, at a computed $0, never as unpriced.
	Free bool
	// API picks another API the provider serves (openai and azure serve
	// the Responses API too); empty means the provider's own.
	API providers.Kind
	// Units are what the request will make that is billed per unit (the
	// images asked for, with their size and quality): the budget check
	// counts them at the catalog's price before anything is sent.
	Units providers.Usage
	// Unreadable says why byok could not read the request (a proxied body
	// that is not JSON): its model and prompt are unknown, so it is
	// recorded unpriced with this reason, never as a free or priced call.
	Unreadable string
}

// Run is a request that passed the budget check and holds its key. Finish
// must be called exactly once, whatever happened.
type Run struct {
	app      *App
	Call     Call
	Spec     providers.Spec
	Key      store.Key // zero for providers that need no key
	Warnings []budget.Status
	// WorstCase is the most the request can cost (estimated input plus max
	// output at the catalog price); zero when the model is unpriced.
	WorstCase money.USD
	// DeferAlerts evaluates alerts after Finish returns, in the
	// background (the proxy: the client's reply must not wait for them).
	// Outcome.Alerts is then empty; App.Close waits for the evaluation.
	DeferAlerts bool
	secret      string
	started     time.Time
	finished    bool
}

// Outcome is what a finished request left behind.
type Outcome struct {
	Event  store.Event
	Cost   pricing.Breakdown
	Alerts []store.Alert // alerts this request raised
}

// defaultMaxOutput bounds the worst case when neither the request nor the
// catalog says how long a reply can be.
const defaultMaxOutput = 4096

// Estimate returns the worst-case cost of a call and the budgets it could
// push over, without contacting anyone.
func (a *App) Estimate(ctx context.Context, c Call) (money.USD, []budget.Status, error) {
	spec, err := a.Provider(c.Provider)
	if err != nil {
		return 0, nil, err
	}
	worst := a.worstCase(spec.ID, c)
	// Another provider's key is refused here as Begin refuses it, rather
	// than estimated against the default key.
	label, err := labelFor(spec, c.KeyLabel)
	if err != nil {
		return 0, nil, err
	}
	var keyID int64
	if label != "" {
		if k, err := a.db.KeyByName(ctx, spec.ID, label); err == nil {
			keyID = k.ID
		}
	} else if k, ok := a.defaultKey(ctx, spec.ID); ok {
		keyID = k.ID
	}
	warn, err := a.budgets.Check(ctx, budget.Target{Provider: spec.ID, Model: c.Model, KeyID: keyID}, worst)
	return worst, warn, err
}

func (a *App) worstCase(provider string, c Call) money.USD {
	p, ok := a.Catalog().Lookup(provider, c.Model)
	if !ok {
		return 0
	}
	maxOut := int64(c.Request.MaxTokens)
	if maxOut <= 0 {
		maxOut = p.MaxOutput
	}
	if maxOut <= 0 {
		maxOut = defaultMaxOutput
	}
	worst := pricing.WorstCase(p, worstInputTokens(c.promptText()), maxOut)
	units := c.Units
	if units.Images > 0 {
		// GPT Image bills its pictures as output tokens the reply reports
		// afterwards; before, the dearest image the request allows is the
		// bound (a request naming no size may get the largest).
		worst += money.USD(units.Images) * p.WorstImage(units.ImageSize, units.ImageQuality)
		units.Images = 0
	}
	if units.HasUnits() {
		worst += pricing.Cost(p, units, 0).Total
	}
	return worst
}

// worstInputTokens bounds a prompt's token count from above without a
// tokenizer: real tokenizers average about 4 bytes of text a token, so a
// token every 3 bytes overestimates, as a worst case should. (Loading a
// BPE tokenizer costs ~70 MB and tens of milliseconds per process — too
// much for a check that runs before every request, the proxy's included.)
func worstInputTokens(text string) int64 {
	return int64(len(text)+2) / 3
}

func (c Call) promptText() string {
	if c.PromptText != "" {
		return c.PromptText
	}
	var parts []string
	if c.Request.System != "" {
		parts = append(parts, c.Request.System)
	}
	for _, m := range c.Request.Messages {
		parts = append(parts, m.Content)
	}
	return strings.Join(parts, "\n")
}

// Begin checks the budgets and resolves the key. A hard budget that is
// used up returns an error wrapping budget.ErrBudgetExceeded before anyone
// is contacted.
func (a *App) Begin(ctx context.Context, c Call) (*Run, error) {
	spec, err := a.Provider(c.Provider)
	if err != nil {
		return nil, err
	}
	c.Provider = spec.ID
	if c.API != "" && c.API != spec.Kind {
		alt, err := spec.WithKind(c.API)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", spec.Name, err)
		}
		spec = alt
	}
	if c.Model == "" {
		return nil, fmt.Errorf("no model given: name one as %s/MODEL (see `byok models %s`)", spec.ID, spec.ID)
	}
	// Every request passes here, from the CLI, the TUI and the proxy: a
	// model name holding control characters would be stored, then replayed
	// to terminals by the log, usage and the proxy's request line.
	if err := safetext.Check("model name", c.Model); err != nil {
		return nil, inputError{err}
	}
	if c.Source == "" {
		c.Source = store.SourceCLI
	}
	r := &Run{app: a, Call: c, Spec: spec, started: a.now()}
	if !spec.NoKey {
		if r.Key, r.secret, err = a.resolveKey(ctx, spec, c.KeyLabel); err != nil {
			a.learnKeyHealth(ctx, r.Key, err, false)
			return nil, err
		}
	}
	r.WorstCase = a.worstCase(spec.ID, c)
	r.Warnings, err = a.budgets.Check(ctx, r.target(), r.WorstCase)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Run) target() budget.Target {
	return budget.Target{Provider: r.Call.Provider, Model: r.Call.Model, KeyID: r.Key.ID}
}

// Secret returns the key to put in the outgoing request (the proxy needs
// it raw); "" for providers without keys.
func (r *Run) Secret() string { return r.secret }

// Streamer returns the provider adapter for this run.
func (r *Run) Streamer() (providers.Streamer, error) {
	return providers.New(r.Spec, r.secret, r.app.providerOptions(r.Call.Client))
}

// Stream sends the request and emits its events; then it finishes the run.
func (r *Run) Stream(ctx context.Context, emit func(providers.Event)) (Outcome, error) {
	s, err := r.Streamer()
	if err != nil {
		out, ferr := r.Finish(ctx, providers.Result{}, err)
		return out, errors.Join(err, ferr)
	}
	if emit == nil {
		emit = func(providers.Event) {}
	}
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		emitted := false
		res, err := s.Stream(ctx, r.Call.Request, func(ev providers.Event) {
			emitted = true
			emit(ev)
		})
		if wait, ok := retryAfter(err, emitted, attempt, waited); ok && ctx.Err() == nil {
			// The failed attempt was a real request: record it, then try
			// again after the wait the provider asked for.
			if _, rerr := r.record(ctx, res, err); rerr != nil {
				return Outcome{}, errors.Join(err, rerr)
			}
			select {
			case <-ctx.Done():
			case <-time.After(wait):
			}
			waited += wait
			r.started = r.app.now()
			continue
		}
		out, ferr := r.Finish(ctx, res, err)
		if err != nil {
			return out, err
		}
		return out, ferr
	}
}

// Retry limits: a request is tried at most maxAttempts times, waiting at
// most maxRetryWait in all.
const (
	maxAttempts  = 3
	maxRetryWait = 20 * time.Second
)

// retryAfter says whether a failed attempt may be sent again, and after how
// long: only rate limits, overloads and server errors, only before any
// output, honouring the provider's retry-after within the bounds.
func retryAfter(err error, emitted bool, attempt int, waited time.Duration) (time.Duration, bool) {
	var pe *providers.Error
	if err == nil || emitted || attempt >= maxAttempts || !errors.As(err, &pe) || !pe.Class.Retryable() {
		return 0, false
	}
	wait := pe.RetryAfter
	if wait <= 0 {
		wait = time.Duration(attempt) * 500 * time.Millisecond
	}
	if waited+wait > maxRetryWait {
		return 0, false
	}
	return wait, true
}

// Images makes the images of req and finishes the run: priced from the
// reply's tokens or per image, recorded, alerts evaluated. The polls an
// asynchronous task needs (Black Forest Labs) are recorded as they happen,
// each as a free call of its own, as the proxy records the polls it
// relays.
func (r *Run) Images(ctx context.Context, req providers.ImageRequest) ([]providers.Image, Outcome, error) {
	caller := req.Poll
	req.Poll = func(p providers.Poll) {
		r.recordPoll(ctx, p)
		if caller != nil {
			caller(p)
		}
	}
	images, res, err := providers.GenerateImages(ctx, r.Spec, r.secret, r.app.providerOptions(r.Call.Client), req)
	out, ferr := r.Finish(ctx, res, err)
	if err != nil {
		return images, out, err
	}
	return images, out, ferr
}

// recordPoll records one poll of r's task as a free call on r's provider
// and key, under the poll's method and path ("(GET v1/get_result)", the
// name the proxy gives one). It passes no budget check of its own: the
// task was checked, and a poll is never billed. Its alerts are evaluated
// in the background, so that polling does not wait for them; a failure
// to record is logged, since the task goes on either way.
func (r *Run) recordPoll(ctx context.Context, p providers.Poll) {
	poll := &Run{
		app: r.app, Spec: r.Spec, Key: r.Key, DeferAlerts: true,
		Call: Call{Provider: r.Call.Provider, Model: "(" + p.Name + ")", KeyLabel: r.Call.KeyLabel,
			Source: r.Call.Source, Client: r.Call.Client, Free: true},
		started: r.app.now().Add(-p.Result.Latency),
	}
	if _, err := poll.Finish(ctx, p.Result, p.Err); err != nil {
		r.app.Log.Warn("record a poll of an image task", "provider", r.Call.Provider, "err", err)
	}
}

// Prompt is the whole path in one call: Begin, then Stream.
func (a *App) Prompt(ctx context.Context, c Call, emit func(providers.Event)) (Outcome, error) {
	r, err := a.Begin(ctx, c)
	if err != nil {
		return Outcome{}, err
	}
	return r.Stream(ctx, emit)
}

// Finish prices and records the request, whatever happened (a failed or
// cancelled request is recorded too), then evaluates alerts. It runs even
// when ctx is already cancelled.
func (r *Run) Finish(ctx context.Context, res providers.Result, callErr error) (Outcome, error) {
	if r.finished {
		return Outcome{}, errors.New("the request was already recorded")
	}
	r.finished = true
	return r.record(ctx, res, callErr)
}

// record prices and records one attempt of the request and evaluates alerts.
func (r *Run) record(ctx context.Context, res providers.Result, callErr error) (Outcome, error) {
	a := r.app
	ctx = context.WithoutCancel(ctx)
	e := store.Event{
		Time: r.started, Source: r.Call.Source, Client: r.Call.Client, Provider: r.Call.Provider,
		Model: r.Call.Model, KeyID: r.Key.ID, Status: store.StatusOK, HTTPStatus: res.Status,
		Latency: res.Latency, TTFT: res.FirstToken, RequestID: res.RequestID,
	}
	if r.Key.ID != 0 {
		e.KeyName = r.Key.Name()
	}
	if e.Latency == 0 {
		e.Latency = a.now().Sub(r.started)
	}
	if callErr != nil {
		var pe *providers.Error
		switch {
		case errors.As(callErr, &pe) && pe.Class == providers.ClassCancelled, errors.Is(callErr, context.Canceled):
			e.Status, e.ErrorClass = store.StatusCancelled, string(providers.ClassCancelled)
		case errors.As(callErr, &pe):
			e.Status, e.ErrorClass = store.StatusError, string(pe.Class)
			if e.HTTPStatus == 0 {
				e.HTTPStatus = pe.Status
			}
			if e.RequestID == "" {
				e.RequestID = pe.RequestID
			}
		default:
			e.Status, e.ErrorClass = store.StatusError, string(providers.ClassNetwork)
		}
		if e.Status == store.StatusError && res.Text != "" {
			e.Status = store.StatusPartial
		}
		e.ErrorMessage = redact.String(callErr.Error())
	}
	u := res.Usage
	if res.HasUsage && callErr != nil && res.Text != "" {
		// A cut stream may carry an early usage report (Gemini sends one
		// with every chunk) that predates most of the text: never count
		// less output than was seen.
		if est := providers.EstimateTokens(res.Text); u.Output < est {
			u.Output, u.Estimated = est, true
		}
	}
	if !res.HasUsage {
		// The provider said nothing: count locally, and say so. A request
		// refused before any output costs its prompt at most.
		u = providers.Usage{Output: providers.EstimateTokens(res.Text), Estimated: true}
		if (res.Status != 0 && res.Status < 400 || res.Text != "" || e.Status == store.StatusCancelled) && r.Call.Unreadable == "" {
			u.Input = providers.EstimateTokens(r.Call.promptText())
		}
	}
	cost := a.Catalog().Price(r.Call.Provider, r.Call.Model, u, a.Config.Markup(r.Call.Provider))
	if r.Call.Free {
		cost = pricing.Breakdown{State: pricing.Computed}
	}
	if r.Call.Unreadable != "" {
		// Whatever the provider answered, byok does not know what was
		// asked of which model: unpriced, with budgets counting the
		// tokens it saw at the provider's fallback price.
		cost = pricing.Breakdown{State: pricing.Unpriced}
		if fb, ok := a.Catalog().Fallback(r.Call.Provider); ok {
			cost.Fallback = pricing.Cost(fb, u, a.Config.Markup(r.Call.Provider)).Total
		}
		if e.ErrorMessage != "" {
			e.ErrorMessage = r.Call.Unreadable + "; " + e.ErrorMessage
		} else {
			e.ErrorMessage = r.Call.Unreadable
		}
	}
	e.InputTokens, e.CacheReadTokens, e.CacheWrite5mTokens, e.CacheWrite1hTokens = u.Input, u.CacheRead, u.CacheWrite5m, u.CacheWrite1h
	e.OutputTokens, e.ReasoningTokens = u.Output, u.Reasoning
	e.Units = store.UnitsOf(u)
	e.Cost, e.Markup, e.Fallback, e.CostState, e.PriceRef = cost.Total, cost.Markup, cost.Fallback, cost.State, cost.Ref
	e.Computed, e.HasComputed = cost.Computed, cost.HasComputed
	if a.Config.StoreText && r.Call.Source != store.SourceProxy {
		e.Prompt, e.Response = redact.String(r.Call.promptText()), redact.String(res.Text)
	}
	if _, stored := a.priceRefs.Load(cost.Ref); cost.Ref != "" && !stored {
		if p, ok := a.Catalog().Lookup(r.Call.Provider, r.Call.Model); ok {
			if body, err := json.Marshal(p); err == nil {
				if err := a.db.PutPriceRecord(ctx, cost.Ref, string(body)); err != nil {
					a.Log.Warn("store price record", "ref", cost.Ref, "err", err)
				} else {
					a.priceRefs.Store(cost.Ref, true)
				}
			}
		}
	}
	a.beforeRecord(ctx)
	if _, err := a.db.Record(ctx, &e); err != nil {
		return Outcome{Event: e, Cost: cost}, fmt.Errorf("record the request: %w", err)
	}
	a.afterRecord()
	out := Outcome{Event: e, Cost: cost}
	out.Alerts = a.learnKeyHealth(ctx, r.Key, callErr, false)
	if r.DeferAlerts {
		a.evaluateLater(ctx, r.target())
		return out, nil
	}
	out.Alerts = append(out.Alerts, a.evaluate(ctx, r.target())...)
	return out, nil
}

// evaluateGap is the least time between two deferred evaluations of one
// target: an alert is at most this late, and a busy proxy spends its CPU on
// requests rather than on checking the same budgets over and over.
const evaluateGap = 100 * time.Millisecond

// evaluateLater evaluates t's alerts in the background. Under load many
// requests for one target finish at once; their evaluations coalesce: while
// one runs, further requests only ask for one more run after it, which
// still starts after every one of them was recorded.
func (a *App) evaluateLater(ctx context.Context, t budget.Target) {
	a.pendingMu.Lock()
	defer a.pendingMu.Unlock()
	if a.pending == nil {
		a.pending = map[budget.Target]bool{}
	}
	if _, running := a.pending[t]; running {
		a.pending[t] = true
		return
	}
	a.pending[t] = false
	a.bg.Add(1)
	go func() {
		defer a.bg.Done()
		for {
			began := time.Now()
			a.evaluate(ctx, t)
			a.pendingMu.Lock()
			again := a.pending[t]
			if again {
				a.pending[t] = false
			} else {
				delete(a.pending, t)
			}
			a.pendingMu.Unlock()
			if !again {
				return
			}
			// Under steady load, evaluate at most every evaluateGap: the
			// requests that arrive meanwhile are all in the next run.
			time.Sleep(time.Until(began.Add(evaluateGap)))
		}
	}()
}

// evaluate raises the alerts a recorded request is due, delivers them and
// returns them to announce; failures are logged, never returned: the
// request is recorded already.
func (a *App) evaluate(ctx context.Context, t budget.Target) []store.Alert {
	alerts, err := a.budgets.Evaluate(ctx, t)
	if err != nil {
		a.Log.Warn("evaluate alerts", "err", err)
	}
	a.deliver(ctx, alerts)
	return alerts
}

// deliver sends new alerts to the desktop and the user's command; failures
// are logged, never fatal.
func (a *App) deliver(ctx context.Context, alerts []store.Alert) {
	if len(alerts) == 0 {
		return
	}
	command, err := a.alertCommand()
	if err != nil {
		a.Log.Warn("deliver alerts", "err", err)
	}
	d := budget.Delivery{Desktop: a.Config.Alerts.Desktop, Command: command}
	if err := d.Deliver(ctx, alerts); err != nil {
		a.Log.Warn("deliver alerts", "err", err)
	}
}
