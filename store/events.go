package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
)

const insertEventSQL = `INSERT INTO events (
	ts, source, client, provider, model, key_id, key_name, status, error_class,
	error_message, http_status, latency_ns, ttft_ns, request_id, input_tokens,
	cache_read, cache_write_5m, cache_write_1h, output_tokens, reasoning_tokens,
	cost, markup, fallback, cost_state, price_ref, note
) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`

const upsertRollupSQL = `INSERT INTO rollup_hour (hour, provider, model, key_id, source,
	requests, errors, input, cache_read, cache_write, output, reasoning, cost, markup, unpriced, fallback)
VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT (hour, provider, model, key_id, source) DO UPDATE SET
	requests = requests + excluded.requests, errors = errors + excluded.errors,
	input = input + excluded.input, cache_read = cache_read + excluded.cache_read,
	cache_write = cache_write + excluded.cache_write, output = output + excluded.output,
	reasoning = reasoning + excluded.reasoning, cost = cost + excluded.cost,
	markup = markup + excluded.markup, unpriced = unpriced + excluded.unpriced,
	fallback = fallback + excluded.fallback`

const upsertProviderRollupSQL = `INSERT INTO rollup_hour_provider (hour, provider,
	requests, errors, input, cache_read, cache_write, output, reasoning, cost, markup, unpriced, fallback)
VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT (hour, provider) DO UPDATE SET
	requests = requests + excluded.requests, errors = errors + excluded.errors,
	input = input + excluded.input, cache_read = cache_read + excluded.cache_read,
	cache_write = cache_write + excluded.cache_write, output = output + excluded.output,
	reasoning = reasoning + excluded.reasoning, cost = cost + excluded.cost,
	markup = markup + excluded.markup, unpriced = unpriced + excluded.unpriced,
	fallback = fallback + excluded.fallback`

const upsertQuarterRollupSQL = `INSERT INTO rollup_quarter_provider (quarter, provider,
	requests, errors, input, cache_read, cache_write, output, reasoning, cost, markup, unpriced, fallback)
VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT (quarter, provider) DO UPDATE SET
	requests = requests + excluded.requests, errors = errors + excluded.errors,
	input = input + excluded.input, cache_read = cache_read + excluded.cache_read,
	cache_write = cache_write + excluded.cache_write, output = output + excluded.output,
	reasoning = reasoning + excluded.reasoning, cost = cost + excluded.cost,
	markup = markup + excluded.markup, unpriced = unpriced + excluded.unpriced,
	fallback = fallback + excluded.fallback`

