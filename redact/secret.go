package redact

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// Secret holds a secret value that prints redacted however it is printed:
// fmt with any verb and flag (%v, %+v, %#v, %s, %q, %x, …), JSON, text
// encodings and slog. Only Reveal returns the value. An empty Secret prints
// as an empty string, so "no key" stays distinguishable from "a key".
//
// Do not use a Secret as a map key: encoding/json writes keys of string
// kinds as they are, without asking MarshalText.
type Secret string

// Reveal returns the secret value. Call it only where the value is sent to
// the provider or the keychain.
func (s Secret) Reveal() string { return string(s) }

// redacted is what every printing method shows.
func (s Secret) redacted() string {
	if s == "" {
		return ""
	}
	return Mask(string(s))
}

// String returns the redacted form, "[REDACTED …abcd]" or "[REDACTED]".
func (s Secret) String() string { return s.redacted() }

// GoString returns the redacted form as a Go string literal, for %#v.
func (s Secret) GoString() string { return fmt.Sprintf("%q", s.redacted()) }

// Format prints the redacted form for every verb. %s, %v and %q keep their
// width, precision and flags; other verbs (%x, %d, …) print the redacted
// text as it is rather than an encoding of the value.
func (s Secret) Format(f fmt.State, verb rune) {
	switch verb {
	case 'v':
		if f.Flag('#') {
			fmt.Fprint(f, s.GoString())
			return
		}
		fmt.Fprintf(f, fmt.FormatString(f, 's'), s.redacted())
	case 's', 'q':
		fmt.Fprintf(f, fmt.FormatString(f, verb), s.redacted())
	default:
		fmt.Fprint(f, s.redacted())
	}
}

// MarshalJSON encodes the redacted form as a JSON string.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.redacted()) }

// MarshalText returns the redacted form, for encodings such as TOML and for
// JSON map keys.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.redacted()), nil }

// LogValue makes slog print the redacted form.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.redacted()) }

// Error wraps err so that its message goes through String. errors.Is and
// errors.As see the wrapped chain unchanged. Error(nil) is nil.
func Error(err error) error {
	if err == nil {
		return nil
	}
	return &redactedError{err: err}
}

// redactedError is an error whose message is redacted when read.
type redactedError struct{ err error }

// Error redacts at call time, so secrets registered after wrapping are
// removed as well.
func (e *redactedError) Error() string { return String(e.err.Error()) }

// Unwrap returns the original error for errors.Is and errors.As.
func (e *redactedError) Unwrap() error { return e.err }
