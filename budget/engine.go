package budget

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/store"
)

// States of a budget, as listed by `byok budget list --json`.
const (
	StateOK   = "ok"
	StateWarn = "warn"
	StateOver = "over"
)

// WarnPercent is the share of the limit from which a budget's state is
// "warn" even when its forecast stays under the limit.
const WarnPercent = 80

// Engine evaluates the stored budgets against recorded spend. It holds no
// state of its own between calls, so several engines (in several
// processes) may share one database.
type Engine struct {
	Store *store.Store
	Loc   *time.Location   // periods follow this zone's calendar; nil means UTC
	Now   func() time.Time // nil means time.Now
	// KeyID resolves the key of a key scope to its store id. It returns 0
	// and no error when no such key exists: a budget on a key that was
	// never added (or whose record is gone) then counts nothing but is
	// still listed. A removed key keeps its record as revoked, so its spend
	// this period still counts. Nil means looking the key up with
	// Store.KeyByName.
	KeyID func(ctx context.Context, provider, label string) (int64, error)

	// baselines caches each scope's anomaly baseline (the median of the
	// previous days) for the day it was computed: past days do not change,
	// so the check after every request reads only today's spend.
	mu        sync.Mutex
	baselines map[string]baseline
}

// baseline is a scope's spend history before one day.
type baseline struct {
	median money.USD
	active int // days with any spend
}

// NewEngine returns an engine over s whose periods follow loc's calendar
// and whose clock is now (nil for time.Now).
func NewEngine(s *store.Store, loc *time.Location, now func() time.Time) *Engine {
	return &Engine{Store: s, Loc: loc, Now: now}
}

func (e *Engine) now() time.Time {
	if e.Now == nil {
		return time.Now()
	}
	return e.Now()
}

func (e *Engine) loc() *time.Location {
	if e.Loc == nil {
		return time.UTC
	}
	return e.Loc
}

func (e *Engine) keyID(ctx context.Context, provider, label string) (int64, error) {
	if e.KeyID != nil {
		return e.KeyID(ctx, provider, label)
	}
	k, err := e.Store.KeyByName(ctx, provider, label)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("look up key %s/%s: %w", provider, label, err)
	}
	return k.ID, nil
}

// Status is where a budget stands in its current period.
type Status struct {
	Budget     store.Budget
	Scope      Scope
	Start, End time.Time // the current period; End is when the budget resets
	PeriodKey  string    // names the period, see PeriodKey
	// Spent is the period's spend in scope: priced cost with markup plus
	// the fallback price of unpriced requests.
	Spent    money.USD
	Unpriced int64   // unpriced requests counted at their fallback price
	Percent  float64 // Spent as a percentage of the limit, for display only
	// Forecast is the projected spend at the end of the period (see
	// forecast for the rule). Before enough of the period has passed to
	// project anything, Projected is false and Forecast equals Spent.
	Forecast  money.USD
	Projected bool
	State     string // StateOK, StateWarn or StateOver
}

// ForecastText is Forecast for people: "–" until enough of the period has
// passed to project anything, where showing the spend so far as a forecast
// would read as a promise that spending stops.
func (s Status) ForecastText() string {
	if !s.Projected {
		return "–"
	}
	return s.Forecast.String()
}

// Over reports whether the period's spend has reached the limit.
func (s Status) Over() bool { return s.Spent >= s.Budget.Limit }

// Blocks reports whether the budget refuses new requests: a hard budget
// whose spend has reached its limit.
func (s Status) Blocks() bool { return s.Budget.Hard && s.Over() }

