//go:build unix

package proxy_test

import (
	"os"
	"os/signal"
	"syscall"
)

// notifyProbe sends SIGUSR1, the probe's signal, to c.
func notifyProbe(c chan<- os.Signal) { signal.Notify(c, syscall.SIGUSR1) }

// signalProbe asks the child at pid for its figures.
func signalProbe(pid int) error { return syscall.Kill(pid, syscall.SIGUSR1) }
