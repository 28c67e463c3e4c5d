package app

import (
	"github.com/byokhq/byok/reports"
)

// reportOptions are the HTTP options of every report, balance and admin
// call.
func (a *App) reportOptions() reports.Options {
	return reports.Options{HTTPClient: a.httpClient, UserAgent: "byok", Now: a.now, Sleep: a.reportSleep}
}
