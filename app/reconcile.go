package app

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/byokhq/byok/budget"
	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/reports"
	"github.com/byokhq/byok/store"
)

// Reconciling compares what byok recorded with what the provider billed,
// per UTC day (the providers' report buckets), and records the spend the
// provider reports beyond byok's own events as events with source
// "reconciled": reconcile = fetch the reports → store them → replace the
// reconciled spend → evaluate alerts. Because every reconcile replaces the
// reconciled events of the days it fetched, the unseen spend counts once,
// in usage, status, budgets (hard ones too), forecasts and alerts, however
// often it runs.

// ReconcileState is how a day's records compare with the provider's bill.
type ReconcileState string

// Reconcile states.
const (
	// StateMatch: the two agree within the tolerance.
	StateMatch ReconcileState = "match"
	// StateUnseen: the provider billed more than byok saw (another tool
	// used the key, or requests went around byok).
	StateUnseen ReconcileState = "unseen"
	// StateOver: byok recorded more than the provider billed, a price in
	// byok's catalog to look at.
	StateOver ReconcileState = "over"
	// StatePending: today or yesterday (UTC), while the provider's data is
	// still arriving; reported spend beyond byok's counts all the same.
	StatePending ReconcileState = "pending"
)

// reconcileTolerance decides when a day's difference is a match: within a
// cent, or within 1 % of the larger of the two amounts. A cent because the
// providers' consoles and invoices bill in cents; 1 % because a request that
// runs across midnight UTC is one day's in byok's records (it is stamped when
// it starts) and may be the next day's in the provider's buckets, and OpenAI
// says its usage "may not always reconcile perfectly". Anything beyond is a
// real difference: unseen spend, or a price byok has wrong.
func reconcileTolerance(byok, reported money.USD) money.USD {
	return max(money.Cent, max(byok, reported)/100)
}

// ReconcilePlacement is where a UTC day's reconciled spend is placed: noon
// UTC, which is on the same calendar date in every time zone from UTC−12
// to UTC+11 whatever their daylight saving time, so daily, weekly and
// monthly budgets in the user's zone count it on the day the provider
// billed it (zones east of UTC+12 see it on the next date). On the current
// day, before noon UTC, it is placed at the moment of the reconcile, so
// that it never lies in the future.
func ReconcilePlacement(day, now time.Time) time.Time {
	noon := day.UTC().Add(12 * time.Hour)
	if now.Before(noon) && !now.Before(day) {
		return now.UTC()
	}
	return noon
}

// ReconcileRow is one line of a reconcile: a provider's day (Key empty), or
// one key's share of it.
type ReconcileRow struct {
	Provider string
	Day      time.Time // midnight UTC
	// KeyID and KeyName are byok's key (0 and "" for the day's total or a
	// provider key byok does not hold); ProviderKey names the provider's.
	KeyID       int64
	KeyName     string
	ProviderKey string
	// Byok is byok's own spend (reconciled events excluded), Reported the
	// provider's (when HasReported), Diff = Reported − Byok.
	Byok, Reported, Diff money.USD
	HasReported          bool
	ByokRequests         int64
	ReportedRequests     int64
	HasReportedRequests  bool
	// Reconciled is the unseen spend recorded for this day.
	Reconciled money.USD
	State      ReconcileState
}

// ReconcileOptions choose providers and days.
type ReconcileOptions struct {
	// Providers to reconcile; empty means every provider with an admin key
	// and a report API.
	Providers []string
	// Since and Until are the UTC days [Since, Until); zero means the last
	// 30 days through today.
	Since, Until time.Time
}

// ReconcileResult is what a reconcile found.
type ReconcileResult struct {
	From, To time.Time
	Rows     []ReconcileRow
	// Errors per provider: one provider's failure does not stop the others.
	Errors map[string]error
	Notes  []string
}

// ErrNoAdminKey says a provider has no admin key to read its reports with.
var ErrNoAdminKey = errors.New("no admin key")

// reconcileDays returns the UTC days of a reconcile.
func (a *App) reconcileDays(o ReconcileOptions) (time.Time, time.Time) {
	today := utcMidnight(a.now())
	from, to := utcMidnight(o.Since), utcMidnight(o.Until)
	if o.Until.IsZero() {
		to = today.AddDate(0, 0, 1)
	} else if !o.Until.Equal(to) {
		to = to.AddDate(0, 0, 1) // a day that has begun is included
	}
	if o.Since.IsZero() {
		from = to.AddDate(0, 0, -30)
	}
	return from, to
}

