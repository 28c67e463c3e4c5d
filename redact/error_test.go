package redact

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
)

// keyError is a typed error that errors.As must still find through Error.
type keyError struct{ account string }

func (e *keyError) Error() string { return "bad key for " + e.account }

func TestError(t *testing.T) {
	const secret = "byok-error-test-secret-5555"
	Register(secret)
	typed := &keyError{account: "openai/work " + secret}
	tests := []struct {
		name    string
		err     error
		want    string
		is      error
		asTyped bool
	}{
		{
			name: "message redacted, sentinel still found",
			err:  fmt.Errorf("read %s: %w", secret, fs.ErrNotExist),
			want: "read [REDACTED …5555]: file does not exist",
			is:   fs.ErrNotExist,
		},
		{
			name:    "typed error found by errors.As",
			err:     fmt.Errorf("check key: %w", typed),
			want:    "check key: bad key for openai/work [REDACTED …5555]",
			asTyped: true,
		},
		{
			name: "key shape in a provider body",
			err:  errors.New(`401 {"error":"Incorrect API key provided: ` + openaiKey + `"}`),
			want: `401 {"error":"Incorrect API key provided: [REDACTED …1234]"}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Error(tt.err)
			if got := err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
			if got := fmt.Sprintf("%v|%+v|%s", err, err, err); strings.Contains(got, secret) {
				t.Errorf("printed error contains the secret: %q", got)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(err, %v) = false through the wrapper", tt.is)
			}
			var ke *keyError
			if tt.asTyped && (!errors.As(err, &ke) || ke != typed) {
				t.Errorf("errors.As did not find the typed error through the wrapper")
			}
		})
	}
	if Error(nil) != nil {
		t.Errorf("Error(nil) is not nil")
	}
}
