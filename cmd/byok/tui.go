package main

import (
	"context"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/tui"
)

func init() {
	tuiRunner = func(ctx context.Context, a *app.App, f *Factory) error {
		releaseStartup(a)
		// Providers with an admin key are reconciled in the background
		// while the TUI runs, on [reconcile] every.
		defer a.StartAutoReconcile(ctx)()
		return tui.Run(ctx, a, tui.Options{})
	}
}
