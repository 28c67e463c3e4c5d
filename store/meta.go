package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/byokhq/byok/money"
)

// PutBudget creates or replaces the budget of b.Scope and sets b.ID.
func (s *Store) PutBudget(ctx context.Context, b *Budget) error {
	if b.Limit <= 0 {
		return errors.New("a budget needs a positive amount")
	}
	switch b.Period {
	case Daily, Weekly, Monthly:
	default:
		return fmt.Errorf("unknown budget period %q: use daily, weekly or monthly", b.Period)
	}
	ths := make([]string, len(b.Thresholds))
	for i, t := range b.Thresholds {
		ths[i] = strconv.Itoa(t)
	}
	now := nanos(s.now())
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO budgets (scope, period, limit_usd, hard, thresholds, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (scope) DO UPDATE SET period = excluded.period, limit_usd = excluded.limit_usd,
				hard = excluded.hard, thresholds = excluded.thresholds, updated_at = excluded.updated_at
			RETURNING id, created_at, updated_at`,
			b.Scope, string(b.Period), int64(b.Limit), b.Hard, strings.Join(ths, ","), now, now).Scan(&b.ID, &now, new(int64))
		if err != nil {
			return fmt.Errorf("save budget %s: %w", b.Scope, err)
		}
		b.CreatedAt = fromNanos(now)
		return audit(ctx, tx, s.now, "budget.set", b.Scope, fmt.Sprintf("%s %s hard=%t alerts=%s", b.Limit.Decimal(), b.Period, b.Hard, strings.Join(ths, ",")))
	})
}

const budgetColumns = `id, scope, period, limit_usd, hard, thresholds, created_at, updated_at`

func scanBudget(sc scanner) (Budget, error) {
	var b Budget
	var period, ths string
	var limit, created, updated int64
	if err := sc.Scan(&b.ID, &b.Scope, &period, &limit, &b.Hard, &ths, &created, &updated); err != nil {
		return Budget{}, err
	}
	b.Period, b.Limit = Period(period), money.USD(limit)
	b.CreatedAt, b.UpdatedAt = fromNanos(created), fromNanos(updated)
	for _, f := range strings.Split(ths, ",") {
		if n, err := strconv.Atoi(f); err == nil {
			b.Thresholds = append(b.Thresholds, n)
		}
	}
	return b, nil
}

// Budgets lists every budget, ordered by scope ("all" first).
func (s *Store) Budgets(ctx context.Context) ([]Budget, error) {
	if bs, ok := s.meta.budgets(); ok {
		return bs, nil
	}
	bs, err := s.readBudgets(ctx)
	if err == nil {
		s.meta.setBudgets(bs)
	}
	return bs, err
}

func (s *Store) readBudgets(ctx context.Context) ([]Budget, error) {
	rows, err := s.query(ctx, `SELECT `+budgetColumns+` FROM budgets ORDER BY scope != 'all', scope`)
	if err != nil {
		return nil, fmt.Errorf("list budgets: %w", err)
	}
	return collect(rows, "list budgets", scanBudget)
}

// DeleteBudget removes the budget of a scope.
func (s *Store) DeleteBudget(ctx context.Context, scope string) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM budgets WHERE scope = ?`, scope)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return Refuse(ErrNotFound, "no budget for %s (see `byok budget list`)", scope)
		}
		return audit(ctx, tx, s.now, "budget.rm", scope, "")
	})
}

// AddAlert stores an alert and sets its ID; it returns false, without
// error, when the same alert (kind, scope, period key, threshold) exists
// already — another process may have stored it a moment ago.
func (s *Store) AddAlert(ctx context.Context, a *Alert) (bool, error) {
	if a.Time.IsZero() {
		a.Time = s.now()
	}
	var added bool
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO alerts (ts, kind, scope, budget_id, period_key, threshold, message)
			VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
			nanos(a.Time), string(a.Kind), a.Scope, a.BudgetID, a.PeriodKey, a.Threshold, a.Message).Scan(&a.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		added = err == nil
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store alert: %w", err)
	}
	return added, nil
}

