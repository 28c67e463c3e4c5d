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

// ImportCursor is how far one log file of a source was read (see
// agentlog.Cursor): the file's size and modification time (Unix
// nanoseconds) when it was read, the offset of the first line not yet
// taken, a hash of its first HeadLen bytes, and the reader's own state.
type ImportCursor struct {
	Source   Source
	Path     string
	Size     int64
	ModTime  int64
	Offset   int64
	HeadLen  int64
	HeadHash string
	State    string
}

// ImportResult says what an Import did with its events.
type ImportResult struct {
	Added      int // events stored for the first time
	Duplicates int // events stored before (same source and external id), or copies of one
	Updated    int // stored events that a later, fuller copy replaced
	// Recorded counts, by the source that recorded it (proxy, cli, tui),
	// the events not stored because byok recorded their request itself.
	Recorded map[Source]int
}

// importColumns are the columns an imported event fills; the rest keep
// their defaults (an agent's log has no key, latency or text for byok).
const importColumns = `ts, source, provider, model, status, input_tokens, cache_read, cache_write_5m,
	cache_write_1h, output_tokens, reasoning_tokens, cost, markup, fallback, cost_state, price_ref, session, ext_id, request_id`

const importArity = 19

// importRows is how many events one INSERT statement carries: a statement
// per event would cost more in binding and stepping than the rows
// themselves.
const importRows = 500

func importSQL(rows int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", importArity), ",") + ")"
	return `INSERT INTO events (` + importColumns + `) VALUES ` + strings.TrimSuffix(strings.Repeat(row+",", rows), ",") +
		` ON CONFLICT DO NOTHING RETURNING id, ext_id`
}

func importArgs(args []any, e *Event) []any {
	return append(args, e.Time.UnixNano(), string(e.Source), e.Provider, e.Model, string(e.Status),
		e.InputTokens, e.CacheReadTokens, e.CacheWrite5mTokens, e.CacheWrite1hTokens, e.OutputTokens,
		e.ReasoningTokens, int64(e.Cost), int64(e.Markup), int64(e.Fallback), string(e.CostState), e.PriceRef,
		e.Session, e.ExternalID, e.RequestID)
}

