//go:build !unix

package proxy_test

import (
	"errors"
	"os"
)

// notifyProbe does nothing: there is no signal to ask a child with here
// (and no /proc to read its memory from, so the benchmark never asks).
func notifyProbe(chan<- os.Signal) {}

func signalProbe(int) error { return errors.New("no SIGUSR1 on this system") }
