package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/providers"
)

const insertEventSQL = `INSERT INTO events (
	ts, source, client, provider, model, key_id, key_name, status, error_class,
	error_message, http_status, latency_ns, ttft_ns, request_id, input_tokens,
	cache_read, cache_write_5m, cache_write_1h, output_tokens, reasoning_tokens,
	cost, markup, fallback, cost_state, price_ref, note, computed_cost, units
) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`

// rollupTable is one rollup table: its name and key columns. Every table
// has the same sum columns, and every write adds to them.
type rollupTable struct {
	name string
	keys []string
	// unique is how many leading key columns form the primary key; the
	// rest ride along (a key id belongs to one provider). 0 means all.
	unique int
}

// rollupTables are written for every event, in the same transaction.
var rollupTables = []rollupTable{
	{name: "rollup_hour", keys: []string{"hour", "provider", "model", "key_id", "source"}},
	{name: "rollup_hour_provider", keys: []string{"hour", "provider"}},
	{name: "rollup_quarter_provider", keys: []string{"quarter", "provider"}},
	{name: "rollup_hour_model", keys: []string{"provider", "model", "hour"}},
	{name: "rollup_hour_key", keys: []string{"key_id", "hour", "provider"}, unique: 2},
	{name: "rollup_hour_all", keys: []string{"hour"}},
	{name: "rollup_day_provider", keys: []string{"day", "provider"}},
}

// keyOf returns the row of t an event adds to: the event's values of the
// table's key columns.
func (t rollupTable) keyOf(e *Event) rollupKey {
	var k rollupKey
	for _, c := range t.keys {
		switch c {
		case "hour":
			k.hour = hourOf(e.Time)
		case "quarter":
			k.hour = quarterOf(e.Time)
		case "day":
			k.hour = dayOf(e.Time)
		case "provider":
			k.provider = e.Provider
		case "model":
			k.model = e.Model
		case "key_id":
			k.keyID = e.KeyID
		case "source":
			k.source = e.Source
		}
	}
	return k
}

func (t rollupTable) upsertSQL() string {
	sums := []string{"requests", "errors", "input", "cache_read", "cache_write", "output", "reasoning", "cost", "markup", "unpriced", "fallback"}
	cols := append(append([]string{}, t.keys...), sums...)
	marks := strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",")
	sets := make([]string, len(sums))
	for i, c := range sums {
		sets[i] = c + " = " + c + " + excluded." + c
	}
	pk := t.keys
	if t.unique > 0 {
		pk = t.keys[:t.unique]
	}
	return "INSERT INTO " + t.name + " (" + strings.Join(cols, ", ") + ") VALUES (" + marks + ") ON CONFLICT (" +
		strings.Join(pk, ", ") + ") DO UPDATE SET " + strings.Join(sets, ", ")
}

// keyArgs are the key column values of row k in table t, in column order.
func (t rollupTable) keyArgs(k rollupKey) []any {
	args := make([]any, len(t.keys))
	for i, c := range t.keys {
		switch c {
		case "hour", "quarter", "day":
			args[i] = k.hour
		case "provider":
			args[i] = k.provider
		case "model":
			args[i] = k.model
		case "key_id":
			args[i] = k.keyID
		case "source":
			args[i] = string(k.source)
		}
	}
	return args
}

