package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Sentinel errors of the export outbox.
var (
	// ErrLeaseHeld: another process is sending for the sink right now.
	ErrLeaseHeld = errors.New("another byok process is exporting")
	// ErrLeaseLost: the lease ran out (or was taken) before the cursor
	// moved; the batch will be sent again by whoever holds it now.
	ErrLeaseLost = errors.New("export lease lost")
)

// ExportCursor is a sink's place in the outbox (the events table).
type ExportCursor struct {
	Sink       string
	EventID    int64 // the highest event id delivered
	Holder     string
	LeaseUntil time.Time
	SentAt     time.Time // when the cursor last moved
	Failures   int       // failed attempts since the cursor last moved
	LastError  string
	Pending    int64 // events above the cursor (ExportStatus only)
}

// EnsureExportCursor creates a sink's cursor at the newest event if the sink
// has none, so a newly configured export starts with what is recorded from
// now on (history is sent on request, see EventsSince). It is a no-op once
// the cursor exists.
func (s *Store) EnsureExportCursor(ctx context.Context, sink string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO export_cursor (sink, event_id)
			SELECT ?, coalesce(max(id), 0) FROM events WHERE true
			ON CONFLICT (sink) DO NOTHING`, sink)
		if err != nil {
			return fmt.Errorf("create the %s export cursor: %w", sink, err)
		}
		return nil
	})
}

// ClaimExport takes or renews the sink's lease for holder until now+lease
// and returns the cursor. It fails with ErrLeaseHeld while another holder's
// lease runs. The cursor is created if missing (see EnsureExportCursor).
func (s *Store) ClaimExport(ctx context.Context, sink, holder string, lease time.Duration) (ExportCursor, error) {
	var c ExportCursor
	err := s.write(ctx, func(tx *sql.Tx) error {
		now := s.now().UnixNano()
		if _, err := tx.ExecContext(ctx, `INSERT INTO export_cursor (sink, event_id)
			SELECT ?, coalesce(max(id), 0) FROM events WHERE true
			ON CONFLICT (sink) DO NOTHING`, sink); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE export_cursor SET holder = ?, lease_until = ?
			WHERE sink = ? AND (holder = ? OR lease_until <= ?)`, holder, now+int64(lease), sink, holder, now)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if c, err = readCursor(ctx, tx, sink); err != nil {
			return err
		}
		if n == 0 {
			return ErrLeaseHeld
		}
		return nil
	})
	if err != nil && !errors.Is(err, ErrLeaseHeld) {
		return ExportCursor{}, fmt.Errorf("claim the %s export: %w", sink, err)
	}
	return c, err
}

func readCursor(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, sink string) (ExportCursor, error) {
	c := ExportCursor{Sink: sink}
	var lease, sent int64
	err := q.QueryRowContext(ctx, `SELECT event_id, holder, lease_until, sent_at, failures, last_error
		FROM export_cursor WHERE sink = ?`, sink).Scan(&c.EventID, &c.Holder, &lease, &sent, &c.Failures, &c.LastError)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("%s export cursor: %w", sink, ErrNotFound)
	}
	c.LeaseUntil, c.SentAt = fromNanos(lease), fromNanos(sent)
	return c, err
}

// AdvanceExport moves the sink's cursor from `from` to `to` after a batch
// was delivered. It fails with ErrLeaseLost unless holder still holds an
// unexpired lease and the cursor is still at from, so a batch is counted
// delivered by one process only.
func (s *Store) AdvanceExport(ctx context.Context, sink, holder string, from, to int64) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		now := s.now().UnixNano()
		res, err := tx.ExecContext(ctx, `UPDATE export_cursor SET event_id = ?, sent_at = ?, failures = 0, last_error = ''
			WHERE sink = ? AND holder = ? AND lease_until > ? AND event_id = ?`, to, now, sink, holder, now, from)
		if err != nil {
			return fmt.Errorf("move the %s export cursor: %w", sink, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("move the %s export cursor: %w", sink, err)
		} else if n == 0 {
			return ErrLeaseLost
		}
		return nil
	})
}

// NoteExportFailure counts a failed attempt and keeps its (redacted)
// message for `byok export status`. Only the lease holder writes it.
func (s *Store) NoteExportFailure(ctx context.Context, sink, holder, msg string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE export_cursor SET failures = failures + 1, last_error = ?
			WHERE sink = ? AND holder = ?`, msg, sink, holder)
		return err
	})
}

// ReleaseExport gives the lease up so another process may send at once.
func (s *Store) ReleaseExport(ctx context.Context, sink, holder string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE export_cursor SET holder = '', lease_until = 0
			WHERE sink = ? AND holder = ?`, sink, holder)
		return err
	})
}

