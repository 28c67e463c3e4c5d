// Package safetext makes text that came from outside byok — provider
// replies and errors, model ids, imported files, whatever a proxy client
// sent — safe to print on a terminal or in a CSV file.
//
// A terminal obeys escape sequences wherever they appear in its output: a
// model name or a reply holding ESC ] 52 rewrites the clipboard, ESC ] 0
// the window title, and cursor movements can paint over what byok printed.
// Clean is the one function every such string passes through on its way
// to a terminal or a CSV file; JSON output needs none (its encoder escapes
// control characters). Check refuses control characters where names enter
// byok (model names, key labels, budget scopes).
package safetext

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Clean returns s without terminal control sequences and control
// characters, keeping newlines and tabs and all printable text. Whole
// escape sequences go (CSI such as ESC [ 2 J, and OSC, DCS, SOS, PM and
// APC strings up to their terminator), so a reply keeps its words minus
// the sequences; a lone control character (BEL, backspace, carriage
// return, DEL, C1 controls) goes alone. Invalid UTF-8 becomes U+FFFD.
func Clean(s string) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
			i++
		case r == 0x1b:
			i = skipEscape(s, i+1)
		case r == 0x9b: // C1 CSI
			i = skipCSI(s, i+size)
		case r == 0x90 || r == 0x9d || r == 0x98 || r == 0x9e || r == 0x9f: // C1 DCS, OSC, SOS, PM, APC
			i = skipString(s, i+size)
		case isControl(r):
			i += size
		default:
			b.WriteString(s[i : i+size])
			i += size
		}
	}
	return b.String()
}

// isClean reports whether s needs no cleaning, the common case.
func isClean(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f || c >= 0x80 {
			return isCleanSlow(s)
		}
	}
	return true
}

func isCleanSlow(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if isControl(r) {
			return false
		}
	}
	return true
}

// isControl reports the characters a terminal acts on rather than shows:
// C0 controls but newline and tab, DEL, and the C1 controls.
func isControl(r rune) bool {
	return r < 0x20 && r != '\n' && r != '\t' || r >= 0x7f && r <= 0x9f
}

// skipEscape returns the index after the escape sequence whose ESC ended
// just before i.
func skipEscape(s string, i int) int {
	if i >= len(s) {
		return i
	}
	switch s[i] {
	case '[':
		return skipCSI(s, i+1)
	case ']', 'P', 'X', '^', '_':
		return skipString(s, i+1)
	}
	// ESC ( B, ESC 7, ESC c…
	return skipFinal(s, i, 0x30)
}

// skipCSI skips a control sequence's parameter and intermediate bytes and
// its final byte.
func skipCSI(s string, i int) int {
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x3f {
		i++
	}
	return skipFinal(s, i, 0x40)
}

// skipFinal skips the intermediate bytes (0x20–0x2f) of a sequence and
// then its one final byte, which an escape sequence takes from 0x30 and a
// control sequence from 0x40, up to 0x7e.
func skipFinal(s string, i int, first byte) int {
	for i < len(s) && s[i] >= 0x20 && s[i] <= 0x2f {
		i++
	}
	if i < len(s) && s[i] >= first && s[i] <= 0x7e {
		i++
	}
	return i
}

// skipString skips an OSC, DCS, SOS, PM or APC string up to and including
// its terminator: BEL, ESC \ or the C1 ST. An unterminated string runs to
// the end of s, as a terminal would swallow it.
func skipString(s string, i int) int {
	for i < len(s) {
		switch {
		case s[i] == 0x07:
			return i + 1
		case s[i] == 0x1b:
			if i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
			return i // another sequence starts: it ends this one
		case strings.HasPrefix(s[i:], "\u009c"):
			return i + len("\u009c")
		}
		i++
	}
	return i
}

// ErrControl is wrapped by Check's errors.
var ErrControl = errors.New("contains a control character")

// Check refuses a name that holds a control character or invalid UTF-8,
// newlines and tabs included: a model name, key label or budget scope is
// one line of plain text. what names the field for the message.
func Check(what, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s is not valid UTF-8: %w", what, ErrControl)
	}
	for _, r := range s {
		if isControl(r) || r == '\n' || r == '\t' {
			return fmt.Errorf("%s %q %w (U+%04X): use plain text", what, s, ErrControl, r)
		}
	}
	return nil
}