// validate checks what the schema cannot: an event must name its provider
// and model, carry a known status and cost state, and never hold negative
// counts or money.
func (e *Event) validate() error {
	switch {
	case e.Provider == "":
		return errors.New("event has no provider")
	case e.Model == "" && e.Source != SourceManual && e.Source != SourceReconciled:
		return errors.New("event has no model")
	case e.Source == "":
		return errors.New("event has no source")
	}
	switch e.Status {
	case StatusOK, StatusError, StatusCancelled, StatusPartial:
	default:
		return fmt.Errorf("event has an unknown status %q", e.Status)
	}
	switch e.CostState {
	case pricing.Reported, pricing.Computed, pricing.Estimated, pricing.Unpriced:
	default:
		return fmt.Errorf("event has an unknown cost state %q", e.CostState)
	}
	for _, n := range []int64{e.InputTokens, e.CacheReadTokens, e.CacheWrite5mTokens, e.CacheWrite1hTokens, e.OutputTokens, e.ReasoningTokens, int64(e.Cost), int64(e.Markup), int64(e.Fallback)} {
		if n < 0 {
			return errors.New("event has a negative token count or amount")
		}
	}
	// The bounds that keep every sum over the events within an int64.
	for _, n := range []int64{e.InputTokens, e.CacheReadTokens, e.CacheWrite5mTokens, e.CacheWrite1hTokens, e.OutputTokens, e.ReasoningTokens} {
		if n > providers.MaxCount {
			return fmt.Errorf("event has a token count of %d, more than the %d byok accepts", n, providers.MaxCount)
		}
	}
	for _, v := range []money.USD{e.Cost, e.Markup, e.Fallback} {
		if v > money.MaxAmount {
			return fmt.Errorf("event has an amount of %s, more than the %s byok accepts for one entry", v, money.MaxAmount)
		}
	}
	if e.Time.IsZero() {
		return errors.New("event has no time")
	}
	if err := CheckTime(e.Time); err != nil {
		return fmt.Errorf("event time %w", err)
	}
	return nil
}

// rollupKey is one row of a rollup table (unused fields are zero).
type rollupKey struct {
	hour     int64 // the hour, quarter or day, whichever the table keys on
	provider string
	model    string
	keyID    int64
	source   Source
}

// delta is what one or more events add to a rollup row.
type delta struct {
	requests, errors, input, cacheRead, cacheWrite, output, reasoning int64
	cost, markup, unpriced, fallback                                  int64
}

func (d *delta) add(e *Event) {
	d.requests++
	if e.Status == StatusError || e.Status == StatusCancelled {
		d.errors++
	}
	d.input += e.InputTokens
	d.cacheRead += e.CacheReadTokens
	d.cacheWrite += e.CacheWriteTokens()
	d.output += e.OutputTokens
	d.reasoning += e.ReasoningTokens
	d.cost += int64(e.Cost)
	d.markup += int64(e.Markup)
	if e.CostState == pricing.Unpriced {
		d.unpriced++
		d.fallback += int64(e.Fallback)
	}
}

// floorUnix returns the start, in Unix seconds, of the span of the given
// length (in seconds) holding t; spans start at the Unix epoch.
func floorUnix(t time.Time, span int64) int64 {
	s := t.Unix()
	f := s - s%span
	if s < 0 && s%span != 0 {
		f -= span
	}
	return f
}

func hourOf(t time.Time) int64 { return floorUnix(t, 3600) }

// foldEvery is how many events may wait outside the rollups. A single
// Record writes only its event (the rollups' seven rows cost more than the
// event itself); once foldEvery wait they are folded into the rollups, and
// readers add the waiting ones from the raw table.
const foldEvery = 256

// touchResolution is how far a key's last use may lag its latest event: a
// last use is moved only when it is at least this much older.
const touchResolution = int64(time.Minute)

// The writer's prepared statements, by index into recorder.prepared.
const (
	stEvent = iota
	stText
	stTouch
	stMark
	stSetMark
	stWait
	stWaitNext
	stRollups // one per rollupTables entry from here on
)

// recorder holds the writer's prepared statements.
type recorder struct {
	prepared []*sql.Stmt

	// seen is the highest rollup mark this store has read. The mark only
	// grows, so while fewer than foldEvery events lie above it no fold is
	// due and the mark need not be read again.
	seen atomic.Int64

	// touched holds, per key id, the latest use this store wrote (or
	// found already written) to the keys table. Last uses are kept to the
	// minute, so an event less than a minute after it has nothing to move.
	touchMu sync.Mutex
	touched map[int64]int64
}