func utcMidnight(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// ReconcileProviders lists the providers a reconcile covers by default:
// those with a live admin key and a report API.
func (a *App) ReconcileProviders(ctx context.Context) ([]string, error) {
	ks, err := a.Store.Keys(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, k := range ks {
		if k.Admin && !k.Revoked() && reports.Capabilities(k.Provider).Reports && !seen[k.Provider] {
			seen[k.Provider] = true
			out = append(out, k.Provider)
		}
	}
	sort.Strings(out)
	return out, nil
}

// adminKey returns a provider's live admin key and its secret.
func (a *App) adminKey(ctx context.Context, spec providers.Spec) (store.Key, string, error) {
	ks, err := a.Store.Keys(ctx)
	if err != nil {
		return store.Key{}, "", err
	}
	for _, k := range ks {
		if k.Provider == spec.ID && k.Admin && !k.Revoked() {
			secret, err := a.secretOf(ctx, spec, k)
			return k, secret, err
		}
	}
	return store.Key{}, "", fmt.Errorf("%s has no admin key: add one with `byok keys add %s --admin` (%s): %w",
		spec.Name, spec.ID, reports.Capabilities(spec.ID).ReportKey, ErrNoAdminKey)
}

// Reconcile fetches each provider's reports for the days asked, stores
// them, replaces the provider's reconciled spend of those days with what
// the reports show beyond byok's own records, and evaluates alerts.
func (a *App) Reconcile(ctx context.Context, o ReconcileOptions) (ReconcileResult, error) {
	from, to := a.reconcileDays(o)
	res := ReconcileResult{From: from, To: to, Errors: map[string]error{}}
	if !from.Before(to) {
		return res, fmt.Errorf("the days %s to %s are empty: --since must come before --until", from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	ids := o.Providers
	if len(ids) == 0 {
		var err error
		if ids, err = a.ReconcileProviders(ctx); err != nil {
			return res, err
		}
		if len(ids) == 0 {
			return res, fmt.Errorf("no provider has an admin key to read its reports with: add one, e.g. `byok keys add openai --admin` (OpenAI, Anthropic and OpenRouter publish reports): %w", ErrNoAdminKey)
		}
	}
	for _, id := range ids {
		spec, err := a.Provider(id)
		if err != nil {
			return res, err
		}
		rows, notes, err := a.reconcileProvider(ctx, spec, from, to)
		if err != nil {
			res.Errors[spec.ID] = err
			a.Log.Warn("reconcile", "provider", spec.ID, "err", err)
			continue
		}
		res.Rows = append(res.Rows, rows...)
		res.Notes = append(res.Notes, notes...)
	}
	return res, nil
}

func (a *App) reconcileProvider(ctx context.Context, spec providers.Spec, from, to time.Time) ([]ReconcileRow, []string, error) {
	if !reports.Capabilities(spec.ID).Reports {
		return nil, nil, fmt.Errorf("%s publishes no usage or cost report byok can read (%s)", spec.Name, reports.Capabilities(spec.ID).None)
	}
	_, secret, err := a.adminKey(ctx, spec)
	if err != nil {
		return nil, nil, err
	}
	rep, err := reports.Fetch(ctx, spec, secret, from, to, a.reportOptions())
	if err != nil {
		return nil, nil, err
	}
	f := store.ReportFetch{Provider: spec.ID, From: from, To: to}
	for _, r := range rep.Costs {
		f.Rows = append(f.Rows, reportRow(spec.ID, store.ReportCost, r))
	}
	for _, r := range rep.Usage {
		f.Rows = append(f.Rows, reportRow(spec.ID, store.ReportUsage, r))
	}
	keys, err := a.matchKeys(ctx, spec.ID, rep.Keys)
	if err != nil {
		return nil, nil, err
	}
	f.Keys = keys
	f.Days = a.coveredDays(spec.ID, from, to)
	rows, err := a.compare(ctx, spec.ID, from, to, f.Rows, f.Days, keys)
	if err != nil {
		return nil, nil, err
	}
	for i, r := range rows {
		if r.KeyName != "" || r.ProviderKey != "" || r.Reconciled <= 0 {
			continue
		}
		f.Reconciled = append(f.Reconciled, &store.Event{
			Time: ReconcilePlacement(r.Day, a.now()), Source: store.SourceReconciled, Provider: spec.ID, Model: "reconciled",
			Status: store.StatusOK, Cost: r.Reconciled, CostState: pricing.Reported,
			Note: fmt.Sprintf("%s billed %s on %s (UTC); byok recorded %s", spec.Name, r.Reported.Decimal(), r.Day.Format(time.DateOnly), r.Byok.Decimal()),
		})
		rows[i] = r
	}
	if err := a.db.StoreReport(ctx, f); err != nil {
		return nil, nil, err
	}
	a.audit(ctx, "reconcile", spec.ID, fmt.Sprintf("%s to %s: %d report rows, %d reconciled days", from.Format(time.DateOnly), to.Format(time.DateOnly), len(f.Rows), len(f.Reconciled)))
	a.evaluate(ctx, budget.Target{Provider: spec.ID})
	notes := rep.Notes
	if len(keys) > 0 {
		notes = append(notes, spec.Name+"'s keys are matched to byok's by their last 4 characters (the provider shows no more of a key, so no fingerprint can confirm it)")
	}
	return rows, notes, nil
}

func reportRow(provider, kind string, r reports.Row) store.ReportRow {
	return store.ReportRow{Provider: provider, Day: r.Day, Kind: kind, KeyRef: r.KeyID, Model: r.Model, LineItem: r.LineItem,
		Cost: r.Cost, HasCost: r.HasCost, Requests: r.Requests, HasRequests: r.HasRequests,
		InputTokens: r.InputTokens, CacheReadTokens: r.CacheReadTokens, CacheWriteTokens: r.CacheWriteTokens, OutputTokens: r.OutputTokens}
}

// coveredDays are the days a provider's report speaks for: every day of
// the range up to today, except that OpenRouter's activity holds only
// complete days.
func (a *App) coveredDays(provider string, from, to time.Time) []time.Time {
	last := utcMidnight(a.now())
	if provider == "openrouter" {
		last = last.AddDate(0, 0, -1)
	}
	var out []time.Time
	for d := from; d.Before(to) && !d.After(last); d = d.AddDate(0, 0, 1) {
		out = append(out, d)
	}
	return out
}

// matchKeys pairs the provider's keys with byok's ordinary keys of that
// provider by their last 4 characters; a hint that fits several of byok's
// keys stays unmatched rather than guessed.
func (a *App) matchKeys(ctx context.Context, provider string, pk []reports.APIKey) ([]store.ReportKey, error) {
	ks, err := a.Store.Keys(ctx)
	if err != nil {
		return nil, err
	}
	byLast4 := map[string][]store.Key{}
	for _, k := range ks {
		if k.Provider == provider && !k.Admin && k.Last4 != "" {
			byLast4[k.Last4] = append(byLast4[k.Last4], k)
		}
	}
	out := make([]store.ReportKey, 0, len(pk))
	for _, p := range pk {
		rk := store.ReportKey{Provider: provider, KeyRef: p.ID, Name: p.Name, Hint: p.Last4()}
		if m := byLast4[p.Last4()]; len(m) == 1 {
			rk.KeyID = m[0].ID
		}
		out = append(out, rk)
	}
	return out, nil
}

// compare builds the reconcile rows of one provider from its report rows:
// one per covered day (and per day not covered, as pending without a
// report), then one per key the usage report names.
func (a *App) compare(ctx context.Context, provider string, from, to time.Time, rows []store.ReportRow, covered []time.Time, keys []store.ReportKey) ([]ReconcileRow, error) {
	own, err := a.ownByDay(ctx, store.Scope{Provider: provider}, from, to)
	if err != nil {
		return nil, err
	}
	type dayKey struct {
		day time.Time
		ref string
	}
	cost := map[time.Time]money.USD{}
	reqs := map[time.Time]int64{}
	hasReqs := map[time.Time]bool{}
	keyReqs := map[dayKey]int64{}
	keyHas := map[dayKey]bool{}
	for _, r := range rows {
		d := r.Day.UTC()
		switch r.Kind {
		case store.ReportCost:
			cost[d] += r.Cost
			if r.HasRequests && provider == "openrouter" {
				reqs[d] += r.Requests
				hasReqs[d] = true
			}
		case store.ReportUsage:
			if r.HasRequests {
				reqs[d] += r.Requests
				hasReqs[d] = true
			}
			k := dayKey{d, r.KeyRef}
			keyReqs[k] += r.Requests
			keyHas[k] = keyHas[k] || r.HasRequests
		}
	}
	isCovered := map[time.Time]bool{}
	for _, d := range covered {
		isCovered[d.UTC()] = true
	}
	today := utcMidnight(a.now())
	pendingFrom := today.AddDate(0, 0, -1)
	var out []ReconcileRow
	for d := from; d.Before(to) && !d.After(today); d = d.AddDate(0, 0, 1) {
		o := own[d]
		r := ReconcileRow{Provider: provider, Day: d, Byok: o.Cost + o.Fallback, ByokRequests: o.Requests}
		if isCovered[d] {
			r.Reported, r.HasReported = cost[d], true
			r.Diff = r.Reported - r.Byok
			r.ReportedRequests, r.HasReportedRequests = reqs[d], hasReqs[d]
		}
		tol := reconcileTolerance(r.Byok, r.Reported)
		switch {
		case !d.Before(pendingFrom) || !r.HasReported:
			r.State = StatePending
		case r.Diff > tol:
			r.State = StateUnseen
		case -r.Diff > tol:
			r.State = StateOver
		default:
			r.State = StateMatch
		}
		if r.HasReported && r.Diff > 0 && (r.State == StateUnseen || r.State == StatePending) {
			r.Reconciled = r.Diff
		}
		out = append(out, r)
	}
	// Per-key rows: the provider's request counts per key against byok's.
	refs := map[string]store.ReportKey{}
	for _, k := range keys {
		refs[k.KeyRef] = k
	}
	names, err := a.keyNames(ctx)
	if err != nil {
		return nil, err
	}
	var dks []dayKey
	for k := range keyReqs {
		dks = append(dks, k)
	}
	sort.Slice(dks, func(i, j int) bool {
		if !dks[i].day.Equal(dks[j].day) {
			return dks[i].day.Before(dks[j].day)
		}
		return dks[i].ref < dks[j].ref
	})
	for _, k := range dks {
		rk := refs[k.ref]
		r := ReconcileRow{Provider: provider, Day: k.day, KeyID: rk.KeyID, KeyName: names[rk.KeyID],
			ReportedRequests: keyReqs[k], HasReportedRequests: keyHas[k]}
		switch {
		case k.ref == "":
			r.ProviderKey = "(no key)"
		case rk.Name != "" && rk.Hint != "":
			r.ProviderKey = rk.Name + " (…" + rk.Hint + ")"
		default:
			r.ProviderKey = k.ref
		}
		if rk.KeyID != 0 {
			kt, err := a.ownByDay(ctx, store.Scope{Provider: provider, KeyID: rk.KeyID}, k.day, k.day.AddDate(0, 0, 1))
			if err != nil {
				return nil, err
			}
			r.Byok, r.ByokRequests = kt[k.day].Cost+kt[k.day].Fallback, kt[k.day].Requests
		}
		switch {
		case !k.day.Before(pendingFrom) || !r.HasReportedRequests:
			r.State = StatePending
		case r.ReportedRequests > r.ByokRequests:
			r.State = StateUnseen
		case r.ReportedRequests < r.ByokRequests:
			r.State = StateOver
		default:
			r.State = StateMatch
		}
		out = append(out, r)
	}
	return out, nil
}

// ownByDay sums byok's own events (reconciled spend left out) of a scope
// per UTC day.
func (a *App) ownByDay(ctx context.Context, sc store.Scope, from, to time.Time) (map[time.Time]store.Totals, error) {
	all, err := a.Store.Breakdown(ctx, sc, from, to, store.ByDay, time.UTC)
	if err != nil {
		return nil, err
	}
	rsc := sc
	rsc.Source = store.SourceReconciled
	rec, err := a.Store.Breakdown(ctx, rsc, from, to, store.ByDay, time.UTC)
	if err != nil {
		return nil, err
	}
	out := map[time.Time]store.Totals{}
	for i, g := range all {
		d, err := time.Parse(time.DateOnly, g.Key)
		if err != nil {
			return nil, err
		}
		t := g.Totals
		if i < len(rec) && rec[i].Key == g.Key {
			r := rec[i].Totals
			t.Requests -= r.Requests
			t.Cost -= r.Cost
			t.Fallback -= r.Fallback
		}
		out[d] = t
	}
	return out, nil
}

func (a *App) keyNames(ctx context.Context) (map[int64]string, error) {
	ks, err := a.Store.Keys(ctx)
	if err != nil {
		return nil, err
	}
	m := map[int64]string{}
	for _, k := range ks {
		m[k.ID] = k.Name()
	}
	return m, nil
}

// Reconciliation reads back the last reconcile of the UTC days [from, to)
// from the store, without asking any provider: what the TUI shows.
func (a *App) Reconciliation(ctx context.Context, from, to time.Time) ([]ReconcileRow, error) {
	from, to = utcMidnight(from), utcMidnight(to)
	ids, err := a.ReconcileProviders(ctx)
	if err != nil {
		return nil, err
	}
	var out []ReconcileRow
	for _, id := range ids {
		rows, err := a.db.ReportRows(ctx, id, from, to)
		if err != nil {
			return nil, err
		}
		days, err := a.db.ReportDays(ctx, id, from, to)
		if err != nil {
			return nil, err
		}
		if len(days) == 0 {
			continue
		}
		covered := make([]time.Time, 0, len(days))
		for d := range days {
			covered = append(covered, d)
		}
		keys, err := a.db.ReportKeys(ctx, id)
		if err != nil {
			return nil, err
		}
		r, err := a.compare(ctx, id, from, to, rows, covered, keys)
		if err != nil {
			return nil, err
		}
		// Only the days a reconcile fetched: the others were never asked.
		for _, row := range r {
			if _, ok := days[row.Day]; ok {
				out = append(out, row)
			}
		}
	}
	return out, nil
}