// Alerts lists alerts newest first: all of them, or only unacknowledged.
func (s *Store) Alerts(ctx context.Context, all bool) ([]Alert, error) {
	q := `SELECT id, ts, kind, scope, budget_id, period_key, threshold, message, acked_at FROM alerts`
	if !all {
		q += ` WHERE acked_at = 0`
	}
	rows, err := s.query(ctx, q+` ORDER BY ts DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list alerts: %w", err)
	}
	return collect(rows, "list alerts", func(sc scanner) (Alert, error) {
		var a Alert
		var ts, acked int64
		var kind string
		err := sc.Scan(&a.ID, &ts, &kind, &a.Scope, &a.BudgetID, &a.PeriodKey, &a.Threshold, &a.Message, &acked)
		a.Time, a.Kind, a.AckedAt, a.Acked = fromNanos(ts), AlertKind(kind), fromNanos(acked), acked != 0
		return a, err
	})
}

// AckAlert acknowledges an alert.
func (s *Store) AckAlert(ctx context.Context, id int64) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE alerts SET acked_at = ? WHERE id = ? AND acked_at = 0`, nanos(s.now()), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var exists bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM alerts WHERE id = ?)`, id).Scan(&exists); err != nil {
				return err
			}
			if !exists {
				return Refuse(ErrNotFound, "no alert %d (see `byok alerts --all`)", id)
			}
		}
		return nil
	})
}

// PutKey inserts a key's metadata (k.ID == 0) or updates it, and sets k.ID.
// The first live key of a provider becomes its default.
func (s *Store) PutKey(ctx context.Context, k *Key) error {
	if k.CreatedAt.IsZero() {
		k.CreatedAt = s.now()
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		if k.ID == 0 {
			var others int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM keys WHERE provider = ? AND is_default = 1 AND revoked_at = 0 AND kind = 'api'`, k.Provider).Scan(&others); err != nil {
				return err
			}
			if others == 0 && !k.Revoked() && !k.Admin {
				k.Default = true
			}
			err := tx.QueryRowContext(ctx, `INSERT INTO keys (provider, label, last4, fingerprint, source, is_default,
				created_at, rotated_at, validated_at, last_used_at, revoked_at, kind)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				k.Provider, k.Label, k.Last4, k.Fingerprint, string(k.Source), k.Default, nanos(k.CreatedAt),
				nanos(k.RotatedAt), nanos(k.ValidatedAt), nanos(k.LastUsedAt), nanos(k.RevokedAt), k.kind()).Scan(&k.ID)
			if err != nil && strings.Contains(err.Error(), "UNIQUE") {
				return Refuse(ErrDuplicate, "a key named %s exists already: pick another --label or rotate it", k.Name())
			}
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE keys SET last4 = ?, fingerprint = ?, source = ?, rotated_at = ?,
			validated_at = ?, last_used_at = max(last_used_at, ?), revoked_at = ?, is_default = is_default AND ? = 0 WHERE id = ?`,
			k.Last4, k.Fingerprint, string(k.Source), nanos(k.RotatedAt), nanos(k.ValidatedAt),
			nanos(k.LastUsedAt), nanos(k.RevokedAt), nanos(k.RevokedAt), k.ID)
		return err
	})
}

const keyColumns = `id, provider, label, last4, fingerprint, source, is_default, created_at, rotated_at, validated_at, last_used_at, revoked_at, kind,
	health, health_at, health_detail`

func scanKey(sc scanner) (Key, error) {
	var k Key
	var source, kind, health string
	var c, r, v, u, x, h int64
	if err := sc.Scan(&k.ID, &k.Provider, &k.Label, &k.Last4, &k.Fingerprint, &source, &k.Default, &c, &r, &v, &u, &x, &kind,
		&health, &h, &k.HealthDetail); err != nil {
		return Key{}, err
	}
	k.Health, k.HealthAt = KeyHealth(health), fromNanos(h)
	k.Source = KeySource(source)
	k.Admin = kind == keyKindAdmin
	k.CreatedAt, k.RotatedAt, k.ValidatedAt, k.LastUsedAt, k.RevokedAt = fromNanos(c), fromNanos(r), fromNanos(v), fromNanos(u), fromNanos(x)
	return k, nil
}

// SetKeyHealth records what byok learned about a key at at, and returns
// the health it had before, so a caller can announce a change once. Setting
// the health a key already has moves nothing but its time and detail.
func (s *Store) SetKeyHealth(ctx context.Context, id int64, h KeyHealth, detail string, at time.Time) (KeyHealth, error) {
	var prev string
	err := s.writeTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT health FROM keys WHERE id = ?`, id).Scan(&prev); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return Refuse(ErrNotFound, "no key with id %d (see `byok keys list`)", id)
			}
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE keys SET health = ?, health_at = ?, health_detail = ? WHERE id = ?`,
			string(h), nanos(at), detail, id)
		return err
	})
	return KeyHealth(prev), err
}

// Keys lists every key's metadata, revoked ones included, by provider and label.
func (s *Store) Keys(ctx context.Context) ([]Key, error) {
	rows, err := s.query(ctx, `SELECT `+keyColumns+` FROM keys ORDER BY provider, label`)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	return collect(rows, "list keys", scanKey)
}