// ExportStatus returns the sink's cursor and how many events wait above
// it; ErrNotFound when the sink never ran.
func (s *Store) ExportStatus(ctx context.Context, sink string) (ExportCursor, error) {
	c, err := readCursor(ctx, s.r, sink)
	if err != nil {
		return c, err
	}
	err = s.r.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE id > ? AND `+outboxSources, c.EventID).Scan(&c.Pending)
	return c, err
}

// EventsAfter returns up to limit events with ids above after, oldest
// first, with their prompt and response text when text is set.
func (s *Store) EventsAfter(ctx context.Context, after int64, limit int, text bool) ([]Event, error) {
	return s.outboxEvents(ctx, "e.id > ?", []any{after}, limit, text)
}

// EventsSince returns up to limit events recorded at or after since whose
// ids are above after, in id order: history sent again on request.
func (s *Store) EventsSince(ctx context.Context, since time.Time, after int64, limit int, text bool) ([]Event, error) {
	return s.outboxEvents(ctx, "e.id > ? AND e.ts >= ?", []any{after, since.UnixNano()}, limit, text)
}

// outboxSources keeps reconciled spend out of the outbox. A reconcile
// replaces a provider's reconciled events (new ids, new amounts) each time
// the provider's report completes a day, and a sink only ever adds what it
// is sent: sending them would count the same unseen spend again on every
// reconcile. Requests, imports and manual entries are written once.
const outboxSources = `source != '` + string(SourceReconciled) + `'`

func (s *Store) outboxEvents(ctx context.Context, where string, args []any, limit int, text bool) ([]Event, error) {
	cols := eventColumns
	from := `events e`
	if text {
		cols += `, coalesce(t.prompt, ''), coalesce(t.response, '')`
		from += ` LEFT JOIN event_text t ON t.event_id = e.id`
	}
	q := `SELECT ` + cols + ` FROM ` + from + ` WHERE ` + where + ` AND e.` + outboxSources + ` ORDER BY e.id LIMIT ?`
	rows, err := s.r.QueryContext(ctx, q, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("read the export outbox: %w", err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var prompt, response string
		var extra []any
		if text {
			extra = []any{&prompt, &response}
		}
		e, err := scanEvent(rows, extra...)
		if err != nil {
			return nil, fmt.Errorf("read the export outbox: %w", err)
		}
		e.Prompt, e.Response = prompt, response
		out = append(out, e)
	}
	return out, rows.Err()
}

// InstanceID returns the database's random identity (32 hex digits).
func (s *Store) InstanceID(ctx context.Context) (string, error) {
	id, err := s.Setting(ctx, "instance_id")
	if err != nil {
		return "", fmt.Errorf("read the database's instance id: %w", err)
	}
	return strings.TrimSpace(id), nil
}

// UsageRow is the all-time total of one provider, model, key and source.
type UsageRow struct {
	Provider string
	Model    string
	KeyID    int64
	KeyName  string // "provider/label", "" when no stored key was used
	Source   Source
	Totals
}

// UsageTotals returns every event ever recorded, summed by provider, model,
// key and source: counters for a metrics scrape, which only grow. It sums
// the hourly rollups and the events waiting outside them in one snapshot.
func (s *Store) UsageTotals(ctx context.Context) ([]UsageRow, error) {
	tx, err := s.r.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("usage totals: %w", err)
	}
	defer tx.Rollback()
	type key struct {
		provider, model string
		keyID           int64
		source          string
	}
	sums := map[key]*Totals{}
	add := func(q string) error {
		rows, err := tx.QueryContext(ctx, q)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var k key
			t, err := scanSums(rows, &k.provider, &k.model, &k.keyID, &k.source)
			if err != nil {
				return err
			}
			cur := sums[k]
			if cur == nil {
				cur = &Totals{}
				sums[k] = cur
			}
			cur.Add(t)
		}
		return rows.Err()
	}
	if err := add(`SELECT provider, model, key_id, source, ` + rollupSums + ` FROM rollup_hour GROUP BY provider, model, key_id, source`); err != nil {
		return nil, fmt.Errorf("usage totals: %w", err)
	}
	if err := add(`SELECT provider, model, key_id, source, ` + rawSums + ` FROM events NOT INDEXED
		WHERE id > (SELECT event_id FROM rollup_mark) GROUP BY provider, model, key_id, source`); err != nil {
		return nil, fmt.Errorf("usage totals: %w", err)
	}
	names := map[int64]string{}
	rows, err := tx.QueryContext(ctx, `SELECT id, provider || '/' || label FROM keys`)
	if err != nil {
		return nil, fmt.Errorf("usage totals: %w", err)
	}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			rows.Close()
			return nil, fmt.Errorf("usage totals: %w", err)
		}
		names[id] = name
	}
	rows.Close()
	out := make([]UsageRow, 0, len(sums))
	for k, t := range sums {
		out = append(out, UsageRow{Provider: k.provider, Model: k.model, KeyID: k.keyID, KeyName: names[k.keyID], Source: Source(k.source), Totals: *t})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Provider != b.Provider {
			return a.Provider < b.Provider
		}
		if a.Model != b.Model {
			return a.Model < b.Model
		}
		if a.KeyID != b.KeyID {
			return a.KeyID < b.KeyID
		}
		return a.Source < b.Source
	})
	return out, nil
}

// AlertCount is how many alerts of a kind are stored, and how many of them
// wait to be acknowledged.
type AlertCount struct {
	Kind  AlertKind
	Total int64
	Open  int64
}

// AlertCounts counts stored alerts by kind.
func (s *Store) AlertCounts(ctx context.Context) ([]AlertCount, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT kind, count(*), SUM(acked_at = 0) FROM alerts GROUP BY kind ORDER BY kind`)
	if err != nil {
		return nil, fmt.Errorf("count alerts: %w", err)
	}
	return collect(rows, "count alerts", func(sc scanner) (AlertCount, error) {
		var c AlertCount
		var kind string
		err := sc.Scan(&kind, &c.Total, &c.Open)
		c.Kind = AlertKind(kind)
		return c, err
	})
}
