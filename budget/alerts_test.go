package budget

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/store"
)

func evaluate(t *testing.T, e *Engine, tg Target) []store.Alert {
	t.Helper()
	as, err := e.Evaluate(context.Background(), tg)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	return as
}

func thresholdsOf(as []store.Alert) []int {
	var out []int
	for _, a := range as {
		if a.Kind == store.AlertThreshold {
			out = append(out, a.Threshold)
		}
	}
	return out
}

func TestEvaluateThresholds(t *testing.T) {
	// 1 November, 10:00: too early in the month for a forecast alert.
	now := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	e, c := newEngine(t, time.UTC, now)
	b := putBudget(t, e.Store, "provider:openai", store.Monthly, usd(10), true, 50, 80, 100)
	openai := Target{Provider: "openai", Model: "gpt-4o"}
	steps := []struct {
		name   string
		at     time.Time
		spend  money.USD
		target Target
		want   []int
		period string
	}{
		{"under every threshold", now, usd(3), openai, nil, "2026-11"},
		{"one request crosses 50 and 80 at once: the higher alone", now, usd(5.5), openai, []int{80}, "2026-11"},
		{"evaluating again fires nothing", now, 0, openai, nil, "2026-11"},
		{"another provider's request leaves the budget alone", now, 0, Target{Provider: "anthropic", Model: "claude-sonnet-4-5"}, nil, ""},
		{"reaching the limit exactly fires 100", now, usd(1.5), openai, []int{100}, "2026-11"},
		{"spending beyond fires nothing more", now, usd(4), openai, nil, ""},
		{"a new month starts over", time.Date(2026, 12, 1, 0, 30, 0, 0, time.UTC), usd(6), openai, []int{50}, "2026-12"},
	}
	for _, st := range steps {
		c.Set(st.at)
		if st.spend > 0 {
			record(t, e.Store, st.at.Add(-time.Minute), "openai", "gpt-4o", st.spend)
		}
		got := evaluate(t, e, st.target)
		if !slices.Equal(thresholdsOf(got), st.want) || len(got) != len(st.want) {
			t.Fatalf("%s: fired %+v, want thresholds %v", st.name, got, st.want)
		}
		for _, a := range got {
			if a.ID == 0 || a.BudgetID != b.ID || a.Scope != "provider:openai" || a.PeriodKey != st.period || !a.Time.Equal(st.at) {
				t.Fatalf("%s: alert %+v", st.name, a)
			}
		}
	}
	all, err := e.Store.Alerts(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Fatalf("%d alerts stored, want 3: %+v", len(all), all)
	}
	var msgs []string
	for _, a := range all {
		msgs = append(msgs, a.Message)
	}
	for _, want := range []string{
		"80% of the monthly budget provider:openai reached: $8.50 spent of $10.00; resets 2026-12-01 00:00 UTC",
		"100% of the monthly budget provider:openai reached: $10.00 spent of $10.00; resets 2026-12-01 00:00 UTC; requests in this scope are blocked until then",
		"50% of the monthly budget provider:openai reached: $6.00 spent of $10.00; resets 2027-01-01 00:00 UTC",
	} {
		if !slices.Contains(msgs, want) {
			t.Errorf("no alert says %q; got %q", want, msgs)
		}
	}
}

func TestEvaluateConcurrentProcesses(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)}
	path := filepath.Join(t.TempDir(), "byok.db")
	var handles []*store.Store
	for range 4 {
		handles = append(handles, openStore(t, path, c))
	}
	putBudget(t, handles[0], "all", store.Monthly, usd(10), false, 50, 80, 100)

	// Twelve requests of $1 from four handles on one file, each recorded
	// and evaluated at once: spend crosses 50, 80 and 100 % on the way.
	var wg sync.WaitGroup
	var mu sync.Mutex
	var fired []store.Alert
	for i := range 12 {
		wg.Go(func() {
			s := handles[i%4]
			e := NewEngine(s, time.UTC, c.Now)
			if _, err := s.Record(ctx, &store.Event{
				Time: c.Now().Add(-time.Second), Source: store.SourceProxy, Provider: "openai", Model: "gpt-4o",
				Status: store.StatusOK, Cost: usd(1), CostState: "computed",
			}); err != nil {
				t.Error(err)
				return
			}
			as, err := e.Evaluate(ctx, Target{Provider: "openai", Model: "gpt-4o"})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			fired = append(fired, as...)
			mu.Unlock()
		})
	}
	wg.Wait()
	// Which lower thresholds fire depends on how the evaluations interleave
	// with the records; none fires twice, and the limit fires once.
	got := thresholdsOf(fired)
	slices.Sort(got)
	if len(slices.Compact(slices.Clone(got))) != len(got) || len(fired) != len(got) || !slices.Contains(got, 100) {
		t.Fatalf("fired %v across processes, want each threshold at most once and 100 once", got)
	}
	stored, err := handles[3].Alerts(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != len(fired) {
		t.Fatalf("%d alerts stored, %d fired", len(stored), len(fired))
	}
}

