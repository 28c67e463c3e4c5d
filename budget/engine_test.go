package budget

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/store"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func openStore(t testing.TB, path string, c *clock) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), path, store.Options{Now: c.Now})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newEngine returns an engine over a fresh database whose clock starts at now.
func newEngine(t testing.TB, loc *time.Location, now time.Time) (*Engine, *clock) {
	t.Helper()
	c := &clock{t: now}
	s := openStore(t, filepath.Join(t.TempDir(), "byok.db"), c)
	return NewEngine(s, loc, c.Now), c
}

func usd(dollars float64) money.USD { return money.USD(dollars*1e6) * money.Micro }

type evOpt func(*store.Event)

func withKey(id int64) evOpt { return func(e *store.Event) { e.KeyID = id } }
func withMarkup(m money.USD) evOpt {
	return func(e *store.Event) { e.Markup = m }
}
func unpriced(fallback money.USD) evOpt {
	return func(e *store.Event) { e.Cost, e.CostState, e.Fallback = 0, pricing.Unpriced, fallback }
}
func manual() evOpt {
	return func(e *store.Event) { e.Source, e.Model, e.InputTokens, e.OutputTokens = store.SourceManual, "", 0, 0 }
}

// record stores one event of provider/model costing cost (markup included).
func record(t testing.TB, s *store.Store, at time.Time, provider, model string, cost money.USD, opts ...evOpt) {
	t.Helper()
	e := &store.Event{
		Time: at, Source: store.SourceCLI, Provider: provider, Model: model, Status: store.StatusOK,
		InputTokens: 1000, OutputTokens: 100, Cost: cost, CostState: pricing.Computed,
	}
	for _, o := range opts {
		o(e)
	}
	if _, err := s.Record(context.Background(), e); err != nil {
		t.Fatalf("record: %v", err)
	}
}

func putBudget(t testing.TB, s *store.Store, scope string, period store.Period, limit money.USD, hard bool, ths ...int) store.Budget {
	t.Helper()
	b := store.Budget{Scope: scope, Period: period, Limit: limit, Hard: hard, Thresholds: ths}
	if err := s.PutBudget(context.Background(), &b); err != nil {
		t.Fatalf("put budget %s: %v", scope, err)
	}
	return b
}

func putKey(t testing.TB, s *store.Store, provider, label string, created time.Time) store.Key {
	t.Helper()
	k := store.Key{Provider: provider, Label: label, Last4: "abcd", Fingerprint: "0123abcd", Source: store.KeyKeychain, CreatedAt: created}
	if err := s.PutKey(context.Background(), &k); err != nil {
		t.Fatalf("put key: %v", err)
	}
	return k
}

