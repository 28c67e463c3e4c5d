package filelock

import (
	"path/filepath"
	"testing"
	"time"
)

// Two opens of one lock file exclude each other even within one process
// (the lock belongs to the open file), so the second waits for the first.
func TestAcquireWaitsForTheHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	first, err := Acquire(path)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		second, err := Acquire(path)
		if err == nil {
			err = second.Unlock()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("a second Acquire returned (%v) while the first still held the lock", err)
	case <-time.After(200 * time.Millisecond):
	}
	if err := first.Unlock(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second Acquire never got the lock after the first was released")
	}
}

func TestLockFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	l, err := Acquire(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Unlock() //nolint:errcheck // the test reads the mode only
	fi, err := l.f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("lock file mode %v, want 0600", fi.Mode().Perm())
	}
}
