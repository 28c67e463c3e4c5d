package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/byokhq/byok/money"
)

// How sums are read. A period's totals must equal exactly the sum of the raw
// events inside it, in any time zone (half-hour offsets and DST included),
// and cost the same at a thousand or ten million events. So a range
// [from, to) is cut into whole UTC hours, summed from the hourly rollups,
// and the partial hours at its edges (and at any bucket boundary that is
// not on the hour), summed from the raw events through the time index.

const rollupSums = `SUM(requests), SUM(errors), SUM(input), SUM(cache_read), SUM(cache_write),
	SUM(output), SUM(reasoning), SUM(cost), SUM(markup), SUM(unpriced), SUM(fallback)`

const rawSums = `count(*), SUM(status IN ('error', 'cancelled')), SUM(input_tokens), SUM(cache_read),
	SUM(cache_write_5m + cache_write_1h), SUM(output_tokens), SUM(reasoning_tokens), SUM(cost),
	SUM(markup), SUM(cost_state = 'unpriced'), SUM(CASE WHEN cost_state = 'unpriced' THEN fallback ELSE 0 END)`

// groupExpr returns the SQL expression a breakdown groups by.
func groupExpr(by GroupBy) (string, error) {
	switch by {
	case "", ByDay:
		return "''", nil
	case ByProvider:
		return "provider", nil
	case ByModel:
		return "provider || '/' || model", nil
	case ByKey:
		return "CAST(key_id AS TEXT)", nil
	case BySource:
		return "source", nil
	}
	return "", fmt.Errorf("cannot group by %q: use provider, model, key, source or day", by)
}

// sumsInto scans one row of sums (after its group and bucket columns) into t.
func scanSums(rows *sql.Rows, lead ...any) (Totals, error) {
	var v [11]sql.NullInt64
	dest := lead
	for i := range v {
		dest = append(dest, &v[i])
	}
	if err := rows.Scan(dest...); err != nil {
		return Totals{}, err
	}
	return Totals{
		Requests: v[0].Int64, Errors: v[1].Int64, InputTokens: v[2].Int64,
		CacheReadTokens: v[3].Int64, CacheWriteTokens: v[4].Int64, OutputTokens: v[5].Int64,
		ReasoningTokens: v[6].Int64, Cost: money.USD(v[7].Int64), Markup: money.USD(v[8].Int64),
		Unpriced: v[9].Int64, Fallback: money.USD(v[10].Int64),
	}, nil
}

// Add adds o to t.
func (t *Totals) Add(o Totals) {
	t.Requests += o.Requests
	t.Errors += o.Errors
	t.InputTokens += o.InputTokens
	t.CacheReadTokens += o.CacheReadTokens
	t.CacheWriteTokens += o.CacheWriteTokens
	t.OutputTokens += o.OutputTokens
	t.ReasoningTokens += o.ReasoningTokens
	t.Cost += o.Cost
	t.Markup += o.Markup
	t.Unpriced += o.Unpriced
	t.Fallback += o.Fallback
}

func floorHour(t time.Time) time.Time { return time.Unix(hourOf(t), 0).UTC() }

func ceilHour(t time.Time) time.Time {
	f := floorHour(t)
	if f.Equal(t) {
		return f
	}
	return f.Add(time.Hour)
}

func floorDay(t time.Time) time.Time { return time.Unix(dayOf(t), 0).UTC() }

func ceilDay(t time.Time) time.Time {
	f := floorDay(t)
	if f.Equal(t) {
		return f
	}
	return f.Add(24 * time.Hour)
}

func aligned(t time.Time) bool { return floorHour(t).Equal(t) }

// buckets holds the sums of consecutive ranges [bounds[i], bounds[i+1]),
// each grouped by a breakdown key.
type buckets struct {
	bounds []time.Time
	sums   []map[string]*Totals
}

func (b *buckets) add(i int, key string, t Totals) {
	m := b.sums[i]
	cur := m[key]
	if cur == nil {
		cur = &Totals{}
		m[key] = cur
	}
	cur.Add(t)
}

// index returns the bucket holding instant t.
func (b *buckets) index(t time.Time) int {
	return sort.Search(len(b.bounds), func(i int) bool { return b.bounds[i].After(t) }) - 1
}