func TestStatuses(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	e, _ := newEngine(t, time.UTC, now)
	s := e.Store
	work := putKey(t, s, "openai", "work", now.AddDate(0, -1, 0))
	home := putKey(t, s, "openai", "home", now.AddDate(0, -1, 0))
	day := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
	removed := store.Key{Provider: "anthropic", Label: "old", Source: store.KeyKeychain, CreatedAt: day.AddDate(0, -2, 0), RevokedAt: day.Add(time.Hour)}
	if err := s.PutKey(ctx, &removed); err != nil {
		t.Fatal(err)
	}

	record(t, s, day, "openai", "gpt-4o-mini", usd(2), withKey(work.ID), withMarkup(usd(0.1)))
	record(t, s, day, "openai", "gpt-4o", usd(3), withKey(home.ID))
	record(t, s, day, "openai", "mystery-1", 0, withKey(work.ID), unpriced(usd(0.5)))
	record(t, s, day, "openai", "", usd(4), manual())
	record(t, s, day, "anthropic", "claude-sonnet-4-5", usd(1), withKey(removed.ID))
	// Outside this month: counted by no monthly budget.
	record(t, s, time.Date(2026, 10, 31, 23, 59, 0, 0, time.UTC), "openai", "gpt-4o-mini", usd(100), withKey(work.ID))
	record(t, s, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), "openai", "gpt-4o-mini", usd(100), withKey(work.ID))

	putBudget(t, s, "all", store.Monthly, usd(20), false, 50, 80, 100)
	putBudget(t, s, "provider:openai", store.Monthly, usd(10), true, 50, 80, 100)
	putBudget(t, s, "key:openai/work", store.Monthly, usd(100), false, 50)
	putBudget(t, s, "model:openai/gpt-4o", store.Monthly, usd(4), false)
	putBudget(t, s, "key:openai/gone", store.Monthly, usd(5), false)
	putBudget(t, s, "provider:anthropic", store.Daily, usd(1), false)
	putBudget(t, s, "key:anthropic/old", store.Monthly, usd(10), false)

	sts, err := e.Statuses(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct {
		spent    money.USD
		unpriced int64
		state    string
		percent  float64
	}{
		// Nothing spent in the last 3 days keeps the forecasts low.
		"all":                 {usd(10.5), 1, StateOK, 52.5},
		"provider:openai":     {usd(9.5), 1, StateWarn, 95},
		"key:openai/work":     {usd(2.5), 1, StateOK, 2.5},
		"model:openai/gpt-4o": {usd(3), 0, StateOK, 75},
		"key:openai/gone":     {0, 0, StateOK, 0},
		"provider:anthropic":  {0, 0, StateOK, 0},       // spent on another day
		"key:anthropic/old":   {usd(1), 0, StateOK, 10}, // removed since, still counted
	}
	if len(sts) != len(want) {
		t.Fatalf("%d statuses, want %d", len(sts), len(want))
	}
	if sts[0].Budget.Scope != "all" {
		t.Errorf("first status is %s, want all", sts[0].Budget.Scope)
	}
	for _, st := range sts {
		w, ok := want[st.Budget.Scope]
		if !ok {
			t.Errorf("unexpected status %s", st.Budget.Scope)
			continue
		}
		if st.Spent != w.spent || st.Unpriced != w.unpriced || st.State != w.state || st.Percent != w.percent {
			t.Errorf("%s: spent %s unpriced %d state %s percent %v, want %s %d %s %v",
				st.Budget.Scope, st.Spent, st.Unpriced, st.State, st.Percent, w.spent, w.unpriced, w.state, w.percent)
		}
		if st.Budget.Period == store.Monthly {
			if !st.End.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) || st.PeriodKey != "2026-11" {
				t.Errorf("%s: resets %s, period %s", st.Budget.Scope, st.End, st.PeriodKey)
			}
			if !st.Projected {
				t.Errorf("%s: 21 days into the month the forecast should be projected", st.Budget.Scope)
			}
		}
		if st.Scope.String() != st.Budget.Scope {
			t.Errorf("parsed scope %q for %q", st.Scope, st.Budget.Scope)
		}
	}

	one, err := e.Status(ctx, store.Budget{Scope: "provder:openai", Period: store.Monthly, Limit: usd(1)})
	if err == nil || !strings.Contains(err.Error(), "budget rm provder:openai") {
		t.Fatalf("status of an unparsable scope: %+v, %v", one, err)
	}
}

