//go:build unix

package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/byokhq/byok/app"
)

// TestFilesArePrivate: other users on the machine can read none of byok's
// files — the database (spend, key metadata and, with store_text, prompts),
// its WAL, the log and the file keyring — whether byok creates its data
// directory or finds one that already exists with open permissions.
func TestFilesArePrivate(t *testing.T) {
	// A usual umask, whatever the test runner's, so both cases mean the same
	// everywhere.
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	for _, tc := range []struct {
		name    string
		preMake bool // the data directory exists, mode 0755, before byok runs
		gap     string
	}{
		{name: "byok creates its directories"},
		{name: "the data directory already exists", preMake: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			checkErr(t, os.Chmod(root, 0o755))
			dataDir := filepath.Join(root, "data", "byok")
			cfgDir := filepath.Join(root, "config", "byok")
			checkErr(t, os.MkdirAll(cfgDir, 0o755))
			checkErr(t, os.WriteFile(filepath.Join(cfgDir, "config.toml"), []byte("keyring = \"file\"\n"), 0o644))
			if tc.preMake {
				checkErr(t, os.MkdirAll(dataDir, 0o755))
				checkErr(t, os.Chmod(dataDir, 0o755))
			}
			t.Setenv("BYOK_HOME", "")
			t.Setenv("XDG_DATA_HOME", filepath.Join(root, "data"))
			t.Setenv("XDG_CONFIG_HOME", filepath.Join(root, "config"))
			t.Setenv("BYOK_PASSPHRASE", "private files passphrase")
			c := &cli{t: t, home: dataDir}
			c.ok("sk-LEAKTEST-PERM-"+randomTail(32)+"\n", "keys", "add", "openai", "--no-validate")
			c.ok("", "spend", "add", "openai", "2")

			// The WAL and SHM exist while a store is open.
			a, err := app.Open(context.Background(), app.Options{})
			checkErr(t, err)
			defer a.Close()
			dirInfo, err := os.Stat(dataDir)
			checkErr(t, err)
			var open []string
			for _, f := range []string{"byok.db", "byok.db-wal", "byok.db-shm", "byok.log", "secrets.enc"} {
				fi, err := os.Stat(filepath.Join(dataDir, f))
				if errors.Is(err, os.ErrNotExist) && strings.HasPrefix(f, "byok.db-") {
					continue
				}
				checkErr(t, err)
				if fi.Mode().Perm()&0o077 != 0 && dirInfo.Mode().Perm()&0o077 != 0 {
					open = append(open, fmt.Sprintf("%s %v in a %v directory", f, fi.Mode().Perm(), dirInfo.Mode().Perm()))
				}
			}
			switch {
			case tc.gap != "" && len(open) == 0:
				t.Errorf("the known gap (%s) is fixed: remove it from this case", tc.gap)
			case tc.gap != "":
				t.Logf("known gap (%s): %s", tc.gap, strings.Join(open, "; "))
			case len(open) > 0:
				t.Errorf("readable by other users: %s", strings.Join(open, "; "))
			}
			for _, f := range []string{"byok.log", "secrets.enc"} {
				fi, err := os.Stat(filepath.Join(dataDir, f))
				checkErr(t, err)
				if fi.Mode().Perm() != 0o600 {
					t.Errorf("%s has mode %v, want 0600", f, fi.Mode().Perm())
				}
			}
		})
	}
}
