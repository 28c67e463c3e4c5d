package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/reports"
)

// SourceReconciled marks spend a provider reported beyond byok's own
// records: one event per provider, UTC day (and key where known), written
// and replaced by a reconcile, never added twice.
const SourceReconciled Source = "reconciled"

// ReportRow is one stored row of a provider's daily report: the row as the
// provider's report gave it, under the provider and the kind of report it
// came in. The row's KeyID is stored as the key_ref column.
type ReportRow struct {
	Provider string
	Kind     string // ReportCost or ReportUsage
	reports.Row
}

// Report row kinds.
const (
	ReportCost  = "cost"
	ReportUsage = "usage"
)

// ReportKey is one of a provider's keys as its admin API lists it.
type ReportKey struct {
	Provider string
	KeyRef   string
	Name     string
	Hint     string
	KeyID    int64 // byok's matching key, 0 for none
}

// ReportFetch is everything one reconcile learnt about a provider over
// the UTC days [From, To), and the reconciled spend it decided.
type ReportFetch struct {
	Provider string
	From, To time.Time
	Days     []time.Time // the days the report covered
	Rows     []ReportRow
	Keys     []ReportKey
	// Reconciled are the new reconciled events of those days; they
	// replace every reconciled event of the provider in [From, To).
	Reconciled []*Event
}

// StoreReport replaces, in one transaction, a provider's report rows and
// reconciled events of the days [From, To): rows of those days are
// deleted and written again (the same rows summed where a report repeats a
// key), reconciled events are removed from the rollups and deleted, and the
// new ones are inserted and folded in. Running it again with the same
// report changes nothing; with a changed report, the new one wins.
func (s *Store) StoreReport(ctx context.Context, f ReportFetch) error {
	from, to := f.From.UTC(), f.To.UTC()
	for i, e := range f.Reconciled {
		e.Time = e.Time.UTC()
		if e.Source != SourceReconciled || e.Provider != f.Provider || e.Time.Before(from) || !e.Time.Before(to) {
			return fmt.Errorf("reconciled event %d of %d does not belong to %s in [%s, %s)", i+1, len(f.Reconciled), f.Provider, from, to)
		}
		if err := e.validate(); err != nil {
			return fmt.Errorf("reconciled event %d of %d: %w", i+1, len(f.Reconciled), err)
		}
	}
	// A provider's report is input like any other: its amounts and counts
	// are bounded as events' are, so that its sums cannot overflow.
	for i, r := range f.Rows {
		if r.Cost < 0 || r.Cost > money.MaxAmount {
			return fmt.Errorf("%s report row %d of %d: a cost of %s is outside $0 to %s", f.Provider, i+1, len(f.Rows), r.Cost, money.MaxAmount)
		}
		for _, n := range []int64{r.Requests, r.InputTokens, r.CacheReadTokens, r.CacheWriteTokens, r.OutputTokens, r.Images, r.Characters, r.Seconds} {
			if n < 0 || n > providers.MaxCount {
				return fmt.Errorf("%s report row %d of %d: a count of %d is outside 0 to %d", f.Provider, i+1, len(f.Rows), n, providers.MaxCount)
			}
		}
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		if s.rec == nil {
			return fmt.Errorf("the store was opened read-only")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM report_rows WHERE provider = ? AND day >= ? AND day < ?`, f.Provider, from.Unix(), to.Unix()); err != nil {
			return err
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO report_rows (provider, day, kind, key_ref, model, line_item, cost, requests, input, cache_read, cache_write, output, images, characters, seconds)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (provider, day, kind, key_ref, model, line_item) DO UPDATE SET
				cost = CASE WHEN cost IS NULL AND excluded.cost IS NULL THEN NULL ELSE coalesce(cost, 0) + coalesce(excluded.cost, 0) END,
				requests = CASE WHEN requests IS NULL AND excluded.requests IS NULL THEN NULL ELSE coalesce(requests, 0) + coalesce(excluded.requests, 0) END,
				input = input + excluded.input, cache_read = cache_read + excluded.cache_read,
				cache_write = cache_write + excluded.cache_write, output = output + excluded.output,
				images = images + excluded.images, characters = characters + excluded.characters, seconds = seconds + excluded.seconds`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for _, r := range f.Rows {
			var cost, reqs any
			if r.HasCost {
				cost = int64(r.Cost)
			}
			if r.HasRequests {
				reqs = r.Requests
			}
			if _, err := ins.ExecContext(ctx, f.Provider, r.Day.UTC().Unix(), r.Kind, r.KeyID, r.Model, r.LineItem, cost, reqs,
				r.InputTokens, r.CacheReadTokens, r.CacheWriteTokens, r.OutputTokens, r.Images, r.Characters, r.Seconds); err != nil {
				return fmt.Errorf("store report row: %w", err)
			}
		}
		for _, k := range f.Keys {
			if _, err := tx.ExecContext(ctx, `INSERT INTO report_keys (provider, key_ref, name, hint, key_id) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT (provider, key_ref) DO UPDATE SET name = excluded.name, hint = excluded.hint, key_id = excluded.key_id`,
				f.Provider, k.KeyRef, k.Name, k.Hint, k.KeyID); err != nil {
				return err
			}
		}
		for _, d := range f.Days {
			if _, err := tx.ExecContext(ctx, `INSERT INTO report_days (provider, day, fetched_at) VALUES (?, ?, ?)
				ON CONFLICT (provider, day) DO UPDATE SET fetched_at = excluded.fetched_at`, f.Provider, d.UTC().Unix(), s.now().UnixNano()); err != nil {
				return err
			}
		}
		return s.replaceReconciled(ctx, tx, f.Provider, from, to, f.Reconciled)
	})
	if err != nil {
		if s.rec != nil {
			s.rec.forget() // a fold may have been rolled back with the rest
		}
		return fmt.Errorf("store %s's report: %w", f.Provider, err)
	}
	return nil
}

