package budget

import (
	"testing"
	"time"
	_ "time/tzdata" // the zones below must exist wherever the tests run

	"github.com/byokhq/byok/store"
)

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load zone %s: %v", name, err)
	}
	return loc
}

func TestBounds(t *testing.T) {
	tests := []struct {
		name   string
		zone   string
		period store.Period
		now    string // local time in zone
		start  string // local times in zone
		end    string
		hours  float64 // length of the period
		key    string
	}{
		{"daily utc", "UTC", store.Daily, "2026-11-22 13:45", "2026-11-22 00:00", "2026-11-23 00:00", 24, "2026-11-22"},
		{"daily at midnight", "UTC", store.Daily, "2026-11-22 00:00", "2026-11-22 00:00", "2026-11-23 00:00", 24, "2026-11-22"},
		{"daily one nanosecond before midnight", "UTC", store.Daily, "2026-11-22 23:59:59.999999999", "2026-11-22 00:00", "2026-11-23 00:00", 24, "2026-11-22"},
		{"daily half-hour offset", "Asia/Kolkata", store.Daily, "2026-11-22 00:10", "2026-11-22 00:00", "2026-11-23 00:00", 24, "2026-11-22"},
		{"daily new york spring forward", "America/New_York", store.Daily, "2026-03-08 12:00", "2026-03-08 00:00", "2026-03-09 00:00", 23, "2026-03-08"},
		{"daily new york fall back", "America/New_York", store.Daily, "2026-11-01 23:30", "2026-11-01 00:00", "2026-11-02 00:00", 25, "2026-11-01"},
		{"daily havana midnight skipped", "America/Havana", store.Daily, "2026-03-08 12:00", "2026-03-08 01:00", "2026-03-09 00:00", 23, "2026-03-08"},
		{"daily before havana gap", "America/Havana", store.Daily, "2026-03-07 22:00", "2026-03-07 00:00", "2026-03-08 01:00", 24, "2026-03-07"},
		{"weekly monday itself", "UTC", store.Weekly, "2026-11-23 00:00", "2026-11-23 00:00", "2026-11-30 00:00", 168, "2026-W48"},
		{"weekly sunday night", "UTC", store.Weekly, "2026-11-22 23:59", "2026-11-16 00:00", "2026-11-23 00:00", 168, "2026-W47"},
		{"weekly wednesday kolkata", "Asia/Kolkata", store.Weekly, "2026-11-18 05:29", "2026-11-16 00:00", "2026-11-23 00:00", 168, "2026-W47"},
		{"weekly across spring forward", "America/New_York", store.Weekly, "2026-03-08 03:00", "2026-03-02 00:00", "2026-03-09 00:00", 167, "2026-W10"},
		{"weekly across fall back", "America/New_York", store.Weekly, "2026-10-30 09:00", "2026-10-26 00:00", "2026-11-02 00:00", 169, "2026-W44"},
		{"weekly across new year, week 53", "UTC", store.Weekly, "2027-01-01 12:00", "2026-12-28 00:00", "2027-01-04 00:00", 168, "2026-W53"},
		{"weekly iso year ahead of calendar", "UTC", store.Weekly, "2024-12-31 12:00", "2024-12-30 00:00", "2025-01-06 00:00", 168, "2025-W01"},
		{"monthly november", "UTC", store.Monthly, "2026-11-22 10:00", "2026-11-01 00:00", "2026-12-01 00:00", 720, "2026-11"},
		{"monthly last instant of january", "UTC", store.Monthly, "2026-01-31 23:59:59", "2026-01-01 00:00", "2026-02-01 00:00", 744, "2026-01"},
		{"monthly leap february", "UTC", store.Monthly, "2028-02-29 12:00", "2028-02-01 00:00", "2028-03-01 00:00", 696, "2028-02"},
		{"monthly december to next year", "Asia/Kolkata", store.Monthly, "2026-12-31 23:00", "2026-12-01 00:00", "2027-01-01 00:00", 744, "2026-12"},
		{"monthly new york march is short", "America/New_York", store.Monthly, "2026-03-31 23:59", "2026-03-01 00:00", "2026-04-01 00:00", 743, "2026-03"},
		{"monthly new york november is long", "America/New_York", store.Monthly, "2026-11-01 01:30", "2026-11-01 00:00", "2026-12-01 00:00", 721, "2026-11"},
		{"unknown period counts as monthly", "UTC", store.Period("yearly"), "2026-11-22 10:00", "2026-11-01 00:00", "2026-12-01 00:00", 720, "2026-11"},
	}
	const layout = "2006-01-02 15:04:05.999999999"
	parse := func(t *testing.T, s string, loc *time.Location) time.Time {
		t.Helper()
		if len(s) == len("2006-01-02 15:04") {
			s += ":00"
		}
		v, err := time.ParseInLocation(layout, s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc := mustLoc(t, tt.zone)
			now := parse(t, tt.now, loc)
			start, end := Bounds(tt.period, now.UTC(), loc)
			if want := parse(t, tt.start, loc); !start.Equal(want) {
				t.Errorf("start = %s, want %s", start.In(loc), want)
			}
			if want := parse(t, tt.end, loc); !end.Equal(want) {
				t.Errorf("end = %s, want %s", end.In(loc), want)
			}
			if h := end.Sub(start).Hours(); h != tt.hours {
				t.Errorf("period is %v hours long, want %v", h, tt.hours)
			}
			if now.Before(start) || !now.Before(end) {
				t.Errorf("now %s is outside [%s, %s)", now, start.In(loc), end.In(loc))
			}
			if k := PeriodKey(tt.period, start, loc); k != tt.key {
				t.Errorf("PeriodKey = %q, want %q", k, tt.key)
			}
			// The next period starts where this one ends.
			nextStart, _ := Bounds(tt.period, end, loc)
			if !nextStart.Equal(end) {
				t.Errorf("the next period starts at %s, want %s", nextStart.In(loc), end.In(loc))
			}
		})
	}
}

func TestBoundsNilLocationIsUTC(t *testing.T) {
	now := time.Date(2026, 11, 22, 23, 30, 0, 0, mustLoc(t, "Asia/Kolkata"))
	start, end := Bounds(store.Daily, now, nil)
	if want := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC); !start.Equal(want) || !end.Equal(want.AddDate(0, 0, 1)) {
		t.Fatalf("Bounds with nil location = %s, %s", start, end)
	}
	if k := PeriodKey(store.Daily, start, nil); k != "2026-11-22" {
		t.Fatalf("PeriodKey with nil location = %q", k)
	}
}