// storeScope maps a budget scope to the events it counts. ok is false for
// a key scope whose key does not exist: nothing is counted then.
func (e *Engine) storeScope(ctx context.Context, sc Scope) (store.Scope, bool, error) {
	switch sc.Kind {
	case KindProvider:
		return store.Scope{Provider: sc.Provider}, true, nil
	case KindModel:
		return store.Scope{Provider: sc.Provider, Model: sc.Model}, true, nil
	case KindKey:
		id, err := e.keyID(ctx, sc.Provider, sc.Label)
		if err != nil || id == 0 {
			return store.Scope{}, false, err
		}
		return store.Scope{Provider: sc.Provider, KeyID: id}, true, nil
	}
	return store.Scope{}, true, nil
}

// Status computes where budget b stands now.
func (e *Engine) Status(ctx context.Context, b store.Budget) (Status, error) {
	sc, err := ParseScope(b.Scope)
	if err != nil {
		return Status{}, fmt.Errorf("%w (remove it with `byok budget rm %s`)", err, b.Scope)
	}
	return e.status(ctx, b, sc, e.now(), true)
}

// status computes b's status at now; project says whether to compute the
// forecast too (Check needs only the spend).
func (e *Engine) status(ctx context.Context, b store.Budget, sc Scope, now time.Time, project bool) (Status, error) {
	switch b.Period {
	case store.Daily, store.Weekly, store.Monthly:
	default:
		return Status{}, fmt.Errorf("budget %s has an unknown period %q: set it again with `byok budget set %s AMOUNT --period monthly`", b.Scope, b.Period, b.Scope)
	}
	loc := e.loc()
	st := Status{Budget: b, Scope: sc}
	st.Start, st.End = Bounds(b.Period, now, loc)
	st.PeriodKey = PeriodKey(b.Period, st.Start, loc)
	ss, ok, err := e.storeScope(ctx, sc)
	if err != nil {
		return Status{}, fmt.Errorf("budget %s: %w", b.Scope, err)
	}
	recentFrom, ready := forecastReady(b.Period, st.Start, now)
	st.Projected = ready && project
	if ok {
		tot, err := e.Store.Totals(ctx, ss, st.Start, st.End)
		if err != nil {
			return Status{}, fmt.Errorf("budget %s: sum spend: %w", b.Scope, err)
		}
		st.Spent, st.Unpriced = tot.BudgetSpend(), tot.Unpriced
	}
	st.Forecast = st.Spent
	if st.Projected && st.Spent > 0 {
		// Up to the period's end rather than now: nothing is recorded in
		// the future, and an aligned range reads rollups only.
		rt, err := e.Store.Totals(ctx, ss, recentFrom, st.End)
		if err != nil {
			return Status{}, fmt.Errorf("budget %s: sum recent spend: %w", b.Scope, err)
		}
		st.Forecast = forecast(st.Spent, rt.BudgetSpend(), st.Start, recentFrom, now, st.End)
	}
	if b.Limit > 0 {
		st.Percent = float64(st.Spent) / float64(b.Limit) * 100
	}
	switch {
	case st.Over():
		st.State = StateOver
	case atLeastPercent(st.Spent, b.Limit, WarnPercent) || (st.Projected && st.Forecast > b.Limit):
		st.State = StateWarn
	default:
		st.State = StateOK
	}
	return st, nil
}

