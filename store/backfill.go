package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
)

// AwaitingReportedCost returns a provider's successful (or partly
// successful) requests recorded after the event id after and at or after
// since, whose cost byok computed because the provider sent none inline and
// whose request id starts with prefix: those whose billed cost the provider
// can still tell (OpenRouter's generations, "gen-"). Oldest first, at most
// limit.
func (s *Store) AwaitingReportedCost(ctx context.Context, provider, prefix string, after int64, since time.Time, limit int) ([]Event, error) {
	// The week's events are found through the time index. Left to itself,
	// SQLite walks the table in id order from after, and when nothing waits
	// (after stays put) that is nearly every event, once a minute.
	rows, err := s.r.QueryContext(ctx, `SELECT `+eventColumns+` FROM events e INDEXED BY events_ts
		WHERE e.provider = ? AND e.id > ? AND e.ts >= ? AND e.cost_state != 'reported' AND e.status IN ('ok', 'partial')
			AND e.source != 'reconciled' AND e.source != 'manual' AND substr(e.request_id, 1, ?) = ?
		ORDER BY e.id LIMIT ?`, provider, after, since.UnixNano(), len(prefix), prefix, limit)
	if err != nil {
		return nil, fmt.Errorf("read events awaiting a reported cost: %w", err)
	}
	return collect(rows, "read events awaiting a reported cost", scanEventRow)
}

// SetReportedCost gives an event the cost its provider billed after the
// fact, with what byok computed kept beside it, and corrects the rollups by
// the difference in one transaction. An event whose cost is already a
// reported one keeps it (another process got there first).
func (s *Store) SetReportedCost(ctx context.Context, id int64, cost, markup money.USD, ref string, computed money.USD, hasComputed bool) (bool, error) {
	changed := false
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		e, err := scanEvent(tx.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events e WHERE e.id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return Refuse(ErrNotFound, "event %d", id)
		}
		if err != nil {
			return err
		}
		if e.CostState == pricing.Reported {
			return nil
		}
		if cost < 0 || cost > money.MaxAmount {
			return fmt.Errorf("a reported cost of %s is outside $0 to %s", cost, money.MaxAmount)
		}
		n := Repriced{Cost: cost, Markup: markup, State: pricing.Reported, Ref: ref}
		if err := s.applyReprice(ctx, tx, []Event{e}, []Repriced{n}); err != nil {
			return err
		}
		var comp any
		if hasComputed {
			comp = int64(computed)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE events SET computed_cost = ? WHERE id = ?`, comp, id); err != nil {
			return err
		}
		changed = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("record the reported cost of event %d: %w", id, err)
	}
	return changed, nil
}
