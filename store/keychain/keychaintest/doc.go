// Package keychaintest runs tests against a real, private Secret Service.
//
// Start launches a dbus-daemon of its own and a gnome-keyring-daemon on it,
// with HOME and the XDG directories in a temporary directory, and points
// the test process at that bus. Nothing reaches the user's session bus or
// keyring: the bus is checked by its id before Start returns. Tests using
// it cannot run in parallel (they set environment variables), and they skip
// with a clear message when the daemons are not installed, and on systems
// where go-keyring does not use the Secret Service.
package keychaintest

// Password is the login keyring's password in the private keyring.
const Password = "keychaintest"
