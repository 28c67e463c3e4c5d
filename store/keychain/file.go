package keychain

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"

	"github.com/byokhq/byok/filelock"
	"github.com/byokhq/byok/redact"
	"golang.org/x/crypto/scrypt"
)

// The file backend's format, all integers single bytes:
//
//	magic   8 bytes  "BYOKSEC1"
//	kdf     1 byte   1 = scrypt
//	logN    1 byte   scrypt N = 1<<logN
//	r       1 byte
//	p       1 byte
//	saltLen 1 byte   then saltLen bytes of salt
//	nonce   12 bytes
//	sealed  the rest: AES-256-GCM of the JSON document, with everything
//	        before it as additional data, so no header byte can change
//	        without failing authentication.
const (
	fileMagic  = "BYOKSEC1"
	kdfScrypt  = 1
	nonceSize  = 12
	keySize    = 32
	saltSize   = 16
	headerSize = len(fileMagic) + 5 // up to and including saltLen
)

// KDF bounds accepted when reading a file. They are checked before any key
// derivation, so a crafted header cannot make byok burn memory or time.
const (
	minLogN   = 10
	maxLogN   = 20
	maxR      = 16
	maxP      = 4
	minSalt   = 16
	maxSalt   = 64
	maxMemory = 256 << 20 // scrypt uses 128·N·r bytes
	maxFile   = 16 << 20  // far beyond any number of API keys
)

// kdfParams are the scrypt parameters of a file.
type kdfParams struct {
	logN, r, p uint8
	salt       []byte
}

// defaultKDF is what new files use: scrypt's interactive recommendation
// (N=2^15, r=8, p=1), 32 MiB and well under a second.
func defaultKDF() (kdfParams, error) {
	salt := make([]byte, saltSize)
	if _, err := rand.Read(salt); err != nil {
		return kdfParams{}, fmt.Errorf("read random salt: %w", err)
	}
	return kdfParams{logN: 15, r: 8, p: 1, salt: salt}, nil
}

// check enforces the bounds on parameters read from a file.
func (k kdfParams) check() error {
	switch {
	case k.logN < minLogN || k.logN > maxLogN:
		return fmt.Errorf("scrypt N=2^%d outside 2^%d…2^%d: %w", k.logN, minLogN, maxLogN, ErrCorrupt)
	case k.r < 1 || k.r > maxR:
		return fmt.Errorf("scrypt r=%d outside 1…%d: %w", k.r, maxR, ErrCorrupt)
	case k.p < 1 || k.p > maxP:
		return fmt.Errorf("scrypt p=%d outside 1…%d: %w", k.p, maxP, ErrCorrupt)
	case 128*(uint64(1)<<k.logN)*uint64(k.r) > maxMemory:
		return fmt.Errorf("scrypt N=2^%d r=%d needs more than %d MiB: %w", k.logN, k.r, maxMemory>>20, ErrCorrupt)
	case len(k.salt) < minSalt || len(k.salt) > maxSalt:
		return fmt.Errorf("salt of %d bytes outside %d…%d: %w", len(k.salt), minSalt, maxSalt, ErrCorrupt)
	}
	return nil
}

// header encodes the parameters as the start of a file.
func (k kdfParams) header() []byte {
	h := make([]byte, 0, headerSize+len(k.salt))
	h = append(h, fileMagic...)
	h = append(h, kdfScrypt, k.logN, k.r, k.p, byte(len(k.salt)))
	return append(h, k.salt...)
}

// parseFile splits a file into its parameters, the authenticated header,
// the nonce and the sealed document, checking bounds before anything else.
func parseFile(data []byte) (kdf kdfParams, header, nonce, sealed []byte, err error) {
	if len(data) < headerSize || string(data[:len(fileMagic)]) != fileMagic {
		return kdf, nil, nil, nil, fmt.Errorf("missing the byok header: %w", ErrCorrupt)
	}
	b := data[len(fileMagic):]
	if b[0] != kdfScrypt {
		return kdf, nil, nil, nil, fmt.Errorf("unknown key derivation %d: %w", b[0], ErrCorrupt)
	}
	kdf = kdfParams{logN: b[1], r: b[2], p: b[3]}
	saltLen := int(b[4])
	rest := data[headerSize:]
	if len(rest) < saltLen+nonceSize {
		return kdf, nil, nil, nil, fmt.Errorf("file is truncated: %w", ErrCorrupt)
	}
	kdf.salt = rest[:saltLen]
	if err := kdf.check(); err != nil {
		return kdf, nil, nil, nil, err
	}
	header = data[:headerSize+saltLen]
	nonce = rest[saltLen : saltLen+nonceSize]
	sealed = rest[saltLen+nonceSize:]
	return kdf, header, nonce, sealed, nil
}