func TestForecast(t *testing.T) {
	nov := func(day, hour, minute int) time.Time { return time.Date(2026, 11, day, hour, minute, 0, 0, time.UTC) }
	type spend struct {
		at   time.Time
		cost money.USD
	}
	// $1 a day on 1–7 November and $3 a day on 8–10 November, at noon.
	speedingUp := func() []spend {
		var s []spend
		for d := 1; d <= 10; d++ {
			c := usd(1)
			if d >= 8 {
				c = usd(3)
			}
			s = append(s, spend{nov(d, 12, 0), c})
		}
		return s
	}
	tests := []struct {
		name      string
		period    store.Period
		limit     money.USD
		now       time.Time
		spends    []spend
		projected bool
		forecast  money.USD
		fires     bool
		message   string
	}{
		{
			// Spent $16 in 10 days, $9 of it in the last 3; 20 days left.
			// Whole-period rate: 16 × 20/10 = $32 more; recent: 9 × 20/3 =
			// $60 more; the blend adds (32 + 60)/2 = $46: $62 in all. A
			// straight line would say $48 and stay under the limit.
			name: "speeding up month", period: store.Monthly, limit: usd(50), now: nov(11, 0, 0), spends: speedingUp(),
			projected: true, forecast: usd(62), fires: true,
			message: "the monthly budget provider:openai is on track to reach $62.00 by 2026-12-01 00:00 UTC, over its $50.00 limit ($16.00 spent so far)",
		},
		{
			name: "same month under a higher limit", period: store.Monthly, limit: usd(70), now: nov(11, 0, 0), spends: speedingUp(),
			projected: true, forecast: usd(62),
		},
		{
			name: "already over the limit: the thresholds speak", period: store.Monthly, limit: usd(15), now: nov(11, 0, 0), spends: speedingUp(),
			projected: true, forecast: usd(62),
		},
		{
			// 36 hours into the month: too little to project $4 into $80.
			name: "too early in the month", period: store.Monthly, limit: usd(5), now: nov(2, 12, 0),
			spends: []spend{{nov(1, 12, 0), usd(4)}}, forecast: usd(4),
		},
		{
			// Thursday of the week of 9 November, 3 days in: $3 a day so far,
			// 4 days left at $3 a day: $21.
			name: "weekly", period: store.Weekly, limit: usd(20), now: nov(12, 0, 0),
			spends:    []spend{{nov(9, 12, 0), usd(3)}, {nov(10, 12, 0), usd(3)}, {nov(11, 12, 0), usd(3)}},
			projected: true, forecast: usd(21), fires: true,
			message: "the weekly budget provider:openai is on track to reach $21.00 by 2026-11-16 00:00 UTC, over its $20.00 limit ($9.00 spent so far)",
		},
		{
			// Noon, $6 spent in 12 hours: $12 by midnight.
			name: "daily", period: store.Daily, limit: usd(10), now: nov(11, 12, 0),
			spends: func() []spend {
				var s []spend
				for h := range 12 {
					s = append(s, spend{nov(11, h, 30), usd(0.5)})
				}
				return s
			}(),
			projected: true, forecast: usd(12), fires: true,
			message: "the daily budget provider:openai is on track to reach $12.00 by 2026-11-12 00:00 UTC, over its $10.00 limit ($6.00 spent so far)",
		},
		{
			name: "daily before six hours", period: store.Daily, limit: usd(1), now: nov(11, 5, 0),
			spends: []spend{{nov(11, 0, 30), usd(0.5)}}, forecast: usd(0.5),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			e, _ := newEngine(t, time.UTC, tt.now)
			for _, s := range tt.spends {
				record(t, e.Store, s.at, "openai", "gpt-4o", s.cost)
			}
			b := putBudget(t, e.Store, "provider:openai", tt.period, tt.limit, false)
			st, err := e.Status(ctx, b)
			if err != nil {
				t.Fatal(err)
			}
			if st.Projected != tt.projected || st.Forecast != tt.forecast {
				t.Fatalf("forecast %s (projected %t), want %s (%t)", st.Forecast, st.Projected, tt.forecast, tt.projected)
			}
			// Too early to project: people see a dash, not the spend so far.
			if want := map[bool]string{true: tt.forecast.String(), false: "–"}[tt.projected]; st.ForecastText() != want {
				t.Errorf("ForecastText() = %q, want %q", st.ForecastText(), want)
			}
			if tt.fires && st.State != StateWarn {
				t.Errorf("state %s, want warn for a budget on track to go over", st.State)
			}
			got := evaluate(t, e, Target{Provider: "openai", Model: "gpt-4o"})
			if !tt.fires {
				if len(got) != 0 {
					t.Fatalf("fired %+v, want nothing", got)
				}
				return
			}
			if len(got) != 1 || got[0].Kind != store.AlertForecast || got[0].PeriodKey != st.PeriodKey || got[0].BudgetID != b.ID {
				t.Fatalf("fired %+v, want one forecast alert", got)
			}
			if got[0].Message != tt.message {
				t.Fatalf("message\n got %q\nwant %q", got[0].Message, tt.message)
			}
			if again := evaluate(t, e, Target{Provider: "openai", Model: "gpt-4o"}); len(again) != 0 {
				t.Fatalf("second evaluation fired %+v", again)
			}
		})
	}
}

