package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/reports"
	"github.com/byokhq/byok/store"
)

// OpenRouter answers every request with its cost inline, but a request cut
// short, or relayed by the proxy from a client that asked for no usage, may
// arrive without it: byok then records what its catalog makes of the
// tokens. OpenRouter keeps the exact bill of every generation
// (GET /api/v1/generation?id=gen-…), so byok asks for it afterwards and
// records it as the event's reported cost, the computed one kept beside it
// as for any reported cost.

// generationMarkSetting is the id of the last OpenRouter event a backfill
// finished with (priced, or given up on after its bounded retries): later
// backfills start after it, so no generation is asked for over and over.
const generationMarkSetting = "openrouter.generation.mark"

// backfillWindow is how far back a backfill looks for requests without
// their billed cost.
const backfillWindow = 7 * 24 * time.Hour

// backfillBatch bounds one backfill: each generation may take 15 seconds
// of retries while OpenRouter has not recorded it yet.
const backfillBatch = 20

// BackfillResult says what a backfill did.
type BackfillResult struct {
	// Priced requests now carry OpenRouter's billed cost.
	Priced int
	// Unknown requests were still unknown to OpenRouter after the retries;
	// they keep byok's computed cost.
	Unknown int
}

// BackfillOpenRouter asks OpenRouter for the billed cost of the requests
// byok carried without an inline cost in the last week (at most
// backfillBatch of them, oldest first) and records each as the request's
// reported cost, with the key that sent it. Budgets and alerts of the
// requests' provider and keys are evaluated again.
func (a *App) BackfillOpenRouter(ctx context.Context) (BackfillResult, error) {
	var res BackfillResult
	if a.readOnly {
		return res, nil
	}
	spec, err := a.Provider("openrouter")
	if err != nil {
		return res, err
	}
	mark := int64(0)
	if v, err := a.db.Setting(ctx, generationMarkSetting); err == nil {
		mark, _ = strconv.ParseInt(v, 10, 64)
	}
	evs, err := a.db.AwaitingReportedCost(ctx, spec.ID, "gen-", mark, a.now().Add(-backfillWindow), backfillBatch)
	if err != nil || len(evs) == 0 {
		return res, err
	}
	secrets := map[int64]string{}
	touched := map[int64]bool{}
	defer func() {
		if err := a.db.SetSetting(ctx, generationMarkSetting, strconv.FormatInt(mark, 10)); err != nil {
			a.Log.Warn("openrouter backfill", "err", err)
		}
		if len(touched) > 0 {
			a.evaluateSpend(ctx, spec.ID, touched)
		}
	}()
	for _, e := range evs {
		secret, ok := secrets[e.KeyID]
		if !ok {
			if secret, err = a.generationSecret(ctx, spec, e.KeyID); err != nil {
				return res, err
			}
			secrets[e.KeyID] = secret
		}
		g, err := reports.FetchGeneration(ctx, spec, secret, e.RequestID, a.reportOptions())
		switch {
		case errors.Is(err, reports.ErrGenerationPending):
			res.Unknown++
			mark = e.ID
			continue
		case err != nil:
			return res, err
		}
		u := providers.Usage{Input: e.InputTokens, CacheRead: e.CacheReadTokens, CacheWrite5m: e.CacheWrite5mTokens,
			CacheWrite1h: e.CacheWrite1hTokens, Output: e.OutputTokens, Reasoning: e.ReasoningTokens,
			ReportedCost: g.Cost, CostReported: true}
		e.Units.Apply(&u)
		b := a.Catalog().Price(spec.ID, e.Model, u, a.Config.Markup(spec.ID))
		changed, err := a.db.SetReportedCost(ctx, e.ID, b.Total, b.Markup, b.Ref, b.Computed, b.HasComputed)
		if err != nil {
			return res, err
		}
		mark = e.ID
		if changed {
			res.Priced++
			touched[e.KeyID] = true
		}
	}
	if res.Priced > 0 {
		a.audit(ctx, "openrouter.backfill", spec.ID, fmt.Sprintf("%d requests now carry OpenRouter's billed cost", res.Priced))
	}
	return res, nil
}

// generationSecret is the key to ask about a request with: the one that
// sent it, or the provider's default for a request sent without a stored
// key.
func (a *App) generationSecret(ctx context.Context, spec providers.Spec, keyID int64) (string, error) {
	if keyID != 0 {
		k, err := a.Store.KeyByID(ctx, keyID)
		if err == nil && !k.Revoked() {
			return a.secretOf(ctx, spec, k)
		}
	}
	_, secret, err := a.resolveKey(ctx, spec, "")
	if errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("no OpenRouter key to ask for the billed cost of its requests with: add one with `byok keys add openrouter`: %w", err)
	}
	return secret, err
}
