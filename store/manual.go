package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// ErrNotManual is returned when a command meant for manual spend entries
// names an event byok metered itself.
var ErrNotManual = errors.New("not a manual spend entry")

// DeleteManual removes the manual spend entry id and takes it out of the
// rollups in the same transaction, so every total drops by exactly its
// amount. Metered events (requests byok made or proxied) cannot be removed:
// they are what happened.
func (s *Store) DeleteManual(ctx context.Context, id int64) (Event, error) {
	var e Event
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		row := tx.QueryRowContext(ctx, `SELECT `+eventColumns+` FROM events e WHERE e.id = ?`, id)
		var err error
		if e, err = scanEvent(row); errors.Is(err, sql.ErrNoRows) {
			return Refuse(ErrNotFound, "event %d", id)
		} else if err != nil {
			return fmt.Errorf("event %d: %w", id, err)
		}
		if e.Source != SourceManual {
			return fmt.Errorf("event %d is a %s request: %w", id, e.Source, ErrNotManual)
		}
		r := s.rec.in(ctx, tx)
		// Fold the waiting events first, this one included, so that the
		// correction below meets rollup rows that hold it.
		if err := r.fold(ctx, nil, nil, true); err != nil {
			return err
		}
		rs := newRollupSet()
		rs.removeEvent(&e)
		if err := r.writeRollups(ctx, rs); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM events WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete event %d: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return Event{}, fmt.Errorf("remove spend entry: %w", err)
	}
	return e, nil
}
