package keychain

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/byokhq/byok/redact"
)

// Made-up key-shaped values; none is a real key.
const (
	fileKeyA = "sk-ant-api03-TESTONLY-file-backend-AAAAAAAAAAAAAAAA"
	fileKeyB = "gsk_TESTONLYfilebackendBBBBBBBBBBBBBBBBBBBBBBBB"
	// fileKeyAzure has no key shape, so only exact registration hides it.
	fileKeyAzure = "0f3c9b2e8d7a6c5b4a39281706152433"
)

// passphrase returns a Passphrase func that counts its calls.
func passphrase(pass string, calls *atomic.Int32) func() (string, error) {
	return func() (string, error) {
		if calls != nil {
			calls.Add(1)
		}
		return pass, nil
	}
}

func openTestFile(t *testing.T, path, pass string, calls *atomic.Int32) Secrets {
	t.Helper()
	s, err := Open(Options{Backend: BackendFile, FilePath: path, Passphrase: passphrase(pass, calls)})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// writeTestFile stores the given accounts in a new file and returns its path.
func writeTestFile(t *testing.T, pass string, secrets map[string]string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secrets.enc")
	s := openTestFile(t, path, pass, nil)
	for account, secret := range secrets {
		if err := s.Set(context.Background(), account, secret); err != nil {
			t.Fatalf("Set %s: %v", account, err)
		}
	}
	return path
}

func TestFileRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "byok-home", "nested")
	path := filepath.Join(dir, "secrets.enc")
	var calls atomic.Int32
	s := openTestFile(t, path, "correct horse battery staple", &calls)

	if _, err := s.Get(ctx, "anthropic/work"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get before any Set: %v, want ErrNotFound", err)
	}
	if calls.Load() != 0 {
		t.Errorf("the passphrase was asked for before there was a file")
	}
	for account, secret := range map[string]string{"anthropic/work": fileKeyA, "groq/ci": fileKeyB, "azure/prod": fileKeyAzure} {
		if err := s.Set(ctx, account, secret); err != nil {
			t.Fatalf("Set %s: %v", account, err)
		}
	}
	if got, err := s.Get(ctx, "anthropic/work"); err != nil || got != fileKeyA {
		t.Fatalf("Get = (%d bytes, %v), want the stored key", len(got), err)
	}
	if err := s.Delete(ctx, "anthropic/work"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Get(ctx, "anthropic/work"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, "anthropic/work"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete: %v, want ErrNotFound", err)
	}
	if calls.Load() != 1 {
		t.Errorf("passphrase asked %d times, want once per process", calls.Load())
	}

	// Another process (a fresh Open) reads what this one wrote.
	again := openTestFile(t, path, "correct horse battery staple", nil)
	if got, err := again.Get(ctx, "groq/ci"); err != nil || got != fileKeyB {
		t.Fatalf("Get after reopening = (%d bytes, %v), want the stored key", len(got), err)
	}

	// Modes: the file 0600 and the directory it created 0700.
	for _, c := range []struct {
		path string
		want os.FileMode
	}{{path, 0o600}, {path + ".lock", 0o600}, {dir, 0o700}} {
		st, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != c.want {
			t.Errorf("%s has mode %v, want %v", c.path, got, c.want)
		}
	}
	// No temporary file is left behind: the secrets file and the lock
	// writers take turns on, nothing else.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("directory holds %d entries, want only the secrets file and its lock", len(entries))
	}
}

func TestFileLeaksNothing(t *testing.T) {
	path := writeTestFile(t, "pw-for-leak-test", map[string]string{"anthropic/work": fileKeyA, "azure/prod": fileKeyAzure})
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, needle := range []string{fileKeyA, fileKeyAzure, fileKeyAzure[:16], "anthropic/work", "pw-for-leak-test"} {
		if bytes.Contains(data, []byte(needle)) {
			t.Errorf("the file contains %q in plain text", needle)
		}
	}
	// Secrets read back are known to the redactor from then on.
	s := openTestFile(t, path, "pw-for-leak-test", nil)
	if _, err := s.Get(context.Background(), "azure/prod"); err != nil {
		t.Fatal(err)
	}
	if out := redact.String("key=" + fileKeyAzure); strings.Contains(out, fileKeyAzure) {
		t.Errorf("a secret read from the file is not redacted: %q", out)
	}
}