// ImportCursors returns the stored cursors of a source by path.
func (s *Store) ImportCursors(ctx context.Context, source Source) (map[string]ImportCursor, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT path, size, mtime, offset, head_len, head_hash, state
		FROM import_cursors WHERE source = ?`, string(source))
	if err != nil {
		return nil, fmt.Errorf("read import cursors: %w", err)
	}
	defer rows.Close()
	out := map[string]ImportCursor{}
	for rows.Next() {
		c := ImportCursor{Source: source}
		if err := rows.Scan(&c.Path, &c.Size, &c.ModTime, &c.Offset, &c.HeadLen, &c.HeadHash, &c.State); err != nil {
			return nil, fmt.Errorf("read import cursors: %w", err)
		}
		out[c.Path] = c
	}
	return out, rows.Err()
}

// Import stores events read from an agent's logs and the cursors that say
// how far the logs were read, in one transaction, so that a crash leaves
// either both or neither. Every event must carry an ExternalID. An event
// whose source and external id are stored already is a duplicate and is
// skipped — unless it carries more tokens than the stored one (an agent
// that logs a reply's usage while it streams writes growing copies), in
// which case it replaces the stored one and the rollups move by the
// difference. An event with CopyOf is skipped when an event of its source
// is stored under an id starting with that prefix.
//
// An event whose RequestID byok recorded itself (its proxy, CLI or TUI) is
// the same request counted already: it is skipped and counted in Recorded.
// The other way round, an event an import stored before byok recorded its
// request, is DropRecorded's.
func (s *Store) Import(ctx context.Context, es []*Event, cursors []ImportCursor) (ImportResult, error) {
	var res ImportResult
	for i, e := range es {
		e.Time = e.Time.UTC()
		if err := e.validate(); err != nil {
			return res, fmt.Errorf("import event %d of %d: %w", i+1, len(es), err)
		}
		if e.ExternalID == "" {
			return res, fmt.Errorf("import event %d of %d: it has no external id", i+1, len(es))
		}
	}
	err := s.write(ctx, func(tx *sql.Tx) error {
		if s.rec == nil {
			return fmt.Errorf("the store was opened read-only")
		}
		res = ImportResult{}
		known, err := s.recordedElsewhere(ctx, tx, es, &res)
		if err != nil {
			return err
		}
		// Copies go after the rest, so that an original imported in the
		// same batch is found.
		var plain, copies []*Event
		for _, e := range es {
			if known[e] {
				continue
			}
			if e.CopyOf != "" {
				copies = append(copies, e)
			} else {
				plain = append(plain, e)
			}
		}
		var fresh, again []*Event // inserted; stored before (maybe a fuller copy)
		var full *sql.Stmt
		insert := func(part []*Event) error {
			st := full
			if len(part) != importRows || full == nil {
				var err error
				if st, err = tx.PrepareContext(ctx, importSQL(len(part))); err != nil {
					return err
				}
				if len(part) == importRows {
					full = st
				} else {
					defer st.Close()
				}
			}
			args := make([]any, 0, len(part)*importArity)
			pending := make(map[string]*Event, len(part))
			for _, e := range part {
				args = importArgs(args, e)
				if _, dup := pending[e.ExternalID]; dup {
					again = append(again, e) // twice in one batch: the second is a copy
					continue
				}
				pending[e.ExternalID] = e
			}
			rows, err := st.QueryContext(ctx, args...)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id int64
				var ext string
				if err := rows.Scan(&id, &ext); err != nil {
					return err
				}
				if e := pending[ext]; e != nil {
					e.ID = id
					fresh = append(fresh, e)
					delete(pending, ext)
				}
			}
			if err := rows.Err(); err != nil {
				return err
			}
			for _, e := range part {
				if pending[e.ExternalID] == e {
					again = append(again, e)
				}
			}
			return nil
		}
		for start := 0; start < len(plain); start += importRows {
			if err := insert(plain[start:min(start+importRows, len(plain))]); err != nil {
				return err
			}
		}
		if full != nil {
			full.Close()
		}
		var copyOf *sql.Stmt
		for _, e := range copies {
			if copyOf == nil {
				// The range reads the unique index: ids starting with the
				// prefix sort between it and the prefix with its last byte
				// raised.
				var err error
				if copyOf, err = tx.PrepareContext(ctx, `SELECT EXISTS (SELECT 1 FROM events
					WHERE source = ? AND ext_id >= ? AND ext_id < ? AND ext_id != '')`); err != nil {
					return err
				}
				defer copyOf.Close()
			}
			var found bool
			if err := copyOf.QueryRowContext(ctx, string(e.Source), e.CopyOf, prefixEnd(e.CopyOf)).Scan(&found); err != nil {
				return fmt.Errorf("look for the original of an imported copy: %w", err)
			}
			if found {
				res.Duplicates++
				continue
			}
			if err := insert([]*Event{e}); err != nil {
				return err
			}
		}
		sort.Slice(fresh, func(i, j int) bool { return fresh[i].ID < fresh[j].ID })
		ids := make([]int64, len(fresh))
		for i, e := range fresh {
			ids[i] = e.ID
		}
		res.Added = len(fresh)
		rec := s.rec.in(ctx, tx)
		if err := rec.fold(ctx, fresh, ids, false); err != nil {
			return err
		}
		if len(again) > 0 {
			n, err := s.replaceFuller(ctx, tx, rec, again)
			if err != nil {
				return err
			}
			res.Updated = n
			res.Duplicates += len(again) - n
		}
		return putCursors(ctx, tx, cursors)
	})
	if err != nil {
		s.rec.forget()
		return ImportResult{}, fmt.Errorf("import %d events: %w", len(es), err)
	}
	return res, nil
}

// byokRecorded is the condition on an event (alias p) that byok recorded
// itself: every imported event carries an external id, and byok's own
// records (proxy, cli, tui) none.
const byokRecorded = `p.ext_id = '' AND p.request_id != ''`

// recordedElsewhere finds the events whose request id byok recorded
// itself, counts them in res and returns them. The ids are looked up
// importRows at a time: one statement per event would cost more than the
// import's own inserts.
func (s *Store) recordedElsewhere(ctx context.Context, tx *sql.Tx, es []*Event, res *ImportResult) (map[*Event]bool, error) {
	byReq := map[string][]*Event{}
	var reqs []any
	for _, e := range es {
		if e.RequestID == "" {
			continue
		}
		if _, seen := byReq[e.RequestID]; !seen {
			reqs = append(reqs, e.RequestID)
		}
		byReq[e.RequestID] = append(byReq[e.RequestID], e)
	}
	known := map[*Event]bool{}
	for start := 0; start < len(reqs); start += importRows {
		part := reqs[start:min(start+importRows, len(reqs))]
		rows, err := tx.QueryContext(ctx, `SELECT p.request_id, min(p.source) FROM events p INDEXED BY events_request_id
			WHERE p.request_id IN (`+strings.TrimSuffix(strings.Repeat("?,", len(part)), ",")+`) AND `+byokRecorded+`
			GROUP BY p.request_id`, part...)
		if err != nil {
			return nil, fmt.Errorf("look up request ids: %w", err)
		}
		type hit struct{ req, by string }
		hits, err := collect(rows, "look up request ids", func(sc scanner) (hit, error) {
			var h hit
			return h, sc.Scan(&h.req, &h.by)
		})
		if err != nil {
			return nil, err
		}
		for _, h := range hits {
			for _, e := range byReq[h.req] {
				known[e] = true
				res.Recorded = counted(res.Recorded, Source(h.by))
			}
		}
	}
	return known, nil
}

// counted adds one to m[by], making m when it is nil.
func counted(m map[Source]int, by Source) map[Source]int {
	if m == nil {
		m = map[Source]int{}
	}
	m[by]++
	return m
}

// DropRecorded takes out the events of source that an import stored and
// whose request byok has recorded itself since, and returns how many, by
// the source that recorded them. An agent may log a request while its
// reply still streams (Claude Code writes a line per content block as each
// ends, with the usage known by then), so a watching import can store that
// line before byok's proxy records the request: the proxy records a reply
// once all but its last chunk has reached the client, which is after the
// agent saw the first blocks. Only the events byok recorded since the
// source's last look are matched, an index lookup each, and the write
// lock is taken only when there are some. The event taken out is always
// older than byok's own, so no id is freed at the top for SQLite to give
// out again (the export outbox relies on ids only growing).
func (s *Store) DropRecorded(ctx context.Context, source Source) (map[Source]int, error) {
	if mark, top, err := readMatchMark(ctx, s.r, source); err != nil || top <= mark {
		return nil, err
	}
	var out map[Source]int
	err := s.write(ctx, func(tx *sql.Tx) error {
		if s.rec == nil {
			return fmt.Errorf("the store was opened read-only")
		}
		out = nil
		// Read again under the write lock: another import may have moved
		// the mark since the look above.
		mark, top, err := readMatchMark(ctx, tx, source)
		if err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT i.id, p.source FROM events p
			JOIN events i INDEXED BY events_request_id ON i.request_id = p.request_id AND i.request_id != ''
			WHERE p.id > ? AND `+byokRecorded+` AND i.source = ? AND i.ext_id != '' AND i.id < p.id`, mark, string(source))
		if err != nil {
			return fmt.Errorf("match imported requests: %w", err)
		}
		type match struct {
			id int64
			by string
		}
		ms, err := collect(rows, "match imported requests", func(sc scanner) (match, error) {
			var m match
			return m, sc.Scan(&m.id, &m.by)
		})
		if err != nil {
			return err
		}
		if len(ms) > 0 {
			rec := s.rec.in(ctx, tx)
			// The waiting events are folded first, so the rollups hold
			// the events taken out.
			if err := rec.fold(ctx, nil, nil, true); err != nil {
				return err
			}
			rs := newRollupSet()
			for _, m := range ms {
				e, err := scanRollupEvent(tx.QueryRowContext(ctx, `SELECT `+rollupColumns+` FROM events WHERE id = ?`, m.id))
				if errors.Is(err, sql.ErrNoRows) {
					continue // matched twice: byok recorded the request twice
				}
				if err != nil {
					return fmt.Errorf("read imported event %d: %w", m.id, err)
				}
				rs.removeEvent(&e)
				if _, err := tx.ExecContext(ctx, `DELETE FROM events WHERE id = ?`, m.id); err != nil {
					return fmt.Errorf("take out imported event %d: %w", m.id, err)
				}
				out = counted(out, Source(m.by))
			}
			if err := rec.writeRollups(ctx, rs); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO import_match_mark (source, event_id) VALUES (?, ?)
			ON CONFLICT (source) DO UPDATE SET event_id = excluded.event_id`, string(source), top); err != nil {
			return fmt.Errorf("move the import match mark: %w", err)
		}
		return nil
	})
	if err != nil {
		s.rec.forget()
		return nil, fmt.Errorf("match %s requests with byok's own: %w", source, err)
	}
	return out, nil
}

// readMatchMark returns the source's import match mark (0 before its
// first look) and the highest event id now: events above the mark are the
// ones DropRecorded has yet to match.
func readMatchMark(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, source Source) (mark, top int64, err error) {
	err = q.QueryRowContext(ctx, `SELECT coalesce((SELECT event_id FROM import_match_mark WHERE source = ?), 0),
		coalesce((SELECT max(id) FROM events), 0)`, string(source)).Scan(&mark, &top)
	if err != nil {
		return 0, 0, fmt.Errorf("read the import match mark: %w", err)
	}
	return mark, top, nil
}

// prefixEnd returns the least string above every string starting with p.
func prefixEnd(p string) string {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1])
		}
	}
	return p + "\xff"
}

// replaceFuller replaces the stored events that a copy in es outgrows (more
// tokens in all) and returns how many it replaced. The waiting events are
// folded first, so the rollups hold every stored event and move by the
// difference.
func (s *Store) replaceFuller(ctx context.Context, tx *sql.Tx, rec *txRecorder, es []*Event) (int, error) {
	get, err := tx.PrepareContext(ctx, `SELECT `+eventColumns+` FROM events e WHERE e.source = ? AND e.ext_id = ? AND e.ext_id != ''`)
	if err != nil {
		return 0, err
	}
	defer get.Close()
	var olds, news []*Event
	for _, e := range es {
		old, err := scanEvent(get.QueryRowContext(ctx, string(e.Source), e.ExternalID))
		if err != nil {
			return 0, fmt.Errorf("read the stored copy of %s %s: %w", e.Source, e.ExternalID, err)
		}
		if tokens(e) <= tokens(&old) {
			continue
		}
		olds, news = append(olds, &old), append(news, e)
	}
	if len(news) == 0 {
		return 0, nil
	}
	if err := rec.fold(ctx, nil, nil, true); err != nil {
		return 0, err
	}
	upd, err := tx.PrepareContext(ctx, `UPDATE events SET ts = ?, model = ?, input_tokens = ?, cache_read = ?,
		cache_write_5m = ?, cache_write_1h = ?, output_tokens = ?, reasoning_tokens = ?, cost = ?, markup = ?,
		fallback = ?, cost_state = ?, price_ref = ? WHERE id = ?`)
	if err != nil {
		return 0, err
	}
	defer upd.Close()
	rs := newRollupSet()
	for i, n := range news {
		o := olds[i]
		if _, err := upd.ExecContext(ctx, o.Time.UnixNano(), o.Model, n.InputTokens, n.CacheReadTokens, n.CacheWrite5mTokens,
			n.CacheWrite1hTokens, n.OutputTokens, n.ReasoningTokens, int64(n.Cost), int64(n.Markup), int64(n.Fallback),
			string(n.CostState), n.PriceRef, o.ID); err != nil {
			return 0, err
		}
		// The stored event keeps its time and model (so its rollup rows),
		// and the rows move by what the fuller copy adds.
		after := *o
		after.InputTokens, after.CacheReadTokens, after.CacheWrite5mTokens, after.CacheWrite1hTokens = n.InputTokens, n.CacheReadTokens, n.CacheWrite5mTokens, n.CacheWrite1hTokens
		after.OutputTokens, after.ReasoningTokens = n.OutputTokens, n.ReasoningTokens
		after.Cost, after.Markup, after.Fallback, after.CostState = n.Cost, n.Markup, n.Fallback, n.CostState
		var was, now delta
		was.add(o)
		now.add(&after)
		diff := delta{input: now.input - was.input, cacheRead: now.cacheRead - was.cacheRead, cacheWrite: now.cacheWrite - was.cacheWrite,
			output: now.output - was.output, reasoning: now.reasoning - was.reasoning, cost: now.cost - was.cost,
			markup: now.markup - was.markup, unpriced: now.unpriced - was.unpriced, fallback: now.fallback - was.fallback}
		rs.add(o, &diff)
		n.ID = o.ID
	}
	if err := rec.writeRollups(ctx, rs); err != nil {
		return 0, err
	}
	return len(news), nil
}

// tokens counts every token of an event.
func tokens(e *Event) int64 {
	return e.InputTokens + e.CacheReadTokens + e.CacheWriteTokens() + e.OutputTokens
}

func putCursors(ctx context.Context, tx *sql.Tx, cursors []ImportCursor) error {
	if len(cursors) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO import_cursors (source, path, size, mtime, offset, head_len, head_hash, state)
		VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (source, path) DO UPDATE SET size = excluded.size, mtime = excluded.mtime,
		offset = excluded.offset, head_len = excluded.head_len, head_hash = excluded.head_hash, state = excluded.state`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, c := range cursors {
		if _, err := st.ExecContext(ctx, string(c.Source), c.Path, c.Size, c.ModTime, c.Offset, c.HeadLen, c.HeadHash, c.State); err != nil {
			return fmt.Errorf("save the cursor of %s: %w", c.Path, err)
		}
	}
	return nil
}

// sessions sums a scope over [from, to) per session of imported events,
// from the raw events: sessions are not in the rollups, and a range's
// events are found through the time index.
func (s *Store) sessions(ctx context.Context, sc Scope, from, to time.Time) ([]Group, error) {
	where, args := scopeWhere("", sc)
	where = append([]string{"ts >= ?", "ts < ?"}, where...)
	args = append([]any{from.UnixNano(), to.UnixNano()}, args...)
	rows, err := s.r.QueryContext(ctx, `SELECT session, `+rawSums+` FROM events WHERE `+strings.Join(where, " AND ")+` GROUP BY session`, args...)
	if err != nil {
		return nil, fmt.Errorf("sum by session: %w", err)
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		var key string
		t, err := scanSums(rows, &key)
		if err != nil {
			return nil, fmt.Errorf("sum by session: %w", err)
		}
		if key == "" {
			key = "(no session)"
		}
		out = append(out, Group{Key: key, Totals: t})
	}
	return out, rows.Err()
}