func TestAnomaly(t *testing.T) {
	kolkata := mustLoc(t, "Asia/Kolkata")
	at := func(day, hour int) time.Time { return time.Date(2026, 11, day, hour, 0, 0, 0, kolkata) }
	// Daily spend on 8–21 November; sorted, the middle two are $1 and $1,
	// so the median is $1.
	normal := []float64{1, 2, 1, 0, 2, 1, 1, 2, 1, 0, 1, 2, 1, 1}
	scaled := func(f float64) []float64 {
		out := make([]float64, len(normal))
		for i, v := range normal {
			out[i] = v * f
		}
		return out
	}
	sparse := make([]float64, 14)
	sparse[2], sparse[6], sparse[11] = 0.1, 0.1, 0.1
	tests := []struct {
		name    string
		history []float64
		today   []float64 // today's requests, at 02:00 and 17:00 Kolkata time
		fires   bool
		message string
	}{
		{
			// $2 at 02:00 Kolkata time is still the previous day in UTC: only
			// a day in the configured zone sees $3.50.
			name: "spike over three times the median", history: normal, today: []float64{2, 1.5}, fires: true,
			message: "provider:openai spent $3.50 today (2026-11-22), 3.5× its usual $1.00 a day (the median of the previous 14 days)",
		},
		{name: "exactly three times the median", history: normal, today: []float64{2, 1}},
		{name: "spike under the minimum amount", history: scaled(0.1), today: []float64{0.5, 0.4}},
		{name: "no history yet", history: make([]float64, 14), today: []float64{25, 25}},
		{
			name: "rare use: a median of zero", history: sparse, today: []float64{0.6, 0.6}, fires: true,
			message: "provider:openai spent $1.20 today (2026-11-22), far above its usual $0.00 a day (the median of the previous 14 days)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, c := newEngine(t, kolkata, at(22, 18))
			k := putKey(t, e.Store, "openai", "work", at(1, 0))
			// Far outside the window: never part of the history.
			record(t, e.Store, at(7, 23), "openai", "gpt-4o", usd(500), withKey(k.ID))
			for i, v := range tt.history {
				if v > 0 {
					record(t, e.Store, at(8+i, 12), "openai", "gpt-4o", usd(v), withKey(k.ID))
				}
			}
			record(t, e.Store, at(22, 2), "openai", "gpt-4o", usd(tt.today[0]), withKey(k.ID))
			record(t, e.Store, at(22, 17), "openai", "gpt-4o", usd(tt.today[1]), withKey(k.ID))
			tg := Target{Provider: "openai", Model: "gpt-4o", KeyID: k.ID}
			got := evaluate(t, e, tg)
			if !tt.fires {
				if len(got) != 0 {
					t.Fatalf("fired %+v, want nothing", got)
				}
				return
			}
			if len(got) != 2 {
				t.Fatalf("fired %+v, want one alert for the provider and one for the key", got)
			}
			for i, scope := range []string{"provider:openai", "key:openai/work"} {
				a := got[i]
				if a.Kind != store.AlertAnomaly || a.Scope != scope || a.PeriodKey != "2026-11-22" || a.BudgetID != 0 {
					t.Fatalf("alert %d: %+v", i, a)
				}
			}
			if got[0].Message != tt.message {
				t.Fatalf("message\n got %q\nwant %q", got[0].Message, tt.message)
			}
			if !strings.HasPrefix(got[1].Message, "key:openai/work spent") {
				t.Fatalf("key alert message %q", got[1].Message)
			}
			// More spend the same day: once per day and scope.
			record(t, e.Store, at(22, 17), "openai", "gpt-4o", usd(10), withKey(k.ID))
			if again := evaluate(t, e, tg); len(again) != 0 {
				t.Fatalf("second evaluation the same day fired %+v", again)
			}
			// The next day, a spike again: a new day, a new alert for each.
			c.Set(at(23, 20))
			record(t, e.Store, at(23, 19), "openai", "gpt-4o", usd(40), withKey(k.ID))
			next := evaluate(t, e, tg)
			if len(next) != 2 || next[0].PeriodKey != "2026-11-23" || next[1].PeriodKey != "2026-11-23" {
				t.Fatalf("next day fired %+v", next)
			}
		})
	}
}