// document is the plain text inside the file.
type document struct {
	Secrets map[string]string `json:"secrets"`
}

// fileStore is the encrypted file backend. It re-reads the file on every
// call so that two byok processes see each other's changes; writes replace
// the file atomically. The derived key is kept for the file's salt so the
// passphrase is asked for and stretched once per process.
type fileStore struct {
	path       string
	passphrase func() (string, error)

	mu   sync.Mutex
	salt []byte // salt the cached key was derived for
	key  []byte
	pass string // kept to derive the key for a file with a new salt
	have bool   // pass has been read
}

var _ Secrets = (*fileStore)(nil)

func openFile(o Options) (*fileStore, error) {
	if o.FilePath == "" {
		return nil, errors.New("open secrets file: no file path given: the file backend keeps its secrets next to byok.db (set BYOK_HOME to choose the directory)")
	}
	if o.Passphrase == nil {
		return nil, errors.New("open secrets file: no passphrase source: set BYOK_PASSPHRASE or run byok in a terminal to be prompted")
	}
	return &fileStore{path: o.FilePath, passphrase: o.Passphrase}, nil
}

// Get returns the secret stored for account.
func (f *fileStore) Get(ctx context.Context, account string) (string, error) {
	if err := checkAccount(account); err != nil {
		return "", fmt.Errorf("secrets file get: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("secrets file get %q: %w", account, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	doc, _, err := f.load()
	if err != nil {
		return "", fmt.Errorf("secrets file get %q: %w", account, err)
	}
	secret, ok := doc.Secrets[account]
	if !ok {
		return "", fmt.Errorf("secrets file get %q: %w", account, ErrNotFound)
	}
	redact.Register(secret)
	return secret, nil
}

// Set stores secret for account.
func (f *fileStore) Set(ctx context.Context, account, secret string) error {
	if err := checkSet("secrets file set", account, secret); err != nil {
		return err
	}
	return f.update(ctx, "set", account, func(doc *document) error {
		doc.Secrets[account] = secret
		return nil
	})
}

// Delete removes the secret of account.
func (f *fileStore) Delete(ctx context.Context, account string) error {
	if err := checkAccount(account); err != nil {
		return fmt.Errorf("secrets file delete: %w", err)
	}
	return f.update(ctx, "delete", account, func(doc *document) error {
		if _, ok := doc.Secrets[account]; !ok {
			return ErrNotFound
		}
		delete(doc.Secrets, account)
		return nil
	})
}

// update reads the document, applies change and writes it back.
func (f *fileStore) update(ctx context.Context, op, account string, change func(*document) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("secrets file %s %q: %w", op, account, err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	// Another byok process may be changing the file at the same time: hold
	// the lock beside it from reading to the rename, so neither writes back
	// a document that misses the other's change.
	dir := filepath.Dir(f.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("secrets file %s %q: create %s: %w", op, account, dir, err)
	}
	lock, err := filelock.Acquire(f.path + ".lock")
	if err != nil {
		return fmt.Errorf("secrets file %s %q: %w", op, account, err)
	}
	defer lock.Unlock() //nolint:errcheck // closing the lock file releases it whatever Unlock says
	doc, kdf, err := f.load()
	if err != nil {
		return fmt.Errorf("secrets file %s %q: %w", op, account, err)
	}
	if err := change(&doc); err != nil {
		return fmt.Errorf("secrets file %s %q: %w", op, account, err)
	}
	if err := f.store(doc, kdf); err != nil {
		return fmt.Errorf("secrets file %s %q: %w", op, account, err)
	}
	return nil
}

// load reads and decrypts the file. A missing file is an empty document
// with fresh parameters for the first write.
func (f *fileStore) load() (document, kdfParams, error) {
	doc := document{Secrets: map[string]string{}}
	data, err := readBounded(f.path)
	if errors.Is(err, fs.ErrNotExist) {
		kdf, err := defaultKDF()
		return doc, kdf, err
	}
	if err != nil {
		return doc, kdfParams{}, err
	}
	kdf, header, nonce, sealed, err := parseFile(data)
	if err != nil {
		return doc, kdfParams{}, fmt.Errorf("read %s: %w", f.path, err)
	}
	aead, err := f.aead(kdf)
	if err != nil {
		return doc, kdfParams{}, err
	}
	plain, err := aead.Open(nil, nonce, sealed, header)
	if err != nil {
		// Forget the passphrase so the next call asks again.
		f.key, f.salt, f.pass, f.have = nil, nil, "", false
		return doc, kdfParams{}, fmt.Errorf("decrypt %s: %w", f.path, ErrBadPassphrase)
	}
	defer clear(plain)
	if err := json.Unmarshal(plain, &doc); err != nil || doc.Secrets == nil {
		// Authenticated but unreadable: written by something else with
		// the same passphrase. Never show its content.
		return document{}, kdfParams{}, fmt.Errorf("decode %s: %w", f.path, ErrCorrupt)
	}
	// Keep the salt of a file read here: the copy in data is reused below.
	kdf.salt = bytes.Clone(kdf.salt)
	return doc, kdf, nil
}

// readBounded reads the file, refusing sizes no secrets file can have.
func readBounded(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxFile+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxFile {
		return nil, fmt.Errorf("read %s: larger than %d MiB, too large for a secrets file: %w", path, maxFile>>20, ErrCorrupt)
	}
	return data, nil
}

// store encrypts doc and replaces the file atomically: a temporary file in
// the same directory, synced, then renamed over the old one.
func (f *fileStore) store(doc document, kdf kdfParams) error {
	aead, err := f.aead(kdf)
	if err != nil {
		return err
	}
	plain, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encode secrets: %w", err)
	}
	defer clear(plain)
	nonce := make([]byte, nonceSize)
	if _, err := rand.Read(nonce); err != nil {
		return fmt.Errorf("read random nonce: %w", err)
	}
	header := kdf.header()
	out := make([]byte, 0, len(header)+nonceSize+len(plain)+aead.Overhead())
	out = append(out, header...)
	out = append(out, nonce...)
	out = aead.Seal(out, nonce, plain, header)

	dir := filepath.Dir(f.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(f.path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write secrets file: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("write secrets file: %w", err)
	}
	if _, err := tmp.Write(out); err != nil {
		tmp.Close()
		return fmt.Errorf("write secrets file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("write secrets file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write secrets file: %w", err)
	}
	if err := os.Rename(tmp.Name(), f.path); err != nil {
		return fmt.Errorf("replace %s: %w", f.path, err)
	}
	if d, err := os.Open(dir); err == nil {
		// Make the rename durable; not every platform can sync a directory.
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// aead returns AES-256-GCM keyed from the passphrase for kdf, deriving the
// key only when the salt differs from the cached one.
func (f *fileStore) aead(kdf kdfParams) (cipher.AEAD, error) {
	if f.key == nil || !bytes.Equal(f.salt, kdf.salt) {
		if !f.have {
			pass, err := f.passphrase()
			if err != nil {
				return nil, fmt.Errorf("read passphrase: %w", err)
			}
			if pass == "" {
				return nil, errors.New("empty passphrase: set BYOK_PASSPHRASE or type one at the prompt")
			}
			f.pass, f.have = pass, true
		}
		key, err := scrypt.Key([]byte(f.pass), kdf.salt, 1<<kdf.logN, int(kdf.r), int(kdf.p), keySize)
		if err != nil {
			return nil, fmt.Errorf("derive key: %w", err)
		}
		f.key, f.salt = key, bytes.Clone(kdf.salt)
		// scrypt's work area (tens of MB) is garbage now; hand it back to
		// the system rather than keep it resident in a long-running proxy.
		debug.FreeOSMemory()
	}
	block, err := aes.NewCipher(f.key)
	if err != nil {
		return nil, fmt.Errorf("init cipher: %w", err)
	}
	return cipher.NewGCM(block)
}
