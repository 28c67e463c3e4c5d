package tui

import (
	"testing"
	"time"
)

func TestRangeText(t *testing.T) {
	loc := time.UTC
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, loc) }
	for _, tt := range []struct {
		name     string
		from, to time.Time
		want     string
	}{
		{"today", day(12, 6), day(12, 7), ", Dec 6 2026"},
		{"a month", day(11, 1), day(12, 1), "  Nov 1 – Nov 30 2026"},
		{"across a new year", day(12, 28), time.Date(2027, 1, 3, 0, 0, 0, 0, loc), "  Dec 28 2026 – Jan 2 2027"},
	} {
		if got := rangeText(tt.from, tt.to, loc); got != tt.want {
			t.Errorf("%s: rangeText = %q, want %q", tt.name, got, tt.want)
		}
	}
}
