package tui

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/residency"
)

// BenchmarkFirstFrame measures opening the app and drawing the loaded
// dashboard, as `byok` does on start. BYOK_BENCH_HOME points it at a big
// home (make one with `byok demo --events 1000000 --no-tui --home DIR`);
// without it a home with 20,000 events is made.
func BenchmarkFirstFrame(b *testing.B) {
	home := os.Getenv("BYOK_BENCH_HOME")
	if home == "" {
		home = b.TempDir()
		a, err := app.Open(context.Background(), app.Options{Home: home, Now: fixedClock})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := a.SeedDemo(context.Background(), app.DemoOptions{Events: 20000, Days: 90, Seed: 1}); err != nil {
			b.Fatal(err)
		}
		a.Close()
	}
	b.ResetTimer()
	for b.Loop() {
		a, err := app.Open(context.Background(), app.Options{Home: home, Now: time.Now})
		if err != nil {
			b.Fatal(err)
		}
		// As `byok` does before its first frame: what start-up touched is
		// given back, so the frame pays for reading its code in again.
		if _, err := residency.ReleaseStartup(); err != nil {
			b.Fatal(err)
		}
		hs := newHarness(b, a, Options{}, 120, 40)
		if !hs.m.pages[pageDashboard].(*dashboard).loaded {
			b.Fatal("the dashboard did not load")
		}
		_ = hs.screen()
		a.Close()
	}
}
