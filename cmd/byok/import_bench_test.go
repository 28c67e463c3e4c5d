package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/byokhq/byok/internal/genlogs"
)

// benchLogs returns a folder of generated Claude Code logs of about mb
// megabytes (sessions of about 600 KB, as a heavy user's are), made once per
// size under BYOK_BENCH_LOGS_DIR when set, or in a temporary folder.
func benchLogs(b *testing.B, mb int) string {
	b.Helper()
	base := os.Getenv("BYOK_BENCH_LOGS_DIR")
	if base == "" {
		base = b.TempDir()
	}
	dir := filepath.Join(base, "claude-"+strconv.Itoa(mb)+"mb")
	if _, err := os.Stat(filepath.Join(dir, "done")); err == nil {
		return dir
	}
	os.RemoveAll(dir)
	st, err := genlogs.ClaudeCode(dir, genlogs.Options{
		Bytes: int64(mb) << 20, Sessions: max(mb*10/6, 1), Projects: 24,
		Start: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), Days: 90, Seed: 21,
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("generated %d files, %d lines, %d requests, %.0f MB in %s", st.Files, st.Lines, st.Requests, float64(st.Bytes)/(1<<20), dir)
	if err := os.WriteFile(filepath.Join(dir, "done"), nil, 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

func runQuiet(b *testing.B, env []string, name string, args ...string) {
	b.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// BenchmarkImportClaudeCode runs byok as a user does (the built binary) on
// generated Claude Code logs of BYOK_BENCH_LOGS_MB megabytes (default 25):
// the first import into a new home, and a re-run with nothing new (the
// import and a usage report). When ccusage is on the PATH, `ccusage daily
// --offline` runs on the same files in the same benchmark, as the peer.
func BenchmarkImportClaudeCode(b *testing.B) {
	mb := 25
	if v := os.Getenv("BYOK_BENCH_LOGS_MB"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("BYOK_BENCH_LOGS_MB=%q: want megabytes", v)
		}
		mb = n
	}
	logs := benchLogs(b, mb)
	projects := filepath.Join(logs, "projects")
	bin := filepath.Join(b.TempDir(), "byok")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	// Both read the files from the page cache: read every file once
	// before timing anything.
	err := filepath.WalkDir(logs, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		_, err = os.ReadFile(p)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	env := []string{"TZ=UTC"}

	b.Run("first", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			home := b.TempDir()
			b.StartTimer()
			runQuiet(b, env, bin, "--home", home, "import", "claude-code", "--path", projects)
		}
	})
	b.Run("rerun", func(b *testing.B) {
		home := b.TempDir()
		runQuiet(b, env, bin, "--home", home, "import", "claude-code", "--path", projects)
		for b.Loop() {
			runQuiet(b, env, bin, "--home", home, "import", "claude-code", "--path", projects)
			runQuiet(b, env, bin, "--home", home, "usage", "--source", "claude-code", "--by", "day", "--since", "2026-09-01", "--until", "2026-12-01")
		}
	})
	cc, err := exec.LookPath("ccusage")
	if err != nil {
		b.Log("ccusage is not on the PATH: npm install -g ccusage@VERSION @ccusage/ccusage-linux-x64@VERSION to compare")
		return
	}
	b.Run("ccusage-daily-offline", func(b *testing.B) {
		for b.Loop() {
			runQuiet(b, append(env, "CLAUDE_CONFIG_DIR="+logs), cc, "daily", "--offline")
		}
	})
}
