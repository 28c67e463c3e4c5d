package keychain_test

import (
	"strings"
	"testing"

	"github.com/byokhq/byok/store/keychain"
)

func TestFingerprint(t *testing.T) {
	tests := []struct {
		name, secret, want string
	}{
		// sha256("") = e3b0c442…, sha256("abc") = ba7816bf…
		{"empty", "", "e3b0c442"},
		{"abc", "abc", "ba7816bf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := keychain.Fingerprint(tt.secret); got != tt.want {
				t.Errorf("Fingerprint(%q) = %q, want %q", tt.secret, got, tt.want)
			}
		})
	}
	if keychain.Fingerprint(workKey) == keychain.Fingerprint(workKey2) {
		t.Errorf("a rotated key has the same fingerprint")
	}
}

func TestLast4(t *testing.T) {
	tests := []struct {
		name, secret, want string
	}{
		{"api key", "sk-proj-abcdefghijklmnopqrstuvwxyz-wxyz", "wxyz"},
		{"sixteen bytes", "0123456789abcdef", "cdef"},
		{"too short to show", "0123456789abcde", ""},
		{"empty", "", ""},
		{"characters, not bytes", "ключ-ключ-ключ-ключ", "ключ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := keychain.Last4(tt.secret); got != tt.want {
				t.Errorf("Last4(%q) = %q, want %q", tt.secret, got, tt.want)
			}
		})
	}
}

func TestAccount(t *testing.T) {
	if got := keychain.Account("openai", "work"); got != "openai/work" {
		t.Errorf("Account = %q, want openai/work", got)
	}
}

func TestOpen(t *testing.T) {
	pass := func() (string, error) { return "pw", nil }
	tests := []struct {
		name    string
		opts    keychain.Options
		wantErr string
	}{
		{"default is the keychain", keychain.Options{}, ""},
		{"keychain by name", keychain.Options{Backend: "keychain"}, ""},
		{"file", keychain.Options{Backend: "file", FilePath: "/tmp/x/secrets.enc", Passphrase: pass}, ""},
		{"file without path", keychain.Options{Backend: "file", Passphrase: pass}, "no file path"},
		{"file without passphrase", keychain.Options{Backend: "file", FilePath: "/tmp/x"}, "BYOK_PASSPHRASE"},
		{"unknown backend", keychain.Options{Backend: "plaintext"}, `unknown keyring backend "plaintext"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := keychain.Open(tt.opts)
			switch {
			case tt.wantErr == "" && (err != nil || s == nil):
				t.Fatalf("Open: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Open: %v, want an error mentioning %q", err, tt.wantErr)
			}
		})
	}
}