// replaceReconciled takes the provider's reconciled events of [from, to)
// out of the rollups and the events, then records es in their place.
func (s *Store) replaceReconciled(ctx context.Context, tx *sql.Tx, provider string, from, to time.Time, es []*Event) error {
	r := s.rec.in(ctx, tx)
	// Fold whatever waits first: the old events' rows must be in the
	// rollups before they are taken out.
	if err := r.fold(ctx, nil, nil, true); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+rollupColumns+` FROM events
		WHERE source = 'reconciled' AND provider = ? AND ts >= ? AND ts < ?`, provider, from.UnixNano(), to.UnixNano())
	if err != nil {
		return err
	}
	olds, err := collect(rows, "read reconciled events", scanRollupEvent)
	if err != nil {
		return err
	}
	rs := newRollupSet()
	for _, e := range olds {
		rs.removeEvent(&e)
		if _, err := tx.ExecContext(ctx, `DELETE FROM events WHERE id = ?`, e.ID); err != nil {
			return err
		}
	}
	// The new events go straight into the rollups with the corrections
	// above. SQLite may give them the ids just freed, at or below the mark,
	// so the mark is moved past them only when they are above it: nothing
	// else waits, since everything was folded first.
	var mark, top int64
	if err := r.st(stMark).QueryRowContext(ctx).Scan(&mark); err != nil {
		return fmt.Errorf("read rollup mark: %w", err)
	}
	for _, e := range es {
		id, err := r.insert(ctx, e)
		if err != nil {
			return err
		}
		e.ID = id
		top = max(top, id)
		rs.addEvent(e)
	}
	if err := r.writeRollups(ctx, rs); err != nil {
		return err
	}
	if top > mark {
		if _, err := r.st(stSetMark).ExecContext(ctx, top); err != nil {
			return fmt.Errorf("move rollup mark: %w", err)
		}
		r.base.seen.Store(top)
	}
	return nil
}

// ReportRows returns a provider's stored report rows of the UTC days
// [from, to) (every provider when provider is empty), by day.
func (s *Store) ReportRows(ctx context.Context, provider string, from, to time.Time) ([]ReportRow, error) {
	q := `SELECT provider, day, kind, key_ref, model, line_item, cost, requests, input, cache_read, cache_write, output, images, characters, seconds
		FROM report_rows WHERE day >= ? AND day < ?`
	args := []any{from.UTC().Unix(), to.UTC().Unix()}
	if provider != "" {
		q += ` AND provider = ?`
		args = append(args, provider)
	}
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY provider, day, kind, key_ref, model, line_item`, args...)
	if err != nil {
		return nil, fmt.Errorf("read report rows: %w", err)
	}
	return collect(rows, "read report rows", func(sc scanner) (ReportRow, error) {
		var r ReportRow
		var day int64
		var cost, reqs sql.NullInt64
		err := sc.Scan(&r.Provider, &day, &r.Kind, &r.KeyID, &r.Model, &r.LineItem, &cost, &reqs,
			&r.InputTokens, &r.CacheReadTokens, &r.CacheWriteTokens, &r.OutputTokens, &r.Images, &r.Characters, &r.Seconds)
		r.Day = time.Unix(day, 0).UTC()
		r.Cost, r.HasCost = money.USD(cost.Int64), cost.Valid
		r.Requests, r.HasRequests = reqs.Int64, reqs.Valid
		return r, err
	})
}

// ReportKeys returns the provider keys a reconcile listed.
func (s *Store) ReportKeys(ctx context.Context, provider string) ([]ReportKey, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT provider, key_ref, name, hint, key_id FROM report_keys WHERE provider = ? ORDER BY key_ref`, provider)
	if err != nil {
		return nil, fmt.Errorf("read report keys: %w", err)
	}
	return collect(rows, "read report keys", func(sc scanner) (ReportKey, error) {
		var k ReportKey
		err := sc.Scan(&k.Provider, &k.KeyRef, &k.Name, &k.Hint, &k.KeyID)
		return k, err
	})
}

// ReportDays returns the UTC days of a provider that a reconcile fetched
// in [from, to), with when.
func (s *Store) ReportDays(ctx context.Context, provider string, from, to time.Time) (map[time.Time]time.Time, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT day, fetched_at FROM report_days WHERE provider = ? AND day >= ? AND day < ?`,
		provider, from.UTC().Unix(), to.UTC().Unix())
	if err != nil {
		return nil, fmt.Errorf("read report days: %w", err)
	}
	defer rows.Close()
	out := map[time.Time]time.Time{}
	for rows.Next() {
		var day, at int64
		if err := rows.Scan(&day, &at); err != nil {
			return nil, err
		}
		out[time.Unix(day, 0).UTC()] = fromNanos(at)
	}
	return out, rows.Err()
}