// KeyByID returns one key's metadata.
func (s *Store) KeyByID(ctx context.Context, id int64) (Key, error) {
	k, err := scanKey(s.queryRow(ctx, `SELECT `+keyColumns+` FROM keys WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Key{}, Refuse(ErrNotFound, "no key with id %d (see `byok keys list`)", id)
	}
	return k, err
}

// DefaultKey returns a provider's default live keychain or file key, or
// its first by label when none is marked; env keys and admin keys are not
// candidates.
func (s *Store) DefaultKey(ctx context.Context, provider string) (Key, error) {
	if k, ok := s.meta.defaultKey(provider); ok {
		return k, nil
	}
	k, err := scanKey(s.queryRow(ctx, `SELECT `+keyColumns+` FROM keys
		WHERE provider = ? AND revoked_at = 0 AND source != 'env' AND kind = 'api' ORDER BY is_default DESC, label LIMIT 1`, provider))
	if errors.Is(err, sql.ErrNoRows) {
		return Key{}, Refuse(ErrNotFound, "no key for %s", provider)
	}
	if err == nil {
		s.meta.setDefaultKey(provider, k)
	}
	return k, err
}

// KeyByName returns the key provider/label.
func (s *Store) KeyByName(ctx context.Context, provider, label string) (Key, error) {
	k, err := scanKey(s.queryRow(ctx, `SELECT `+keyColumns+` FROM keys WHERE provider = ? AND label = ?`, provider, label))
	if errors.Is(err, sql.ErrNoRows) {
		return Key{}, Refuse(ErrNotFound, "no key %s/%s (see `byok keys list`)", provider, label)
	}
	return k, err
}

// SetDefaultKey makes a live key its provider's default.
func (s *Store) SetDefaultKey(ctx context.Context, id int64) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		k, err := scanKey(tx.QueryRowContext(ctx, `SELECT `+keyColumns+` FROM keys WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return Refuse(ErrNotFound, "no key with id %d (see `byok keys list`)", id)
		}
		if err != nil {
			return err
		}
		if k.Revoked() {
			return fmt.Errorf("key %s was removed and cannot be the default", k.Name())
		}
		if k.Admin {
			return fmt.Errorf("key %s is an admin key, which byok uses only to read the provider's reports, never for requests: it cannot be the default", k.Name())
		}
		if _, err := tx.ExecContext(ctx, `UPDATE keys SET is_default = (id = ?) WHERE provider = ?`, id, k.Provider); err != nil {
			return err
		}
		return audit(ctx, tx, s.now, "key.default", k.Name(), "")
	})
}

func audit(ctx context.Context, tx *sql.Tx, now func() time.Time, action, subject, detail string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO audit (ts, action, subject, detail) VALUES (?, ?, ?, ?)`,
		nanos(now()), action, subject, detail)
	return err
}

// Audit appends an entry to the audit log.
func (s *Store) Audit(ctx context.Context, a AuditEntry) error {
	if a.Time.IsZero() {
		a.Time = s.now()
	}
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO audit (ts, action, subject, detail) VALUES (?, ?, ?, ?)`,
			nanos(a.Time), a.Action, a.Subject, a.Detail)
		return err
	})
}

// AuditLog lists audit entries newest first, for one subject or ("") all.
func (s *Store) AuditLog(ctx context.Context, subject string, limit int) ([]AuditEntry, error) {
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT id, ts, action, subject, detail FROM audit`
	args := []any{}
	if subject != "" {
		q += ` WHERE subject = ?`
		args = append(args, subject)
	}
	rows, err := s.r.QueryContext(ctx, q+fmt.Sprintf(` ORDER BY ts DESC, id DESC LIMIT %d`, limit), args...)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	return collect(rows, "read audit log", func(sc scanner) (AuditEntry, error) {
		var a AuditEntry
		var ts int64
		err := sc.Scan(&a.ID, &ts, &a.Action, &a.Subject, &a.Detail)
		a.Time = fromNanos(ts)
		return a, err
	})
}

// Setting returns a stored setting, or ErrNotFound.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	return s.lookupText(ctx, "setting", `SELECT value FROM settings WHERE key = ?`, key)
}

// SetSetting stores a setting; an empty value deletes it.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	return s.writeTx(ctx, func(tx *sql.Tx) error {
		if value == "" {
			_, err := tx.ExecContext(ctx, `DELETE FROM settings WHERE key = ?`, key)
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		return err
	})
}