// Statuses computes every stored budget's status, ordered as
// store.Budgets lists them.
func (e *Engine) Statuses(ctx context.Context) ([]Status, error) {
	bs, err := e.Store.Budgets(ctx)
	if err != nil {
		return nil, err
	}
	now := e.now()
	out := make([]Status, 0, len(bs))
	for _, b := range bs {
		sc, err := ParseScope(b.Scope)
		if err != nil {
			return nil, fmt.Errorf("%w (remove it with `byok budget rm %s`)", err, b.Scope)
		}
		st, err := e.status(ctx, b, sc, now, true)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// Target is what a request would spend against: its provider, model and
// the store id of the key it uses (0 for none).
type Target struct {
	Provider, Model string
	KeyID           int64
}

// covers reports whether a request to t counts against scope sc.
func (e *Engine) covers(ctx context.Context, sc Scope, t Target) (bool, error) {
	switch sc.Kind {
	case KindAll:
		return true, nil
	case KindProvider:
		return sc.Provider == t.Provider, nil
	case KindModel:
		return sc.Provider == t.Provider && sc.Model == t.Model, nil
	case KindKey:
		if t.KeyID == 0 || sc.Provider != t.Provider {
			return false, nil
		}
		id, err := e.keyID(ctx, sc.Provider, sc.Label)
		if err != nil {
			return false, err
		}
		return id == t.KeyID, nil
	}
	return false, nil
}

// covering returns the status of every budget that covers t, with
// forecasts when project is true.
func (e *Engine) covering(ctx context.Context, t Target, project bool) ([]Status, error) {
	bs, err := e.Store.Budgets(ctx)
	if err != nil {
		return nil, err
	}
	now := e.now()
	var out []Status
	for _, b := range bs {
		sc, err := ParseScope(b.Scope)
		if err != nil {
			// A budget nobody can parse covers nothing; Statuses reports it.
			continue
		}
		ok, err := e.covers(ctx, sc, t)
		if err != nil {
			return nil, fmt.Errorf("budget %s: %w", b.Scope, err)
		}
		if !ok {
			continue
		}
		st, err := e.status(ctx, b, sc, now, project)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// ErrBudgetExceeded is what every BlockedError wraps.
var ErrBudgetExceeded = errors.New("budget exceeded")

// BlockedError says that a hard budget refused a request.
type BlockedError struct {
	Status Status
}

// Error names the budget, its spend and limit, and when it resets:
// "blocked by the monthly budget provider:openai: $20.13 spent of $20.00;
// resets 2026-12-01 00:00 CET".
func (e *BlockedError) Error() string {
	s := e.Status
	return fmt.Sprintf("blocked by the %s budget %s: %s spent of %s; resets %s",
		periodNoun(s.Budget.Period), s.Budget.Scope, s.Spent, s.Budget.Limit, formatReset(s.End, s.End.Location()))
}

// Unwrap returns ErrBudgetExceeded.
func (e *BlockedError) Unwrap() error { return ErrBudgetExceeded }

// Check is called before contacting a provider. For every budget covering
// t, a hard budget whose period spend has reached its limit refuses the
// request with a *BlockedError (the first such budget in store order).
// Soft budgets never block. warnings lists the covering budgets that a
// request costing up to worstCase could push over their limit
// (spent + worstCase > limit), blocked ones excluded; it is returned with
// the error too. Check reads only the spend: its statuses carry no
// projection (Projected is false).
func (e *Engine) Check(ctx context.Context, t Target, worstCase money.USD) (warnings []Status, err error) {
	sts, err := e.covering(ctx, t, false)
	if err != nil {
		return nil, fmt.Errorf("check budgets: %w", err)
	}
	var blocked *BlockedError
	for _, st := range sts {
		if st.Blocks() {
			if blocked == nil {
				blocked = &BlockedError{Status: st}
			}
			continue
		}
		if st.Spent+worstCase > st.Budget.Limit {
			warnings = append(warnings, st)
		}
	}
	if blocked != nil {
		return warnings, blocked
	}
	return warnings, nil
}

// atLeastPercent reports whether spent >= pct % of limit, exactly.
func atLeastPercent(spent, limit money.USD, pct int) bool {
	a := new(big.Int).Mul(big.NewInt(int64(spent)), big.NewInt(100))
	b := new(big.Int).Mul(big.NewInt(int64(limit)), big.NewInt(int64(pct)))
	return a.Cmp(b) >= 0
}

// mulDiv returns a × b / c rounded down, without overflow; c must be > 0.
func mulDiv(a, b, c int64) int64 {
	r := new(big.Int).Mul(big.NewInt(a), big.NewInt(b))
	r.Quo(r, big.NewInt(c))
	if !r.IsInt64() {
		return 1<<63 - 1
	}
	return r.Int64()
}
