package store

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/byokhq/byok/money"
)

// crashChild records events forever, printing each id once Record has
// returned: an acknowledged id is a promise that the event is stored.
func crashChild(ctx context.Context, s *Store) error {
	out := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		var id int64
		if i%5 == 0 {
			batch := []*Event{ev(time.Now(), "crash", "m", money.Micro), ev(time.Now(), "crash", "m", money.Micro)}
			if err := s.RecordBatch(ctx, batch); err != nil {
				return err
			}
			fmt.Fprintf(out, "%d\n", batch[0].ID)
			id = batch[1].ID
		} else {
			var err error
			if id, err = s.Record(ctx, ev(time.Now(), "crash", "m", money.Micro)); err != nil {
				return err
			}
		}
		fmt.Fprintf(out, "%d\n", id)
		out.Flush()
	}
}

// TestCrashSafety kills a recording process with SIGKILL at random moments,
// 50 times (BYOK_CRASH_RUNS changes that), and checks that the database is
// intact and holds every event the process acknowledged.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("crash loop skipped in -short mode")
	}
	runs := 50
	if v, err := strconv.Atoi(os.Getenv("BYOK_CRASH_RUNS")); err == nil && v > 0 {
		runs = v
	}
	path := filepath.Join(t.TempDir(), "byok.db")
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	acked := map[int64]bool{}
	for run := 0; run < runs; run++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "BYOK_STORE_CRASH_DB="+path)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan int64, 1024)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				if id, err := strconv.ParseInt(sc.Text(), 10, 64); err == nil {
					lines <- id
				}
			}
			close(lines)
		}()
		// Wait for the first acknowledgement, then kill at a random moment.
		select {
		case id, ok := <-lines:
			if !ok {
				t.Fatalf("run %d: the child exited before recording: %s", run, stderr.String())
			}
			acked[id] = true
		case <-time.After(30 * time.Second):
			t.Fatalf("run %d: no event recorded within 30s", run)
		}
		time.Sleep(time.Duration(rng.IntN(40_000)) * time.Microsecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		for id := range lines {
			acked[id] = true
		}
		_ = cmd.Wait()
	}
	s, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatalf("open after %d kills: %v", runs, err)
	}
	defer s.Close()
	var check string
	if err := s.r.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q %v", check, err)
	}
	missing := 0
	for id := range acked {
		var n int
		if err := s.r.QueryRow("SELECT count(*) FROM events WHERE id = ?", id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged events are missing after %d kills", missing, len(acked), runs)
	}
	// The rollups plus the events waiting for the next fold still equal
	// the raw sums.
	var raw int
	if err := s.r.QueryRow("SELECT count(*) FROM events").Scan(&raw); err != nil {
		t.Fatal(err)
	}
	rolled, waiting := folded(t, s)
	// An event commits on its own and the upkeep folds it afterwards, so
	// a kill can leave foldEvery waiting and what was recorded while the
	// upkeep worked (the next Record asks for the fold again); no more.
	if waiting >= 2*foldEvery {
		t.Errorf("%d events wait outside the rollups, %d or more", waiting, 2*foldEvery)
	}
	if raw != rolled+waiting {
		t.Fatalf("rollups count %d requests and %d wait, raw events %d", rolled, waiting, raw)
	}
	t.Logf("%d kills, %d acknowledged events, %d stored", runs, len(acked), raw)
}