// sum fills buckets for a scope and grouping.
func (s *Store) sum(ctx context.Context, sc Scope, bounds []time.Time, by GroupBy) (*buckets, error) {
	b := &buckets{bounds: bounds, sums: make([]map[string]*Totals, len(bounds)-1)}
	for i := range b.sums {
		b.sums[i] = map[string]*Totals{}
	}
	if len(bounds) < 2 || !bounds[0].Before(bounds[len(bounds)-1]) {
		return b, nil
	}
	expr, err := groupExpr(by)
	if err != nil {
		return nil, err
	}
	lo, hi := bounds[0], bounds[len(bounds)-1]
	hLo, hHi := ceilHour(lo), floorHour(hi)
	// One read transaction: the rollups, the raw edges and the events
	// waiting outside the rollups must come from the same snapshot, or a
	// fold in between would count events twice or not at all.
	tx, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sum: %w", err)
	}
	rd := &snapshot{s: s, tx: tx}
	defer rd.done(ctx)

	// Raw segments: the partial hours at both ends and around every
	// interior bound that is not on the hour.
	// A segment with a split bound covers the hour around an interior
	// bound in one query: rows before split go to bucket, the rest to
	// bucket+1.
	type seg struct {
		from, to time.Time
		bucket   int
		split    time.Time
	}
	var raw []seg
	partial := map[int64]bool{}
	if !hLo.Before(hHi) {
		for i := 0; i+1 < len(bounds); i++ {
			raw = append(raw, seg{from: bounds[i], to: bounds[i+1], bucket: i})
		}
	} else {
		if lo.Before(hLo) {
			raw = append(raw, seg{from: lo, to: hLo})
		}
		for i := 1; i+1 < len(bounds); i++ {
			bd := bounds[i]
			if aligned(bd) {
				continue
			}
			h := floorHour(bd)
			partial[h.Unix()] = true
			raw = append(raw, seg{from: maxTime(h, bounds[i-1]), to: minTime(h.Add(time.Hour), bounds[i+1]), bucket: i - 1, split: bd})
		}
		if hHi.Before(hi) {
			raw = append(raw, seg{from: hHi, to: hi, bucket: len(bounds) - 2})
		}
		if err := rd.sumWhole(ctx, b, sc, hLo, hHi, expr, partial); err != nil {
			return nil, err
		}
	}
	quarterly := providerOnly(sc, expr)
	rolled := hLo.Before(hHi) // whether any part was read from rollups
	var rawRead [][2]time.Time
	var qs []int64 // quarters summed from the quarter-hour rollups
	for _, r := range raw {
		if !r.from.Before(r.to) {
			continue
		}
		if quarterly && quarterAligned(r.from) && quarterAligned(r.to) && (r.split.IsZero() || quarterAligned(r.split)) {
			for q := r.from; q.Before(r.to); q = q.Add(15 * time.Minute) {
				qs = append(qs, q.Unix())
			}
			continue
		}
		if err := rd.sumSegment(ctx, b, sc, r.from, r.to, r.bucket, r.split, expr); err != nil {
			return nil, err
		}
		rawRead = append(rawRead, [2]time.Time{r.from, r.to})
	}
	if len(qs) > 0 {
		if err := rd.sumQuarters(ctx, b, sc, qs, expr); err != nil {
			return nil, err
		}
		rolled = true
	}
	if rolled {
		if err := rd.addWaiting(ctx, b, sc, lo, hi, expr, rawRead); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// snapshot reads inside one read transaction, through the statement cache.
type snapshot struct {
	s      *Store
	tx     *sql.Tx
	misses []string // queries not prepared yet
}

// query runs q in the snapshot, through the statement cache when q is in
// it. A new query runs unprepared: preparing it on the pool would need a
// second connection while this one is held, and readers holding every
// connection would wait on each other forever. done prepares it after.
func (rd *snapshot) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if v, ok := rd.s.stmts.Load(q); ok {
		return rd.tx.StmtContext(ctx, v.(*sql.Stmt)).QueryContext(ctx, args...)
	}
	rd.misses = append(rd.misses, q)
	return rd.tx.QueryContext(ctx, q, args...)
}

