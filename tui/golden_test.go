package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/byokhq/byok/providers"
)

// goldenSizes are the terminals every view is kept at: the smallest
// supported, a common laptop window and a wide monitor.
var goldenSizes = []struct{ w, h int }{{80, 24}, {120, 40}, {200, 50}}

// eachSize runs one golden per size, named prefix_WxH; steps brings the
// screen there after the first frame.
func eachSize(t *testing.T, prefix string, open func(w, h int) *harness, steps func(hs *harness)) {
	t.Helper()
	for _, sz := range goldenSizes {
		name := fmt.Sprintf("%s_%dx%d", prefix, sz.w, sz.h)
		t.Run(name, func(t *testing.T) {
			hs := open(sz.w, sz.h)
			if steps != nil {
				steps(hs)
			}
			hs.golden(name)
		})
	}
}

func TestGoldenViews(t *testing.T) {
	a := testApp(t, "", true)
	start := func(page string) func(w, h int) *harness {
		return func(w, h int) *harness {
			return newHarness(t, a, Options{StartView: page, Now: fixedClock}, w, h)
		}
	}
	for _, page := range pageNames[:pageCount] {
		eachSize(t, page, start(page), nil)
	}
	eachSize(t, "reconcile", start("reconcile"), nil)
	// The dashboard's drill-down into its first provider.
	eachSize(t, "dashboard_drill", start("dashboard"), func(hs *harness) {
		hs.press("enter")
		hs.contains("models and keys")
	})
	eachSize(t, "help", start("dashboard"), func(hs *harness) { hs.press("?") })
	// The playground has the most keys: every one of them shows at 80×24,
	// the columns that do not fit beside the others wrapping below.
	eachSize(t, "help_playground", start("playground"), func(hs *harness) {
		hs.press("?")
		hs.contains("y         copy reply", "pgup/pgdn scroll reply", "ctrl+r re-run", "? help")
	})
}

func TestGoldenOnboarding(t *testing.T) {
	a := testApp(t, "", false)
	eachSize(t, "welcome", func(w, h int) *harness {
		return newHarness(t, a, Options{Now: fixedClock}, w, h)
	}, nil)
}

// secretShapes are what a key's secret looks like: the providers' own
// prefixes and the demo's made-up secrets. A golden may show a key's last
// four characters, never more.
var secretShapes = regexp.MustCompile(`(sk-|sk-ant-|sk-or-|AIza|gsk_|xai-|` + regexp.QuoteMeta(providers.DemoRevokedPrefix) + `|demo-[a-z]+-[a-z-]+-offline-)[A-Za-z0-9_-]{4,}`)

// TestGoldensHoldNoSecrets reads every golden as a reviewer would: no
// secret, no more of one than its last 4 characters.
func TestGoldensHoldNoSecrets(t *testing.T) {
	if !secretShapes.MatchString("demo-openai-work-offline-Xk2q") || !secretShapes.MatchString("sk-proj-abcdef") {
		t.Fatal("the secret shapes miss a secret")
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*.golden"))
	if err != nil || len(files) < 30 {
		t.Fatalf("%d goldens (%v)", len(files), err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := secretShapes.FindString(string(b)); m != "" {
			t.Errorf("%s shows a secret: %q", f, m)
		}
		// Keys show as …XXXX: four characters after the ellipsis.
		for _, l := range strings.Split(string(b), "\n") {
			if i := strings.Index(l, "…"); i >= 0 && strings.Contains(l, "keychain") {
				rest := strings.Fields(l[i+len("…"):])
				if len(rest) > 0 && len(rest[0]) > 4 {
					t.Errorf("%s shows more than the last 4 characters of a key: %q", f, l)
				}
			}
		}
	}
}
