package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
)

// Repriced is an event's cost as priced again.
type Repriced struct {
	Cost, Markup, Fallback money.USD
	State                  pricing.State
	Ref                    string
}

// RepriceDiff sums what repricing changes for one provider.
type RepriceDiff struct {
	Provider string `json:"provider"`
	Events   int64  `json:"events"` // events whose cost changes
	// Old and New are the priced cost of those events before and after;
	// OldUnpriced and NewUnpriced count the ones with no price, which are
	// never summed as money (budgets count them at a fallback price).
	Old         money.USD `json:"old_usd"`
	New         money.USD `json:"new_usd"`
	OldUnpriced int64     `json:"old_unpriced_requests"`
	NewUnpriced int64     `json:"new_unpriced_requests"`
}

// Reprice prices every metered event since a time again with price (manual
// entries and provider-reported costs keep theirs) and returns the change
// per provider. With apply it writes the new costs and corrects the
// rollups in one transaction; without, it writes nothing.
func (s *Store) Reprice(ctx context.Context, since time.Time, price func(Event) Repriced, apply bool) ([]RepriceDiff, error) {
	diffs := map[string]*RepriceDiff{}
	work := func(q interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	}, tx *sql.Tx) error {
		rows, err := q.QueryContext(ctx, `SELECT `+eventColumns+` FROM events e
			WHERE e.ts >= ? AND e.source != 'manual' AND e.cost_state != 'reported' ORDER BY e.id`, since.UnixNano())
		if err != nil {
			return err
		}
		var changed []Event
		var news []Repriced
		for rows.Next() {
			e, err := scanEvent(rows)
			if err != nil {
				rows.Close()
				return err
			}
			n := price(e)
			if n.Cost == e.Cost && n.Markup == e.Markup && n.Fallback == e.Fallback && n.State == e.CostState && n.Ref == e.PriceRef {
				continue
			}
			d := diffs[e.Provider]
			if d == nil {
				d = &RepriceDiff{Provider: e.Provider}
				diffs[e.Provider] = d
			}
			d.Events++
			d.Old += priced(e.Cost, e.CostState)
			d.New += priced(n.Cost, n.State)
			d.OldUnpriced += unpriced(e.CostState)
			d.NewUnpriced += unpriced(n.State)
			changed = append(changed, e)
			news = append(news, n)
		}
		rows.Close()
		if err := rows.Err(); err != nil || tx == nil {
			return err
		}
		return s.applyReprice(ctx, tx, changed, news)
	}
	var err error
	if apply {
		err = s.writeTx(ctx, func(tx *sql.Tx) error { return work(tx, tx) })
	} else {
		err = work(s.r, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("reprice: %w", err)
	}
	out := make([]RepriceDiff, 0, len(diffs))
	for _, d := range diffs {
		out = append(out, *d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Provider < out[j].Provider })
	return out, nil
}

func priced(cost money.USD, state pricing.State) money.USD {
	if state == pricing.Unpriced {
		return 0
	}
	return cost
}

func unpriced(state pricing.State) int64 {
	if state == pricing.Unpriced {
		return 1
	}
	return 0
}

// applyReprice updates the events and adds the differences to the rollups.
func (s *Store) applyReprice(ctx context.Context, tx *sql.Tx, old []Event, news []Repriced) error {
	upd, err := tx.PrepareContext(ctx, `UPDATE events SET cost = ?, markup = ?, fallback = ?, cost_state = ?, price_ref = ? WHERE id = ?`)
	if err != nil {
		return err
	}
	defer upd.Close()
	r := s.rec.in(ctx, tx)
	// Fold the waiting events first: the corrections below move rollup
	// rows, which must already hold the events' old costs.
	if err := r.fold(ctx, nil, nil, true); err != nil {
		return err
	}
	rs := newRollupSet()
	for i, e := range old {
		n := news[i]
		if _, err := upd.ExecContext(ctx, int64(n.Cost), int64(n.Markup), int64(n.Fallback), string(n.State), n.Ref, e.ID); err != nil {
			return err
		}
		// The rollups move by (new − old) for the money columns; counts of
		// requests and tokens stay.
		after := e
		after.Cost, after.Markup, after.Fallback, after.CostState = n.Cost, n.Markup, n.Fallback, n.State
		var was, now delta
		was.add(&e)
		now.add(&after)
		diff := delta{cost: now.cost - was.cost, markup: now.markup - was.markup, unpriced: now.unpriced - was.unpriced, fallback: now.fallback - was.fallback}
		rs.add(&e, &diff)
	}
	return r.writeRollups(ctx, rs)
}