func TestFileWrongPassphrase(t *testing.T) {
	path := writeTestFile(t, "right passphrase", map[string]string{"groq/ci": fileKeyB})
	var calls atomic.Int32
	s := openTestFile(t, path, "wrong passphrase", &calls)
	for range 2 {
		_, err := s.Get(context.Background(), "groq/ci")
		if !errors.Is(err, ErrBadPassphrase) {
			t.Fatalf("Get with a wrong passphrase: %v, want ErrBadPassphrase", err)
		}
		if !strings.Contains(err.Error(), "BYOK_PASSPHRASE") || strings.Contains(err.Error(), fileKeyB) {
			t.Errorf("error %q should say what to check and never hold the key", err)
		}
	}
	if calls.Load() != 2 {
		t.Errorf("passphrase asked %d times, want again after each failure (2)", calls.Load())
	}
	// A wrong passphrase must not be able to overwrite the file either.
	before, _ := os.ReadFile(path)
	if err := s.Set(context.Background(), "groq/other", fileKeyA); !errors.Is(err, ErrBadPassphrase) {
		t.Fatalf("Set with a wrong passphrase: %v, want ErrBadPassphrase", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Errorf("a Set with the wrong passphrase changed the file")
	}
}

func TestFileTampered(t *testing.T) {
	const pass = "tamper test passphrase"
	path := writeTestFile(t, pass, map[string]string{"groq/ci": fileKeyB})
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	saltAt := headerSize
	nonceAt := saltAt + saltSize
	sealedAt := nonceAt + nonceSize
	tests := []struct {
		name   string
		modify func([]byte) []byte
		want   error
	}{
		{"magic", flipAt(0), ErrCorrupt},
		{"kdf id", flipAt(len(fileMagic)), ErrCorrupt},
		{"r within bounds", setAt(len(fileMagic)+2, 9), ErrBadPassphrase},
		{"salt", flipAt(saltAt + 3), ErrBadPassphrase},
		{"nonce", flipAt(nonceAt), ErrBadPassphrase},
		{"first sealed byte", flipAt(sealedAt), ErrBadPassphrase},
		{"last byte (tag)", func(b []byte) []byte { return flipAt(len(b) - 1)(b) }, ErrBadPassphrase},
		{"truncated tag", func(b []byte) []byte { return b[:len(b)-1] }, ErrBadPassphrase},
		{"truncated header", func(b []byte) []byte { return b[:nonceAt] }, ErrCorrupt},
		{"empty file", func([]byte) []byte { return nil }, ErrCorrupt},
		{"appended byte", func(b []byte) []byte { return append(b, 0) }, ErrBadPassphrase},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "secrets.enc")
			if err := os.WriteFile(p, tt.modify(bytes.Clone(orig)), 0o600); err != nil {
				t.Fatal(err)
			}
			got, err := openTestFile(t, p, pass, nil).Get(context.Background(), "groq/ci")
			if !errors.Is(err, tt.want) {
				t.Fatalf("Get from a file with a changed %s: (%d bytes, %v), want %v", tt.name, len(got), err, tt.want)
			}
			if got != "" {
				t.Errorf("Get returned %d bytes from a damaged file", len(got))
			}
		})
	}
}

func flipAt(i int) func([]byte) []byte {
	return func(b []byte) []byte { b[i] ^= 0x01; return b }
}

func setAt(i int, v byte) func([]byte) []byte {
	return func(b []byte) []byte { b[i] = v; return b }
}

