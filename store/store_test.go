package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
)

func openTest(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "byok.db"), Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// putKey stores the metadata of a keychain key.
func putKey(t testing.TB, s *Store, provider, label string) *Key {
	t.Helper()
	k := &Key{Provider: provider, Label: label, Source: KeyKeychain}
	if err := s.PutKey(context.Background(), k); err != nil {
		t.Fatal(err)
	}
	return k
}

func ev(at time.Time, provider, model string, cost money.USD) *Event {
	return &Event{
		Time: at, Source: SourceCLI, Provider: provider, Model: model, Status: StatusOK,
		InputTokens: 100, OutputTokens: 50, Cost: cost, CostState: pricing.Computed,
	}
}

func TestOpenCreatesCurrentSchema(t *testing.T) {
	s := openTest(t)
	v, err := userVersion(s)
	if err != nil {
		t.Fatal(err)
	}
	if v != len(migrations()) {
		t.Fatalf("schema version %d, want %d", v, len(migrations()))
	}
	var mode string
	if err := s.r.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q (%v), want wal", mode, err)
	}
	var fk, busy int
	if err := s.r.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if err := s.r.QueryRow("PRAGMA busy_timeout").Scan(&busy); err != nil {
		t.Fatal(err)
	}
	if fk != 1 || busy != int(busyTimeout.Milliseconds()) {
		t.Fatalf("reader pragmas foreign_keys=%d busy_timeout=%d", fk, busy)
	}
}

func TestOpenRefusesForeignFiles(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name    string
		prepare func(t *testing.T, path string)
		want    error
	}{
		{"text file", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte("these are my notes, not a database\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, ErrNotDatabase},
		{"corrupt header", func(t *testing.T, path string) {
			if err := os.WriteFile(path, append([]byte("SQLite format 2\x00"), make([]byte, 4096)...), 0o600); err != nil {
				t.Fatal(err)
			}
		}, ErrNotDatabase},
		{"another program's sqlite", func(t *testing.T, path string) {
			db, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.Exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hello')"); err != nil {
				t.Fatal(err)
			}
		}, ErrNotDatabase},
		{"newer byok", func(t *testing.T, path string) {
			s, err := Open(ctx, path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.w.Exec(fmt.Sprintf("PRAGMA user_version=%d", len(migrations())+5)); err != nil {
				t.Fatal(err)
			}
			s.Close()
		}, ErrNewerSchema},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "byok.db")
			tc.prepare(t, path)
			before, _ := os.ReadFile(path)
			_, err := Open(ctx, path, Options{})
			if !errors.Is(err, tc.want) {
				t.Fatalf("Open: %v, want %v", err, tc.want)
			}
			after, _ := os.ReadFile(path)
			if string(before) != string(after) {
				t.Fatal("the file was changed")
			}
		})
	}
}

func TestOpenReadOnlyDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		// root ignores directory permissions; use a path under a file instead.
		f := filepath.Join(t.TempDir(), "file")
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Open(context.Background(), filepath.Join(f, "byok.db"), Options{})
		if err == nil {
			t.Fatal("Open under a regular file succeeded")
		}
		return
	}
	dir := filepath.Join(t.TempDir(), "ro")
	if err := os.Mkdir(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), filepath.Join(dir, "byok.db"), Options{})
	if err == nil {
		t.Fatal("Open in a read-only directory succeeded")
	}
}

