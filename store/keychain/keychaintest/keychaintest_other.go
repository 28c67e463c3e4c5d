//go:build !linux

package keychaintest

import "testing"

// notHere explains the skip on systems where go-keyring talks to the
// platform's own keychain: a test there would reach the user's real one.
const notHere = "keychain tests drive a private Secret Service, which only exists on Linux; run them on Linux with gnome-keyring and dbus installed"

// Start skips the test: see notHere.
func Start(t testing.TB) {
	t.Helper()
	t.Skip(notHere)
}

// StartLocked skips the test: see notHere.
func StartLocked(t testing.TB) {
	t.Helper()
	t.Skip(notHere)
}

// NoBus skips the test: see notHere.
func NoBus(t testing.TB) {
	t.Helper()
	t.Skip(notHere)
}

// StartBusOnly skips the test: see notHere.
func StartBusOnly(t testing.TB) {
	t.Helper()
	t.Skip(notHere)
}