func TestFileKDFBounds(t *testing.T) {
	path := writeTestFile(t, "pw", map[string]string{"groq/ci": fileKeyB})
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	logNAt, rAt, pAt, saltLenAt := len(fileMagic)+1, len(fileMagic)+2, len(fileMagic)+3, len(fileMagic)+4
	tests := []struct {
		name   string
		modify func([]byte) []byte
		want   string
	}{
		{"N above 2^20", setAt(logNAt, 30), "N=2^30"},
		{"N below 2^10", setAt(logNAt, 4), "N=2^4"},
		{"r above 16", setAt(rAt, 255), "r=255"},
		{"r zero", setAt(rAt, 0), "r=0"},
		{"p above 4", setAt(pAt, 200), "p=200"},
		{"memory above 256 MiB", func(b []byte) []byte { b[logNAt], b[rAt] = 20, 16; return b }, "MiB"},
		{"salt too short", setAt(saltLenAt, 4), "salt of 4 bytes"},
		{"salt longer than the file", setAt(saltLenAt, 255), "truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "secrets.enc")
			if err := os.WriteFile(p, tt.modify(bytes.Clone(orig)), 0o600); err != nil {
				t.Fatal(err)
			}
			var calls atomic.Int32
			s := openTestFile(t, p, "pw", &calls)
			start := time.Now()
			_, err := s.Get(context.Background(), "groq/ci")
			elapsed := time.Since(start)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Get: %v, want ErrCorrupt mentioning %q", err, tt.want)
			}
			// Rejected before any key derivation: no passphrase, no time.
			if calls.Load() != 0 {
				t.Errorf("the passphrase was asked for before the parameters were checked")
			}
			if elapsed > 50*time.Millisecond {
				t.Errorf("rejecting took %s; bounds must be checked before any work", elapsed)
			}
		})
	}
}

func TestFileOversized(t *testing.T) {
	p := filepath.Join(t.TempDir(), "secrets.enc")
	big := append([]byte(fileMagic), make([]byte, maxFile)...)
	if err := os.WriteFile(p, big, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := openTestFile(t, p, "pw", nil).Get(context.Background(), "x/y"); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Get from a %d-byte file: %v, want ErrCorrupt", len(big), err)
	}
}

func TestFilePassphraseProblems(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		pass func() (string, error)
		want string
	}{
		{"empty", func() (string, error) { return "", nil }, "empty passphrase"},
		{"source fails", func() (string, error) { return "", errors.New("no terminal") }, "read passphrase: no terminal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "secrets.enc")
			s, err := Open(Options{Backend: BackendFile, FilePath: path, Passphrase: tt.pass})
			if err != nil {
				t.Fatal(err)
			}
			err = s.Set(ctx, "groq/ci", fileKeyB)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Set: %v, want an error mentioning %q", err, tt.want)
			}
			if _, statErr := os.Stat(path); !errors.Is(statErr, os.ErrNotExist) {
				t.Errorf("a file was written without a usable passphrase")
			}
		})
	}
}

func TestFileConcurrentSets(t *testing.T) {
	path := filepath.Join(t.TempDir(), "secrets.enc")
	s := openTestFile(t, path, "pw", nil)
	ctx := context.Background()
	accounts := []string{"a/1", "a/2", "b/1", "b/2", "c/1", "c/2", "d/1", "d/2"}
	var wg sync.WaitGroup
	for _, a := range accounts {
		wg.Go(func() {
			if err := s.Set(ctx, a, "secret-value-for-"+a); err != nil {
				t.Errorf("Set %s: %v", a, err)
			}
		})
	}
	wg.Wait()
	for _, a := range accounts {
		if got, err := s.Get(ctx, a); err != nil || got != "secret-value-for-"+a {
			t.Errorf("Get %s = (%q, %v), want its value", a, got, err)
		}
	}
}

func TestFileCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := openTestFile(t, filepath.Join(t.TempDir(), "secrets.enc"), "pw", nil)
	if err := s.Set(ctx, "groq/ci", fileKeyB); !errors.Is(err, context.Canceled) {
		t.Fatalf("Set with a cancelled context: %v, want context.Canceled", err)
	}
}
