// Package filelock holds the advisory locks byok's processes share: a lock
// file beside the file it guards, locked exclusively for as long as one
// process reads, changes and replaces that file (the encrypted keyring) or
// creates and migrates it (the database). Two byok processes started at
// once then take turns instead of losing each other's work.
//
// The lock is the operating system's (flock on Unix, LockFileEx on
// Windows): it is released when the holder closes it or dies, so a killed
// process never leaves a stale lock behind.
package filelock

import (
	"fmt"
	"os"
)

// Lock is a held lock; Unlock releases it.
type Lock struct {
	f *os.File
}

// Acquire creates (0600) or opens the lock file at path and waits until
// this process holds it exclusively.
func Acquire(path string) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file %s: %w", path, err)
	}
	if err := lock(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &Lock{f: f}, nil
}

// Unlock releases the lock. Closing the file releases it too, so an error
// from unlocking is reported but never leaves the lock held.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := unlock(l.f)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}
