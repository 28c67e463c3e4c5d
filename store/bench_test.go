package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
)

// benchNow is the fixed "now" of the benchmark database.
var benchNow = time.Date(2026, 11, 20, 15, 37, 0, 0, time.UTC)

var (
	benchOnce  sync.Once
	benchPath  string
	benchError error
)

// benchEvents returns a realistic event mix: 90 days, 6 providers, 18
// models, 6 keys, 3 sources, busier on weekdays and in working hours.
func benchEvents(rng *rand.Rand, n int) []*Event {
	models := map[string][]string{
		"openai":     {"gpt-4o", "gpt-4o-mini", "gpt-5", "o3"},
		"anthropic":  {"claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-1"},
		"google":     {"gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite"},
		"openrouter": {"meta-llama/llama-3.3-70b-instruct", "qwen/qwen3-coder"},
		"groq":       {"llama-3.3-70b-versatile", "openai/gpt-oss-120b"},
		"deepseek":   {"deepseek-chat", "deepseek-reasoner", "deepseek-coder"},
	}
	providers := []string{"openai", "anthropic", "google", "openrouter", "groq", "deepseek"}
	sources := []Source{SourceCLI, SourceProxy, SourceProxy, SourceTUI}
	es := make([]*Event, 0, n)
	start := benchNow.AddDate(0, 0, -90)
	for len(es) < n {
		at := start.Add(time.Duration(rng.Int64N(int64(90 * 24 * time.Hour))))
		if wd := at.Weekday(); (wd == time.Saturday || wd == time.Sunday) && rng.IntN(3) > 0 {
			continue
		}
		p := providers[rng.IntN(len(providers))]
		ms := models[p]
		e := &Event{
			Time: at, Source: sources[rng.IntN(len(sources))], Provider: p, Model: ms[rng.IntN(len(ms))],
			KeyID: int64(rng.IntN(6) + 1), Status: StatusOK, InputTokens: rng.Int64N(20000),
			OutputTokens: rng.Int64N(2000), CacheReadTokens: rng.Int64N(5000),
			Cost: money.USD(rng.Int64N(50_000_000)), CostState: pricing.Computed,
		}
		es = append(es, e)
	}
	sort.Slice(es, func(i, j int) bool { return es[i].Time.Before(es[j].Time) })
	return es
}

// benchStore opens (building once per run) a database of 1,000,000 events.
func benchStore(b *testing.B) *Store {
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "byok-bench-*")
		if err != nil {
			benchError = err
			return
		}
		benchPath = filepath.Join(dir, "byok.db")
		s, err := Open(context.Background(), benchPath, Options{})
		if err != nil {
			benchError = err
			return
		}
		defer s.Close()
		// Events arrive in time order, as they do in use.
		rng := rand.New(rand.NewPCG(7, 7))
		all := benchEvents(rng, 1_000_000)
		for i := 0; i < len(all); i += 10_000 {
			if err := s.RecordBatch(context.Background(), all[i:i+10_000]); err != nil {
				benchError = err
				return
			}
		}
		// The readers' worst case: as many events as may wait outside the
		// rollups, recorded one by one over the last day.
		for i, e := range benchEvents(rng, foldEvery-1) {
			e.Time = benchNow.Add(-time.Duration(i+1) * 5 * time.Minute)
			if _, err := s.Record(context.Background(), e); err != nil {
				benchError = err
				return
			}
		}
	})
	if benchError != nil {
		b.Fatal(benchError)
	}
	s, err := Open(context.Background(), benchPath, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkPeriodTotalsByProvider is the dashboard's main query: this
// month's spend per provider over a million events.
func BenchmarkPeriodTotalsByProvider(b *testing.B) {
	benchBreakdown(b, ByProvider, 6, []string{"UTC", "Asia/Kolkata"}, func(loc *time.Location) time.Time {
		return time.Date(2026, 11, 1, 0, 0, 0, 0, loc)
	})
}

// benchBreakdown runs, in each zone as a sub-benchmark, the breakdown of
// the bench store by one dimension from the zone's start to benchNow, and
// checks it has want groups.
func benchBreakdown(b *testing.B, by GroupBy, want int, zones []string, start func(*time.Location) time.Time) {
	s := benchStore(b)
	ctx := context.Background()
	for _, zone := range zones {
		loc, _ := time.LoadLocation(zone)
		from := start(loc)
		b.Run(zone, func(b *testing.B) {
			for b.Loop() {
				gs, err := s.Breakdown(ctx, Scope{}, from, benchNow, by, loc)
				if err != nil || len(gs) != want {
					b.Fatalf("%d groups by %s, want %d: %v", len(gs), by, want, err)
				}
			}
		})
	}
}

// BenchmarkNaiveGroupBy is the raw GROUP BY the rollups replace, for scale.
func BenchmarkNaiveGroupBy(b *testing.B) {
	s := benchStore(b)
	from := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		rows, err := s.r.Query(`SELECT provider, count(*), SUM(cost) FROM events WHERE ts >= ? AND ts < ? GROUP BY provider`, from.UnixNano(), benchNow.UnixNano())
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
		}
		rows.Close()
	}
}