// openAtVersion builds a database at an earlier schema version, as an
// older byok would have left it.
func openAtVersion(t *testing.T, path string, version int) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, m := range migrations()[:version] {
		if _, err := db.Exec(m.sql); err != nil {
			t.Fatal(err)
		}
	}
	// The first byok's schema also made these two indexes; migration 008
	// dropped them, so a database at version 8 or later never has them.
	if version < 8 {
		if _, err := db.Exec("CREATE INDEX events_provider ON events (provider, ts); CREATE INDEX events_key ON events (key_id, ts)"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(fmt.Sprintf("PRAGMA application_id=%d; PRAGMA user_version=%d", applicationID, version)); err != nil {
		t.Fatal(err)
	}
	// One event with the rollup rows that version kept for it, written
	// with the first schema's columns (later ones added more).
	at := time.Now()
	const v1Insert = `INSERT INTO events (ts, source, client, provider, model, key_id, key_name, status,
		error_class, error_message, http_status, latency_ns, ttft_ns, request_id, input_tokens, cache_read,
		cache_write_5m, cache_write_1h, output_tokens, reasoning_tokens, cost, markup, fallback, cost_state,
		price_ref, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`
	if _, err := db.Exec(v1Insert, at.UnixNano(), "cli", "", "openai", "gpt-4o", 0, "", "ok", "", "", 200, 0, 0, "", 1, 0, 0, 0, 1, 0, 1000, 0, 0, "computed", "", ""); err != nil {
		t.Fatal(err)
	}
	e := ev(at, "openai", "gpt-4o", 1000)
	var d delta
	d.add(e)
	for _, tb := range rollupTables {
		var exists int
		if err := db.QueryRow("SELECT count(*) FROM sqlite_schema WHERE name = ?", tb.name).Scan(&exists); err != nil {
			t.Fatal(err)
		}
		if exists == 0 {
			continue
		}
		args := append(tb.keyArgs(tb.keyOf(e)), d.requests, d.errors, d.input, d.cacheRead, d.cacheWrite, d.output, d.reasoning, d.cost, d.markup, d.unpriced, d.fallback)
		if _, err := db.Exec(tb.upsertSQL(), args...); err != nil {
			t.Fatalf("%s: %v", tb.name, err)
		}
	}
}

// schema lists a database's tables and indexes as their SQL.
func schema(t *testing.T, s *Store) []string {
	t.Helper()
	rows, err := s.r.Query("SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_schema ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		out = append(out, line)
	}
	return out
}

func TestMigrateEveryEarlierVersion(t *testing.T) {
	fresh := schema(t, openTest(t))
	for v := 1; v < len(migrations()); v++ {
		t.Run("from v"+strconv.Itoa(v), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "byok.db")
			openAtVersion(t, path, v)
			s, err := Open(context.Background(), path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			got, _ := userVersion(s)
			if got != len(migrations()) {
				t.Fatalf("version %d after migrating", got)
			}
			var n int
			if err := s.r.QueryRow("SELECT count(*) FROM events").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Fatalf("%d events after migrating, want the 1 written before", n)
			}
			// Every rollup table, old or new, counts the old event once.
			for _, tb := range rollupTables {
				var q int
				if err := s.r.QueryRow("SELECT coalesce(SUM(requests), 0) FROM " + tb.name).Scan(&q); err != nil || q != 1 {
					t.Fatalf("%s holds %d requests (%v), want 1", tb.name, q, err)
				}
			}
			// The migrated schema is the one a new database gets.
			if got := schema(t, s); !slices.Equal(got, fresh) {
				t.Fatalf("schema after migrating differs from a new database's:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(fresh, "\n"))
			}
			backups, _ := filepath.Glob(path + ".v" + strconv.Itoa(v) + "-*.bak")
			if len(backups) != 1 {
				t.Fatalf("backups %v, want one", backups)
			}
		})
	}
}

func TestFailedMigrationLeavesOldVersion(t *testing.T) {
	last := len(migrations())
	path := filepath.Join(t.TempDir(), "byok.db")
	openAtVersion(t, path, last-1)
	failMigration = func(v int) error {
		if v == last {
			return errors.New("injected failure")
		}
		return nil
	}
	defer func() { failMigration = func(int) error { return nil } }()
	if _, err := Open(context.Background(), path, Options{}); err == nil {
		t.Fatal("Open succeeded despite the failing migration")
	}
	db, _ := sql.Open("sqlite", path)
	defer db.Close()
	var v, n int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow("SELECT count(*) FROM events").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if v != last-1 || n != 1 {
		t.Fatalf("after a failed migration: version %d events %d, want %d and 1", v, n, last-1)
	}
	if backups, _ := filepath.Glob(path + ".v*.bak"); len(backups) != 1 {
		t.Fatalf("backups %v, want one", backups)
	}
}