func TestAnomalyWithoutKey(t *testing.T) {
	now := time.Date(2026, 11, 22, 18, 0, 0, 0, time.UTC)
	e, _ := newEngine(t, time.UTC, now)
	for d := 8; d <= 21; d++ {
		record(t, e.Store, time.Date(2026, 11, d, 12, 0, 0, 0, time.UTC), "groq", "llama-3.3-70b", usd(0.5))
	}
	record(t, e.Store, now.Add(-time.Hour), "groq", "llama-3.3-70b", usd(5))
	got := evaluate(t, e, Target{Provider: "groq", Model: "llama-3.3-70b"})
	if len(got) != 1 || got[0].Scope != "provider:groq" || got[0].Kind != store.AlertAnomaly {
		t.Fatalf("fired %+v, want one provider anomaly", got)
	}
	if !strings.Contains(got[0].Message, "10.0× its usual $0.50") {
		t.Fatalf("message %q", got[0].Message)
	}
}

func TestRotationAlerts(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	e, c := newEngine(t, time.UTC, now)
	days := func(n int) time.Time { return now.AddDate(0, 0, -n) }
	old := putKey(t, e.Store, "openai", "old", days(100))
	putKey(t, e.Store, "openai", "young", days(10))
	rotated := putKey(t, e.Store, "anthropic", "rotated", days(200))
	rotated.RotatedAt = days(5)
	if err := e.Store.PutKey(ctx, &rotated); err != nil {
		t.Fatal(err)
	}
	gone := store.Key{Provider: "groq", Label: "gone", Source: store.KeyKeychain, CreatedAt: days(300), RevokedAt: days(1)}
	if err := e.Store.PutKey(ctx, &gone); err != nil {
		t.Fatal(err)
	}
	putKey(t, e.Store, "google", "exact", days(90))

	names := func(as []store.Alert) []string {
		var out []string
		for _, a := range as {
			if a.Kind != store.AlertRotation {
				t.Fatalf("alert of kind %s", a.Kind)
			}
			out = append(out, a.Scope)
		}
		slices.Sort(out)
		return out
	}
	got, err := e.RotationAlerts(ctx, 90)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"key:google/exact", "key:openai/old"}; !slices.Equal(names(got), want) {
		t.Fatalf("rotation alerts for %v, want %v", names(got), want)
	}
	for _, a := range got {
		if a.Scope == "key:openai/old" {
			want := fmt.Sprintf("key openai/old was added 100 days ago (2026-08-14); rotate it (`r` on the Keys view, or `byok keys rotate %d`)", old.ID)
			if a.Message != want {
				t.Fatalf("message\n got %q\nwant %q", a.Message, want)
			}
		}
	}
	if again, err := e.RotationAlerts(ctx, 90); err != nil || len(again) != 0 {
		t.Fatalf("second run: %+v, %v", again, err)
	}

	// Rotating starts a new age: 91 days later the rotated key is due
	// again, and so are the young key (101 days) and the key rotated 5
	// days before (96 days); the exact one fired already.
	old.RotatedAt = now
	if err := e.Store.PutKey(ctx, &old); err != nil {
		t.Fatal(err)
	}
	c.Set(now.AddDate(0, 0, 91))
	got, err = e.RotationAlerts(ctx, 90)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"key:anthropic/rotated", "key:openai/old", "key:openai/young"}; !slices.Equal(names(got), want) {
		t.Fatalf("after rotation: alerts for %v, want %v", names(got), want)
	}
	for _, a := range got {
		if a.Scope == "key:openai/old" && !strings.Contains(a.Message, "was last rotated 91 days ago (2026-11-22)") {
			t.Fatalf("message %q", a.Message)
		}
	}
	if off, err := e.RotationAlerts(ctx, 0); err != nil || off != nil {
		t.Fatalf("days 0: %+v, %v", off, err)
	}
}
