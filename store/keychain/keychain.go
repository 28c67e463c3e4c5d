// Package keychain keeps byok's API keys out of everything but the
// operating system's keychain.
//
// Two backends implement Secrets. The default one talks to the OS keychain
// through go-keyring (the Secret Service on Linux, Keychain on macOS,
// Credential Manager on Windows), with service "byok" and account
// "<provider>/<label>". Every call runs under a timeout, because a locked
// keyring can block forever, and every failure says what to do. The file
// backend is opt-in (keyring = "file" in config.toml) for machines without
// a keychain: one file, AES-256-GCM under a key derived with scrypt from a
// passphrase. There is never a plain-text fallback.
//
// Every secret read or written here is handed to redact.Register, so it is
// removed from any text byok shows, logs or stores afterwards.
package keychain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/byokhq/byok/redact"
)

// Secrets stores secret values by account ("<provider>/<label>").
type Secrets interface {
	// Get returns the secret of account, or an error wrapping ErrNotFound.
	Get(ctx context.Context, account string) (string, error)
	// Set stores secret for account, replacing any previous value.
	Set(ctx context.Context, account, secret string) error
	// Delete removes the secret of account, or returns an error wrapping
	// ErrNotFound when there is none.
	Delete(ctx context.Context, account string) error
}

// Backend names accepted in Options.Backend.
const (
	BackendKeychain = "keychain"
	BackendFile     = "file"
)

// Defaults for Options.
const (
	DefaultService = "byok"
	DefaultTimeout = 5 * time.Second
)

// Options selects and configures a backend.
type Options struct {
	// Backend is BackendKeychain (the default when empty) or BackendFile.
	Backend string
	// Service is the keychain service name; DefaultService when empty. The
	// file backend keeps one file per path and does not use it.
	Service string
	// FilePath is the encrypted file of the file backend (required there).
	FilePath string
	// Passphrase returns the passphrase of the file backend (from
	// BYOK_PASSPHRASE or a prompt). It is called once, on first use.
	Passphrase func() (string, error)
	// Timeout bounds every keychain call; DefaultTimeout when zero.
	Timeout time.Duration
}

// Errors callers branch on with errors.Is. Returned errors wrap them with
// the operation and account; none ever contains a secret.
var (
	// ErrNotFound means no secret is stored for the account.
	ErrNotFound = errors.New("no secret stored for this account: add it with `byok keys add`")
	// ErrUnavailable means there is no usable keychain on this machine.
	ErrUnavailable = errors.New("no usable keychain (Secret Service): install and unlock gnome-keyring or KeePassXC, " +
		`or opt in to the encrypted file backend with keyring = "file" in config.toml`)
	// ErrTimeout means the keychain did not answer in time, which in
	// practice means it is locked and waiting for a password prompt.
	ErrTimeout = errors.New("the keychain did not answer, it is probably locked: unlock it " +
		"(log in to the desktop session, or run `gnome-keyring-daemon --unlock` and type the login password) and retry")
	// ErrBadPassphrase means the file backend could not authenticate its
	// file: the passphrase is wrong or the file was modified.
	ErrBadPassphrase = errors.New("wrong passphrase, or the secrets file was modified: " +
		"check BYOK_PASSPHRASE (or what you typed) and restore the file from a backup if it was changed")
	// ErrCorrupt means the file backend's file is not one it wrote, or its
	// parameters are out of bounds.
	ErrCorrupt = errors.New("the secrets file is damaged or was not written by byok: " +
		"restore it from a backup, or move it away and add the keys again")
)

// Open returns the backend o selects. It does not touch the keychain or
// the file yet; the first call does.
func Open(o Options) (Secrets, error) {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Service == "" {
		o.Service = DefaultService
	}
	switch o.Backend {
	case "", BackendKeychain:
		return &osKeyring{service: o.Service, timeout: o.Timeout, ring: goKeyring{}}, nil
	case BackendFile:
		return openFile(o)
	default:
		return nil, fmt.Errorf("open secrets: unknown keyring backend %q: use %q or %q", o.Backend, BackendKeychain, BackendFile)
	}
}

// Account returns the account name of a provider's labelled key,
// "<provider>/<label>".
func Account(provider, label string) string {
	return provider + "/" + label
}

// Fingerprint returns the first 8 hex digits of the SHA-256 of secret:
// enough to notice that a key was rotated, too little to learn anything
// about it.
func Fingerprint(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:4])
}

// last4MinLength is the shortest secret whose last four characters Last4
// shows; for shorter ones four characters are too large a share.
const last4MinLength = 16

// Last4 returns the last four characters of secret for display, or "" when
// the secret is shorter than 16 bytes.
func Last4(secret string) string {
	if len(secret) < last4MinLength {
		return ""
	}
	i := len(secret)
	for n := 0; n < 4 && i > 0; n++ {
		_, size := utf8.DecodeLastRuneInString(secret[:i])
		i -= size
	}
	return secret[i:]
}

// checkAccount rejects account names no backend should store.
func checkAccount(account string) error {
	switch {
	case account == "":
		return errors.New("empty account name: use <provider>/<label>, for example openai/work")
	case len(account) > 256:
		return errors.New("account name longer than 256 bytes: use a shorter label")
	case strings.ContainsFunc(account, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return errors.New("account name contains control characters: use letters, digits, '-', '_' and '/'")
	}
	return nil
}

// checkSet rejects what no backend should store, before the backend is
// reached, and registers the secret with redact so that nothing said about
// the write from here on can show it. op names the operation in errors
// ("keychain set").
func checkSet(op, account, secret string) error {
	if err := checkAccount(account); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if strings.TrimSpace(secret) == "" {
		return fmt.Errorf("%s %q: empty secret: paste the key on stdin or at the prompt", op, account)
	}
	redact.Register(secret)
	return nil
}
