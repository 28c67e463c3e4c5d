package app

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
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
	// Byok is byok's own spend (reconciled events excluded) as the
	// provider bills it: without the markup_percent fee, which no
	// provider's report includes (OpenRouter's activity counts credits
	// spent; its fee is paid when credits are bought). Reported is the
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
	return store.Key{}, "", store.Refuse(ErrNoAdminKey, "%s has no admin key: add one with `byok keys add %s --admin` (%s)",
		spec.Name, spec.ID, reports.Capabilities(spec.ID).ReportKey)
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
			return res, store.Refuse(ErrNoAdminKey, "no provider has an admin key to read its reports with: add one, e.g. `byok keys add openai --admin` (OpenAI, Anthropic and OpenRouter publish reports)")
		}
	}
	for _, id := range ids {
		spec, err := a.Provider(id)
		if err != nil {
			return res, err
		}
		if spec.ID == "openrouter" {
			// The requests byok carried without an inline cost get their
			// billed one first, so byok's side of the comparison is exact.
			b, err := a.BackfillOpenRouter(ctx)
			if err != nil {
				res.Errors[spec.ID+" generations"] = err
			}
			if b.Priced > 0 || b.Unknown > 0 {
				res.Notes = append(res.Notes, fmt.Sprintf("OpenRouter's billed cost for the requests byok carried without one: %d fetched, %d still unknown to OpenRouter (those keep byok's computed cost)", b.Priced, b.Unknown))
			}
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

// reconcileChunk is how many UTC days a reconcile asks a provider for at a
// time: each piece is stored as soon as it is complete, so a provider that
// fails half-way (or a process stopped half-way) loses only the piece it
// was on. A week is within every report's page limit for daily buckets.
const reconcileChunk = 7

// resumeWithin is how old an unfinished reconcile may be for a later one
// to continue it rather than start over.
const resumeWithin = 24 * time.Hour

// resumeSetting records, per provider, when a reconcile began that has not
// finished: the days it stored since are not asked for again by the next
// reconcile, except today's and yesterday's, whose data is still arriving.
func resumeSetting(provider string) string { return "reconcile.unfinished." + provider }

func (a *App) reconcileProvider(ctx context.Context, spec providers.Spec, from, to time.Time) ([]ReconcileRow, []string, error) {
	if !reports.Capabilities(spec.ID).Reports {
		return nil, nil, fmt.Errorf("%s publishes no usage or cost report byok can read (%s)", spec.Name, reports.Capabilities(spec.ID).None)
	}
	_, secret, err := a.adminKey(ctx, spec)
	if err != nil {
		return nil, nil, err
	}
	opt := a.reportOptions()
	pk, err := reports.FetchKeys(ctx, spec, secret, opt)
	if err != nil {
		return nil, nil, err
	}
	keys, err := a.matchKeys(ctx, spec.ID, pk)
	if err != nil {
		return nil, nil, err
	}
	names, err := a.keyNames(ctx)
	if err != nil {
		return nil, nil, err
	}
	// Continue an unfinished reconcile of this provider, or mark this one
	// as begun.
	began, resuming := a.now().UTC(), false
	if v, err := a.db.Setting(ctx, resumeSetting(spec.ID)); err == nil {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil && !t.After(began) && began.Sub(t) < resumeWithin {
			began, resuming = t, true
		}
	}
	if err := a.db.SetSetting(ctx, resumeSetting(spec.ID), began.Format(time.RFC3339Nano)); err != nil {
		return nil, nil, err
	}
	settled := utcMidnight(a.now()).AddDate(0, 0, -1) // days before it are complete
	step := reconcileChunk
	if spec.ID == "openrouter" {
		step = int(to.Sub(from).Hours()/24) + 1 // one activity list covers them all
	}
	var rows []ReconcileRow
	var notes []string
	resumed := 0
	for cf := from; cf.Before(to); cf = cf.AddDate(0, 0, step) {
		ct := cf.AddDate(0, 0, step)
		if ct.After(to) {
			ct = to
		}
		// Only a resumed reconcile can find days fetched since it began.
		if resuming && ct.Compare(settled) <= 0 {
			done, err := a.db.ReportDays(ctx, spec.ID, cf, ct)
			if err != nil {
				return rows, notes, err
			}
			if fetchedSince(done, cf, ct, began) {
				r, err := a.storedRows(ctx, spec.ID, cf, ct, keys, names)
				if err != nil {
					return rows, notes, err
				}
				rows = append(rows, r...)
				resumed += int(ct.Sub(cf).Hours() / 24)
				continue
			}
		}
		rep, err := reports.FetchDays(ctx, spec, secret, cf, ct, opt)
		if err != nil {
			if cf.After(from) {
				err = fmt.Errorf("%w (the days before %s are stored: the next reconcile continues from there)", err, cf.Format(time.DateOnly))
			}
			return rows, notes, err
		}
		r, err := a.storeChunk(ctx, spec, rep, cf, ct, keys, names)
		if err != nil {
			return rows, notes, err
		}
		rows = append(rows, r...)
		for _, n := range rep.Notes {
			if !slices.Contains(notes, n) {
				notes = append(notes, n)
			}
		}
	}
	if err := a.db.SetSetting(ctx, resumeSetting(spec.ID), ""); err != nil {
		return rows, notes, err
	}
	a.audit(ctx, "reconcile", spec.ID, fmt.Sprintf("%s to %s: %d rows", from.Format(time.DateOnly), to.Format(time.DateOnly), len(rows)))
	if resumed > 0 {
		notes = append(notes, fmt.Sprintf("%s: %d days stored by an unfinished reconcile were not asked for again", spec.Name, resumed))
	}
	if len(keys) > 0 {
		notes = append(notes, spec.Name+"'s keys are matched to byok's by their last 4 characters (the provider shows no more of a key, so no fingerprint can confirm it)")
	}
	return rows, notes, nil
}

// fetchedSince says whether every day of [from, to) was fetched at or
// after t.
func fetchedSince(done map[time.Time]time.Time, from, to, t time.Time) bool {
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		at, ok := done[d]
		if !ok || at.Before(t) {
			return false
		}
	}
	return true
}

// storedRows rebuilds the reconcile rows of days already stored.
func (a *App) storedRows(ctx context.Context, provider string, from, to time.Time, keys []store.ReportKey, names map[int64]string) ([]ReconcileRow, error) {
	stored, err := a.db.ReportRows(ctx, provider, from, to)
	if err != nil {
		return nil, err
	}
	rows, _, err := a.compare(ctx, provider, from, to, stored, a.coveredDays(provider, from, to), keys, names)
	return rows, err
}

// storeChunk stores one piece of a provider's report with the reconciled
// spend it shows, in one transaction, and evaluates the alerts of the
// provider and of every key it gave reconciled spend.
func (a *App) storeChunk(ctx context.Context, spec providers.Spec, rep reports.Report, from, to time.Time, keys []store.ReportKey, names map[int64]string) ([]ReconcileRow, error) {
	f := store.ReportFetch{Provider: spec.ID, From: from, To: to, Keys: keys, Days: a.coveredDays(spec.ID, from, to)}
	for _, r := range rep.Costs {
		f.Rows = append(f.Rows, store.ReportRow{Provider: spec.ID, Kind: store.ReportCost, Row: r})
	}
	for _, r := range rep.Usage {
		f.Rows = append(f.Rows, store.ReportRow{Provider: spec.ID, Kind: store.ReportUsage, Row: r})
	}
	rows, splits, err := a.compare(ctx, spec.ID, from, to, f.Rows, f.Days, keys, names)
	if err != nil {
		return nil, err
	}
	byDay := map[time.Time]ReconcileRow{}
	for _, r := range rows {
		if r.KeyName == "" && r.ProviderKey == "" {
			byDay[r.Day] = r
		}
	}
	touched := map[int64]bool{}
	for _, d := range slices.SortedFunc(maps.Keys(splits), time.Time.Compare) {
		r := byDay[d]
		for _, id := range slices.Sorted(maps.Keys(splits[d])) {
			amt := splits[d][id]
			if amt <= 0 {
				continue
			}
			// The unseen spend is the provider's figure, so the markup is
			// added to it as to any reported cost: budgets count what the
			// user pays.
			b := a.Catalog().Price(spec.ID, "reconciled", providers.Usage{ReportedCost: amt, CostReported: true}, a.Config.Markup(spec.ID))
			e := &store.Event{
				Time: ReconcilePlacement(d, a.now()), Source: store.SourceReconciled, Provider: spec.ID, Model: "reconciled",
				KeyID: id, KeyName: names[id], Status: store.StatusOK, Cost: b.Total, Markup: b.Markup, CostState: pricing.Reported,
				Note: fmt.Sprintf("%s billed %s on %s (UTC); byok recorded %s", spec.Name, r.Reported.Decimal(), d.Format(time.DateOnly), r.Byok.Decimal()),
			}
			if b.Markup > 0 {
				e.Note += fmt.Sprintf(" (both without the %g %% markup, which this entry adds)", a.Config.Providers[spec.ID].MarkupPercent)
			}
			if id != 0 {
				e.Note += fmt.Sprintf("; %s of the difference is this key's", amt.Decimal())
			}
			f.Reconciled = append(f.Reconciled, e)
			touched[id] = true
		}
	}
	if err := a.db.StoreReport(ctx, f); err != nil {
		return nil, err
	}
	a.evaluateSpend(ctx, spec.ID, touched)
	return rows, nil
}

// evaluateSpend evaluates the alerts of a provider whose spend changed
// under the keys in keys (0 for no key). A key's evaluation covers every
// budget and anomaly its provider's does, so the provider alone is
// evaluated only when no key of byok's is among them.
func (a *App) evaluateSpend(ctx context.Context, provider string, keys map[int64]bool) {
	byKey := false
	for id := range keys {
		if id != 0 {
			a.evaluate(ctx, budget.Target{Provider: provider, KeyID: id})
			byKey = true
		}
	}
	if !byKey {
		a.evaluate(ctx, budget.Target{Provider: provider})
	}
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
// report), then one per key the reports name, with the money each key was
// billed (see attribute) and byok's name for it from names. It also returns, per day with reconciled spend,
// how that spend is shared among byok's keys (0 for no key): in
// proportion to each one's gap between what it was billed and what byok
// recorded for it.
func (a *App) compare(ctx context.Context, provider string, from, to time.Time, rows []store.ReportRow, covered []time.Time, keys []store.ReportKey, names map[int64]string) ([]ReconcileRow, map[time.Time]map[int64]money.USD, error) {
	own, err := a.ownByDay(ctx, store.Scope{Provider: provider}, from, to)
	if err != nil {
		return nil, nil, err
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
			k := dayKey{d, r.KeyID}
			keyReqs[k] += r.Requests
			keyHas[k] = keyHas[k] || r.HasRequests
		}
	}
	isCovered := map[time.Time]bool{}
	for _, d := range covered {
		isCovered[d.UTC()] = true
	}
	att := a.attribute(provider, rows)
	refs := map[string]store.ReportKey{}
	for _, k := range keys {
		refs[k.KeyRef] = k
	}
	// byok's own spend per key and day, for every key the reports name.
	ownKey := map[int64]map[time.Time]store.Totals{}
	ownOf := func(id int64) (map[time.Time]store.Totals, error) {
		if m, ok := ownKey[id]; ok || id == 0 {
			return m, nil
		}
		m, err := a.ownByDay(ctx, store.Scope{Provider: provider, KeyID: id}, from, to)
		ownKey[id] = m
		return m, err
	}
	today := utcMidnight(a.now())
	pendingFrom := today.AddDate(0, 0, -1)
	splits := map[time.Time]map[int64]money.USD{}
	var out []ReconcileRow
	for d := from; d.Before(to) && !d.After(today); d = d.AddDate(0, 0, 1) {
		o := own[d]
		r := ReconcileRow{Provider: provider, Day: d, Byok: billed(o), ByokRequests: o.Requests}
		if isCovered[d] {
			r.Reported, r.HasReported = cost[d], true
			r.Diff = r.Reported - r.Byok
			r.ReportedRequests, r.HasReportedRequests = reqs[d], hasReqs[d]
		}
		r.State = dayState(r.Byok, r.Reported, r.HasReported, d, pendingFrom)
		if r.HasReported && r.Diff > 0 && (r.State == StateUnseen || r.State == StatePending) {
			r.Reconciled = r.Diff
		}
		out = append(out, r)
		if r.Reconciled <= 0 {
			continue
		}
		// Each byok key's gap; what no key of byok's was billed, against
		// what byok recorded beyond those keys, is the gap of no key.
		gaps := map[int64]money.USD{}
		byKey := map[int64]money.USD{}
		for ref, v := range att[d] {
			byKey[refs[ref].KeyID] += v
		}
		noneBilled, noneOwn := r.Reported, r.Byok
		for id, v := range byKey {
			if id == 0 {
				continue
			}
			m, err := ownOf(id)
			if err != nil {
				return nil, nil, err
			}
			kt := m[d]
			gaps[id] = v - billed(kt)
			noneBilled -= v
			noneOwn -= billed(kt)
		}
		gaps[0] = noneBilled - noneOwn
		splits[d] = shareGaps(r.Reconciled, gaps)
	}
	// Per-key rows: the money each key was billed, where the reports
	// attribute it, and the provider's request counts, against byok's.
	seen := map[dayKey]bool{}
	var dks []dayKey
	for k := range keyReqs {
		seen[k] = true
		dks = append(dks, k)
	}
	for d, m := range att {
		if !isCovered[d] || d.Before(from) || !d.Before(to) {
			continue
		}
		for ref := range m {
			if k := (dayKey{d, ref}); !seen[k] && (ref != noKey || len(m) > 1) {
				seen[k] = true
				dks = append(dks, k)
			}
		}
	}
	sort.Slice(dks, func(i, j int) bool {
		if !dks[i].day.Equal(dks[j].day) {
			return dks[i].day.Before(dks[j].day)
		}
		return dks[i].ref < dks[j].ref
	})
	given := map[dayKey]bool{} // a key's share goes on its first row of the day
	for _, k := range dks {
		rk := refs[k.ref]
		r := ReconcileRow{Provider: provider, Day: k.day, KeyID: rk.KeyID, KeyName: names[rk.KeyID],
			ReportedRequests: keyReqs[k], HasReportedRequests: keyHas[k]}
		switch {
		case k.ref == noKey:
			r.ProviderKey = "(no key)"
		case rk.Name != "" && rk.Hint != "":
			r.ProviderKey = rk.Name + " (…" + rk.Hint + ")"
		default:
			r.ProviderKey = k.ref
		}
		if rk.KeyID != 0 {
			m, err := ownOf(rk.KeyID)
			if err != nil {
				return nil, nil, err
			}
			r.Byok, r.ByokRequests = billed(m[k.day]), m[k.day].Requests
			if byKey := (dayKey{k.day, keyRef(rk.KeyID)}); !given[byKey] {
				given[byKey] = true
				r.Reconciled = splits[k.day][rk.KeyID]
			}
		}
		if m, ok := att[k.day]; ok && isCovered[k.day] {
			r.Reported, r.HasReported = m[k.ref], true
			r.Diff = r.Reported - r.Byok
		}
		switch {
		case r.HasReported:
			r.State = dayState(r.Byok, r.Reported, true, k.day, pendingFrom)
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
	// Each day's keys right under the day.
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Day.Equal(out[j].Day) {
			return out[i].Day.Before(out[j].Day)
		}
		return out[i].KeyName == "" && out[i].ProviderKey == "" && (out[j].KeyName != "" || out[j].ProviderKey != "")
	})
	return out, splits, nil
}

// billed is what a provider's report compares with byok's totals: the
// cost without byok's markup line (a platform fee the provider's usage
// does not count), and unpriced requests at their fallback price.
func billed(t store.Totals) money.USD { return t.Cost - t.Markup + t.Fallback }

// dayState compares byok's spend with the provider's on one UTC day.
func dayState(byok, reported money.USD, hasReported bool, day, pendingFrom time.Time) ReconcileState {
	diff := reported - byok
	tol := reconcileTolerance(byok, reported)
	switch {
	case !day.Before(pendingFrom) || !hasReported:
		return StatePending
	case diff > tol:
		return StateUnseen
	case -diff > tol:
		return StateOver
	}
	return StateMatch
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
			t.Markup -= r.Markup
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
	names, err := a.keyNames(ctx)
	if err != nil {
		return nil, err
	}
	pendingFrom := utcMidnight(a.now()).AddDate(0, 0, -1)
	var out []ReconcileRow
	for _, id := range ids {
		days, err := a.db.ReportDays(ctx, id, from, to)
		if err != nil {
			return nil, err
		}
		if len(days) == 0 {
			continue
		}
		rows, err := a.db.ReportRows(ctx, id, from, to)
		if err != nil {
			return nil, err
		}
		covered := make([]time.Time, 0, len(days))
		for d := range days {
			covered = append(covered, d)
		}
		keys, err := a.db.ReportKeys(ctx, id)
		if err != nil {
			return nil, err
		}
		r, _, err := a.compare(ctx, id, from, to, rows, covered, keys, names)
		if err != nil {
			return nil, err
		}
		// Only the days a reconcile fetched: the others were never asked.
		// Today and yesterday are shown too, as `byok reconcile` lists
		// them: pending, byok's own spend, where the provider has not
		// reported them yet (OpenRouter's activity holds complete days
		// only).
		for _, row := range r {
			if _, ok := days[row.Day]; ok || !row.HasReported && !row.Day.Before(pendingFrom) {
				out = append(out, row)
			}
		}
	}
	return out, nil
}
