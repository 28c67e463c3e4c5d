package store

// THIS FILE IS A TEMPORARY API OUTLINE so other packages compile while the
// store is written. The store's owner replaces every function here with the
// real implementation and deletes this file.

import (
	"context"
	"errors"
	"time"
)

var errStub = errors.New("store: not implemented yet")

// Options configure Open.
type Options struct {
	ReadOnly bool // open for reading only (status line); no migrations
}

// Store is byok's SQLite database: one writer connection, a reader pool.
type Store struct{}

// Open opens (creating and migrating if needed) the database at path.
func Open(ctx context.Context, path string, opt Options) (*Store, error) { return nil, errStub }

// Close closes both pools.
func (s *Store) Close() error { return errStub }

// Path returns the database file path.
func (s *Store) Path() string { return "" }

// Record inserts one event (and its rollups) and returns its id.
func (s *Store) Record(ctx context.Context, e *Event) (int64, error) { return 0, errStub }

// RecordBatch inserts events in one transaction, setting their IDs.
func (s *Store) RecordBatch(ctx context.Context, es []Event) error { return errStub }

// Event returns one event with its prompt and response.
func (s *Store) Event(ctx context.Context, id int64) (Event, error) { return Event{}, errStub }

// Events lists recent events, newest first, without prompt/response text.
func (s *Store) Events(ctx context.Context, f Filter) ([]Event, error) { return nil, errStub }

// Totals sums a scope over [from, to).
func (s *Store) Totals(ctx context.Context, sc Scope, from, to time.Time) (Totals, error) {
	return Totals{}, errStub
}

// Breakdown sums a scope over [from, to) grouped by one dimension; ByDay
// groups by calendar day in loc. Rows sorted by cost descending (ByDay: by day).
func (s *Store) Breakdown(ctx context.Context, sc Scope, from, to time.Time, by GroupBy, loc *time.Location) ([]Group, error) {
	return nil, errStub
}

// DataVersion returns SQLite's PRAGMA data_version on a reader connection;
// it changes when another connection commits.
func (s *Store) DataVersion(ctx context.Context) (int64, error) { return 0, errStub }

// Budgets.
func (s *Store) PutBudget(ctx context.Context, b *Budget) error { return errStub }
func (s *Store) Budgets(ctx context.Context) ([]Budget, error)  { return nil, errStub }
func (s *Store) BudgetByScope(ctx context.Context, scope string) (Budget, error) {
	return Budget{}, errStub
}
func (s *Store) DeleteBudget(ctx context.Context, scope string) error { return errStub }

// AddAlert stores an alert; it returns (false, nil) when the same alert
// (kind, scope, period key, threshold) already exists.
func (s *Store) AddAlert(ctx context.Context, a *Alert) (bool, error)  { return false, errStub }
func (s *Store) Alerts(ctx context.Context, all bool) ([]Alert, error) { return nil, errStub }
func (s *Store) AckAlert(ctx context.Context, id int64) error          { return errStub }

// Keys (metadata only).
func (s *Store) PutKey(ctx context.Context, k *Key) error           { return errStub }
func (s *Store) Keys(ctx context.Context) ([]Key, error)            { return nil, errStub }
func (s *Store) KeyByID(ctx context.Context, id int64) (Key, error) { return Key{}, errStub }
func (s *Store) KeyByName(ctx context.Context, provider, label string) (Key, error) {
	return Key{}, errStub
}
func (s *Store) SetDefaultKey(ctx context.Context, id int64) error { return errStub }

// Audit log.
func (s *Store) Audit(ctx context.Context, a AuditEntry) error { return errStub }
func (s *Store) AuditLog(ctx context.Context, subject string, limit int) ([]AuditEntry, error) {
	return nil, errStub
}

// Settings is a small key/value table for things like the proxy's state,
// price overrides (JSON) and live model-list caches.
func (s *Store) Setting(ctx context.Context, key string) (string, error) { return "", errStub }
func (s *Store) SetSetting(ctx context.Context, key, value string) error { return errStub }
