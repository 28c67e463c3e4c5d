package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"testing"
)

const secretValue = "sk-secret-value-for-printing-0042"

// holder is a struct as callers write them: a Secret among plain fields.
type holder struct {
	Name string
	Key  Secret
}

func TestSecretPrinting(t *testing.T) {
	s := Secret(secretValue)
	h := holder{Name: "openai/work", Key: s}
	jsonOf := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("json.Marshal: %v", err)
		}
		return string(b)
	}
	text, err := s.MarshalText()
	if err != nil {
		t.Fatalf("MarshalText: %v", err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("key", "secret", s)

	tests := []struct {
		name string
		got  string
		want string
	}{
		{"String", s.String(), "[REDACTED …0042]"},
		{"GoString", s.GoString(), `"[REDACTED …0042]"`},
		{"%v", fmt.Sprintf("%v", s), "[REDACTED …0042]"},
		{"%+v", fmt.Sprintf("%+v", s), "[REDACTED …0042]"},
		{"%#v", fmt.Sprintf("%#v", s), `"[REDACTED …0042]"`},
		{"%s", fmt.Sprintf("%s", s), "[REDACTED …0042]"},
		{"%q", fmt.Sprintf("%q", s), `"[REDACTED …0042]"`},
		{"%x", fmt.Sprintf("%x", s), "[REDACTED …0042]"},
		{"%X", fmt.Sprintf("%X", s), "[REDACTED …0042]"},
		{"%d", fmt.Sprintf("%d", s), "[REDACTED …0042]"},
		{"width", fmt.Sprintf("%-20s|", s), "[REDACTED …0042]    |"},
		{"struct %v", fmt.Sprintf("%v", h), "{openai/work [REDACTED …0042]}"},
		{"struct %+v", fmt.Sprintf("%+v", h), "{Name:openai/work Key:[REDACTED …0042]}"},
		{"struct %#v", fmt.Sprintf("%#v", h), `redact.holder{Name:"openai/work", Key:"[REDACTED …0042]"}`},
		{"pointer %+v", fmt.Sprintf("%+v", &h), "&{Name:openai/work Key:[REDACTED …0042]}"},
		{"JSON", jsonOf(s), `"[REDACTED …0042]"`},
		{"JSON struct", jsonOf(h), `{"Name":"openai/work","Key":"[REDACTED …0042]"}`},
		{"MarshalText", string(text), "[REDACTED …0042]"},
		{"slog", strings.TrimSpace(logged.String()[strings.Index(logged.String(), `"secret"`):]), `"secret":"[REDACTED …0042]"}`},
		{"short secret", Secret("12345678").String(), "[REDACTED]"},
		{"empty secret", fmt.Sprintf("%v|%q", Secret(""), Secret("")), `|""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Contains(tt.got, secretValue) {
				t.Fatalf("output contains the secret: %q", tt.got)
			}
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestSecretReveal(t *testing.T) {
	if got := Secret(secretValue).Reveal(); got != secretValue {
		t.Errorf("Reveal() = %q, want the value", got)
	}
}

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
