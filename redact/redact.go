// Package redact removes secrets from text before it leaves the process.
//
// Every piece of text that byok shows, logs or stores and that might carry a
// key (error messages, provider error bodies, debug logs) goes through
// String. It removes two kinds of things:
//
//   - the exact values of every secret handed to Register, wherever they
//     appear, including overlapping and adjacent occurrences;
//   - as a backstop for keys byok never saw, the common key shapes: OpenAI
//     style sk-… keys (sk-proj-…, sk-ant-…, sk-or-v1-…, DeepSeek and others
//     share the prefix), Google AIza…, Groq gsk_…, xAI xai-…, AWS access key
//     ids (AKIA…, ASIA…) and the token after "Bearer".
//
// A removed value becomes "[REDACTED …abcd]", keeping its last four
// characters so a person can still tell which key was meant, or plain
// "[REDACTED]" when the value is shorter than 16 bytes: for a short value
// four characters would give away too much of it.
package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// MinLength is the shortest value Register remembers, in bytes. Shorter
// values would match ordinary words and numbers all over the text.
const MinLength = 8

// marker replaces a removed value that is too short to show its tail.
const marker = "[REDACTED]"

// tailMinLength is the shortest removed value whose last four characters
// are shown.
const tailMinLength = 16

// maxPasses bounds how often redaction is repeated when removing one value
// leaves another one behind (only contrived values that overlap the marker
// itself can do that). After that the whole text is replaced.
const maxPasses = 4

// registry holds the remembered secret values. Reads are lock-free: the
// slice is replaced, never changed, under the write lock.
type registry struct {
	mu      sync.Mutex
	secrets atomic.Pointer[[]string] // sorted longest first, no duplicates
}

// global is the registry behind Register and String.
var global registry

// Register remembers the exact value of a secret so that String removes it
// from any text. It is safe for concurrent use. Values shorter than
// MinLength bytes are ignored, and so are values that are part of the
// "[REDACTED]" marker itself, since no output could avoid containing them.
func Register(secret string) {
	// A key is registered each time it is read (the proxy reads one for
	// every request); its wire forms are stored with it, in one step, so
	// a secret already remembered has nothing left to add.
	if global.has(secret) {
		return
	}
	global.add(append([]string{secret}, wireForms(secret)...)...)
}