// validate checks what the schema cannot: an event must name its provider
// and model, carry a known status and cost state, and never hold negative
// counts or money.
func (e *Event) validate() error {
	switch {
	case e.Provider == "":
		return errors.New("event has no provider")
	case e.Model == "" && e.Source != SourceManual:
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
	if e.Time.IsZero() {
		return errors.New("event has no time")
	}
	return nil
}

// rollupKey is one row of rollup_hour.
type rollupKey struct {
	hour     int64
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

func hourOf(t time.Time) int64 {
	s := t.Unix()
	h := s - s%3600
	if s < 0 && s%3600 != 0 {
		h -= 3600
	}
	return h
}

// recorder holds the prepared statements of one write transaction.
type recorder struct {
	event, text, rollup, prov, quarter *sql.Stmt
}

// prepare readies the writer's statements once; every transaction then
// binds them on the one writer connection instead of preparing anew.
func (s *Store) prepare(ctx context.Context) error {
	var r recorder
	var err error
	if r.event, err = s.w.PrepareContext(ctx, insertEventSQL); err != nil {
		return err
	}
	if r.text, err = s.w.PrepareContext(ctx, `INSERT INTO event_text (event_id, prompt, response) VALUES (?,?,?)`); err != nil {
		return err
	}
	if r.rollup, err = s.w.PrepareContext(ctx, upsertRollupSQL); err != nil {
		return err
	}
	if r.prov, err = s.w.PrepareContext(ctx, upsertProviderRollupSQL); err != nil {
		return err
	}
	if r.quarter, err = s.w.PrepareContext(ctx, upsertQuarterRollupSQL); err != nil {
		return err
	}
	s.rec = &r
	return nil
}

// in returns the statements bound to a transaction.
func (r *recorder) in(ctx context.Context, tx *sql.Tx) *recorder {
	return &recorder{
		event:   tx.StmtContext(ctx, r.event),
		text:    tx.StmtContext(ctx, r.text),
		rollup:  tx.StmtContext(ctx, r.rollup),
		prov:    tx.StmtContext(ctx, r.prov),
		quarter: tx.StmtContext(ctx, r.quarter),
	}
}

func (r *recorder) close() {
	for _, s := range []*sql.Stmt{r.event, r.text, r.rollup, r.prov, r.quarter} {
		if s != nil {
			s.Close()
		}
	}
}

func (r *recorder) insert(ctx context.Context, e *Event) (int64, error) {
	res, err := r.event.ExecContext(ctx, e.Time.UnixNano(), string(e.Source), e.Client, e.Provider, e.Model,
		e.KeyID, e.KeyName, string(e.Status), e.ErrorClass, e.ErrorMessage, e.HTTPStatus,
		int64(e.Latency), int64(e.TTFT), e.RequestID, e.InputTokens, e.CacheReadTokens,
		e.CacheWrite5mTokens, e.CacheWrite1hTokens, e.OutputTokens, e.ReasoningTokens,
		int64(e.Cost), int64(e.Markup), int64(e.Fallback), string(e.CostState), e.PriceRef, e.Note)
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	if e.Prompt != "" || e.Response != "" {
		if _, err := r.text.ExecContext(ctx, id, e.Prompt, e.Response); err != nil {
			return 0, err
		}
	}
	return id, nil
}

func (r *recorder) quarters(ctx context.Context, rows map[[2]any]*delta) error {
	for k, d := range rows {
		if _, err := r.quarter.ExecContext(ctx, k[0], k[1],
			d.requests, d.errors, d.input, d.cacheRead, d.cacheWrite, d.output, d.reasoning,
			d.cost, d.markup, d.unpriced, d.fallback); err != nil {
			return err
		}
	}
	return nil
}

func quarterOf(t time.Time) int64 {
	s := t.Unix()
	q := s - s%900
	if s < 0 && s%900 != 0 {
		q -= 900
	}
	return q
}

func (r *recorder) rollups(ctx context.Context, rows map[rollupKey]*delta) error {
	prov := map[[2]any]*delta{}
	for k, d := range rows {
		if _, err := r.rollup.ExecContext(ctx, k.hour, k.provider, k.model, k.keyID, string(k.source),
			d.requests, d.errors, d.input, d.cacheRead, d.cacheWrite, d.output, d.reasoning,
			d.cost, d.markup, d.unpriced, d.fallback); err != nil {
			return err
		}
		pk := [2]any{k.hour, k.provider}
		p := prov[pk]
		if p == nil {
			p = &delta{}
			prov[pk] = p
		}
		p.merge(d)
	}
	for k, d := range prov {
		if _, err := r.prov.ExecContext(ctx, k[0], k[1],
			d.requests, d.errors, d.input, d.cacheRead, d.cacheWrite, d.output, d.reasoning,
			d.cost, d.markup, d.unpriced, d.fallback); err != nil {
			return err
		}
	}
	return nil
}

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

// Record inserts one event and its rollups in one transaction and returns
// the event's id (also set on e). Times are stored in UTC.
func (s *Store) Record(ctx context.Context, e *Event) (int64, error) {
	if err := s.RecordBatch(ctx, []*Event{e}); err != nil {
		return 0, err
	}
	return e.ID, nil
}

// RecordBatch inserts events in one transaction, setting their IDs. The
// rollup deltas are summed in memory first, so a batch touches each rollup
// row once.
func (s *Store) RecordBatch(ctx context.Context, es []*Event) error {
	for i, e := range es {
		e.Time = e.Time.UTC()
		if err := e.validate(); err != nil {
			return fmt.Errorf("record event %d of %d: %w", i+1, len(es), err)
		}
	}
	ids := make([]int64, len(es))
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		if s.rec == nil {
			return errors.New("the store was opened read-only")
		}
		r := s.rec.in(ctx, tx)
		var err error
		rows := make(map[rollupKey]*delta)
		quarters := make(map[[2]any]*delta)
		for i, e := range es {
			if ids[i], err = r.insert(ctx, e); err != nil {
				return err
			}
			k := rollupKey{hourOf(e.Time), e.Provider, e.Model, e.KeyID, e.Source}
			d := rows[k]
			if d == nil {
				d = &delta{}
				rows[k] = d
			}
			d.add(e)
			qk := [2]any{quarterOf(e.Time), e.Provider}
			q := quarters[qk]
			if q == nil {
				q = &delta{}
				quarters[qk] = q
			}
			q.add(e)
		}
		if err := r.rollups(ctx, rows); err != nil {
			return err
		}
		if err := r.quarters(ctx, quarters); err != nil {
			return err
		}
		// Touch last-used times of the keys in the batch.
		last := map[int64]int64{}
		for _, e := range es {
			if e.KeyID != 0 && e.Source != SourceManual && e.Time.UnixNano() > last[e.KeyID] {
				last[e.KeyID] = e.Time.UnixNano()
			}
		}
		for id, t := range last {
			if _, err := tx.ExecContext(ctx, `UPDATE keys SET last_used_at = max(last_used_at, ?) WHERE id = ?`, t, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record %d events: %w", len(es), err)
	}
	for i, e := range es {
		e.ID = ids[i]
	}
	return nil
}

const eventColumns = `e.id, e.ts, e.source, e.client, e.provider, e.model, e.key_id, e.key_name,
	e.status, e.error_class, e.error_message, e.http_status, e.latency_ns, e.ttft_ns, e.request_id,
	e.input_tokens, e.cache_read, e.cache_write_5m, e.cache_write_1h, e.output_tokens,
	e.reasoning_tokens, e.cost, e.markup, e.fallback, e.cost_state, e.price_ref, e.note`

type scanner interface{ Scan(dest ...any) error }

func scanEvent(sc scanner, extra ...any) (Event, error) {
	var e Event
	var ts, lat, ttft, cost, markup, fallback int64
	var source, status, state string
	dest := []any{&e.ID, &ts, &source, &e.Client, &e.Provider, &e.Model, &e.KeyID, &e.KeyName,
		&status, &e.ErrorClass, &e.ErrorMessage, &e.HTTPStatus, &lat, &ttft, &e.RequestID,
		&e.InputTokens, &e.CacheReadTokens, &e.CacheWrite5mTokens, &e.CacheWrite1hTokens,
		&e.OutputTokens, &e.ReasoningTokens, &cost, &markup, &fallback, &state, &e.PriceRef, &e.Note}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return Event{}, err
	}
	e.Time = fromNanos(ts)
	e.Source, e.Status, e.CostState = Source(source), Status(status), pricing.State(state)
	e.Latency, e.TTFT = time.Duration(lat), time.Duration(ttft)
	e.Cost, e.Markup, e.Fallback = money.USD(cost), money.USD(markup), money.USD(fallback)
	return e, nil
}

// Event returns one event with its prompt and response text.
func (s *Store) Event(ctx context.Context, id int64) (Event, error) {
	row := s.r.QueryRowContext(ctx, `SELECT `+eventColumns+`, coalesce(t.prompt, ''), coalesce(t.response, '')
		FROM events e LEFT JOIN event_text t ON t.event_id = e.id WHERE e.id = ?`, id)
	var prompt, response string
	e, err := scanEvent(row, &prompt, &response)
	if errors.Is(err, sql.ErrNoRows) {
		return Event{}, fmt.Errorf("event %d: %w", id, ErrNotFound)
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

// Events lists events newest first, without their prompt and response text.
// Text matches model, key name, error message, note, prompt and response.
func (s *Store) Events(ctx context.Context, f Filter) ([]Event, error) {
	where, args := scopeWhere("e.", f.Scope)
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
	if f.Before != 0 {
		where = append(where, "e.id < ?")
		args = append(args, f.Before)
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
	q := `SELECT ` + eventColumns + ` FROM events e`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q += fmt.Sprintf(" ORDER BY e.ts DESC, e.id DESC LIMIT %d", limit)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, fmt.Errorf("list events: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
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
	var body string
	err := s.r.QueryRowContext(ctx, `SELECT body FROM price_records WHERE ref = ?`, ref).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("price record %q: %w", ref, ErrNotFound)
	}
	return body, err
}
