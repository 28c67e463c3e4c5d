package keychain

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/byokhq/byok/redact"
	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// fakeRing answers every call with err, after blocking on block when set,
// or panics with panicWith.
type fakeRing struct {
	err       error
	block     chan struct{}
	panicWith any
}

func (f fakeRing) do() error {
	if f.block != nil {
		<-f.block
	}
	if f.panicWith != nil {
		panic(f.panicWith)
	}
	return f.err
}

func (f fakeRing) Get(string, string) (string, error) { return "", f.do() }
func (f fakeRing) Set(string, string, string) error   { return f.do() }
func (f fakeRing) Delete(string, string) error        { return f.do() }

func TestMapError(t *testing.T) {
	const secret = "sk-TESTONLY-mapped-error-secret-0001"
	redact.Register(secret)
	tests := []struct {
		name string
		err  error
		want error // nil: none of our sentinels
	}{
		{"not found", keyring.ErrNotFound, ErrNotFound},
		{"no session bus address", errors.New("dbus: couldn't determine address of session bus"), ErrUnavailable},
		{"service unknown", dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown", Body: []any{"The name org.freedesktop.secrets was not provided by any .service files"}}, ErrUnavailable},
		{"service unknown as pointer", &dbus.Error{Name: "org.freedesktop.DBus.Error.ServiceUnknown"}, ErrUnavailable},
		{"activation failed", dbus.Error{Name: "org.freedesktop.DBus.Error.Spawn.ChildExited"}, ErrUnavailable},
		{"connection refused", &net.OpError{Op: "dial", Net: "unix", Err: syscall.ECONNREFUSED}, ErrUnavailable},
		{"socket missing", fmt.Errorf("dial unix /run/user/1000/bus: %w", syscall.ENOENT), ErrUnavailable},
		{"unlock dismissed", errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), ErrUnavailable},
		{"other d-bus error", dbus.Error{Name: "org.freedesktop.DBus.Error.InvalidArgs"}, nil},
		{"too big", keyring.ErrSetDataTooBig, nil},
		{"cause carrying a secret", errors.New("weird failure with " + secret), nil},
	}
	sentinels := []error{ErrNotFound, ErrUnavailable, ErrTimeout, ErrBadPassphrase, ErrCorrupt}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mapError("get", "openai/work", tt.err)
			for _, s := range sentinels {
				if is := errors.Is(got, s); is != (s == tt.want) {
					t.Errorf("errors.Is(%v, %v) = %v", got, s, is)
				}
			}
			// The cause stays readable for diagnosis, except that the
			// generic not-found text gives way to ours.
			if tt.want != ErrNotFound && !strings.Contains(got.Error(), redact.String(tt.err.Error())) {
				t.Errorf("mapped error %q lost its cause %q", got, tt.err)
			}
			if !strings.Contains(got.Error(), `keychain get "openai/work"`) {
				t.Errorf("error %q does not name the operation and account", got)
			}
			if strings.Contains(got.Error(), secret) {
				t.Errorf("error %q contains a secret", got)
			}
			// An unavailable keychain says what to do before the D-Bus
			// detail, which a narrow screen may cut.
			if tt.want == ErrUnavailable && !strings.HasPrefix(got.Error(), `keychain get "openai/work": `+ErrUnavailable.Error()) {
				t.Errorf("error %q does not start with the advice", got)
			}
		})
	}
}

func TestCallTimeout(t *testing.T) {
	block := make(chan struct{})
	defer close(block)
	k := &osKeyring{service: "byok", timeout: 100 * time.Millisecond, ring: fakeRing{block: block}}
	start := time.Now()
	_, err := k.Get(context.Background(), "openai/work")
	if elapsed := time.Since(start); elapsed < 100*time.Millisecond || elapsed > time.Second {
		t.Errorf("Get returned after %s, want about 100ms", elapsed)
	}
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("Get: %v, want ErrTimeout", err)
	}
	if !strings.Contains(err.Error(), "100ms") {
		t.Errorf("error %q does not say how long it waited", err)
	}
}

func TestCallRecoversPanic(t *testing.T) {
	k := &osKeyring{service: "byok", timeout: time.Second, ring: fakeRing{panicWith: "nil pointer dereference"}}
	err := k.Set(context.Background(), "openai/work", "sk-TESTONLY-panic-0123456789")
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Set with a panicking client: %v, want ErrUnavailable", err)
	}
}

func TestArgumentChecks(t *testing.T) {
	k := &osKeyring{service: "byok", timeout: time.Second, ring: fakeRing{err: errors.New("must not be called")}}
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"empty account", func() error { _, err := k.Get(ctx, ""); return err }, "empty account"},
		{"control character", func() error { return k.Delete(ctx, "openai/\nwork") }, "control characters"},
		{"long account", func() error { return k.Delete(ctx, strings.Repeat("a", 257)) }, "longer than 256"},
		{"empty secret", func() error { return k.Set(ctx, "openai/work", "") }, "empty secret"},
		{"blank secret", func() error { return k.Set(ctx, "openai/work", " \n") }, "empty secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "must not be called") {
				t.Errorf("the keychain was called despite a bad argument: %v", err)
			}
		})
	}
}

func TestSecretsAreRegisteredForRedaction(t *testing.T) {
	const stored = "azure0f3c9b2e8d7a6c5b4a3928170615" // no key shape: only registration removes it
	k := &osKeyring{service: "byok", timeout: time.Second, ring: fakeRing{}}
	if err := k.Set(context.Background(), "openai/work", stored); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if out := redact.String("x " + stored); strings.Contains(out, stored) {
		t.Errorf("a stored secret is not redacted afterwards: %q", out)
	}
}
