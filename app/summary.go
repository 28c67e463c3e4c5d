package app

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/byokhq/byok/budget"
	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/store"
)

// Summary is what the dashboard shows for one period.
type Summary struct {
	Period      string // "today", "week", "month" or "custom"
	From, To    time.Time
	Total       store.Totals
	Providers   []store.Group
	Budgets     []budget.Status
	Alerts      []store.Alert // unacknowledged
	Days        []store.Group // the last 30 days, oldest first
	CatalogDate string
	// Reconciled is the part of Total that providers reported beyond
	// byok's own records (source reconciled, see Reconcile).
	Reconciled money.USD
}

// PeriodRange returns the range of a named period containing now:
// "today", "week" (from Monday), "month", or "30d"-style trailing days.
func (a *App) PeriodRange(period string) (time.Time, time.Time, error) {
	now := a.now()
	loc := a.Location()
	switch period {
	case "today", "day":
		s, e := budget.Bounds(store.Daily, now, loc)
		return s, e, nil
	case "week":
		s, e := budget.Bounds(store.Weekly, now, loc)
		return s, e, nil
	case "", "month":
		s, e := budget.Bounds(store.Monthly, now, loc)
		return s, e, nil
	}
	if m := trailing.FindStringSubmatch(period); m != nil {
		n, _ := strconv.Atoi(m[1])
		start := store.DayStart(now, loc)
		return time.Date(start.Year(), start.Month(), start.Day()-n+1, 0, 0, 0, 0, loc), now, nil
	}
	return time.Time{}, time.Time{}, fmt.Errorf("unknown period %q: use today, week, month or a number of days such as 30d", period)
}

var trailing = regexp.MustCompile(`^(\d{1,4})d$`)

// Summarize gathers the dashboard of a period.
func (a *App) Summarize(ctx context.Context, period string) (Summary, error) {
	from, to, err := a.PeriodRange(period)
	if err != nil {
		return Summary{}, err
	}
	return a.SummarizeRange(ctx, period, from, to)
}

// SummarizeRange gathers the dashboard of any range.
func (a *App) SummarizeRange(ctx context.Context, label string, from, to time.Time) (Summary, error) {
	s := Summary{Period: label, From: from, To: to, CatalogDate: a.Catalog().Date()}
	var err error
	if s.Total, err = a.db.Totals(ctx, store.Scope{}, from, to); err != nil {
		return s, err
	}
	if s.Providers, err = a.db.Breakdown(ctx, store.Scope{}, from, to, store.ByProvider, a.Location()); err != nil {
		return s, err
	}
	rec, err := a.db.Totals(ctx, store.Scope{Source: store.SourceReconciled}, from, to)
	if err != nil {
		return s, err
	}
	s.Reconciled = rec.Cost
	if s.Budgets, err = a.budgets.Statuses(ctx); err != nil {
		return s, err
	}
	if s.Alerts, err = a.db.Alerts(ctx, false); err != nil {
		return s, err
	}
	now := a.now()
	dayFrom := store.DayStart(now, a.Location())
	dayFrom = time.Date(dayFrom.Year(), dayFrom.Month(), dayFrom.Day()-29, 0, 0, 0, 0, a.Location())
	if s.Days, err = a.db.Breakdown(ctx, store.Scope{}, dayFrom, now.Add(time.Nanosecond), store.ByDay, a.Location()); err != nil {
		return s, err
	}
	return s, nil
}

// Ago says how long d is the way the key lists show ages and last uses:
// "just now" under a minute, then whole minutes (5m), hours up to two days
// (36h) and days (12d).
func Ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// ParseTime reads a --since/--until value: a date (2026-11-01, midnight in
// the configured zone), an RFC 3339 time, "today", "yesterday", or a
// duration back from now such as 7d, 12h or 90m.
func (a *App) ParseTime(s string) (time.Time, error) {
	t, err := a.parseTime(s)
	if err != nil {
		return t, err
	}
	if err := store.CheckTime(t); err != nil {
		return time.Time{}, fmt.Errorf("the time %q: %w", s, err)
	}
	return t, nil
}

func (a *App) parseTime(s string) (time.Time, error) {
	now := a.now()
	loc := a.Location()
	s = strings.TrimSpace(s)
	switch s {
	case "now":
		return now, nil
	case "today":
		return store.DayStart(now, loc), nil
	case "yesterday":
		d := store.DayStart(now, loc)
		return time.Date(d.Year(), d.Month(), d.Day()-1, 0, 0, 0, 0, loc), nil
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if m := ago.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		switch m[2] {
		case "d":
			// Days and weeks by the calendar: 999999w as a Duration
			// would overflow and land in the future.
			return now.AddDate(0, 0, -n), nil
		case "w":
			return now.AddDate(0, 0, -7*n), nil
		}
		unit := map[string]time.Duration{"m": time.Minute, "h": time.Hour}[m[2]]
		return now.Add(-time.Duration(n) * unit), nil
	}
	return time.Time{}, fmt.Errorf("cannot read the time %q: use a date (2026-11-01), an RFC 3339 time, today, yesterday, or an age such as 7d, 12h, 30m", s)
}

var ago = regexp.MustCompile(`^(\d{1,6})([mhdw])$`)
