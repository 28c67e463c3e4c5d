//go:build unix

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/money"
)

// nobody is the unprivileged user a test running as root becomes, since
// permission bits do not stop root from writing.
const nobody = 65534

// readers are byok's commands that only read; each must work on a home
// its user cannot write.
var readers = [][]string{
	{"status"}, {"status", "--long"}, {"status", "--json"},
	{"usage"}, {"usage", "--by", "model", "--json"}, {"usage", "--csv"},
	{"log"}, {"log", "--json"}, {"log", "--csv"},
	{"budget", "list"}, {"budget", "list", "--json"},
	{"keys", "list"}, {"keys", "list", "--json"}, {"keys", "history", "1"},
	{"spend", "list"}, {"spend", "list", "--json"},
	{"alerts"}, {"alerts", "--all", "--json"},
	{"providers"}, {"models", "openai"}, {"pricing", "list", "openai"},
	{"pricing", "show", "openai/gpt-4o-mini"},
	{"pricing", "cost", "openai/gpt-4o-mini", "--input", "1000", "--output", "10"},
	{}, // the text dashboard
}

// writers change the home; on one they cannot write they must refuse with
// what to do, and change nothing.
var writers = [][]string{
	{"spend", "add", "openai", "1"},
	{"budget", "set", "all", "5"},
	{"keys", "rm", "1"},
	{"alerts", "ack", "1"},
}

// roRunner runs byok as a child process: as nobody when the test runs as
// root, from a copy of the test binary that nobody can reach.
type roRunner struct {
	t    *testing.T
	bin  string
	cred *syscall.Credential
}

func newRORunner(t *testing.T, base string) *roRunner {
	r := &roRunner{t: t, bin: os.Args[0]}
	if os.Geteuid() != 0 {
		return r
	}
	r.cred = &syscall.Credential{Uid: nobody, Gid: nobody}
	r.bin = filepath.Join(base, "byok.test")
	src, err := os.Open(os.Args[0])
	checkErr(t, err)
	defer src.Close()
	dst, err := os.OpenFile(r.bin, os.O_CREATE|os.O_WRONLY, 0o755)
	checkErr(t, err)
	_, err = io.Copy(dst, src)
	checkErr(t, err)
	checkErr(t, dst.Close())
	return r
}

func (r *roRunner) run(home string, args ...string) childResult {
	r.t.Helper()
	cmd := childCommand(r.bin, home, args)
	cmd.Env = append(cmd.Env, "HOME="+filepath.Dir(home))
	cmd.Stdin = strings.NewReader("")
	if r.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: r.cred}
	}
	return runChild(r.t, cmd, args)
}

// reachableBase is a directory an unprivileged child can enter: the
// temporary directory, or /tmp when the former sits under a private one.
func reachableBase(t *testing.T) string {
	parent := os.TempDir()
	for d := parent; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err == nil && fi.Mode().Perm()&0o001 == 0 {
			parent = "/tmp"
			break
		}
		if d == filepath.Dir(d) {
			break
		}
	}
	base, err := os.MkdirTemp(parent, "byok-readonly-")
	checkErr(t, err)
	checkErr(t, os.Chmod(base, 0o755))
	t.Cleanup(func() {
		// Undo what made the homes read-only, so they can be removed.
		filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error { //nolint:errcheck // best effort before RemoveAll
			if err == nil && d.IsDir() {
				_ = os.Chmod(p, 0o700)
			}
			return nil
		})
		os.RemoveAll(base)
	})
	return base
}

// snapshot lists every file of a home with its mode, owner and contents'
// size and time, to show a command changed nothing.
func snapshot(t *testing.T, home string) map[string]string {
	t.Helper()
	out := map[string]string{}
	checkErr(t, filepath.WalkDir(home, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		out[p] = fmt.Sprintf("%v uid %d, %d bytes, modified %s", fi.Mode(), st.Uid, fi.Size(), fi.ModTime().Format(time.RFC3339Nano))
		return nil
	}))
	return out
}

// lockDown makes home readable but not writable to the child's user: the
// directory 0500 and its files 0400, owned by that user (nobody when the
// test runs as root).
func lockDown(t *testing.T, home string, r *roRunner) {
	t.Helper()
	checkErr(t, filepath.WalkDir(home, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if r.cred != nil {
			if err := os.Lchown(p, nobody, nobody); err != nil {
				return err
			}
		}
		if d.IsDir() {
			return nil
		}
		return os.Chmod(p, 0o400)
	}))
	checkErr(t, os.Chmod(home, 0o500))
}

// makeHome fills a new home with the demo's data.
func makeHome(t *testing.T, base, name string) string {
	t.Helper()
	home := filepath.Join(base, name)
	var out, errb bytes.Buffer
	ios := &IOStreams{In: strings.NewReader(""), Out: &out, Err: &errb}
	if code := run(context.Background(), []string{"--home", home, "--init", "demo", "--events", "300", "--days", "5", "--no-tui"}, &Factory{IO: ios}); code != 0 {
		t.Fatalf("demo: exit %d: %s", code, errb.String())
	}
	return home
}

