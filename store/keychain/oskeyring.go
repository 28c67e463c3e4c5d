package keychain

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/byokhq/byok/redact"
	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// ring is the part of go-keyring the backend uses; tests substitute it to
// reach failures a real keychain will not produce on demand.
type ring interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

// goKeyring calls the real OS keychain.
type goKeyring struct{}

func (goKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (goKeyring) Set(service, user, password string) error {
	return keyring.Set(service, user, password)
}
func (goKeyring) Delete(service, user string) error { return keyring.Delete(service, user) }

// osKeyring is the keychain backend.
type osKeyring struct {
	service string
	timeout time.Duration
	ring    ring
}

var _ Secrets = (*osKeyring)(nil)

// Get returns the secret stored for account.
func (k *osKeyring) Get(ctx context.Context, account string) (string, error) {
	if err := checkAccount(account); err != nil {
		return "", fmt.Errorf("keychain get: %w", err)
	}
	secret, err := k.call(ctx, "get", account, func() (string, error) {
		return k.ring.Get(k.service, account)
	})
	if err != nil {
		return "", err
	}
	redact.Register(secret)
	return secret, nil
}

// Set stores secret for account.
func (k *osKeyring) Set(ctx context.Context, account, secret string) error {
	if err := checkSet("keychain set", account, secret); err != nil {
		return err
	}
	_, err := k.call(ctx, "set", account, func() (string, error) {
		return "", k.ring.Set(k.service, account, secret)
	})
	return err
}

// Delete removes the secret of account.
func (k *osKeyring) Delete(ctx context.Context, account string) error {
	if err := checkAccount(account); err != nil {
		return fmt.Errorf("keychain delete: %w", err)
	}
	_, err := k.call(ctx, "delete", account, func() (string, error) {
		return "", k.ring.Delete(k.service, account)
	})
	return err
}

// result carries a keychain call's outcome out of its goroutine.
type result struct {
	value string
	err   error
}

// call runs fn in its own goroutine and waits for it, the timeout or ctx,
// whichever comes first. A call that times out keeps its goroutine until
// the keychain answers (it cannot be interrupted); its result is dropped.
func (k *osKeyring) call(ctx context.Context, op, account string, fn func() (string, error)) (string, error) {
	done := make(chan result, 1)
	go func() {
		// go-keyring dereferences a nil signal when the bus connection
		// closes during an unlock prompt; that must not end the program.
		defer func() {
			if p := recover(); p != nil {
				done <- result{err: fmt.Errorf("secret service client failed: %v", p)}
			}
		}()
		v, err := fn()
		done <- result{value: v, err: err}
	}()
	timer := time.NewTimer(k.timeout)
	defer timer.Stop()
	select {
	case r := <-done:
		if r.err != nil {
			return "", mapError(op, account, r.err)
		}
		return r.value, nil
	case <-timer.C:
		return "", fmt.Errorf("keychain %s %q: no answer within %s: %w", op, account, k.timeout, ErrTimeout)
	case <-ctx.Done():
		return "", fmt.Errorf("keychain %s %q: %w", op, account, ctx.Err())
	}
}

// mapError turns a go-keyring or D-Bus error into one of ours. The cause
// stays in the chain (and in the message, redacted) for diagnosis.
func mapError(op, account string, err error) error {
	err = redact.Error(err)
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return fmt.Errorf("keychain %s %q: %w", op, account, ErrNotFound)
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return fmt.Errorf("keychain %s %q: the secret is too large for the keychain: %w", op, account, err)
	case unavailable(err):
		// What to do first, the D-Bus detail after: a screen that has room
		// for a few lines keeps the advice.
		return fmt.Errorf("keychain %s %q: %w (%w)", op, account, ErrUnavailable, err)
	default:
		return fmt.Errorf("keychain %s %q: %w", op, account, err)
	}
}

// unavailableDBusErrors are D-Bus error names that mean no Secret Service
// is running, none can be started, or it refuses to serve.
var unavailableDBusErrors = []string{
	"org.freedesktop.DBus.Error.ServiceUnknown", // no org.freedesktop.secrets on the bus
	"org.freedesktop.DBus.Error.NameHasNoOwner", // it went away
	"org.freedesktop.DBus.Error.Spawn.",         // activation failed
	"org.freedesktop.DBus.Error.UnknownObject",  // no default collection
	"org.freedesktop.DBus.Error.UnknownMethod",  // something else owns the name
	"org.freedesktop.DBus.Error.Disconnected",   // bus went away
	"org.freedesktop.Secret.Error.NoSuchObject", // collection missing
	"org.freedesktop.Secret.Error.IsLocked",     // locked and no prompt possible
	"org.freedesktop.DBus.Error.AccessDenied",   // policy forbids us
	"org.freedesktop.DBus.Error.FileNotFound",   // socket path missing
	"org.freedesktop.DBus.Error.NoServer",       // bus not running
	"org.freedesktop.DBus.Error.AuthFailed",     // bus refused us
}

// unavailableMessages are fragments of errors from go-keyring and godbus
// that come without a D-Bus error name.
var unavailableMessages = []string{
	"couldn't determine address of session bus", // DBUS_SESSION_BUS_ADDRESS unset, no autolaunch
	"org.freedesktop.secrets",                   // "The name org.freedesktop.secrets was not provided by any .service files"
	"failed to unlock correct collection",       // unlock prompt dismissed or impossible
	"connection refused",
	"no such file or directory",
	"dbus: authentication failed",
	"use of closed network connection",
	"secret service client failed", // recovered panic, see call
	"not provided by any .service files",
}

// unavailable reports whether err means there is no usable Secret Service.
func unavailable(err error) bool {
	if name, ok := dbusErrorName(err); ok {
		for _, prefix := range unavailableDBusErrors {
			if strings.HasPrefix(name, prefix) {
				return true
			}
		}
	}
	var oe *net.OpError
	if errors.As(err, &oe) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT) {
		return true
	}
	msg := err.Error()
	for _, m := range unavailableMessages {
		if strings.Contains(msg, m) {
			return true
		}
	}
	return false
}

// dbusErrorName returns the D-Bus error name in err's chain; godbus returns
// its Error type by value, but a pointer is accepted as well.
func dbusErrorName(err error) (string, bool) {
	var de dbus.Error
	if errors.As(err, &de) {
		return de.Name, true
	}
	var pde *dbus.Error
	if errors.As(err, &pde) && pde != nil {
		return pde.Name, true
	}
	return "", false
}