// done ends the read transaction, then prepares the queries it missed.
func (rd *snapshot) done(ctx context.Context) {
	_ = rd.tx.Rollback() // read only: nothing to lose
	for _, q := range rd.misses {
		if _, err := rd.s.stmt(ctx, q); err != nil {
			return // the query reported its error already
		}
	}
}

// onSum lets a test see every sum query and its arguments.
var onSum = func(q string, args []any) {}

// addWaiting adds the events in [from, to) that wait outside the rollups
// (see foldEvery) to the buckets, except those in ranges already summed
// from the raw events. With one bucket SQLite sums them; with several each
// waiting event is placed by its time.
func (rd *snapshot) addWaiting(ctx context.Context, b *buckets, sc Scope, from, to time.Time, expr string, rawRead [][2]time.Time) error {
	where, args := scopeWhere("", sc)
	// NOT INDEXED keeps SQLite on the id range (a few hundred rows at most)
	// instead of an index that would walk every event.
	where = append([]string{"id > (SELECT event_id FROM rollup_mark)", "ts >= ?", "ts < ?"}, where...)
	args = append([]any{from.UnixNano(), to.UnixNano()}, args...)
	for _, r := range rawRead {
		where = append(where, "NOT (ts >= ? AND ts < ?)")
		args = append(args, r[0].UnixNano(), r[1].UnixNano())
	}
	single := len(b.bounds) == 2
	q := "SELECT " + expr + ", ts, " + rawSums + " FROM events NOT INDEXED WHERE " + strings.Join(where, " AND ") + " GROUP BY 1, 2"
	if single {
		q = "SELECT " + expr + ", 0, " + rawSums + " FROM events NOT INDEXED WHERE " + strings.Join(where, " AND ")
		if expr != "''" {
			q += " GROUP BY 1" // without a grouping SQLite sums without sorting
		}
	}
	return rd.eachSum(ctx, "waiting events", q, args, func(key string, ts int64, t Totals) {
		switch {
		case t.Requests == 0: // the one row of an ungrouped sum over nothing
		case single:
			b.add(0, key, t)
		default:
			b.add(b.index(time.Unix(0, ts)), key, t)
		}
	})
}

// hourTable picks the smallest hourly rollup that can answer a scope and
// grouping: per provider, per model, per key, or the full one.
func hourTable(sc Scope, expr string) string {
	switch {
	case sc == (Scope{}) && expr == "''":
		return "rollup_hour_all"
	case providerOnly(sc, expr):
		return "rollup_hour_provider"
	case sc.Model != "" && sc.KeyID == 0 && sc.Source == "" && expr != "source" && !strings.Contains(expr, "key_id"):
		return "rollup_hour_model"
	case sc.KeyID != 0 && sc.Model == "" && sc.Source == "" && (expr == "''" || expr == "provider" || strings.Contains(expr, "key_id")):
		return "rollup_hour_key"
	}
	return "rollup_hour"
}

// providerOnly reports whether the per-provider rollups can answer a scope
// and grouping.
func providerOnly(sc Scope, expr string) bool {
	return sc.Model == "" && sc.KeyID == 0 && sc.Source == "" && (expr == "''" || expr == "provider")
}

func quarterAligned(t time.Time) bool { return t.UnixNano()%int64(15*time.Minute) == 0 }

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// sumWhole sums the whole hours [from, to): for one bucket of provider
// totals, whole UTC days from the daily rollups and the hours around them
// from the hourly ones; otherwise all from the hourly rollups.
func (rd *snapshot) sumWhole(ctx context.Context, b *buckets, sc Scope, from, to time.Time, expr string, partial map[int64]bool) error {
	dLo, dHi := ceilDay(from), floorDay(to)
	if len(b.bounds) != 2 || !providerOnly(sc, expr) || !dLo.Before(dHi) {
		return rd.sumRollups(ctx, b, sc, from, to, expr, partial)
	}
	where, args := scopeWhere("", sc)
	where = append([]string{"day >= ?", "day < ?"}, where...)
	args = append([]any{dLo.Unix(), dHi.Unix()}, args...)
	q := "SELECT " + expr + ", 0, " + rollupSums + " FROM rollup_day_provider WHERE " + strings.Join(where, " AND ") + " GROUP BY 1"
	if err := rd.eachSum(ctx, "daily rollups", q, args, func(key string, _ int64, t Totals) { b.add(0, key, t) }); err != nil {
		return err
	}
	for _, r := range [][2]time.Time{{from, dLo}, {dHi, to}} {
		if r[0].Before(r[1]) {
			if err := rd.sumRollups(ctx, b, sc, r[0], r[1], expr, partial); err != nil {
				return err
			}
		}
	}
	return nil
}

