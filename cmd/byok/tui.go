package main

import (
	"context"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/tui"
)

func init() {
	tuiRunner = func(ctx context.Context, a *app.App, f *Factory) error {
		releaseStartup(a)
		return tui.Run(ctx, a, tui.Options{})
	}
}