func TestCheck(t *testing.T) {
	berlin := mustLoc(t, "Europe/Berlin")
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, berlin)
	tests := []struct {
		name      string
		budget    store.Budget
		spend     money.USD
		target    Target
		worst     money.USD
		blocked   string // exact error message; "" for none
		warnings  int
		keyTarget bool // target uses the openai/work key
	}{
		{
			name:    "hard budget exactly at the limit blocks",
			budget:  store.Budget{Scope: "provider:openai", Period: store.Monthly, Limit: usd(20), Hard: true},
			spend:   usd(20),
			target:  Target{Provider: "openai", Model: "gpt-4o"},
			blocked: "blocked by the monthly budget provider:openai: $20.00 spent of $20.00; resets 2026-12-01 00:00 CET",
		},
		{
			name:    "hard budget over the limit blocks",
			budget:  store.Budget{Scope: "provider:openai", Period: store.Monthly, Limit: usd(20), Hard: true},
			spend:   usd(20.13),
			target:  Target{Provider: "openai", Model: "gpt-4o"},
			blocked: "blocked by the monthly budget provider:openai: $20.13 spent of $20.00; resets 2026-12-01 00:00 CET",
		},
		{
			name:     "hard budget one nano-dollar short lets the request through with a warning",
			budget:   store.Budget{Scope: "provider:openai", Period: store.Monthly, Limit: usd(20), Hard: true},
			spend:    usd(20) - 1,
			target:   Target{Provider: "openai", Model: "gpt-4o"},
			worst:    usd(0.01),
			warnings: 1,
		},
		{
			name:   "worst case landing exactly on the limit does not warn",
			budget: store.Budget{Scope: "provider:openai", Period: store.Monthly, Limit: usd(20), Hard: true},
			spend:  usd(19),
			target: Target{Provider: "openai", Model: "gpt-4o"},
			worst:  usd(1),
		},
		{
			name:     "soft budget over the limit never blocks but warns",
			budget:   store.Budget{Scope: "all", Period: store.Monthly, Limit: usd(5)},
			spend:    usd(50),
			target:   Target{Provider: "openai", Model: "gpt-4o"},
			warnings: 1,
		},
		{
			name:    "weekly hard budget names its reset",
			budget:  store.Budget{Scope: "all", Period: store.Weekly, Limit: usd(1), Hard: true},
			spend:   usd(1.5),
			target:  Target{Provider: "anthropic", Model: "claude-sonnet-4-5"},
			blocked: "blocked by the weekly budget all: $1.50 spent of $1.00; resets 2026-11-23 00:00 CET",
		},
		{
			name:    "daily hard budget on a model",
			budget:  store.Budget{Scope: "model:openai/gpt-4o", Period: store.Daily, Limit: usd(2), Hard: true},
			spend:   usd(2),
			target:  Target{Provider: "openai", Model: "gpt-4o"},
			blocked: "blocked by the daily budget model:openai/gpt-4o: $2.00 spent of $2.00; resets 2026-11-23 00:00 CET",
		},
		{
			name:   "another model is not covered",
			budget: store.Budget{Scope: "model:openai/gpt-4o", Period: store.Daily, Limit: usd(2), Hard: true},
			spend:  usd(2),
			target: Target{Provider: "openai", Model: "gpt-4o-mini"},
		},
		{
			name:   "another provider is not covered",
			budget: store.Budget{Scope: "provider:openai", Period: store.Monthly, Limit: usd(1), Hard: true},
			spend:  usd(2),
			target: Target{Provider: "anthropic", Model: "claude-sonnet-4-5"},
		},
		{
			name:      "hard key budget blocks that key",
			budget:    store.Budget{Scope: "key:openai/work", Period: store.Monthly, Limit: usd(1), Hard: true},
			spend:     usd(1),
			keyTarget: true,
			target:    Target{Provider: "openai", Model: "gpt-4o"},
			blocked:   "blocked by the monthly budget key:openai/work: $1.00 spent of $1.00; resets 2026-12-01 00:00 CET",
		},
		{
			name:   "hard key budget leaves requests without that key alone",
			budget: store.Budget{Scope: "key:openai/work", Period: store.Monthly, Limit: usd(1), Hard: true},
			spend:  usd(1),
			target: Target{Provider: "openai", Model: "gpt-4o"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			e, _ := newEngine(t, berlin, now)
			k := putKey(t, e.Store, "openai", "work", now)
			var opts []evOpt
			if tt.keyTarget {
				tt.target.KeyID = k.ID
				opts = append(opts, withKey(k.ID))
			}
			record(t, e.Store, now.Add(-time.Hour), tt.target.Provider, tt.target.Model, tt.spend, opts...)
			putBudget(t, e.Store, tt.budget.Scope, tt.budget.Period, tt.budget.Limit, tt.budget.Hard)

			warnings, err := e.Check(ctx, tt.target, tt.worst)
			if tt.blocked == "" {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
			} else {
				var be *BlockedError
				if !errors.As(err, &be) || !errors.Is(err, ErrBudgetExceeded) {
					t.Fatalf("Check error %v, want a *BlockedError wrapping ErrBudgetExceeded", err)
				}
				if err.Error() != tt.blocked {
					t.Fatalf("message\n got %q\nwant %q", err, tt.blocked)
				}
				if be.Status.Budget.Scope != tt.budget.Scope || be.Status.Spent != tt.spend {
					t.Fatalf("blocked status %+v", be.Status)
				}
			}
			if len(warnings) != tt.warnings {
				t.Fatalf("%d warnings, want %d: %+v", len(warnings), tt.warnings, warnings)
			}
		})
	}
}

