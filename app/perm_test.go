//go:build unix

package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/store"
)

// A home found open to others is made private on open (directory 0700,
// log 0600), and an alert command from a config file others can write is
// not run.
func TestLoosePermissionsAreTightened(t *testing.T) {
	ctx := context.Background()
	home := filepath.Join(t.TempDir(), "home")
	ran := filepath.Join(t.TempDir(), "ran")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(home, "config.toml")
	if err := os.WriteFile(cfg, []byte("[alerts]\ncommand = \"touch '"+ran+"'\"\ndesktop = false\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(home, "byok.log")
	if err := os.WriteFile(logPath, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{home, cfg, logPath} {
		mode := os.FileMode(0o666)
		if p == home {
			mode = 0o777
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	a, err := Open(ctx, Options{Home: home, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	for p, want := range map[string]os.FileMode{home: 0o700, logPath: 0o600} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v after open, want %v", p, fi.Mode().Perm(), want)
		}
	}
	if err := a.db.PutBudget(ctx, &store.Budget{Scope: "all", Period: store.Monthly, Limit: 10 * money.Dollar, Thresholds: []int{50}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddSpend(ctx, "openai", 8*money.Dollar, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	a.Close()
	if _, err := os.Stat(ran); err == nil {
		t.Fatal("the alert command of a world-writable config.toml ran")
	}
	b, _ := os.ReadFile(logPath)
	if !strings.Contains(string(b), "can be written by other users") {
		t.Errorf("the log does not say why the command did not run: %s", b)
	}
	// Made private, the same config runs its command.
	if err := os.Chmod(cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	a2, err := Open(ctx, Options{Home: home, Now: func() time.Time { return now.AddDate(0, 1, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a2.AddSpend(ctx, "openai", 8*money.Dollar, "", time.Time{}); err != nil {
		t.Fatal(err)
	}
	a2.Close()
	if _, err := os.Stat(ran); err != nil {
		t.Fatalf("the alert command of a private config.toml did not run: %v", err)
	}
}
