package safetext

import (
	"errors"
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "gpt-4o-mini", "gpt-4o-mini"},
		{"newline and tab kept", "a\n\tb", "a\n\tb"},
		{"unicode kept", "café — naïve 日本", "café — naïve 日本"},
		{"OSC 52 clipboard and title with BEL", "gpt-4o-mini\x1b]52;c;cGF5bG9hZA==\a\x1b]0;PWN\a", "gpt-4o-mini"},
		{"OSC with ST", "a\x1b]0;title\x1b\\b", "ab"},
		{"CSI clear screen and colour", "\x1b[2J\x1b[31mred\x1b[0m", "red"},
		{"cursor up overwrites", "ok\x1b[1A\x1b[2Kfake", "okfake"},
		{"carriage return and backspace", "safe\rEVIL\b!", "safeEVIL!"},
		{"C1 CSI", "a\u009b2Jb", "ab"},
		{"C1 OSC to ST", "a\u009d0;t\u009cb", "ab"},
		{"DCS", "a\x1bPq#0\x1b\\b", "ab"},
		{"lone ESC at end", "a\x1b", "a"},
		{"unterminated OSC swallows the rest", "a\x1b]0;never ends", "a"},
		{"charset designation", "a\x1b(Bb", "ab"},
		{"DEL and NUL", "a\x7fb\x00c", "abc"},
		{"invalid UTF-8", "a\xffb", "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Clean(tt.in); got != tt.want {
				t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{"gpt\x1b]52;c;x\a", "\x1b[2J", "a\u009b1m", "plain\n\ttext"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Clean(s)
		for _, r := range got {
			if isControl(r) {
				t.Fatalf("Clean(%q) = %q keeps control U+%04X", s, got, r)
			}
		}
		if Clean(got) != got {
			t.Fatalf("Clean is not idempotent on %q", s)
		}
		if strings.Count(got, "\n") > strings.Count(s, "\n") {
			t.Fatalf("Clean(%q) added newlines", s)
		}
	})
}

func TestCheck(t *testing.T) {
	for _, ok := range []string{"gpt-4o-mini", "models/gemini-2.5-pro", "work laptop", "café"} {
		if err := Check("model", ok); err != nil {
			t.Errorf("Check(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"gpt\x1b]0;PWN\a", "a\nb", "a\tb", "a\rb", "a\u009bb", "a\xffb", "a\x00b"} {
		err := Check("model", bad)
		if !errors.Is(err, ErrControl) {
			t.Errorf("Check(%q) = %v, want ErrControl", bad, err)
		}
		if err != nil && strings.ContainsRune(err.Error(), 0x1b) {
			t.Errorf("Check's error repeats the escape raw: %q", err)
		}
	}
}
