package budget

import (
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/store"
)

// The forecast rule.
//
// The projected end-of-period spend is what is spent so far plus the
// remaining time at a blended daily rate: half the average rate of the
// whole period so far, half the rate of its most recent RecentWindow
// (72 hours, or the whole period so far when shorter). The recent half
// makes a period that speeds up late show it in days rather than weeks; the
// whole-period half keeps one busy afternoon from swinging the forecast.
//
// Nothing is projected before MinForecastDays (weeks and months) or
// MinForecastHours (days) of the period have passed: one request on the
// first morning of a month says nothing about the month. All arithmetic is
// on integer nano-dollars and nanoseconds.

// RecentWindow is the recent part of the forecast blend.
const RecentWindow = 72 * time.Hour

// MinForecastDays is how much of a week or month must pass before it is
// projected; MinForecastHours is the same for a day.
const (
	MinForecastDays  = 2
	MinForecastHours = 6
)

// forecastReady reports whether enough of the period starting at start has
// passed at now to project it, and where its recent window begins.
func forecastReady(p store.Period, start, now time.Time) (recentFrom time.Time, ready bool) {
	need := MinForecastDays * 24 * time.Hour
	if p == store.Daily {
		need = MinForecastHours * time.Hour
	}
	if now.Sub(start) < need {
		return time.Time{}, false
	}
	// Start the window on a whole hour, so its sum comes from the hourly
	// rollups without scanning raw events.
	recentFrom = now.Add(-RecentWindow).Truncate(time.Hour)
	if recentFrom.Before(start) {
		recentFrom = start
	}
	return recentFrom, true
}

// forecast projects the spend at end from spent over [start, now) and
// recent over [recentFrom, now).
func forecast(spent, recent money.USD, start, recentFrom, now, end time.Time) money.USD {
	left := int64(end.Sub(now))
	elapsed, window := int64(now.Sub(start)), int64(now.Sub(recentFrom))
	if left <= 0 || elapsed <= 0 || window <= 0 {
		return spent
	}
	whole := mulDiv(int64(spent), left, elapsed)
	late := mulDiv(int64(recent), left, window)
	return spent + money.USD(whole/2+late/2+(whole%2+late%2)/2)
}
