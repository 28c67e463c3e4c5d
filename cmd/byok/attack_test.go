package main

// Attacks on byok's promises that need more than one process: several byok
// commands at once on one home, as a user's shell loops, tmux panes and the
// proxy make happen. Each child is this test binary re-executed as byok (the
// "cli" role of TestMain).

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// gateEnv names a file a "cli" child waits for before it runs byok, so
// that children started one by one still run at the same moment.
const gateEnv = "BYOK_TEST_GATE"

// delayEnv names a number of milliseconds a child waits after the gate.
const delayEnv = "BYOK_TEST_DELAY_MS"

// waitForGate blocks a child until the file named by gateEnv exists, then
// for the delay delayEnv asks.
func waitForGate() {
	gate := os.Getenv(gateEnv)
	if gate == "" {
		return
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		if _, err := os.Stat(gate); err == nil {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if ms, err := strconv.Atoi(os.Getenv(delayEnv)); err == nil {
		time.Sleep(time.Duration(ms) * time.Millisecond)
	}
}

// childResult is what one byok child process did.
type childResult struct {
	args     []string
	code     int
	out, err string
}

// spawn runs byok as a child process on home with stdin, and waits for it.
func spawn(t *testing.T, home string, env []string, stdin string, args ...string) childResult {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--"}, args...)...)
	cmd.Env = append(os.Environ(), childEnv+"=cli", "BYOK_HOME="+home)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("start byok %s: %v", strings.Join(args, " "), err)
	}
	return childResult{args, code, out.String(), errb.String()}
}

// spawnAll starts one child per command line at once and returns their
// results in the same order. Child i starts stagger×i after the first.
func spawnAll(t *testing.T, home string, env []string, stdin []string, argv [][]string, stagger time.Duration) []childResult {
	t.Helper()
	gate := filepath.Join(t.TempDir(), "go")
	env = append(env[:len(env):len(env)], gateEnv+"="+gate)
	res := make([]childResult, len(argv))
	var wg sync.WaitGroup
	for i := range argv {
		env := append(env[:len(env):len(env)], fmt.Sprintf("%s=%d", delayEnv, (stagger*time.Duration(i)).Milliseconds()))
		wg.Go(func() { res[i] = spawn(t, home, env, stdin[i], argv[i]...) })
	}
	// Let the children start up, then open the gate for all at once.
	time.Sleep(300 * time.Millisecond)
	mustWrite(t, gate, nil)
	wg.Wait()
	return res
}

// Attack: six `byok keys add` processes at once on the file keyring, five
// rounds. Every one that says "Stored" must have its secret in the file.
func TestFileKeyringConcurrentWriters(t *testing.T) {
	const procs, rounds = 6, 5
	home := t.TempDir()
	mustWrite(t, filepath.Join(home, "config.toml"), []byte("keyring = \"file\"\n"))
	env := []string{"BYOK_PASSPHRASE=concurrent writers passphrase"}
	want := map[string]string{}
	for r := range rounds {
		var argv [][]string
		var stdin []string
		for p := range procs {
			label := fmt.Sprintf("r%dp%d", r, p)
			secret := fmt.Sprintf("sk-fake-concurrent-%s-%s", label, randomTail(16))
			want["openai/"+label] = secret
			argv = append(argv, []string{"keys", "add", "openai", "--label", label, "--no-validate"})
			stdin = append(stdin, secret+"\n")
		}
		for _, res := range spawnAll(t, home, env, stdin, argv, 0) {
			if res.code != 0 || !strings.Contains(res.out, "Stored") {
				t.Fatalf("byok %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(res.args, " "), res.code, res.out, res.err)
			}
		}
	}
	// Read every secret back through the keyring itself.
	t.Setenv("BYOK_HOME", home)
	t.Setenv("BYOK_PASSPHRASE", "concurrent writers passphrase")
	a, err := (&Factory{IO: &IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}}).App(t.Context())
	checkErr(t, err)
	defer a.Close()
	sec, err := a.Secrets()
	checkErr(t, err)
	missing := 0
	for account, secret := range want {
		got, err := sec.Get(t.Context(), account)
		if err != nil || got != secret {
			missing++
			t.Errorf("%s: %v (a writer reported it stored)", account, err)
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d secrets reported stored are missing from secrets.enc", missing, len(want))
	}
}

// Attack: six byok processes started together on a home that does not exist
// yet, several times over, a few milliseconds apart (so that some arrive
// while the first is halfway through the migrations). One creates and
// migrates the database, the others wait for it; none fails.
func TestConcurrentFirstOpens(t *testing.T) {
	const procs, rounds = 6, 12
	for r := range rounds {
		home := filepath.Join(t.TempDir(), fmt.Sprintf("home%d", r))
		argv := make([][]string, procs)
		stdin := make([]string, procs)
		for p := range procs {
			argv[p] = []string{"usage"}
			if p%2 == 1 {
				argv[p] = []string{"budget", "list"}
			}
		}
		for _, res := range spawnAll(t, home, nil, stdin, argv, time.Duration(r%4)*4*time.Millisecond) {
			if res.code != 0 {
				t.Fatalf("round %d: byok %s on a new home: exit %d\nstderr: %s", r, strings.Join(res.args, " "), res.code, res.err)
			}
		}
	}
}

// Attack: huge manual spend, ten times. Before, every entry was accepted
// and then every sum failed with "integer overflow" and nothing could
// remove the entries. Now the amount is refused, a large but accepted
// entry can be listed and removed, and totals stay readable.
func TestSpendCannotOverflowSums(t *testing.T) {
	c := newCLI(t, "")
	for range 10 {
		r := c.run("", "spend", "add", "openai", "1000000000")
		if r.code != exitUsage || !strings.Contains(r.err, "at most $1000000.00") {
			t.Fatalf("spend add openai 1000000000: exit %d, stderr %q; want exit 2 naming the limit", r.code, r.err)
		}
	}
	c.ok("", "budget", "set", "provider:openai", "100")
	for range 3 {
		c.ok("", "spend", "add", "openai", "1000000", "--note", "big")
	}
	for _, args := range [][]string{{"status"}, {"usage"}, {"budget", "list"}, {"log"}} {
		c.ok("", args...)
	}
	var rows []spendRow
	decode(t, c.ok("", "spend", "list", "--json"), &rows)
	if len(rows) != 3 || rows[0].CostUSD != "1000000" || rows[0].Note != "big" {
		t.Fatalf("spend list = %+v, want the three entries", rows)
	}
	out := c.ok("", "spend", "rm", strconv.FormatInt(rows[0].ID, 10))
	if !strings.Contains(out, "Removed spend entry") {
		t.Fatalf("spend rm: %q", out)
	}
	var usage []struct {
		CostUSD string `json:"cost_usd"`
	}
	decode(t, c.ok("", "usage", "--json"), &usage)
	if len(usage) != 1 || usage[0].CostUSD != "2000000" {
		t.Fatalf("usage after removing one entry = %+v, want $2,000,000", usage)
	}
	if r := c.run("", "spend", "rm", strconv.FormatInt(rows[0].ID, 10)); r.code != exitUsage || !strings.Contains(r.err, "spend list") {
		t.Fatalf("removing it again: exit %d, stderr %q", r.code, r.err)
	}
}

// Attack: dates outside what an int64 of nanoseconds holds were stored as
// other dates (0001-01-01 as today, 1677-09-21 as 2262). Every place a
// date is read refuses them, naming the accepted range, and stores nothing.
func TestDatesOutOfRangeAreRefused(t *testing.T) {
	c := newCLI(t, "")
	for _, args := range [][]string{
		{"spend", "add", "openai", "5", "--date", "0001-01-01"},
		{"spend", "add", "openai", "5", "--date", "1677-09-21"},
		{"spend", "add", "openai", "5", "--date", "1969-12-31"},
		{"usage", "--since", "0001-01-01"},
		{"usage", "--until", "9999-12-31"},
		{"log", "--since", "1677-09-21"},
		{"usage", "--since", "999999w"},
	} {
		r := c.run("", args...)
		if r.code != exitUsage || !strings.Contains(r.err, "1971-01-01 to 2261-12-31") {
			t.Errorf("byok %s: exit %d, stderr %q; want exit 2 naming the accepted range", strings.Join(args, " "), r.code, r.err)
		}
	}
	var rows []spendRow
	decode(t, c.ok("", "spend", "list", "--json"), &rows)
	if len(rows) != 0 {
		t.Fatalf("refused dates stored %d entries", len(rows))
	}
}
