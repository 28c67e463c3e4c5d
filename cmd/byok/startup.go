package main

import (
	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/residency"
)

// releaseStartup gives back the executable's pages that start-up touched,
// before a long-running command (the TUI, the proxy) settles in. Failing
// costs only memory, so it is logged, not reported.
func releaseStartup(a *app.App) {
	r, err := residency.ReleaseStartup()
	if err != nil {
		a.Log.Warn("release start-up pages", "err", err)
		return
	}
	a.Log.Debug("released start-up pages", "mappings", r.Mappings, "bytes", r.Bytes)
}
