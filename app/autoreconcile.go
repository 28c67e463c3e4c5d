package app

import (
	"context"
	"sync"
	"time"
)

// autoReconcileSetting holds when any byok process last started an
// automatic reconcile, so a TUI and a proxy running side by side share
// one schedule instead of each asking the providers.
const autoReconcileSetting = "reconcile.auto.last"

// autoReconcileDays is how far back an automatic reconcile looks: the
// providers' data of the last days still completes (Anthropic's within a
// day), and the days before were reconciled already.
const autoReconcileDays = 7

// autoReconcileStart is how long after start-up the first check waits, so
// that it never competes with the first frame or the first requests.
var autoReconcileStart = 20 * time.Second

// backfillEvery is how often the TUI and the proxy look for OpenRouter
// requests recorded without their billed cost.
var backfillEvery = time.Minute

// StartAutoReconcile reconciles, in the background, every provider with an
// admin key each [reconcile] every (6 hours by default) while the TUI or the
// proxy runs, and looks at the balances when a low-balance alert is set.
// Every minute it also asks OpenRouter for the billed cost of requests
// recorded without one (see BackfillOpenRouter), whatever the interval.
// It is quiet: failures go to the log, and it never holds a request up (it
// runs on its own goroutines and writes in short transactions). The
// returned function stops it and waits for the work under way.
func (a *App) StartAutoReconcile(ctx context.Context) (stop func()) {
	if a.readOnly {
		return func() {}
	}
	every := a.Config.Reconcile.Interval()
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	loop := func(first, next time.Duration, work func(context.Context)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTimer(first)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
				work(ctx)
				t.Reset(next)
			}
		}()
	}
	if every > 0 {
		loop(autoReconcileStart, min(max(every/6, time.Minute), 30*time.Minute), func(ctx context.Context) { a.autoReconcile(ctx) })
	}
	loop(autoReconcileStart, backfillEvery, a.autoBackfill)
	return func() {
		cancel()
		wg.Wait()
	}
}

// autoBackfill runs BackfillOpenRouter quietly, when reading a key asks
// nobody for a passphrase.
func (a *App) autoBackfill(ctx context.Context) {
	if !a.secretsQuiet() {
		return
	}
	res, err := a.BackfillOpenRouter(ctx)
	if err != nil && ctx.Err() == nil {
		a.Log.Warn("openrouter backfill", "err", err)
	}
	if res.Priced > 0 || res.Unknown > 0 {
		a.Log.Info("openrouter backfill", "priced", res.Priced, "unknown", res.Unknown)
	}
}

// autoReconcile reconciles the last days when the last automatic run, of
// any byok process on this database, is older than the interval; it
// reports whether it ran.
func (a *App) autoReconcile(ctx context.Context) bool {
	every := a.Config.Reconcile.Interval()
	if every <= 0 || !a.secretsQuiet() {
		return false
	}
	now := a.now()
	if last, err := a.db.Setting(ctx, autoReconcileSetting); err == nil {
		if t, err := time.Parse(time.RFC3339Nano, last); err == nil && now.Sub(t) < every && !t.After(now) {
			return false
		}
	}
	ids, err := a.ReconcileProviders(ctx)
	if err != nil {
		a.Log.Warn("automatic reconcile", "err", err)
		return false
	}
	if len(ids) == 0 && !a.Config.Alerts.LowBalanceUSD.Set {
		return false
	}
	// Claim the run first: another process that looks meanwhile waits for
	// the next interval instead of asking the providers again.
	if err := a.db.SetSetting(ctx, autoReconcileSetting, now.UTC().Format(time.RFC3339Nano)); err != nil {
		a.Log.Warn("automatic reconcile", "err", err)
		return false
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	if len(ids) > 0 {
		res, err := a.Reconcile(rctx, ReconcileOptions{Providers: ids, Since: now.AddDate(0, 0, -autoReconcileDays)})
		if err != nil {
			a.Log.Warn("automatic reconcile", "err", err)
		}
		for id, err := range res.Errors {
			a.Log.Warn("automatic reconcile", "provider", id, "err", err)
		}
		a.Log.Info("automatic reconcile", "providers", len(ids), "rows", len(res.Rows))
	}
	if a.Config.Alerts.LowBalanceUSD.Set {
		bs, err := a.Balances(rctx)
		if err != nil {
			a.Log.Warn("automatic balance check", "err", err)
		}
		for _, b := range bs {
			if b.Err != nil {
				a.Log.Warn("automatic balance check", "provider", b.Provider, "err", b.Err)
			}
		}
	}
	return true
}

// secretsQuiet says whether reading a secret now asks nobody: the file
// keyring without BYOK_PASSPHRASE would ask for its passphrase, which a
// background task must not do before the user has unlocked it.
func (a *App) secretsQuiet() bool {
	if a.Config.Keyring != "file" || a.env("BYOK_PASSPHRASE") != "" {
		return true
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.secrets != nil
}