// touchDue tells whether recording e may move its key's last use.
func (r *recorder) touchDue(e *Event) bool {
	if e.KeyID == 0 || e.Source == SourceManual || e.Source == SourceReconciled {
		return false
	}
	r.touchMu.Lock()
	defer r.touchMu.Unlock()
	last, ok := r.touched[e.KeyID]
	return !ok || e.Time.UnixNano()-last >= touchResolution
}

// noteTouched records that key's last use was moved to t.
func (r *recorder) noteTouched(key, t int64) {
	r.touchMu.Lock()
	defer r.touchMu.Unlock()
	if r.touched == nil {
		r.touched = map[int64]int64{}
	}
	r.touched[key] = max(r.touched[key], t)
}

// forget drops what the recorder believed was written, after a
// transaction that may have written it was rolled back.
func (r *recorder) forget() {
	r.seen.Store(0)
	r.touchMu.Lock()
	defer r.touchMu.Unlock()
	clear(r.touched)
}

// txRecorder is the recorder bound to one transaction. It binds each
// statement the first time it is used, so a single Record does not pay for
// the statements a fold would need.
type txRecorder struct {
	base  *recorder
	ctx   context.Context
	tx    *sql.Tx
	bound []*sql.Stmt
}

// prepare readies the writer's statements once; every transaction then
// binds them on the one writer connection instead of preparing anew.
func (s *Store) prepare(ctx context.Context) error {
	queries := []string{
		stEvent: insertEventSQL,
		stText:  `INSERT INTO event_text (event_id, prompt, response) VALUES (?,?,?)`,
		// A key's last use is kept to the minute: most requests then leave
		// the keys table (and its page in the commit) untouched.
		stTouch:   `UPDATE keys SET last_used_at = ?1 WHERE id = ?2 AND last_used_at <= ?1 - ?3`,
		stMark:    `SELECT event_id FROM rollup_mark`,
		stSetMark: `UPDATE rollup_mark SET event_id = ?`,
		stWait:    `SELECT ` + rollupColumns + ` FROM events WHERE id > ? AND id < ?`,
		stWaitNext: `SELECT ` + rollupColumns + ` FROM events WHERE id > ? AND id <= ? ORDER BY id LIMIT ` +
			strconv.Itoa(foldChunk),
	}
	for _, t := range rollupTables {
		queries = append(queries, t.upsertSQL())
	}
	r := &recorder{}
	s.rec = r
	for _, q := range queries {
		st, err := s.w.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("prepare %q: %w", q, err)
		}
		r.prepared = append(r.prepared, st)
	}
	return nil
}

// in returns the recorder bound to a transaction.
func (r *recorder) in(ctx context.Context, tx *sql.Tx) *txRecorder {
	return &txRecorder{base: r, ctx: ctx, tx: tx, bound: make([]*sql.Stmt, len(r.prepared))}
}

// st returns statement i bound to the transaction.
func (r *txRecorder) st(i int) *sql.Stmt {
	if r.bound[i] == nil {
		r.bound[i] = r.tx.StmtContext(r.ctx, r.base.prepared[i])
	}
	return r.bound[i]
}

func (r *recorder) close() {
	for _, s := range r.prepared {
		s.Close()
	}
}

