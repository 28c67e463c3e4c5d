package budget

import (
	"fmt"
	"time"

	"github.com/byokhq/byok/store"
)

// Bounds returns the period of kind p containing now, as the half-open
// range [start, end) in loc: the calendar day, the ISO week starting
// Monday, or the calendar month. end is when the budget resets. Bounds are
// built with time.Date from calendar fields, so a day that DST makes 23 or
// 25 hours long keeps its true length. An unknown period is treated as
// monthly, the widest, so no spend escapes it. A nil loc means UTC.
func Bounds(p store.Period, now time.Time, loc *time.Location) (start, end time.Time) {
	if loc == nil {
		loc = time.UTC
	}
	l := now.In(loc)
	y, m, d := l.Date()
	switch p {
	case store.Daily:
		return midnight(y, m, d, loc), midnight(y, m, d+1, loc)
	case store.Weekly:
		back := (int(l.Weekday()) + 6) % 7 // days since Monday
		return midnight(y, m, d-back, loc), midnight(y, m, d-back+7, loc)
	}
	return midnight(y, m, 1, loc), midnight(y, m+1, 1, loc)
}

// midnight returns the first instant of the calendar day y-m-d (fields may
// overflow, as with time.Date) in loc. Where a DST change skips midnight
// itself (Havana, once São Paulo), time.Date answers an instant of the day
// before; the day then really begins when the clocks jump, at the end of
// that instant's zone period.
func midnight(y int, m time.Month, d int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, loc)
	want := time.Date(y, m, d, 12, 0, 0, 0, loc) // normalises the fields
	if t.In(loc).Day() != want.Day() {
		if _, end := t.ZoneBounds(); !end.IsZero() {
			return end
		}
	}
	return t
}

// PeriodKey names the period of kind p that starts at start (as returned
// by Bounds): "2026-11-22" for a day, "2026-W47" for an ISO week,
// "2026-11" for a month. Alerts use it to fire once per period.
func PeriodKey(p store.Period, start time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	l := start.In(loc)
	switch p {
	case store.Daily:
		return l.Format(time.DateOnly)
	case store.Weekly:
		y, w := l.ISOWeek()
		return fmt.Sprintf("%04d-W%02d", y, w)
	}
	return l.Format("2006-01")
}

// periodNoun is the adjective used in messages: "daily", "weekly", "monthly".
func periodNoun(p store.Period) string {
	switch p {
	case store.Daily, store.Weekly:
		return string(p)
	}
	return string(store.Monthly)
}

// formatReset formats a reset time for messages, in loc:
// "2026-12-01 00:00 CET".
func formatReset(t time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02 15:04 MST")
}