func TestRecordAndRead(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	at := time.Date(2026, 11, 3, 10, 15, 0, 0, time.UTC)
	e := ev(at, "openai", "gpt-4o", 3*money.Cent)
	e.Prompt, e.Response = "say hi", "hi there"
	e.ErrorMessage = ""
	id, err := s.Record(ctx, e)
	if err != nil || id == 0 {
		t.Fatalf("Record: %d, %v", id, err)
	}
	got, err := s.Event(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Prompt != "say hi" || got.Response != "hi there" || !got.Time.Equal(at) || got.Cost != 3*money.Cent {
		t.Fatalf("read back %+v", got)
	}
	if _, err := s.Event(ctx, id+1); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing event: %v", err)
	}
	if got.HasComputed {
		t.Fatalf("a computed event carries a second computed figure: %+v", got)
	}

	// A reported cost keeps what byok computed beside it, and a reported
	// cost byok could not price keeps none (NULL, not $0).
	for _, tc := range []struct {
		has  bool
		cost money.USD
	}{{true, 4_500_000}, {false, 0}} {
		r := ev(at, "xai", "grok-4", 5_000_000)
		r.CostState, r.Computed, r.HasComputed = pricing.Reported, tc.cost, tc.has
		rid, err := s.Record(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		back, err := s.Event(ctx, rid)
		if err != nil {
			t.Fatal(err)
		}
		list, err := s.Events(ctx, Filter{Scope: Scope{Provider: "xai"}, Limit: 1})
		if err != nil || len(list) != 1 {
			t.Fatalf("Events: %v %v", list, err)
		}
		for _, e := range []Event{back, list[0]} {
			if e.HasComputed != tc.has || e.Computed != tc.cost || e.Cost != 5_000_000 {
				t.Fatalf("reported event read back with computed %d (%v), want %d (%v)", e.Computed, e.HasComputed, tc.cost, tc.has)
			}
		}
	}
	bad := ev(at, "", "m", 0)
	if _, err := s.Record(ctx, bad); err == nil {
		t.Fatal("an event without a provider was recorded")
	}
	neg := ev(at, "openai", "gpt-4o", -1)
	if _, err := s.Record(ctx, neg); err == nil {
		t.Fatal("an event with a negative cost was recorded")
	}
}

func TestEventsFilter(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	at := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	a := ev(at, "openai", "gpt-4o", money.Cent)
	a.Prompt = "write a haiku about 100% cotton"
	b := ev(at.Add(time.Minute), "anthropic", "claude-sonnet-4-5", money.Cent)
	b.Status, b.ErrorClass, b.ErrorMessage = StatusError, "rate_limit", "slow down"
	c := ev(at.Add(2*time.Minute), "openai", "gpt-4o-mini", money.Cent)
	c.Source = SourceProxy
	if err := s.RecordBatch(ctx, []*Event{a, b, c}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		f    Filter
		want []int64
	}{
		{"all newest first", Filter{}, []int64{c.ID, b.ID, a.ID}},
		{"provider", Filter{Scope: Scope{Provider: "openai"}}, []int64{c.ID, a.ID}},
		{"model", Filter{Scope: Scope{Provider: "openai", Model: "gpt-4o"}}, []int64{a.ID}},
		{"status", Filter{Status: StatusError}, []int64{b.ID}},
		{"source", Filter{Scope: Scope{Source: SourceProxy}}, []int64{c.ID}},
		{"text in error", Filter{Text: "slow"}, []int64{b.ID}},
		{"text in prompt", Filter{Text: "haiku"}, []int64{a.ID}},
		{"percent is literal", Filter{Text: "100%"}, []int64{a.ID}},
		{"underscore is literal", Filter{Text: "o_m"}, nil},
		{"limit", Filter{Limit: 1}, []int64{c.ID}},
		{"after", Filter{After: c.ID}, []int64{b.ID, a.ID}},
		{"after an event that is gone", Filter{After: c.ID + 100}, nil},
		{"after, by cost", Filter{Order: EventOrder{By: OrderCost}, After: c.ID + 100}, nil},
		{"no key", Filter{NoKey: true, Scope: Scope{Provider: "openai"}}, []int64{c.ID, a.ID}},
		{"cheapest first", Filter{Order: EventOrder{By: OrderCost, Asc: true}, Limit: 2}, []int64{a.ID, b.ID}},
		{"since", Filter{Since: at.Add(time.Minute)}, []int64{c.ID, b.ID}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			es, err := s.Events(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, e := range es {
				ids = append(ids, e.ID)
			}
			if fmt.Sprint(ids) != fmt.Sprint(tc.want) {
				t.Fatalf("ids %v, want %v", ids, tc.want)
			}
		})
	}
}

// Every order reads every matching event exactly once when paged with
// After, in the order the column gives with ties broken by id, even where
// the ids do not follow the times (imported or back-dated events).
func TestEventsSortedAndPaged(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	at := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	var es []*Event
	for i := range 23 {
		// Times go back and forth and repeat; costs, models, statuses,
		// tokens and latencies repeat, so ties are many.
		e := ev(at.Add(time.Duration((i*7)%5)*time.Minute), []string{"openai", "anthropic"}[i%2], []string{"b", "a", "c"}[i%3], money.USD(i%4)*money.Cent)
		e.Status = []Status{StatusOK, StatusError, StatusOK, StatusPartial}[i%4]
		e.InputTokens, e.CacheReadTokens, e.CacheWrite1hTokens, e.OutputTokens = int64(i%3)*10, int64(i%2)*5, int64(i%5), 7
		e.Latency = time.Duration(i%6) * time.Millisecond
		if i%5 == 0 {
			e.Source = SourceProxy
		}
		es = append(es, e)
	}
	if err := s.RecordBatch(ctx, es); err != nil {
		t.Fatal(err)
	}
	value := map[EventColumn]func(e *Event) any{
		OrderTime:    func(e *Event) any { return e.Time.UnixNano() },
		OrderModel:   func(e *Event) any { return e.Provider + "/" + e.Model },
		OrderStatus:  func(e *Event) any { return string(e.Status) },
		OrderTokens:  func(e *Event) any { return e.InputTokens + e.CacheReadTokens + e.CacheWriteTokens() + e.OutputTokens },
		OrderCost:    func(e *Event) any { return int64(e.Cost) },
		OrderLatency: func(e *Event) any { return int64(e.Latency) },
	}
	compare := func(a, b any) int {
		switch a := a.(type) {
		case int64:
			return cmp.Compare(a, b.(int64))
		case string:
			return cmp.Compare(a, b.(string))
		}
		panic("no comparison")
	}
	for by, val := range value {
		for _, asc := range []bool{false, true} {
			for _, source := range []Source{"", SourceCLI} {
				name := fmt.Sprintf("%s asc=%v source=%q", by, asc, source)
				var want []int64
				sorted := slices.Clone(es)
				slices.SortFunc(sorted, func(a, b *Event) int {
					r := cmp.Or(compare(val(a), val(b)), cmp.Compare(a.ID, b.ID))
					if !asc {
						r = -r
					}
					return r
				})
				for _, e := range sorted {
					if source == "" || e.Source == source {
						want = append(want, e.ID)
					}
				}
				var got []int64
				f := Filter{Scope: Scope{Source: source}, Order: EventOrder{By: by, Asc: asc}, Limit: 4}
				for range 20 {
					page, err := s.Events(ctx, f)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					for _, e := range page {
						got = append(got, e.ID)
					}
					if len(page) < f.Limit {
						break
					}
					f.After = page[len(page)-1].ID
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s: paged %v\nwant %v", name, got, want)
				}
			}
		}
	}
	// The totals of a selection are those of the events listed.
	for _, f := range []Filter{{}, {Scope: Scope{Provider: "openai"}}, {Status: StatusError, Since: at.Add(time.Minute)}, {NoKey: true, Text: "anthropic"}} {
		f.Limit = 1000
		listed, err := s.Events(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var want Totals
		for _, e := range listed {
			d := &delta{}
			d.add(&e)
			want.Add(Totals{Requests: d.requests, Errors: d.errors, InputTokens: d.input, CacheReadTokens: d.cacheRead,
				CacheWriteTokens: d.cacheWrite, OutputTokens: d.output, ReasoningTokens: d.reasoning,
				Cost: money.USD(d.cost), Markup: money.USD(d.markup), Unpriced: d.unpriced, Fallback: money.USD(d.fallback)})
		}
		got, err := s.EventTotals(ctx, f)
		if err != nil || got != want || got.Requests == 0 {
			t.Errorf("EventTotals(%+v) = %+v (%v), the listing sums to %+v", f, got, err, want)
		}
	}
	if _, err := s.Events(ctx, Filter{Order: EventOrder{By: "colour"}}); err == nil {
		t.Error("an unknown sort column was accepted")
	}
}

// naive sums raw events in [from, to) the slow, obvious way.
func naive(es []*Event, sc Scope, from, to time.Time) Totals {
	var t Totals
	for _, e := range es {
		if e.Time.Before(from) || !e.Time.Before(to) {
			continue
		}
		if (sc.Provider != "" && e.Provider != sc.Provider) || (sc.Model != "" && e.Model != sc.Model) ||
			(sc.KeyID != 0 && e.KeyID != sc.KeyID) || (sc.Source != "" && e.Source != sc.Source) {
			continue
		}
		d := &delta{}
		d.add(e)
		t.Add(Totals{Requests: d.requests, Errors: d.errors, InputTokens: d.input, CacheReadTokens: d.cacheRead,
			CacheWriteTokens: d.cacheWrite, OutputTokens: d.output, ReasoningTokens: d.reasoning,
			Cost: money.USD(d.cost), Markup: money.USD(d.markup), Unpriced: d.unpriced, Fallback: money.USD(d.fallback)})
	}
	return t
}

// TestPeriodBoundaries puts events on both sides of every day boundary, in
// zones with half-hour offsets and DST changes, and checks that every day's
// totals (and the whole range's) equal the raw sums exactly.
func TestPeriodBoundaries(t *testing.T) {
	ctx := context.Background()
	zones := []string{"UTC", "Asia/Kolkata", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "America/St_Johns"}
	// Sums must not depend on whether events are in the rollups yet: all
	// folded, all waiting (recorded one by one), or half and half.
	modes := []string{"folded", "waiting", "mixed"}
	for i, zone := range zones {
		mode := modes[i%len(modes)]
		t.Run(zone+"/"+mode, func(t *testing.T) {
			loc, err := time.LoadLocation(zone)
			if err != nil {
				t.Skipf("no tzdata for %s: %v", zone, err)
			}
			s := openTest(t)
			rng := rand.New(rand.NewPCG(1, uint64(len(zone))))
			// A range over a DST change in both hemispheres (March/April and
			// October/November 2026).
			from := time.Date(2026, 3, 26, 0, 0, 0, 0, loc)
			to := time.Date(2026, 4, 8, 0, 0, 0, 0, loc)
			var es []*Event
			for d := from; d.Before(to); d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc) {
				for _, off := range []time.Duration{-time.Nanosecond, 0, time.Nanosecond, time.Minute, 30 * time.Minute, 90 * time.Minute, 13 * time.Hour} {
					e := ev(d.Add(off), []string{"openai", "anthropic"}[rng.IntN(2)], "m", money.USD(rng.Int64N(1_000_000)))
					if rng.IntN(5) == 0 {
						e.CostState, e.Cost, e.Fallback = pricing.Unpriced, 0, money.USD(rng.Int64N(5000))
					}
					if rng.IntN(7) == 0 {
						e.Status = StatusCancelled
					}
					// A key belongs to one provider: openai's are 1 and 2,
					// anthropic's 3; 0 is no key.
					e.KeyID = int64(rng.IntN(3))
					if e.Provider == "anthropic" && e.KeyID != 0 {
						e.KeyID = 3
					}
					es = append(es, e)
				}
			}
			recordIn(t, s, mode, rng, es)
			for _, sc := range []Scope{{}, {Provider: "openai"}, {Provider: "anthropic", Model: "m"}, {KeyID: 1}, {Provider: "openai", KeyID: 2}, {Source: SourceCLI}} {
				days, err := s.Breakdown(ctx, sc, from, to, ByDay, loc)
				if err != nil {
					t.Fatal(err)
				}
				d := from
				for _, g := range days {
					next := time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
					if g.Key != d.Format(time.DateOnly) {
						t.Fatalf("day key %s, want %s", g.Key, d.Format(time.DateOnly))
					}
					if want := naive(es, sc, d, next); g.Totals != want {
						t.Fatalf("%v %s: %+v, want %+v", sc, g.Key, g.Totals, want)
					}
					d = next
				}
				if !d.Equal(to) {
					t.Fatalf("days ended at %v, want %v", d, to)
				}
				// Odd ranges: from and to inside hours, across the DST days.
				for i := 0; i < 20; i++ {
					a := from.Add(time.Duration(rng.Int64N(int64(to.Sub(from)))))
					b := a.Add(time.Duration(rng.Int64N(int64(72 * time.Hour))))
					got, err := s.Totals(ctx, sc, a, b)
					if err != nil {
						t.Fatal(err)
					}
					if want := naive(es, sc, a, b); got != want {
						t.Fatalf("%v [%v, %v): %+v, want %+v", sc, a, b, got, want)
					}
				}
			}
		})
	}
}

// recordIn records es so that all of them are folded into the rollups, all
// wait outside them, or about half of each, in a random order.
func recordIn(t *testing.T, s *Store, mode string, rng *rand.Rand, es []*Event) {
	t.Helper()
	ctx := context.Background()
	if len(es) >= foldEvery {
		t.Fatalf("%d events would fold on their own; use fewer than %d", len(es), foldEvery)
	}
	order := rng.Perm(len(es))
	cut := map[string]int{"folded": len(es), "waiting": 0, "mixed": len(es) / 2}[mode]
	for i, j := range order {
		if i == cut {
			if err := s.writeTx(ctx, func(tx *sql.Tx) error { return s.rec.in(ctx, tx).fold(ctx, nil, nil, true) }); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Record(ctx, es[j]); err != nil {
			t.Fatal(err)
		}
	}
	if cut == len(es) {
		if err := s.writeTx(ctx, func(tx *sql.Tx) error { return s.rec.in(ctx, tx).fold(ctx, nil, nil, true) }); err != nil {
			t.Fatal(err)
		}
	}
	if _, waiting := folded(t, s); waiting != len(es)-cut {
		t.Fatalf("%d events wait outside the rollups, want %d", waiting, len(es)-cut)
	}
}

// folded returns the requests the hourly rollups hold and the number of
// events that wait outside them for the next fold.
func folded(t testing.TB, s *Store) (rolled, waiting int) {
	t.Helper()
	if err := s.r.QueryRow(`SELECT coalesce(SUM(requests), 0) FROM rollup_hour`).Scan(&rolled); err != nil {
		t.Fatal(err)
	}
	if err := s.r.QueryRow(`SELECT count(*) FROM events WHERE id > (SELECT event_id FROM rollup_mark)`).Scan(&waiting); err != nil {
		t.Fatal(err)
	}
	return rolled, waiting
}

func TestBreakdown(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	k := putKey(t, s, "openai", "work")
	at := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	a := ev(at, "openai", "gpt-4o", 5*money.Cent)
	a.KeyID = k.ID
	b := ev(at, "anthropic", "claude", 7*money.Cent)
	c := ev(at, "openai", "gpt-4o-mini", money.Cent)
	c.Source = SourceProxy
	if err := s.RecordBatch(ctx, []*Event{a, b, c}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		by   GroupBy
		want string
	}{
		{ByProvider, "[anthropic:0.07 openai:0.06]"},
		{ByModel, "[anthropic/claude:0.07 openai/gpt-4o:0.05 openai/gpt-4o-mini:0.01]"},
		{ByKey, "[(no key):0.08 openai/work:0.05]"},
		{BySource, "[cli:0.12 proxy:0.01]"},
	}
	for _, tc := range cases {
		t.Run(string(tc.by), func(t *testing.T) {
			gs, err := s.Breakdown(ctx, Scope{}, at.Add(-time.Hour), at.Add(time.Hour), tc.by, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			var parts []string
			for _, g := range gs {
				parts = append(parts, g.Key+":"+g.Cost.Decimal())
			}
			if got := fmt.Sprint(parts); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
	if _, err := s.Breakdown(ctx, Scope{}, at, at.Add(time.Hour), "colour", time.UTC); err == nil {
		t.Fatal("an unknown grouping was accepted")
	}
	got, _ := s.KeyByID(ctx, k.ID)
	if !got.LastUsedAt.Equal(at) {
		t.Fatalf("key last used %v, want %v", got.LastUsedAt, at)
	}
}

// Listings show the priced cost with the unpriced count beside it, so they
// are ordered by that cost, not by what budgets count for unpriced requests.
func TestBreakdownOrdersByShownCost(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	at := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	un := ev(at, "openrouter", "acme/frontier", 0)
	un.CostState, un.Fallback = pricing.Unpriced, 90*money.Cent
	if err := s.RecordBatch(ctx, []*Event{
		ev(at, "openai", "gpt-4o", 5*money.Cent), ev(at, "openrouter", "qwen", 2*money.Cent), un,
		ev(at, "groq", "llama", 2*money.Cent),
	}); err != nil {
		t.Fatal(err)
	}
	gs, err := s.Breakdown(ctx, Scope{}, at.Add(-time.Hour), at.Add(time.Hour), ByProvider, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range gs {
		got = append(got, g.Key)
	}
	// openrouter ties groq on cost and leads it on what budgets count.
	if want := "[openai openrouter groq]"; fmt.Sprint(got) != want {
		t.Fatalf("order %v, want %s", got, want)
	}
}

func TestAlertsFireOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "byok.db")
	var stores []*Store
	for i := 0; i < 4; i++ {
		s, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		stores = append(stores, s)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	added := 0
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(s *Store) {
			defer wg.Done()
			ok, err := s.AddAlert(ctx, &Alert{Kind: AlertThreshold, Scope: "all", PeriodKey: "2026-11", Threshold: 80, Message: "80% of the monthly budget"})
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				added++
				mu.Unlock()
			}
		}(stores[i%4])
	}
	wg.Wait()
	if added != 1 {
		t.Fatalf("%d alerts added, want 1", added)
	}
	as, _ := stores[0].Alerts(ctx, false)
	if len(as) != 1 {
		t.Fatalf("%d alerts stored", len(as))
	}
	if err := stores[0].AckAlert(ctx, as[0].ID); err != nil {
		t.Fatal(err)
	}
	if as, _ := stores[1].Alerts(ctx, false); len(as) != 0 {
		t.Fatalf("acked alert still listed: %+v", as)
	}
	if as, _ := stores[1].Alerts(ctx, true); len(as) != 1 || !as[0].Acked {
		t.Fatalf("--all: %+v", as)
	}
	if err := stores[0].AckAlert(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ack missing alert: %v", err)
	}
}

func TestBudgetsAndKeys(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	b := &Budget{Scope: "provider:openai", Period: Monthly, Limit: 20 * money.Dollar, Hard: true, Thresholds: []int{50, 80, 100}}
	if err := s.PutBudget(ctx, b); err != nil {
		t.Fatal(err)
	}
	b2 := &Budget{Scope: "provider:openai", Period: Weekly, Limit: 5 * money.Dollar, Thresholds: []int{90}}
	if err := s.PutBudget(ctx, b2); err != nil {
		t.Fatal(err)
	}
	got, err := budgetOf(ctx, s, "provider:openai")
	if err != nil || got.ID != b.ID || got.Period != Weekly || got.Limit != 5*money.Dollar || got.Hard || fmt.Sprint(got.Thresholds) != "[90]" {
		t.Fatalf("replaced budget %+v, %v", got, err)
	}
	if err := s.PutBudget(ctx, &Budget{Scope: "all", Period: Daily, Limit: 0}); err == nil {
		t.Fatal("a zero budget was accepted")
	}
	if err := s.DeleteBudget(ctx, "provider:openai"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteBudget(ctx, "provider:openai"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}

	k1 := &Key{Provider: "openai", Label: "work", Last4: "abcd", Fingerprint: "0123abcd", Source: KeyKeychain}
	k2 := &Key{Provider: "openai", Label: "personal", Source: KeyKeychain}
	for _, k := range []*Key{k1, k2} {
		if err := s.PutKey(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if !k1.Default || k2.Default {
		t.Fatalf("the first key should be the default: %v %v", k1.Default, k2.Default)
	}
	if err := s.PutKey(ctx, &Key{Provider: "openai", Label: "work", Source: KeyKeychain}); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("duplicate key: %v", err)
	}
	if err := s.SetDefaultKey(ctx, k2.ID); err != nil {
		t.Fatal(err)
	}
	ks, _ := s.Keys(ctx)
	if len(ks) != 2 || ks[0].Label != "personal" || !ks[0].Default || ks[1].Default {
		t.Fatalf("keys after default change: %+v", ks)
	}
	if d, err := s.DefaultKey(ctx, "openai"); err != nil || d.ID != k2.ID {
		t.Fatalf("default key %+v %v, want personal", d, err)
	}
	k2.RevokedAt = time.Now()
	if err := s.PutKey(ctx, k2); err != nil {
		t.Fatal(err)
	}
	if d, err := s.DefaultKey(ctx, "openai"); err != nil || d.ID != k1.ID {
		t.Fatalf("default key after revoking personal: %+v %v, want work", d, err)
	}
	if _, err := s.DefaultKey(ctx, "anthropic"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("default key of a provider without keys: %v", err)
	}
	if err := s.SetDefaultKey(ctx, k2.ID); err == nil {
		t.Fatal("a revoked key became the default")
	}
	if got, _ := s.KeyByName(ctx, "openai", "personal"); got.Default || !got.Revoked() {
		t.Fatalf("revoked key %+v", got)
	}
	log, _ := s.AuditLog(ctx, "", 10)
	if len(log) < 3 {
		t.Fatalf("audit log has %d entries", len(log))
	}
	if err := s.SetSetting(ctx, "proxy.addr", "127.0.0.1:8787"); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Setting(ctx, "proxy.addr"); v != "127.0.0.1:8787" || err != nil {
		t.Fatalf("setting %q %v", v, err)
	}
	if _, err := s.Setting(ctx, "missing"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing setting: %v", err)
	}
}

// TestMain lets the test binary act as a second byok process.
func TestMain(m *testing.M) {
	if path := os.Getenv("BYOK_STORE_CHILD_DB"); path != "" {
		os.Exit(runChild(path, childWrites))
	}
	if path := os.Getenv("BYOK_STORE_CRASH_DB"); path != "" {
		os.Exit(runChild(path, crashChild))
	}
	code := m.Run()
	if benchPath != "" {
		os.RemoveAll(filepath.Dir(benchPath))
	}
	os.Exit(code)
}

const childEvents = 300

// childWrites records childEvents events, reading the totals after each.
func childWrites(ctx context.Context, s *Store) error {
	for i := 0; i < childEvents; i++ {
		if _, err := s.Record(ctx, ev(time.Now(), "child", "m", money.Micro)); err != nil {
			return err
		}
		if _, err := s.Totals(ctx, Scope{}, time.Now().Add(-time.Hour), time.Now().Add(time.Hour)); err != nil {
			return err
		}
	}
	return nil
}

// runChild is the body of a child process: it opens the store at path and
// runs fn on it, and an error goes to stderr with exit code 1.
func runChild(path string, fn func(context.Context, *Store) error) int {
	ctx := context.Background()
	s, err := Open(ctx, path, Options{})
	if err == nil {
		defer s.Close()
		err = fn(ctx, s)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// TestTwoProcesses runs writers in two other processes while this one
// writes and reads: nobody fails on a lock, and every event is there.
func TestTwoProcesses(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "byok.db")
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var cmds []*exec.Cmd
	for i := 0; i < 2; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "BYOK_STORE_CHILD_DB="+path)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for i := 0; i < childEvents; i++ {
		if _, err := s.Record(ctx, ev(time.Now(), "parent", "m", money.Micro)); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("child: %v", err)
		}
	}
	tot, err := s.Totals(ctx, Scope{}, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if tot.Requests != 3*childEvents || tot.Cost != 3*childEvents*money.Micro {
		t.Fatalf("totals %+v, want %d requests", tot, 3*childEvents)
	}
	var raw int64
	if err := s.r.QueryRow("SELECT count(*) FROM events").Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if raw != 3*childEvents {
		t.Fatalf("%d raw events", raw)
	}
}

func TestReadOnlyOpen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "byok.db")
	if _, err := Open(ctx, path, Options{ReadOnly: true}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("read-only open of a missing file: %v", err)
	}
	s, _ := Open(ctx, path, Options{})
	if _, err := s.Record(ctx, ev(time.Now(), "openai", "m", 1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	ro, err := Open(ctx, path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.Record(ctx, ev(time.Now(), "openai", "m", 1)); err == nil {
		t.Fatal("a read-only store recorded an event")
	}
	v1, _ := ro.DataVersion(ctx)
	w, _ := Open(ctx, path, Options{})
	if _, err := w.Record(ctx, ev(time.Now(), "openai", "m", 1)); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if v2, _ := ro.DataVersion(ctx); v2 == v1 {
		t.Fatal("data_version did not change after another connection wrote")
	}
}

// TestSumsNeverScanEvents checks the plan of every query behind the sums:
// none may walk the events table, and the waiting events are read by id,
// even with indexes that tempt the planner (the first schema had two). A scan costs seconds and hundreds of
// megabytes of mapped pages at a million events.
func TestSumsNeverScanEvents(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if _, err := s.w.Exec("CREATE INDEX events_provider ON events (provider, ts); CREATE INDEX events_key ON events (key_id, ts)"); err != nil {
		t.Fatal(err)
	}
	k := putKey(t, s, "openai", "work")
	start := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	rng := rand.New(rand.NewPCG(7, 7))
	var es []*Event
	for i := range 200 {
		e := ev(start.Add(time.Duration(rng.Int64N(int64(72*time.Hour)))), []string{"openai", "groq"}[i%2], "m", money.Cent)
		e.KeyID = k.ID
		es = append(es, e)
	}
	recordIn(t, s, "mixed", rng, es)

	type query struct {
		q    string
		args []any
	}
	var seen []query
	onSum = func(q string, args []any) { seen = append(seen, query{q, args}) }
	defer func() { onSum = func(string, []any) {} }()
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	from, to := start.Add(95*time.Minute+7*time.Second), start.Add(50*time.Hour+3*time.Second)
	for _, sc := range []Scope{{}, {Provider: "openai"}, {Model: "m"}, {KeyID: k.ID}, {Source: SourceCLI}} {
		if _, err := s.Totals(ctx, sc, from, to); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Totals(ctx, sc, start, start.Add(48*time.Hour)); err != nil {
			t.Fatal(err)
		}
		for _, by := range []GroupBy{ByProvider, ByModel, ByKey, BySource, ByDay} {
			for _, loc := range []*time.Location{time.UTC, kolkata} {
				if _, err := s.Breakdown(ctx, sc, from, to, by, loc); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if len(seen) < 50 {
		t.Fatalf("saw %d sum queries; the hook is not reached", len(seen))
	}
	for _, q := range seen {
		rows, err := s.r.Query("EXPLAIN QUERY PLAN "+q.q, q.args...)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(detail, "SCAN events") {
				t.Errorf("%s\nwalks the events table: %s", q.q, detail)
			}
			// The waiting events are a short id range; any index on time,
			// provider or key would read far more.
			if strings.Contains(q.q, "rollup_mark") && strings.HasPrefix(detail, "SEARCH events") && !strings.Contains(detail, "INTEGER PRIMARY KEY") {
				t.Errorf("%s\nreads the waiting events by an index: %s", q.q, detail)
			}
		}
		rows.Close()
	}
}

// budgetOf finds the stored budget of scope among all budgets.
func budgetOf(ctx context.Context, s *Store, scope string) (Budget, error) {
	bs, err := s.Budgets(ctx)
	if err != nil {
		return Budget{}, err
	}
	for _, b := range bs {
		if b.Scope == scope {
			return b, nil
		}
	}
	return Budget{}, fmt.Errorf("no budget for %s: %w", scope, ErrNotFound)
}

// userVersion reads the schema version SQLite keeps in the database header.
func userVersion(s *Store) (int, error) {
	var v int
	err := s.r.QueryRow("PRAGMA user_version").Scan(&v)
	return v, err
}