func TestCheckSeveralBudgets(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	e, _ := newEngine(t, time.UTC, now)
	record(t, e.Store, now.Add(-time.Minute), "openai", "gpt-4o", usd(9))
	putBudget(t, e.Store, "all", store.Monthly, usd(9.5), false)
	putBudget(t, e.Store, "provider:openai", store.Monthly, usd(9), true)
	putBudget(t, e.Store, "model:openai/gpt-4o", store.Monthly, usd(100), false)

	warnings, err := e.Check(ctx, Target{Provider: "openai", Model: "gpt-4o"}, usd(1))
	if !errors.Is(err, ErrBudgetExceeded) || !strings.Contains(err.Error(), "provider:openai") {
		t.Fatalf("Check: %v, want the provider budget to block", err)
	}
	if len(warnings) != 1 || warnings[0].Budget.Scope != "all" {
		t.Fatalf("warnings %+v, want only the soft budget all", warnings)
	}
	warnings, err = e.Check(ctx, Target{Provider: "anthropic", Model: "claude-opus-4"}, usd(0.4))
	if err != nil || len(warnings) != 0 {
		t.Fatalf("anthropic request under the all budget: %+v, %v", warnings, err)
	}
}

func TestCheckCustomKeyResolver(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	e, _ := newEngine(t, time.UTC, now)
	record(t, e.Store, now.Add(-time.Minute), "openai", "gpt-4o", usd(3), withKey(42))
	putBudget(t, e.Store, "key:openai/work", store.Monthly, usd(2), true)
	var asked []string
	e.KeyID = func(_ context.Context, provider, label string) (int64, error) {
		asked = append(asked, provider+"/"+label)
		return 42, nil
	}
	if _, err := e.Check(ctx, Target{Provider: "openai", Model: "gpt-4o", KeyID: 42}, 0); !errors.Is(err, ErrBudgetExceeded) {
		t.Fatalf("Check: %v, want blocked through the resolver", err)
	}
	if len(asked) == 0 || asked[0] != "openai/work" {
		t.Fatalf("resolver asked for %v", asked)
	}
	e.KeyID = func(context.Context, string, string) (int64, error) { return 0, errors.New("keychain locked") }
	if _, err := e.Check(ctx, Target{Provider: "openai", Model: "gpt-4o", KeyID: 42}, 0); err == nil || errors.Is(err, ErrBudgetExceeded) || !strings.Contains(err.Error(), "keychain locked") {
		t.Fatalf("Check with a failing resolver: %v", err)
	}
}

// BenchmarkCheck measures the pre-request check with four budgets over a
// month of 20,000 events. Run it with: go test -run '^$' -bench Check ./budget
func BenchmarkCheck(b *testing.B) {
	ctx := context.Background()
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	e, _ := newEngine(b, mustLoc(b, "Asia/Kolkata"), now)
	k := putKey(b, e.Store, "openai", "work", now.AddDate(0, -2, 0))
	start := time.Date(2026, 10, 28, 0, 0, 0, 0, time.UTC)
	var batch []*store.Event
	models := []string{"gpt-4o", "gpt-4o-mini", "o3"}
	for i := range 20000 {
		batch = append(batch, &store.Event{
			Time: start.Add(time.Duration(i) * 131 * time.Second), Source: store.SourceCLI, Provider: "openai",
			Model: models[i%3], KeyID: k.ID, Status: store.StatusOK, InputTokens: 500, OutputTokens: 200,
			Cost: money.USD(1000 + i), CostState: pricing.Computed,
		})
	}
	if err := e.Store.RecordBatch(ctx, batch); err != nil {
		b.Fatal(err)
	}
	putBudget(b, e.Store, "all", store.Monthly, usd(1000), false, 50, 80, 100)
	putBudget(b, e.Store, "provider:openai", store.Weekly, usd(1000), true)
	putBudget(b, e.Store, "key:openai/work", store.Daily, usd(1000), true)
	putBudget(b, e.Store, "model:openai/gpt-4o", store.Monthly, usd(1000), true)
	t := Target{Provider: "openai", Model: "gpt-4o", KeyID: k.ID}
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.Check(ctx, t, usd(0.1)); err != nil {
			b.Fatal(err)
		}
	}
}
