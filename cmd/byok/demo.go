package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/app"
)

type demoOptions struct {
	events, days int
	noTUI        bool
	seed         uint64
}

func newDemoCmd(f *Factory) *cobra.Command {
	var o demoOptions
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Explore byok with sample data in a throwaway home",
		Long: `Fill a throwaway home (a new temporary directory, or --home) with realistic
usage — several providers, models and keys, errors, cancelled streams, unpriced
requests, budgets and alerts — and open the dashboard. Your own data and
keys are never touched: a --home that holds keys, budgets or requests of its
own is refused, and the demo's keys live in the keychain under "byok-demo",
apart from yours.`,
		Example: `  byok demo
  byok demo --events 1000000 --days 90 --no-tui`,
		Args: cobra.NoArgs,
		RunE: runWith(f, &o, runDemo),
	}
	cmd.Flags().IntVar(&o.events, "events", 20000, "how many requests to generate")
	cmd.Flags().IntVar(&o.days, "days", 90, "over how many days up to today")
	cmd.Flags().BoolVar(&o.noTUI, "no-tui", false, "print the dashboard instead of opening the TUI")
	cmd.Flags().Uint64Var(&o.seed, "seed", 1, "random seed; the same seed gives the same data")
	return cmd
}

func runDemo(ctx context.Context, f *Factory, o demoOptions) error {
	if o.events <= 0 || o.events > 10_000_000 {
		return usageErrorf("--events %d: use 1 to 10000000", o.events)
	}
	if o.days <= 0 || o.days > 3650 {
		return usageErrorf("--days %d: use 1 to 3650", o.days)
	}
	if f.Home == "" {
		dir, err := os.MkdirTemp("", "byok-demo-")
		if err != nil {
			return fmt.Errorf("make a throwaway home: %w", err)
		}
		f.Home = dir
	}
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	if err := a.ClaimDemoHome(ctx); err != nil {
		if errors.Is(err, app.ErrNotDemoHome) || errors.Is(err, app.ErrDemoSeeded) {
			return usageError{err}
		}
		return err
	}
	start := time.Now()
	fmt.Fprintf(f.IO.Err, "Seeding %s over %s in %s …\n", counted(o.events, "request", "requests"), counted(o.days, "day", "days"), a.DataDir())
	rep, err := a.SeedDemo(ctx, app.DemoOptions{Events: o.events, Days: o.days, Seed: o.seed})
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.Err, "Seeded %s, %s, %s, %s, %s, %s (%s in total) in %.1fs.\n",
		counted(rep.Events, "request", "requests"), counted(rep.Providers, "provider", "providers"), counted(rep.Models, "model", "models"),
		counted(rep.Keys, "key", "keys"), counted(rep.Budgets, "budget", "budgets"), counted(rep.Alerts, "alert", "alerts"), rep.Spend, time.Since(start).Seconds())
	if rep.SecretsErr != nil {
		fmt.Fprintf(f.IO.Err, "The demo's keys could not be put in the keychain, so its simulated providers cannot be sent to: %v\n", rep.SecretsErr)
	} else {
		fmt.Fprintln(f.IO.Err, "Every provider in this home is simulated offline: send prompts, compare models and test keys freely; nothing leaves this machine.")
	}
	fmt.Fprintf(f.IO.Err, "Explore it again with: byok --home %s\n\n", a.DataDir())
	if !o.noTUI && tuiRunner != nil && f.IO.OutTTY && f.IO.InTTY {
		return tuiRunner(ctx, a, f)
	}
	return printDashboard(ctx, a, f.IO.Out)
}
