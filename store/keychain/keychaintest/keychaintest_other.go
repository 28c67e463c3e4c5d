//go:build !linux

package keychaintest

import "testing"

// notHere explains the skip on systems where go-keyring talks to the
// platform's own keychain: a test there would reach the user's real one.
const notHere = "keychain tests drive a private Secret Service, which only exists on Linux; run them on Linux with gnome-keyring and dbus installed"

// Start, StartLocked, StartBusOnly and NoBus skip the test: see notHere.
var (
	Start        = skip
	StartLocked  = skip
	StartBusOnly = skip
	NoBus        = skip
)

func skip(t testing.TB) {
	t.Helper()
	t.Skip(notHere)
}