// eachSum runs q, whose rows are a group key, a time (or side) and the
// eleven sums, and hands each row to fn.
func (rd *snapshot) eachSum(ctx context.Context, what, q string, args []any, fn func(key string, at int64, t Totals)) error {
	onSum(q, args)
	rows, err := rd.query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("sum %s: %w", what, explainSumErr(err))
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var at int64
		t, err := scanSums(rows, &key, &at)
		if err != nil {
			return fmt.Errorf("sum %s: %w", what, explainSumErr(err))
		}
		fn(key, at, t)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sum %s: %w", what, explainSumErr(err))
	}
	return nil
}

func (rd *snapshot) sumRollups(ctx context.Context, b *buckets, sc Scope, from, to time.Time, expr string, partial map[int64]bool) error {
	where, args := scopeWhere("", sc)
	where = append([]string{"hour >= ?", "hour < ?"}, where...)
	args = append([]any{from.Unix(), to.Unix()}, args...)
	single := len(b.bounds) == 2
	q := "SELECT " + expr + ", hour, " + rollupSums + " FROM " + hourTable(sc, expr) + " WHERE " + strings.Join(where, " AND ") + " GROUP BY 1, 2"
	if single {
		q = "SELECT " + expr + ", 0, " + rollupSums + " FROM " + hourTable(sc, expr) + " WHERE " + strings.Join(where, " AND ") + " GROUP BY 1"
	}
	return rd.eachSum(ctx, "rollups", q, args, func(key string, hour int64, t Totals) {
		switch {
		case single:
			b.add(0, key, t)
		case !partial[hour]:
			b.add(b.index(time.Unix(hour, 0)), key, t)
		}
	})
}

// sumQuarters adds the quarter-hour rollup rows of the quarters qs (Unix
// seconds) to the buckets holding them, in one query: a month's daily
// series in a half-hour time zone needs thirty such partial hours.
func (rd *snapshot) sumQuarters(ctx context.Context, b *buckets, sc Scope, qs []int64, expr string) error {
	where, args := scopeWhere("", sc)
	where = append([]string{"quarter IN (" + strings.TrimSuffix(strings.Repeat("?,", len(qs)), ",") + ")"}, where...)
	qargs := make([]any, len(qs))
	for i, q := range qs {
		qargs[i] = q
	}
	q := "SELECT " + expr + ", quarter, " + rollupSums + " FROM rollup_quarter_provider WHERE " + strings.Join(where, " AND ") + " GROUP BY 1, 2"
	return rd.eachSum(ctx, "quarter rollups", q, append(qargs, args...), func(key string, q int64, t Totals) {
		b.add(b.index(time.Unix(q, 0)), key, t)
	})
}

// sumSegment sums the raw events of [from, to) into bucket, or, with a
// split time, the part before it into bucket and the rest into bucket+1, in
// one query.
func (rd *snapshot) sumSegment(ctx context.Context, b *buckets, sc Scope, from, to time.Time, bucket int, split time.Time, expr string) error {
	where, args := scopeWhere("", sc)
	where = append([]string{"ts >= ?", "ts < ?"}, where...)
	args = append([]any{from.UnixNano(), to.UnixNano()}, args...)
	side := "0"
	if !split.IsZero() {
		side = "ts >= ?"
		args = append([]any{split.UnixNano()}, args...)
	}
	q := "SELECT " + expr + ", " + side + ", " + rawSums + " FROM events WHERE " + strings.Join(where, " AND ") + " GROUP BY 1, 2"
	return rd.eachSum(ctx, "raw events", q, args, func(key string, after int64, t Totals) {
		if t.Requests > 0 {
			b.add(bucket+int(after), key, t)
		}
	})
}

