package redact

import (
	"strings"
	"testing"
)

// FuzzString checks the one promise that matters: whatever the text and
// wherever registered secrets sit in it, no registered secret survives.
// Each input registers two secrets in a fresh registry and places them in
// the text at positions chosen by the input.
func FuzzString(f *testing.F) {
	f.Add("sk-proj-0123456789abcdefghij", "0123456789abcdef", "error: bad key", uint16(6), uint16(3))
	f.Add("aaaaaaaa", "aaaaaaaab", "aaaa", uint16(2), uint16(2))
	f.Add("[REDACTED …abcd", "0123456789abcdefghij", "key ", uint16(4), uint16(0))
	f.Add("ED]hello1", "xxxxxxxxxxxxxxxxxxxxxxxxxxxx", "", uint16(0), uint16(0))
	f.Fuzz(func(t *testing.T, a, b, text string, atA, atB uint16) {
		var r registry
		r.add(a)
		r.add(b)
		in := insert(text, a, int(atA))
		in = insert(in, b, int(atB))
		out := r.redact(in)
		for _, s := range r.list() {
			if strings.Contains(out, s) {
				t.Fatalf("secret %q survived: in %q, out %q", s, in, out)
			}
		}
	})
}

// insert puts s into text at byte offset at, taken modulo the text length.
func insert(text, s string, at int) string {
	at %= len(text) + 1
	return text[:at] + s + text[at:]
}