// Readers work on a home they cannot write: every reading command shows
// what is there, as it would to the home's owner, whether the database is
// closed (no -wal or -shm: read as immutable) or open in the owner's byok
// (read through its -wal and -shm without writing them). Writing commands
// say the home cannot be written and what to do, and change nothing.
// A test run as root checks this as nobody, for whom the bits count.
func TestReadersOnAHomeTheyCannotWrite(t *testing.T) {
	base := reachableBase(t)
	r := newRORunner(t, base)

	t.Run("closed", func(t *testing.T) {
		home := makeHome(t, base, "closed")
		// What the owner reads while the home is writable.
		want := map[string]string{}
		for _, args := range [][]string{{"log", "--json"}, {"spend", "list", "--json"}, {"keys", "history", "1"}} {
			var out, errb bytes.Buffer
			ios := &IOStreams{In: strings.NewReader(""), Out: &out, Err: &errb}
			if code := run(context.Background(), append([]string{"--home", home}, args...), &Factory{IO: ios}); code != 0 {
				t.Fatalf("byok %s on a writable home: exit %d: %s", strings.Join(args, " "), code, errb.String())
			}
			want[strings.Join(args, " ")] = out.String()
		}
		lockDown(t, home, r)
		before := snapshot(t, home)
		checkReaders(t, r, home, want)
		checkWriters(t, r, home)
		if after := snapshot(t, home); !equalMaps(before, after) {
			t.Errorf("the commands changed the read-only home:\nbefore %v\nafter  %v", before, after)
		}
	})

	t.Run("open in its owner's byok", func(t *testing.T) {
		home := makeHome(t, base, "open")
		owner, err := app.Open(context.Background(), app.Options{Home: home})
		checkErr(t, err)
		defer owner.Close()
		if _, err := owner.AddSpend(context.Background(), "openai", 7*money.Dollar, "written while a reader looks", time.Time{}); err != nil {
			t.Fatal(err)
		}
		for _, side := range []string{"-wal", "-shm"} {
			if _, err := os.Stat(filepath.Join(home, "byok.db"+side)); err != nil {
				t.Fatalf("the owner's open store has no %s: %v", side, err)
			}
		}
		lockDown(t, home, r)
		checkReaders(t, r, home, nil)
		res := r.run(home, "spend", "list", "--json")
		if !strings.Contains(res.out, "written while a reader looks") {
			t.Errorf("spend list on the read-only home misses the entry its owner's byok holds in the WAL:\n%s%s", res.out, res.err)
		}
		checkWriters(t, r, home)
	})

	if r.cred == nil {
		return
	}
	// Another user's home, readable to this one: byok must not try to
	// tighten what it does not own (the chmod would fail), nor write a
	// database others can read.
	t.Run("another user's open home", func(t *testing.T) {
		home := makeHome(t, base, "shared")
		checkErr(t, filepath.WalkDir(home, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return os.Chmod(p, 0o777)
			}
			return os.Chmod(p, 0o666)
		}))
		before := snapshot(t, home)
		checkReaders(t, r, home, nil)
		res := r.run(home, "spend", "add", "openai", "1")
		if res.code == 0 || !strings.Contains(res.err, "belongs to another user") || !strings.Contains(res.err, "--home") {
			t.Errorf("spend add on another user's open home: exit %d, stderr %q; want a refusal naming the owner and --home", res.code, res.err)
		}
		after := snapshot(t, home)
		for p, m := range before {
			if strings.HasSuffix(p, ".db") && after[p] != m {
				t.Errorf("%s changed: %s → %s", p, m, after[p])
			}
		}
	})
}

func checkReaders(t *testing.T, r *roRunner, home string, want map[string]string) {
	t.Helper()
	for _, args := range readers {
		res := r.run(home, args...)
		name := "byok " + strings.Join(args, " ")
		if res.code != 0 {
			t.Errorf("%s on a home it cannot write: exit %d, stderr %q", name, res.code, res.err)
			continue
		}
		if strings.TrimSpace(res.out) == "" {
			t.Errorf("%s printed nothing", name)
		}
		if w, ok := want[strings.Join(args, " ")]; ok && w != res.out {
			t.Errorf("%s reads differently on the read-only home:\n%s\nwant\n%s", name, res.out, w)
		}
		if len(args) > 0 && args[len(args)-1] == "--json" {
			var v any
			if err := json.Unmarshal([]byte(res.out), &v); err != nil {
				t.Errorf("%s printed invalid JSON: %v", name, err)
			}
		}
	}
}

func checkWriters(t *testing.T, r *roRunner, home string) {
	t.Helper()
	for _, args := range writers {
		res := r.run(home, args...)
		name := "byok " + strings.Join(args, " ")
		if res.code == 0 {
			t.Errorf("%s on a home it cannot write succeeded: %s", name, res.out)
			continue
		}
		for _, w := range []string{"cannot be written", "reading commands", "--home"} {
			if !strings.Contains(res.err, w) {
				t.Errorf("%s: the refusal %q does not say %q", name, res.err, w)
			}
		}
		if strings.Contains(res.err, "readonly database") {
			t.Errorf("%s: SQLite's words reach the user: %q", name, res.err)
		}
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