// Totals sums a scope over [from, to).
func (s *Store) Totals(ctx context.Context, sc Scope, from, to time.Time) (Totals, error) {
	b, err := s.sum(ctx, sc, []time.Time{from, to}, "")
	if err != nil {
		return Totals{}, err
	}
	var t Totals
	for _, v := range b.sums[0] {
		t.Add(*v)
	}
	return t, nil
}

// Breakdown sums a scope over [from, to) grouped by one dimension. ByDay
// returns one row for every calendar day in loc that overlaps the range,
// oldest first, empty days included; the others are sorted by cost,
// highest first. Group keys: provider id, "provider/model", the key's
// "provider/label" ("provider/(no key)" for none), source, session
// ("(no session)" for events not imported) or "2006-01-02".
func (s *Store) Breakdown(ctx context.Context, sc Scope, from, to time.Time, by GroupBy, loc *time.Location) ([]Group, error) {
	if by == ByDay {
		return s.days(ctx, sc, from, to, loc)
	}
	out, err := s.groups(ctx, sc, from, to, by)
	if err != nil {
		return nil, err
	}
	// Biggest priced cost first, as every listing shows it; unpriced
	// requests (shown beside it) break ties by what budgets count for them.
	sort.Slice(out, func(i, j int) bool {
		if a, c := out[i].Cost, out[j].Cost; a != c {
			return a > c
		}
		if a, c := out[i].BudgetSpend(), out[j].BudgetSpend(); a != c {
			return a > c
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

// groups sums a scope over [from, to) by one dimension other than day.
func (s *Store) groups(ctx context.Context, sc Scope, from, to time.Time, by GroupBy) ([]Group, error) {
	if by == BySession {
		return s.sessions(ctx, sc, from, to)
	}
	b, err := s.sum(ctx, sc, []time.Time{from, to}, by)
	if err != nil {
		return nil, err
	}
	var names map[int64]string
	if by == ByKey {
		if names, err = s.keyNames(ctx); err != nil {
			return nil, err
		}
	}
	var out []Group
	for k, v := range b.sums[0] {
		if by == ByKey {
			id, _ := strconv.ParseInt(k, 10, 64)
			k = names[id]
			if k == "" {
				k = "(no key)"
			}
		}
		out = append(out, Group{Key: k, Totals: *v})
	}
	return out, nil
}

// DayStart returns midnight of t's calendar day in loc.
func DayStart(t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
}

func (s *Store) days(ctx context.Context, sc Scope, from, to time.Time, loc *time.Location) ([]Group, error) {
	if loc == nil {
		loc = time.UTC
	}
	if !from.Before(to) {
		return nil, nil
	}
	bounds := []time.Time{from}
	labels := []string{from.In(loc).Format(time.DateOnly)}
	for d := DayStart(from, loc); ; {
		d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, loc)
		if !d.Before(to) {
			break
		}
		bounds = append(bounds, d)
		labels = append(labels, d.Format(time.DateOnly))
	}
	bounds = append(bounds, to)
	b, err := s.sum(ctx, sc, bounds, ByDay)
	if err != nil {
		return nil, err
	}
	out := make([]Group, len(labels))
	for i := range labels {
		out[i].Key = labels[i]
		for _, v := range b.sums[i] {
			out[i].Add(*v)
		}
	}
	return out, nil
}

func (s *Store) keyNames(ctx context.Context) (map[int64]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT id, provider || '/' || label FROM keys`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	m := map[int64]string{}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		m[id] = name
	}
	return m, rows.Err()
}

// explainSumErr says what to do when SQLite finds a sum too large for an
// integer: only entries from before byok bounded amounts can cause it.
func explainSumErr(err error) error {
	if strings.Contains(err.Error(), "integer overflow") {
		return fmt.Errorf("%w: recorded amounts add up to more than byok can count; list manual entries with `byok spend list` and remove the wrong ones with `byok spend rm ID`", err)
	}
	return err
}