// wireForms returns the other forms a secret takes in text that quotes it
// back: JSON-escaped (a provider's error body echoing the key: Go escapes
// &, < and > as \u0026…, other encoders / as \/, some write the hex in
// capitals) and percent-encoded (a query string or a URL path, in either
// case of hex). Only forms that differ from the secret are returned; for
// the usual key of letters, digits, '-' and '_' there are none. Basic auth
// (base64 of user:key) is caught as a shape, whatever the user part.
func wireForms(secret string) []string {
	var forms []string
	add := func(f string) {
		if f != secret && !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	for _, escapeHTML := range []bool{true, false} {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(escapeHTML)
		if enc.Encode(secret) != nil {
			continue
		}
		j := strings.TrimSuffix(b.String(), "\n")
		j = j[1 : len(j)-1] // the quotes
		for _, f := range []string{j, strings.ReplaceAll(j, "/", `\/`)} {
			add(f)
			add(upperEscapes.ReplaceAllStringFunc(f, func(m string) string { return `\u` + strings.ToUpper(m[2:]) }))
		}
	}
	for _, f := range []string{url.QueryEscape(secret), url.PathEscape(secret)} {
		add(f)
		add(percentHex.ReplaceAllStringFunc(f, strings.ToLower))
	}
	return forms
}

var (
	upperEscapes = regexp.MustCompile(`\\u[0-9a-f]{4}`)
	percentHex   = regexp.MustCompile(`%[0-9A-F]{2}`)
)

// String returns s with every registered secret and every common key shape
// replaced by a redaction marker (see the package documentation).
func String(s string) string {
	return global.redact(s)
}

// has reports whether secret is remembered.
func (r *registry) has(secret string) bool {
	p := r.secrets.Load()
	return p != nil && slices.Contains(*p, secret)
}

// add remembers values, all at once: a reader sees all of them or none.
func (r *registry) add(values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var old []string
	if p := r.secrets.Load(); p != nil {
		old = *p
	}
	next := slices.Clone(old)
	for _, v := range values {
		if len(v) < MinLength || strings.Contains(marker, v) || slices.Contains(next, v) {
			continue
		}
		next = append(next, v)
	}
	if len(next) == len(old) {
		return
	}
	// Longest first, so a secret that contains a shorter one is found whole
	// before the shorter one is; ties in byte order keep the order stable.
	slices.SortFunc(next, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	r.secrets.Store(&next)
}

func (r *registry) list() []string {
	if p := r.secrets.Load(); p != nil {
		return *p
	}
	return nil
}

// redact applies one pass after another until a pass finds nothing. A pass
// can only leave a secret behind when a secret overlaps the text of a
// marker, so more than one pass is rare and more than maxPasses means the
// registered values are hostile: then nothing of the text is kept.
func (r *registry) redact(s string) string {
	secrets := r.list()
	for range maxPasses {
		spans := findSpans(s, secrets)
		if len(spans) == 0 {
			return s
		}
		s = replaceSpans(s, spans)
	}
	if len(findSpans(s, secrets)) == 0 {
		return s
	}
	return marker
}

// span is a half-open byte range [start, end) of text to remove.
type span struct{ start, end int }

// findSpans returns the merged, sorted ranges of s covered by any occurrence
// of a secret or a key shape.
func findSpans(s string, secrets []string) []span {
	var spans []span
	for _, secret := range secrets {
		for from := 0; from <= len(s)-len(secret); {
			i := strings.Index(s[from:], secret)
			if i < 0 {
				break
			}
			start := from + i
			spans = append(spans, span{start, start + len(secret)})
			// Continue one byte on: occurrences may overlap ("aaaaaaaa"
			// twice in nine a's) and the union must cover both.
			from = start + 1
		}
	}
	for _, sh := range shapes {
		if !sh.mayMatch(s) {
			continue
		}
		for _, m := range sh.re.FindAllStringSubmatchIndex(s, -1) {
			start, end := m[2*sh.group], m[2*sh.group+1]
			if start < 0 || (sh.accept != nil && !sh.accept(s[start:end])) {
				continue
			}
			spans = append(spans, span{start, end})
		}
	}
	if len(spans) == 0 {
		return nil
	}
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	merged := spans[:1]
	for _, sp := range spans[1:] {
		last := &merged[len(merged)-1]
		if sp.start <= last.end {
			last.end = max(last.end, sp.end)
			continue
		}
		merged = append(merged, sp)
	}
	return merged
}

// replaceSpans replaces each span of s by its marker.
func replaceSpans(s string, spans []span) string {
	var b strings.Builder
	b.Grow(len(s))
	prev := 0
	for _, sp := range spans {
		b.WriteString(s[prev:sp.start])
		b.WriteString(Mask(s[sp.start:sp.end]))
		prev = sp.end
	}
	b.WriteString(s[prev:])
	return b.String()
}

// Mask returns the marker that stands for value: "[REDACTED …abcd]" with
// its last four characters when value is at least 16 bytes long, else
// "[REDACTED]". It does not look at the registry.
func Mask(value string) string {
	if len(value) < tailMinLength {
		return marker
	}
	return "[REDACTED …" + lastRunes(value, 4) + "]"
}

// lastRunes returns the last n characters of s (invalid bytes count as one
// character each).
func lastRunes(s string, n int) string {
	i := len(s)
	for ; n > 0 && i > 0; n-- {
		_, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
	}
	return s[i:]
}

// shape is a backstop pattern for a kind of key. The key is the submatch
// numbered group (0 for the whole match); accept, when set, rejects
// candidates that are ordinary words rather than keys.
type shape struct {
	name   string
	re     *regexp.Regexp
	group  int
	accept func(string) bool
	// hints are literals every match contains; the pattern runs only on
	// text holding one of them (most text holds none), and fold compares
	// them ignoring ASCII case.
	hints []string
	fold  bool
}

// mayMatch tells whether s holds one of the shape's hints.
func (sh shape) mayMatch(s string) bool {
	for _, h := range sh.hints {
		if sh.fold && containsFoldASCII(s, h) || !sh.fold && strings.Contains(s, h) {
			return true
		}
	}
	return false
}

// containsFoldASCII reports whether s contains sub, a lower-case ASCII
// word, in any mix of cases.
func containsFoldASCII(s, sub string) bool {
	first := sub[:1] + strings.ToUpper(sub[:1])
	for i := 0; i+len(sub) <= len(s); i++ {
		j := strings.IndexAny(s[i:], first)
		if j < 0 || i+j+len(sub) > len(s) {
			return false
		}
		i += j
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// shapes are the key formats removed even when byok never saw the key.
// Lengths are lower bounds below every real key's length, so truncated keys
// in logs are still caught.
var shapes = []shape{
	// OpenAI sk-… and sk-proj-…, Anthropic sk-ant-api03-…, OpenRouter
	// sk-or-v1-…, DeepSeek and many compatible providers: one prefix.
	{name: "sk", re: regexp.MustCompile(`\bsk-[A-Za-z0-9_-]{16,}`), accept: hasDigit, hints: []string{"sk-"}},
	{name: "google", re: regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{30,}`), hints: []string{"AIza"}},
	{name: "groq", re: regexp.MustCompile(`\bgsk_[A-Za-z0-9]{20,}`), hints: []string{"gsk_"}},
	{name: "xai", re: regexp.MustCompile(`\bxai-[A-Za-z0-9]{20,}`), hints: []string{"xai-"}},
	{name: "aws", re: regexp.MustCompile(`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`), hints: []string{"AKIA", "ASIA"}},
	// The prefix stays so the text still reads as an auth header. None of
	// the letters of "bearer" has a non-ASCII case twin, so (?i) and an
	// ASCII fold agree.
	{name: "bearer", re: regexp.MustCompile(`(?i)\bbearer\s+([A-Za-z0-9._~+/=-]{16,})`), group: 1, accept: hasDigit,
		hints: []string{"bearer"}, fold: true},
	// Basic auth is base64 of user:password, where the password is the
	// key (Azure, some gateways): removed whoever the user is.
	{name: "basic", re: regexp.MustCompile(`(?i)\bbasic\s+([A-Za-z0-9+/]{8,}={0,2})`), group: 1, accept: isBasicCredential,
		hints: []string{"basic"}, fold: true},
}

// isBasicCredential tells the base64 of user:password from a word that
// follows "basic" in prose.
func isBasicCredential(s string) bool {
	b, err := base64.StdEncoding.DecodeString(s)
	return err == nil && bytes.IndexByte(b, ':') >= 0
}

// hasDigit tells a key (random, so practically always with a digit) from a
// long word such as "authentication-required".
func hasDigit(s string) bool {
	return strings.ContainsAny(s, "0123456789")
}