func (r *txRecorder) insert(ctx context.Context, e *Event) (int64, error) {
	res, err := r.st(stEvent).ExecContext(ctx, insertArgs(e)...)
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	if e.Prompt != "" || e.Response != "" {
		if _, err := r.st(stText).ExecContext(ctx, id, e.Prompt, e.Response); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// insertArgs are the arguments of insertEventSQL for e.
func insertArgs(e *Event) []any {
	return []any{e.Time.UnixNano(), string(e.Source), e.Client, e.Provider, e.Model,
		e.KeyID, e.KeyName, string(e.Status), e.ErrorClass, e.ErrorMessage, e.HTTPStatus,
		int64(e.Latency), int64(e.TTFT), e.RequestID, e.InputTokens, e.CacheReadTokens,
		e.CacheWrite5mTokens, e.CacheWrite1hTokens, e.OutputTokens, e.ReasoningTokens,
		int64(e.Cost), int64(e.Markup), int64(e.Fallback), string(e.CostState), e.PriceRef, e.Note, e.computedArg(), e.Units.encode()}
}

// computedArg is the computed_cost column's value: NULL when byok
// computed nothing beside a reported cost.
func (e *Event) computedArg() any {
	if !e.HasComputed {
		return nil
	}
	return int64(e.Computed)
}

// rollupSet gathers what a batch adds to every rollup table, so each row
// is written once per transaction.
type rollupSet []map[rollupKey]*delta

func newRollupSet() rollupSet {
	rs := make(rollupSet, len(rollupTables))
	for i := range rs {
		rs[i] = map[rollupKey]*delta{}
	}
	return rs
}

// addEvent adds event e to its rows.
func (rs rollupSet) addEvent(e *Event) {
	var d delta
	d.add(e)
	rs.add(e, &d)
}

// removeEvent takes event e out of its rows, as deleting it must.
func (rs rollupSet) removeEvent(e *Event) {
	var d delta
	d.add(e)
	neg := delta{requests: -d.requests, errors: -d.errors, input: -d.input, cacheRead: -d.cacheRead, cacheWrite: -d.cacheWrite,
		output: -d.output, reasoning: -d.reasoning, cost: -d.cost, markup: -d.markup, unpriced: -d.unpriced, fallback: -d.fallback}
	rs.add(e, &neg)
}

// add adds d (an event's own delta, or a correction) to the rows of e.
func (rs rollupSet) add(e *Event, d *delta) {
	for t := range rs {
		k := rollupTables[t].keyOf(e)
		cur := rs[t][k]
		if cur == nil {
			cur = &delta{}
			rs[t][k] = cur
		}
		cur.merge(d)
	}
}

func (r *txRecorder) writeRollups(ctx context.Context, rs rollupSet) error {
	for t, rows := range rs {
		for k, d := range rows {
			args := append(rollupTables[t].keyArgs(k), d.requests, d.errors, d.input, d.cacheRead, d.cacheWrite,
				d.output, d.reasoning, d.cost, d.markup, d.unpriced, d.fallback)
			if _, err := r.st(stRollups+t).ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("update %s: %w", rollupTables[t].name, err)
			}
		}
	}
	return nil
}

// dayOf returns the start of t's UTC day in Unix seconds.
func dayOf(t time.Time) int64 { return floorUnix(t, 86400) }

func quarterOf(t time.Time) int64 { return floorUnix(t, 900) }

func (d *delta) merge(o *delta) {
	d.requests += o.requests
	d.errors += o.errors
	d.input += o.input
	d.cacheRead += o.cacheRead
	d.cacheWrite += o.cacheWrite
	d.output += o.output
	d.reasoning += o.reasoning
	d.cost += o.cost
	d.markup += o.markup
	d.unpriced += o.unpriced
	d.fallback += o.fallback
}

// Record inserts one event and returns its id (also set on e). Times are
// stored in UTC. The event reaches the rollups with the next fold (see
// foldEvery); sums include it either way.
//
// Most events are a single INSERT that commits by itself: an explicit
// transaction around it costs about as much again (BEGIN and COMMIT are
// statements of their own), and it is what the proxy waits for before a
// reply ends. An event with text and one whose key's last use is due to be
// moved on go through RecordBatch. A fold the event makes due is the
// upkeep's (see upkeep.go).
func (s *Store) Record(ctx context.Context, e *Event) (int64, error) {
	e.Time = e.Time.UTC()
	if s.rec == nil || e.Prompt != "" || e.Response != "" || s.rec.touchDue(e) {
		if err := s.RecordBatch(ctx, []*Event{e}); err != nil {
			return 0, err
		}
		return e.ID, nil
	}
	if err := e.validate(); err != nil {
		return 0, fmt.Errorf("record event: %w", err)
	}
	res, err := s.rec.prepared[stEvent].ExecContext(ctx, insertArgs(e)...)
	if err != nil {
		return 0, fmt.Errorf("record event: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("record event: %w", err)
	}
	e.ID = id
	s.up.committed()
	if id-s.rec.seen.Load() >= foldEvery {
		// The event is in; the upkeep folds it and those waiting before
		// it, so that no request waits for that.
		s.up.askFold(id)
	}
	return id, nil
}

// foldNext folds, in the transaction, up to foldChunk of the waiting
// events with ids up to through, the oldest first, and moves the mark past
// them. It reports whether none are left to fold up to through.
func (r *txRecorder) foldNext(ctx context.Context, through int64) (done bool, err error) {
	var mark int64
	if err := r.st(stMark).QueryRowContext(ctx).Scan(&mark); err != nil {
		return false, fmt.Errorf("read rollup mark: %w", err)
	}
	r.base.seen.Store(mark)
	if mark >= through {
		return true, nil
	}
	rs := newRollupSet()
	top := mark
	rows, err := r.st(stWaitNext).QueryContext(ctx, mark, through)
	if err != nil {
		return false, fmt.Errorf("read waiting events: %w", err)
	}
	for rows.Next() {
		e, err := scanRollupEvent(rows)
		if err != nil {
			rows.Close()
			return false, fmt.Errorf("read waiting events: %w", err)
		}
		rs.addEvent(&e)
		top = e.ID
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, fmt.Errorf("read waiting events: %w", err)
	}
	if top == mark {
		return true, nil // nothing left up to through
	}
	if err := r.writeRollups(ctx, rs); err != nil {
		return false, err
	}
	if _, err := r.st(stSetMark).ExecContext(ctx, top); err != nil {
		return false, fmt.Errorf("move rollup mark: %w", err)
	}
	r.base.seen.Store(top)
	return top >= through, nil
}

// RecordBatch inserts events in one transaction, setting their IDs. A
// batch of foldEvery or more, or one that brings the waiting events to
// foldEvery, is folded into the rollups in the same transaction, its
// deltas summed in memory first so each rollup row is written once.
func (s *Store) RecordBatch(ctx context.Context, es []*Event) error {
	for i, e := range es {
		e.Time = e.Time.UTC()
		if err := e.validate(); err != nil {
			return fmt.Errorf("record event %d of %d: %w", i+1, len(es), err)
		}
	}
	if len(es) == 0 {
		return nil
	}
	ids := make([]int64, len(es))
	last := map[int64]int64{} // the latest use of each key in the batch, then those written
	// Events change no budget or key that the meta cache holds (a key's
	// last use aside), so the cache stays.
	err := s.write(ctx, func(tx *sql.Tx) error {
		if s.rec == nil {
			return errors.New("the store was opened read-only")
		}
		r := s.rec.in(ctx, tx)
		var err error
		for i, e := range es {
			if ids[i], err = r.insert(ctx, e); err != nil {
				return err
			}
		}
		// Touch last-used times of the keys in the batch.
		clear(last)
		for _, e := range es {
			if e.KeyID != 0 && e.Source != SourceManual && e.Source != SourceReconciled && e.Time.UnixNano() > last[e.KeyID] {
				last[e.KeyID] = e.Time.UnixNano()
			}
		}
		for id, t := range last {
			res, err := r.st(stTouch).ExecContext(ctx, t, id, touchResolution)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				delete(last, id) // kept as it was: nothing learnt about it
			}
		}
		return r.fold(ctx, es, ids, false)
	})
	if err != nil {
		if s.rec != nil {
			s.rec.forget() // a fold or a touch may have been rolled back with the rest
		}
		return fmt.Errorf("record %d events: %w", len(es), err)
	}
	for id, t := range last {
		s.rec.noteTouched(id, t)
	}
	for i, e := range es {
		e.ID = ids[i]
	}
	return nil
}

// fold adds the waiting events and fresh (just inserted with ids, the
// highest ids in the table) to the rollups and moves the mark past them —
// when there are foldEvery of them, or always with force. Without fresh
// events it folds whatever waits.
func (r *txRecorder) fold(ctx context.Context, fresh []*Event, ids []int64, force bool) error {
	next := int64(math.MaxInt64) // the first fresh id: older ones are read back
	var top int64
	if len(ids) > 0 {
		next, top = ids[0], ids[len(ids)-1]
	}
	if !force && top-r.base.seen.Load() < foldEvery {
		return nil
	}
	var mark int64
	if err := r.st(stMark).QueryRowContext(ctx).Scan(&mark); err != nil {
		return fmt.Errorf("read rollup mark: %w", err)
	}
	r.base.seen.Store(mark)
	top = max(top, mark)
	if !force && top-mark < foldEvery {
		return nil
	}
	rs := newRollupSet()
	rows, err := r.st(stWait).QueryContext(ctx, mark, next)
	if err != nil {
		return fmt.Errorf("read waiting events: %w", err)
	}
	for rows.Next() {
		e, err := scanRollupEvent(rows)
		if err != nil {
			rows.Close()
			return fmt.Errorf("read waiting events: %w", err)
		}
		rs.addEvent(&e)
		top = max(top, e.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read waiting events: %w", err)
	}
	for _, e := range fresh {
		rs.addEvent(e)
	}
	if top == mark {
		return nil
	}
	if err := r.writeRollups(ctx, rs); err != nil {
		return err
	}
	if _, err := r.st(stSetMark).ExecContext(ctx, top); err != nil {
		return fmt.Errorf("move rollup mark: %w", err)
	}
	r.base.seen.Store(top)
	return nil
}

const eventColumns = `e.id, e.ts, e.source, e.client, e.provider, e.model, e.key_id, e.key_name,
	e.status, e.error_class, e.error_message, e.http_status, e.latency_ns, e.ttft_ns, e.request_id,
	e.input_tokens, e.cache_read, e.cache_write_5m, e.cache_write_1h, e.output_tokens,
	e.reasoning_tokens, e.cost, e.markup, e.fallback, e.cost_state, e.price_ref, e.note, e.computed_cost, e.units`

type scanner interface{ Scan(dest ...any) error }

// collect reads every row of rows with scan and closes rows; what names
// the list in the error of a row that does not scan.
func collect[T any](rows *sql.Rows, what string, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// scanEventRow reads a row of eventColumns.
func scanEventRow(sc scanner) (Event, error) { return scanEvent(sc) }

// rollupColumns are the columns of an event the rollups sum or group by:
// a fold reads back only these of the events waiting for it.
const rollupColumns = `id, ts, source, provider, model, key_id, status, input_tokens, cache_read,
	cache_write_5m, cache_write_1h, output_tokens, reasoning_tokens, cost, markup, fallback, cost_state`

// scanRollupEvent reads a row of rollupColumns.
func scanRollupEvent(sc scanner) (Event, error) {
	var e Event
	var ts, cost, markup, fallback int64
	var source, status, state string
	if err := sc.Scan(&e.ID, &ts, &source, &e.Provider, &e.Model, &e.KeyID, &status,
		&e.InputTokens, &e.CacheReadTokens, &e.CacheWrite5mTokens, &e.CacheWrite1hTokens,
		&e.OutputTokens, &e.ReasoningTokens, &cost, &markup, &fallback, &state); err != nil {
		return Event{}, err
	}
	e.Time = fromNanos(ts)
	e.Source, e.Status, e.CostState = Source(source), Status(status), pricing.State(state)
	e.Cost, e.Markup, e.Fallback = money.USD(cost), money.USD(markup), money.USD(fallback)
	return e, nil
}

func scanEvent(sc scanner, extra ...any) (Event, error) {
	var e Event
	var ts, lat, ttft, cost, markup, fallback int64
	var computed sql.NullInt64
	var source, status, state, units string
	dest := []any{&e.ID, &ts, &source, &e.Client, &e.Provider, &e.Model, &e.KeyID, &e.KeyName,
		&status, &e.ErrorClass, &e.ErrorMessage, &e.HTTPStatus, &lat, &ttft, &e.RequestID,
		&e.InputTokens, &e.CacheReadTokens, &e.CacheWrite5mTokens, &e.CacheWrite1hTokens,
		&e.OutputTokens, &e.ReasoningTokens, &cost, &markup, &fallback, &state, &e.PriceRef, &e.Note, &computed, &units}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return Event{}, err
	}
	e.Units = decodeUnits(units)
	e.Time = fromNanos(ts)
	e.Source, e.Status, e.CostState = Source(source), Status(status), pricing.State(state)
	e.Latency, e.TTFT = time.Duration(lat), time.Duration(ttft)
	e.Cost, e.Markup, e.Fallback = money.USD(cost), money.USD(markup), money.USD(fallback)
	e.Computed, e.HasComputed = money.USD(computed.Int64), computed.Valid
	return e, nil
}

// Event returns one event with its prompt and response text.
func (s *Store) Event(ctx context.Context, id int64) (Event, error) {
	row := s.r.QueryRowContext(ctx, `SELECT `+eventColumns+`, coalesce(t.prompt, ''), coalesce(t.response, '')
		FROM events e LEFT JOIN event_text t ON t.event_id = e.id WHERE e.id = ?`, id)
	var prompt, response string
	e, err := scanEvent(row, &prompt, &response)
	if errors.Is(err, sql.ErrNoRows) {
		return Event{}, Refuse(ErrNotFound, "event %d", id)
	}
	if err != nil {
		return Event{}, fmt.Errorf("event %d: %w", id, err)
	}
	e.Prompt, e.Response = prompt, response
	return e, nil
}

// scopeWhere returns SQL conditions and arguments selecting a scope on a
// table with provider, model, key_id and source columns.
func scopeWhere(prefix string, sc Scope) ([]string, []any) {
	var where []string
	var args []any
	if sc.Provider != "" {
		where = append(where, prefix+"provider = ?")
		args = append(args, sc.Provider)
	}
	if sc.Model != "" {
		where = append(where, prefix+"model = ?")
		args = append(args, sc.Model)
	}
	if sc.KeyID != 0 {
		where = append(where, prefix+"key_id = ?")
		args = append(args, sc.KeyID)
	}
	if sc.Source != "" {
		where = append(where, prefix+"source = ?")
		args = append(args, string(sc.Source))
	}
	return where, args
}

// orderExpr is the SQL value of an event (the row named by prefix) that
// by sorts on.
func orderExpr(by EventColumn, prefix string) (string, error) {
	p := prefix
	switch by {
	case OrderTime:
		return p + "ts", nil
	case OrderModel:
		return p + "provider || '/' || " + p + "model", nil
	case OrderStatus:
		return p + "status", nil
	case OrderTokens:
		return "(" + p + "input_tokens + " + p + "cache_read + " + p + "cache_write_5m + " + p + "cache_write_1h + " + p + "output_tokens)", nil
	case OrderCost:
		return p + "cost", nil
	case OrderLatency:
		return p + "latency_ns", nil
	}
	return "", fmt.Errorf("cannot sort events by %q: use time, model, status, tokens, cost or latency", by)
}

// filterWhere returns the terms and arguments of the events f selects,
// its order, limit and paging aside.
func filterWhere(f Filter) ([]string, []any) {
	where, args := scopeWhere("e.", f.Scope)
	if f.NoKey {
		where = append(where, "e.key_id = 0")
	}
	if f.Status != "" {
		where = append(where, "e.status = ?")
		args = append(args, string(f.Status))
	}
	if !f.Since.IsZero() {
		where = append(where, "e.ts >= ?")
		args = append(args, f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		where = append(where, "e.ts < ?")
		args = append(args, f.Until.UnixNano())
	}
	if f.Text != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(f.Text) + "%"
		cols := []string{"e.model", "e.key_name", "e.error_message", "e.note", "e.provider", "e.client"}
		var ors []string
		for _, c := range cols {
			ors = append(ors, c+` LIKE ? ESCAPE '\'`)
			args = append(args, like)
		}
		ors = append(ors, `EXISTS (SELECT 1 FROM event_text t WHERE t.event_id = e.id AND (t.prompt LIKE ? ESCAPE '\' OR t.response LIKE ? ESCAPE '\'))`)
		args = append(args, like, like)
		where = append(where, "("+strings.Join(ors, " OR ")+")")
	}
	return where, args
}

// EventTotals sums the events f selects, its order, limit and paging
// aside: the figures behind a filtered listing, such as History's.
func (s *Store) EventTotals(ctx context.Context, f Filter) (Totals, error) {
	where, args := filterWhere(f)
	q := `SELECT ` + rawSums + ` FROM events e`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return Totals{}, fmt.Errorf("sum events: %w", err)
	}
	defer rows.Close()
	if !rows.Next() {
		return Totals{}, rows.Err()
	}
	t, err := scanSums(rows)
	if err != nil {
		return Totals{}, fmt.Errorf("sum events: %w", err)
	}
	return t, rows.Err()
}

// Events lists events in f.Order (newest first by default), without their
// prompt and response text. Text matches model, key name, error message,
// note, prompt and response.
func (s *Store) Events(ctx context.Context, f Filter) ([]Event, error) {
	expr, err := orderExpr(f.Order.By, "e.")
	if err != nil {
		return nil, err
	}
	where, args := filterWhere(f)
	if f.After != 0 {
		// Keyset paging: the page starts right after the anchor's place in
		// the order, whatever the column, read in the same statement as the
		// page. An anchor deleted since has no value, and ends the listing.
		anchor, _ := orderExpr(f.Order.By, "a.")
		at := `(SELECT ` + anchor + ` FROM events a WHERE a.id = ?)`
		op := "<"
		if f.Order.Asc {
			op = ">"
		}
		// The first term lets SQLite range over the time index.
		where = append(where, fmt.Sprintf("%s %s= %s AND (%s %s %s OR e.id %s ?)", expr, op, at, expr, op, at, op))
		args = append(args, f.After, f.After, f.After)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	dir := "DESC"
	if f.Order.Asc {
		dir = "ASC"
	}
	order := fmt.Sprintf(" ORDER BY %s %s, e.id %s", expr, dir, dir)
	q := `SELECT ` + eventColumns + ` FROM events e`
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	if f.Order.By == OrderTime {
		q += cond + order + fmt.Sprintf(" LIMIT %d", limit)
	} else {
		// Any other column sorts every matching event: the ids of the page
		// are picked first, so the sort carries two values a row instead
		// of every column.
		q += fmt.Sprintf(" WHERE e.id IN (SELECT e.id FROM events e%s%s LIMIT %d)%s", cond, order, limit, order)
	}
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	return collect(rows, "list events", scanEventRow)
}

// PutPriceRecord stores the price record an event was priced with, once per
// ref; later calls with the same ref keep the first body.
func (s *Store) PutPriceRecord(ctx context.Context, ref, body string) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO price_records (ref, body) VALUES (?, ?) ON CONFLICT (ref) DO NOTHING`, ref, body)
		return err
	})
}

// PriceRecord returns a stored price record's body.
func (s *Store) PriceRecord(ctx context.Context, ref string) (string, error) {
	return s.lookupText(ctx, "price record", `SELECT body FROM price_records WHERE ref = ?`, ref)
}