// BenchmarkDailySeries is the dashboard's 30-day chart.
func BenchmarkDailySeries(b *testing.B) {
	benchBreakdown(b, ByDay, 30, []string{"UTC", "America/New_York", "Asia/Kolkata"}, func(loc *time.Location) time.Time {
		return DayStart(benchNow, loc).AddDate(0, 0, -29)
	})
}

// BenchmarkRecord records one event at a time, as requests finish: each a
// few seconds after the last, so they share their hour's rollup rows the
// way live traffic does, and spread over the six keys the events name.
func BenchmarkRecord(b *testing.B) {
	s := openTest(b)
	ctx := context.Background()
	for i := range 6 {
		if k := putKey(b, s, "openai", fmt.Sprintf("k%d", i+1)); k.ID != int64(i+1) {
			b.Fatalf("key %d has id %d", i+1, k.ID)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	es := benchEvents(rng, 1000)
	at := benchNow
	i := 0
	for b.Loop() {
		e := *es[i%len(es)]
		i++
		at = at.Add(2 * time.Second)
		e.Time = at
		if _, err := s.Record(ctx, &e); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecordBatch records batches whose events come from one hour (a
// burst, or an import of a day's log in hourly batches) and, as the worst
// case, batches spread over 90 days, where no two events share a rollup row.
func BenchmarkRecordBatch(b *testing.B) {
	for _, tc := range []struct {
		n      int
		spread string
	}{{1000, "one-hour"}, {10000, "one-hour"}, {1000, "90-days"}} {
		b.Run(fmt.Sprintf("%d/%s", tc.n, tc.spread), func(b *testing.B) {
			n := tc.n
			s := openTest(b)
			ctx := context.Background()
			rng := rand.New(rand.NewPCG(1, 2))
			es := benchEvents(rng, n)
			if tc.spread == "one-hour" {
				for i, e := range es {
					e.Time = benchNow.Add(time.Duration(i) * time.Hour / time.Duration(n))
				}
			}
			for b.Loop() {
				if err := s.RecordBatch(ctx, es); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkHistoryPage is a page of History over a million events: newest
// first (the time index), sorted by cost (every matching event sorted, as
// s in History asks), and the page after one sorted by cost; each over
// everything and over one month, as a dashboard drill-down asks.
func BenchmarkHistoryPage(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	month := Filter{Since: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	for _, tc := range []struct {
		name string
		f    Filter
	}{
		{"newest", Filter{}},
		{"cost", Filter{Order: EventOrder{By: OrderCost}}},
		{"month-newest", month},
		{"month-cost", Filter{Since: month.Since, Until: month.Until, Order: EventOrder{By: OrderCost}}},
	} {
		f := tc.f
		f.Limit = 200
		first, err := s.Events(ctx, f)
		if err != nil || len(first) != 200 {
			b.Fatalf("%s: %d events, %v", tc.name, len(first), err)
		}
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if es, err := s.Events(ctx, f); err != nil || len(es) != 200 {
					b.Fatalf("%d events, %v", len(es), err)
				}
			}
		})
		next := f
		next.After = first[len(first)-1].ID
		b.Run(tc.name+"-next", func(b *testing.B) {
			for b.Loop() {
				if es, err := s.Events(ctx, next); err != nil || len(es) != 200 {
					b.Fatalf("%d events, %v", len(es), err)
				}
			}
		})
	}
}
