package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/redact"
	"github.com/byokhq/byok/reports"
	"github.com/byokhq/byok/store"
	"github.com/byokhq/byok/store/keychain"
)

// envLabel is the label of keys read from environment variables.
const envLabel = "env"

var labelPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$`)

// KeyView is a key's metadata with what the lists show beside it.
type KeyView struct {
	store.Key
	// RotateDue says the key is older than rotate_after_days.
	RotateDue bool
	// Env names the variable of an env key.
	Env string
	// Balance is the last balance, credit or limit read with this key,
	// with its time; nil when none was.
	Balance *BalanceView
}

// Age returns how long ago the key was created or last rotated.
func (k KeyView) Age(now time.Time) time.Duration {
	t := k.CreatedAt
	if k.RotatedAt.After(t) {
		t = k.RotatedAt
	}
	return now.Sub(t)
}

// Status is the one word the key lists show: "revoked"; what byok last
// learned that makes the key unusable ("rejected", "no credit", "missing
// secret"); "rotate" (due for rotation); "unchecked" for a key byok has
// neither checked nor sent with; otherwise "ok", which a provider that could
// not be reached at the last check does not take away.
func (k KeyView) Status() string {
	switch {
	case k.Revoked():
		return "revoked"
	case k.Health == store.HealthRejected:
		return "rejected"
	case k.Health == store.HealthNoCredit:
		return "no credit"
	case k.Health == store.HealthMissing:
		return "missing secret"
	case k.RotateDue:
		return "rotate"
	case k.Health == store.HealthUnknown && k.ValidatedAt.IsZero() && k.LastUsedAt.IsZero():
		return "unchecked"
	}
	return "ok"
}

// checkSecret validates the form of a secret before anyone sees it: one
// line, no spaces, and for structured providers the JSON fields they need.
func checkSecret(spec providers.Spec, secret string) (string, error) {
	secret = strings.TrimSpace(secret)
	if secret == "" {
		return "", errors.New("the key is empty: paste it on stdin or at the prompt")
	}
	if spec.Structured {
		var fields map[string]any
		if err := json.Unmarshal([]byte(secret), &fields); err != nil {
			return "", fmt.Errorf("%s takes its credentials as one JSON value; it did not parse: %v", spec.Name, redact.String(err.Error()))
		}
		var need []string
		switch spec.Kind {
		case providers.KindBedrock:
			need = []string{"access_key_id", "secret_access_key", "region"}
		default:
			need = []string{"endpoint", "deployment", "api_key"}
		}
		var missing []string
		for _, f := range need {
			if s, _ := fields[f].(string); s == "" {
				missing = append(missing, f)
			}
		}
		if len(missing) > 0 {
			return "", fmt.Errorf("%s credentials need %s; missing: %s", spec.Name, strings.Join(need, ", "), strings.Join(missing, ", "))
		}
		return secret, nil
	}
	if spec.ID == ExportSecretProvider {
		// An export header's value is often a scheme and a credential
		// ("Basic dXNlcjp0b2tlbg==", "Bearer …"), so it may hold spaces; a
		// line break would end the header and begin another.
		if strings.ContainsFunc(secret, func(r rune) bool { return r != '\t' && unicode.IsControl(r) }) {
			return "", errors.New("the header value contains a line break or a control character: paste it on one line")
		}
	} else if strings.ContainsAny(secret, " \t\r\n") {
		return "", errors.New("the key contains spaces or line breaks: paste only the key")
	}
	// The redactor keeps no value shorter than redact.MinLength (too many
	// ordinary words would match), so a shorter key would be echoed in
	// full by any error that quotes it. No provider issues keys that short.
	if len(secret) < redact.MinLength {
		return "", inputError{fmt.Errorf("the key is only %d characters; byok takes keys of %d or more (check that the whole key was pasted)", len(secret), redact.MinLength)}
	}
	return secret, nil
}

// KeyExistsError says a new key's name is taken; it carries the key that
// has it, so callers can name the command that replaces its secret.
type KeyExistsError struct{ Key store.Key }

func (e *KeyExistsError) Error() string {
	return fmt.Sprintf("a key %s exists already: rotate it to replace its secret, or pick another label", e.Key.Name())
}

// Unwrap makes the error match store.ErrDuplicate.
func (e *KeyExistsError) Unwrap() error { return store.ErrDuplicate }

// CheckKeyName says whether label ("default" when empty) can name a new key
// of provider, before its secret is asked for; AddKey checks the same.
func (a *App) CheckKeyName(ctx context.Context, provider, label string) error {
	spec, err := a.KeySpec(provider)
	if err != nil {
		return err
	}
	if err := a.CheckNewSecret(); err != nil {
		return err
	}
	if label == "" {
		label = "default"
	}
	return a.checkKeyName(ctx, spec.ID, label)
}

// CheckNewSecret says whether this home takes a new secret (an added or a
// rotated key), so that callers refuse before asking for one: an offline
// demo home keeps to its stand-in keys.
func (a *App) CheckNewSecret() error {
	if a.Config.OfflineDemo {
		return ErrDemoKey
	}
	return nil
}

// KeySpec returns the provider a key belongs to, or for "otlp" the
// namespace of export header secrets (which no provider checks).
func (a *App) KeySpec(provider string) (providers.Spec, error) {
	if strings.EqualFold(provider, ExportSecretProvider) {
		return providers.Spec{ID: ExportSecretProvider, Name: "OTLP export header"}, nil
	}
	return a.Provider(provider)
}

// labelFor reads a key chosen for a request to spec's provider: its label,
// or the "provider/label" name that keys list and the Keys view show.
// Labels hold no '/', so the prefix cannot be part of one.
func labelFor(spec providers.Spec, label string) (string, error) {
	provider, rest, ok := strings.Cut(label, "/")
	if !ok {
		return label, nil
	}
	if !strings.EqualFold(provider, spec.ID) {
		return "", inputError{fmt.Errorf("the key %s belongs to %s, not %s: pick one of %s's keys (see `byok keys list`)", label, provider, spec.ID, spec.ID)}
	}
	return rest, nil
}

// CheckKeyLabel says whether label is well formed for a key.
func CheckKeyLabel(label string) error {
	if !labelPattern.MatchString(label) || label == envLabel {
		return inputError{fmt.Errorf("label %q: use up to 40 letters, digits, '.', '-' or '_' (and not %q, which names environment keys)", label, envLabel)}
	}
	return nil
}

// checkKeyName refuses a malformed label and the name of an existing key.
func (a *App) checkKeyName(ctx context.Context, provider, label string) error {
	if err := CheckKeyLabel(label); err != nil {
		return err
	}
	if k, err := a.db.KeyByName(ctx, provider, label); err == nil {
		return &KeyExistsError{Key: k}
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// AddKey stores a new key in the keyring and its metadata in the store,
// after validating it with the provider unless validate is false.
func (a *App) AddKey(ctx context.Context, provider, label, secret string, validate bool) (store.Key, error) {
	return a.addKey(ctx, provider, label, secret, validate, false)
}

// AddAdminKey stores an admin or management credential (an OpenAI admin
// key, an Anthropic Admin API key, an OpenRouter management key, xAI's
// management key with its team id) like any key, after validating it with
// the cheapest call only such a key may make. byok reads the provider's
// usage, cost and balance reports with it and never sends a prompt with it.
// The label defaults to "admin".
func (a *App) AddAdminKey(ctx context.Context, provider, label, secret string, validate bool) (store.Key, error) {
	if label == "" {
		label = "admin"
	}
	return a.addKey(ctx, provider, label, secret, validate, true)
}

// TakesAdminKey says whether a provider has an admin or management key
// byok can read reports or balances with, the providers AddAdminKey
// accepts, so a form can offer the choice only where it is one.
func TakesAdminKey(provider string) bool {
	return reports.Capabilities(provider).Admin
}

func (a *App) addKey(ctx context.Context, provider, label, secret string, validate, admin bool) (store.Key, error) {
	spec, err := a.KeySpec(provider)
	if err != nil {
		return store.Key{}, err
	}
	if spec.ID == ExportSecretProvider {
		validate = false // an export header has no provider to ask
	}
	if spec.NoKey && !spec.Structured && spec.Local {
		return store.Key{}, fmt.Errorf("%s runs locally and needs no key", spec.Name)
	}
	if err := a.CheckNewSecret(); err != nil {
		return store.Key{}, err
	}
	if admin && !reports.Capabilities(spec.ID).Admin {
		return store.Key{}, fmt.Errorf("%s has no admin or management API byok can read (%s); add its ordinary key without --admin", spec.Name, reports.Capabilities(spec.ID).None)
	}
	if label == "" {
		label = "default"
	}
	if err := a.checkKeyName(ctx, spec.ID, label); err != nil {
		return store.Key{}, err
	}
	if secret, err = checkKeySecret(spec, secret, admin); err != nil {
		return store.Key{}, err
	}
	redact.Register(secret)
	k := store.Key{Provider: spec.ID, Label: label, Last4: keychain.Last4(secret), Fingerprint: keychain.Fingerprint(secret), Source: store.KeyKeychain, Admin: admin}
	if a.Config.Keyring == keychain.BackendFile {
		k.Source = store.KeyFile
	}
	if validate {
		if err := a.validate(ctx, spec, secret, admin, nil); err != nil {
			return store.Key{}, err
		}
		k.ValidatedAt = a.now()
	}
	sec, err := a.Secrets()
	if err != nil {
		return store.Key{}, err
	}
	// The keychain is shared by every home with the same keyring_service:
	// a different secret under this name is another home's key, which
	// writing ours would silently replace.
	account := keychain.Account(spec.ID, label)
	held := false
	switch cur, err := sec.Get(ctx, account); {
	case err == nil && cur != secret:
		return store.Key{}, fmt.Errorf("the keyring already holds another secret for %s (…%s), perhaps another byok home's: pick another label, "+
			"give this home a keyring_service of its own in config.toml, or, if nothing uses that secret any more, delete it from the keychain first", account, keychain.Last4(cur))
	case err == nil:
		held = true
	case !errors.Is(err, keychain.ErrNotFound):
		return store.Key{}, fmt.Errorf("read the keyring: %w", err)
	}
	if err := sec.Set(ctx, account, secret); err != nil {
		return store.Key{}, fmt.Errorf("save the key in the keyring: %w", err)
	}
	k.CreatedAt = a.now()
	if err := a.db.PutKey(ctx, &k); err != nil {
		if !held { // a secret that was there already stays for whoever put it there
			if derr := sec.Delete(ctx, account); derr != nil {
				a.Log.Warn("undo keyring write", "key", k.Name(), "err", derr)
			}
		}
		return store.Key{}, err
	}
	// The store makes the first live key of a provider its default, which
	// may be an environment variable's listed before: requests go to the
	// stored key all the same, and it takes the mark, so that a key added
	// later under a label sorting before it does not take its place.
	if d, ok := a.defaultKey(ctx, k.Provider); ok && d.ID == k.ID && !k.Default {
		if err := a.db.SetDefaultKey(ctx, k.ID); err != nil {
			a.Log.Warn("mark the default key", "key", k.Name(), "err", err)
		} else {
			k.Default = true
		}
	}
	detail := "fingerprint " + k.Fingerprint
	if admin {
		detail = "admin key, " + detail
	}
	a.audit(ctx, "key.add", k.Name(), detail)
	return k, nil
}

// checkKeySecret checks the form of a secret: an xAI management
// credential is a JSON value of its own, every other one as checkSecret.
func checkKeySecret(spec providers.Spec, secret string, admin bool) (string, error) {
	if admin && spec.ID == "xai" {
		secret = strings.TrimSpace(secret)
		if _, err := reports.ParseXAISecret(secret); err != nil {
			return "", err
		}
		return secret, nil
	}
	return checkSecret(spec, secret)
}

// validate runs the check that fits the key: the provider's cheapest call
// for an ordinary key, the cheapest admin call for an admin key. stored is
// the key being tested (keys test), nil for a secret about to be stored
// (add, rotate): the advice differs, since a stored key is already saved
// and --no-validate means nothing to a test.
func (a *App) validate(ctx context.Context, spec providers.Spec, secret string, admin bool, stored *store.Key) error {
	what := "key"
	var err error
	if admin {
		what, err = "admin key", reports.CheckAdmin(ctx, spec, secret, a.reportOptions())
	} else {
		err = providers.CheckKey(ctx, spec, secret, a.providerOptions(""))
	}
	switch {
	case err == nil:
		return nil
	case stored != nil:
		return a.storedKeyFailed(ctx, spec, *stored, err)
	}
	return newKeyFailed(spec, what, err)
}

// newKeyFailed explains why a key (or admin key) about to be stored was not:
// what the provider said, that nothing was saved, and how to store it anyway.
func newKeyFailed(spec providers.Spec, what string, err error) error {
	var pe *providers.Error
	if errors.As(err, &pe) {
		switch pe.Class {
		case providers.ClassAuth:
			return fmt.Errorf("%s rejected the %s (HTTP %d): it is wrong, revoked or lacks permission; nothing was saved. Check it in the provider's console, or use --no-validate to store it anyway: %w", spec.Name, what, pe.Status, err)
		case providers.ClassCredit:
			return fmt.Errorf("%s accepted the %s but the account has no credit; add credit, or use --no-validate to store it anyway: %w", spec.Name, what, err)
		case providers.ClassNetwork, providers.ClassTimeout:
			return fmt.Errorf("could not reach %s to check the %s (%s); check the network or use --no-validate: %w", spec.Name, what, spec.BaseURL, err)
		}
	}
	return fmt.Errorf("checking the %s with %s failed: %w", what, spec.Name, err)
}

// StoredKeyError is a failed test of a stored key: what the provider said
// of it. Its message tells a command-line user what to do; the TUI phrases
// the same diagnosis with its own keys.
type StoredKeyError struct {
	Provider string // the provider's display name
	BaseURL  string
	Key      store.Key
	Class    providers.Class // auth, credit, network or timeout; "" for anything else
	Status   int
	Err      error
	// Demo is set in an offline demo home, whose rejected key is a
	// stand-in refused on purpose and cannot be rotated; Instead names a
	// key of the same provider that works, if there is one.
	Demo    bool
	Instead string
}

func (e *StoredKeyError) Error() string {
	k := e.Key
	switch e.Class {
	case providers.ClassAuth:
		if e.Demo {
			use := "another of the demo's keys (every other one works)"
			if e.Instead != "" {
				use = fmt.Sprintf("%s, with `byok prompt --key %s`", e.Instead, strings.TrimPrefix(e.Instead, k.Provider+"/"))
			}
			return fmt.Sprintf("%s rejected the stored key %s (HTTP %d): %s; send with %s: %v", e.Provider, k.Name(), e.Status, DemoRejectedKey, use, e.Err)
		}
		return fmt.Sprintf("%s rejected the stored key %s (HTTP %d): it is wrong, revoked or lacks permission. Put a working key in its place with `byok keys rotate %d`, or remove it with `byok keys rm %d`: %v", e.Provider, k.Name(), e.Status, k.ID, k.ID, e.Err)
	case providers.ClassCredit:
		return fmt.Sprintf("%s accepted the stored key %s but the account has no credit: add credit in the provider's console, then test it again with `byok keys test %d`: %v", e.Provider, k.Name(), k.ID, e.Err)
	case providers.ClassNetwork, providers.ClassTimeout:
		return fmt.Sprintf("could not reach %s (%s) to test the stored key %s; check the network and run `byok keys test %d` again: %v", e.Provider, e.BaseURL, k.Name(), k.ID, e.Err)
	}
	return fmt.Sprintf("testing the stored key %s with %s failed: %v", k.Name(), e.Provider, e.Err)
}

func (e *StoredKeyError) Unwrap() error { return e.Err }

// DemoRejectedKey is what a demo home says of its rejected key, in place of
// advice to rotate it, which a demo home refuses.
const DemoRejectedKey = "in this demo it stands for a revoked key and is refused on purpose; a demo home cannot rotate it"

// storedKeyFailed explains a failed test of a stored key: what the provider
// said of it and what to do with the key that is kept.
func (a *App) storedKeyFailed(ctx context.Context, spec providers.Spec, k store.Key, err error) error {
	e := &StoredKeyError{Provider: spec.Name, BaseURL: spec.BaseURL, Key: k, Err: err, Demo: a.Config.OfflineDemo}
	if e.Demo {
		if d, derr := a.db.DefaultKey(ctx, k.Provider); derr == nil && d.ID != k.ID && !d.Revoked() {
			e.Instead = d.Name()
		}
	}
	var pe *providers.Error
	if errors.As(err, &pe) {
		switch pe.Class {
		case providers.ClassAuth, providers.ClassCredit, providers.ClassNetwork, providers.ClassTimeout:
			e.Class, e.Status = pe.Class, pe.Status
		}
	}
	return e
}

// KeyToRotate returns the key with this id if RotateKey can replace its
// secret, and otherwise why not (an environment variable's key, a removed
// one), so that a caller says so before a new secret is pasted.
func (a *App) KeyToRotate(ctx context.Context, id int64) (store.Key, error) {
	k, err := a.db.KeyByID(ctx, id)
	if err != nil {
		return store.Key{}, err
	}
	if k.Source == store.KeyEnv {
		return store.Key{}, fmt.Errorf("%s comes from an environment variable: change the variable, or import it with `byok keys import-env`", k.Name())
	}
	if k.Revoked() {
		return store.Key{}, a.removedKey(k, "")
	}
	return k, nil
}

// removedKey refuses a removed key what was asked of it, said by why
// after "was removed", with the remedy this home allows: a new key under
// another label (the removed one keeps its name for its history), which
// an offline demo home does not take.
func (a *App) removedKey(k store.Key, why string) error {
	if a.CheckNewSecret() != nil {
		return fmt.Errorf("%s was removed%s", k.Name(), why)
	}
	return fmt.Errorf("%s was removed%s; add a new key with `byok keys add %s --label %s-2`", k.Name(), why, k.Provider, k.Label)
}

// RotateKey replaces the secret of a stored key: same id and history.
func (a *App) RotateKey(ctx context.Context, id int64, secret string, validate bool) (store.Key, error) {
	if err := a.CheckNewSecret(); err != nil {
		return store.Key{}, err
	}
	k, err := a.KeyToRotate(ctx, id)
	if err != nil {
		return store.Key{}, err
	}
	spec, err := a.KeySpec(k.Provider)
	if err != nil {
		return store.Key{}, err
	}
	if spec.ID == ExportSecretProvider {
		validate = false
	}
	if secret, err = checkKeySecret(spec, secret, k.Admin); err != nil {
		return store.Key{}, err
	}
	redact.Register(secret)
	if validate {
		if err := a.validate(ctx, spec, secret, k.Admin, nil); err != nil {
			return store.Key{}, err
		}
		k.ValidatedAt = a.now()
	}
	sec, err := a.Secrets()
	if err != nil {
		return store.Key{}, err
	}
	if err := sec.Set(ctx, keychain.Account(k.Provider, k.Label), secret); err != nil {
		return store.Key{}, fmt.Errorf("save the new key in the keyring: %w", err)
	}
	old := k.Fingerprint
	k.Last4, k.Fingerprint, k.RotatedAt = keychain.Last4(secret), keychain.Fingerprint(secret), a.now()
	if err := a.db.PutKey(ctx, &k); err != nil {
		return store.Key{}, err
	}
	a.audit(ctx, "key.rotate", k.Name(), fmt.Sprintf("fingerprint %s -> %s", old, k.Fingerprint))
	return k, nil
}

// TestKey runs the provider's key check on a stored or env key. A removed
// key is refused before anything is asked or learned of it: its secret
// was deleted on purpose, which a test would otherwise record as a
// missing secret and raise an alert for. An environment variable's key is
// first read again from the environment, as the key lists read it, so the
// test is of the variable's value now: refused if it is no longer set.
func (a *App) TestKey(ctx context.Context, id int64) (store.Key, error) {
	k, err := a.db.KeyByID(ctx, id)
	if err != nil {
		return store.Key{}, err
	}
	if k.Provider == ExportSecretProvider {
		return k, fmt.Errorf("%s is an export header, not a provider key: `byok export otlp` shows whether the endpoint accepts it", k.Name())
	}
	spec, err := a.Provider(k.Provider)
	if err != nil {
		return k, err
	}
	if k.Source == store.KeyEnv {
		if err := a.syncEnvKeys(ctx); err != nil {
			return k, err
		}
		if k, err = a.db.KeyByID(ctx, id); err != nil {
			return store.Key{}, err
		}
		if k.Revoked() {
			return k, fmt.Errorf("%s came from the environment, which no longer sets %s: set it again to test the key", k.Name(), strings.Join(spec.KeyEnv, " or "))
		}
	}
	if k.Revoked() {
		return k, a.removedKey(k, " and its secret deleted: there is nothing to test")
	}
	secret, err := a.secretOf(ctx, spec, k)
	if err != nil {
		a.learnKeyHealth(ctx, k, err, true)
		return k, err
	}
	err = a.validate(ctx, spec, secret, k.Admin, &k)
	a.learnKeyHealth(ctx, k, err, true)
	if err != nil {
		a.audit(ctx, "key.test", k.Name(), "failed: "+redact.String(err.Error()))
		if fresh, ferr := a.db.KeyByID(ctx, id); ferr == nil {
			k = fresh
		}
		return k, err
	}
	k.ValidatedAt = a.now()
	k.Health, k.HealthAt, k.HealthDetail = store.HealthOK, k.ValidatedAt, ""
	if err := a.db.PutKey(ctx, &k); err != nil {
		return k, err
	}
	a.audit(ctx, "key.test", k.Name(), "ok")
	return k, nil
}

// KeyToRemove returns the key with this id if RemoveKey can remove it, and
// otherwise why not, so that a caller says so before asking to confirm: a
// key removed already, or an environment variable's, which only unsetting
// the variable takes away (the key lists read the environment again).
func (a *App) KeyToRemove(ctx context.Context, id int64) (store.Key, error) {
	k, err := a.db.KeyByID(ctx, id)
	if err != nil {
		return store.Key{}, err
	}
	if k.Revoked() {
		return k, fmt.Errorf("%s was removed already", k.Name())
	}
	if k.Source == store.KeyEnv {
		what := "its environment variable"
		if spec, ok := a.Registry.Get(k.Provider); ok {
			if name, _ := a.envSecret(spec); name != "" {
				what = name
			}
		}
		return k, fmt.Errorf("%s comes from %s, which byok reads and cannot remove: unset the variable to take the key out of byok", k.Name(), what)
	}
	return k, nil
}

// RemoveKey deletes the secret from the keyring and marks the metadata
// revoked, so history still names it.
func (a *App) RemoveKey(ctx context.Context, id int64) (store.Key, error) {
	k, err := a.KeyToRemove(ctx, id)
	if err != nil {
		return k, err
	}
	sec, err := a.Secrets()
	if err != nil {
		return k, err
	}
	if err := sec.Delete(ctx, keychain.Account(k.Provider, k.Label)); err != nil && !errors.Is(err, keychain.ErrNotFound) {
		return k, fmt.Errorf("delete the key from the keyring: %w", err)
	}
	k.RevokedAt = a.now()
	if err := a.db.PutKey(ctx, &k); err != nil {
		return k, err
	}
	// Hand the default to another live key of the provider.
	if k.Default {
		if ks, err := a.db.Keys(ctx); err == nil {
			for _, o := range ks {
				if o.Provider == k.Provider && !o.Revoked() && !o.Admin && o.Source != store.KeyEnv && o.ID != k.ID {
					if err := a.db.SetDefaultKey(ctx, o.ID); err != nil {
						a.Log.Warn("hand over the default key", "err", err)
					}
					break
				}
			}
		}
	}
	a.audit(ctx, "key.rm", k.Name(), "secret deleted from the keyring")
	return k, nil
}

// SetDefaultKey makes a key its provider's default and returns it: the key
// requests of the provider send with when they name none. Only a live,
// ordinary, stored key can be one; any other is refused with what to do.
func (a *App) SetDefaultKey(ctx context.Context, id int64) (store.Key, error) {
	k, err := a.db.KeyByID(ctx, id)
	if err != nil {
		return store.Key{}, err
	}
	switch {
	case k.Provider == ExportSecretProvider:
		return k, fmt.Errorf("%s is an export header, not a provider key: config.toml names it by its label, and no request sends with it", k.Name())
	case k.Source == store.KeyEnv:
		// An environment variable's key is sent with only while its
		// provider has no stored key; marking it would take the mark off
		// the stored default without making this key the one used.
		msg := fmt.Sprintf("%s comes from an environment variable and cannot be the default: byok sends with it only while %s has no stored key", k.Name(), k.Provider)
		if a.CheckNewSecret() == nil {
			msg += "; to send with it by default, store it with `byok keys import-env`, then make the stored copy the default"
		}
		return k, errors.New(msg)
	case k.Revoked():
		return k, a.removedKey(k, " and cannot be the default")
	case k.Admin:
		name := k.Provider
		if spec, ok := a.Registry.Get(k.Provider); ok {
			name = spec.Name
		}
		return k, fmt.Errorf("%s is an admin key: byok uses it only to read %s's usage, cost and balance reports, never for requests, so it cannot be the default; make one of %s's other keys the default (see `byok keys list`)", k.Name(), name, name)
	}
	// The store checks again, in its transaction, for a key removed since.
	if err := a.db.SetDefaultKey(ctx, id); err != nil {
		return store.Key{}, err
	}
	if k, err = a.db.KeyByID(ctx, id); err != nil {
		return store.Key{}, fmt.Errorf("read the new default key: %w", err)
	}
	return k, nil
}

// Keys lists stored keys and the keys visible in the environment.
func (a *App) Keys(ctx context.Context) ([]KeyView, error) {
	if err := a.syncEnvKeys(ctx); err != nil {
		a.Log.Warn("sync environment keys", "err", err)
	}
	ks, err := a.db.Keys(ctx)
	if err != nil {
		return nil, err
	}
	bs, err := a.LastBalances(ctx)
	if err != nil {
		return nil, err
	}
	// The default mark goes on the key a request that names none sends
	// with (see resolveKey): the provider's default stored key, else its
	// environment variable's. The stored flag alone could mislead: an
	// environment variable's key listed before any key was stored carries
	// it, while requests go to the stored key added since.
	defaults := map[string]int64{}
	for _, k := range ks {
		if _, seen := defaults[k.Provider]; !seen {
			defaults[k.Provider] = 0
			if d, ok := a.defaultKey(ctx, k.Provider); ok {
				defaults[k.Provider] = d.ID
			}
		}
	}
	now := a.now()
	out := make([]KeyView, 0, len(ks))
	for _, k := range ks {
		v := KeyView{Key: k}
		if d := defaults[k.Provider]; d != 0 {
			v.Default = k.ID == d
		} else {
			v.Default = k.Source == store.KeyEnv && !k.Revoked()
		}
		for i := range bs {
			if bs[i].KeyID == k.ID {
				v.Balance = &bs[i]
			}
		}
		days := a.Config.RotateAfterDays
		if days > 0 && !k.Revoked() && k.Source != store.KeyEnv && v.Age(now) > time.Duration(days)*24*time.Hour {
			v.RotateDue = true
		}
		if k.Source == store.KeyEnv {
			if spec, ok := a.Registry.Get(k.Provider); ok {
				v.Env, _ = a.envSecret(spec)
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// envSecret returns the variable name and value of a provider's env key.
func (a *App) envSecret(spec providers.Spec) (string, string) {
	secret, source, ok := providers.EnvSecret(spec, a.env)
	if !ok {
		return "", ""
	}
	return source, strings.TrimSpace(secret)
}

// syncEnvKeys makes a metadata row (source env, label "env") for every
// provider whose key variable is set, so env keys list, count and budget
// like stored ones; a changed variable shows as a rotation, an unset one
// as revoked.
func (a *App) syncEnvKeys(ctx context.Context) error {
	if a.db == nil {
		return nil
	}
	ks, err := a.db.Keys(ctx)
	if err != nil {
		return err
	}
	have := map[string]store.Key{}
	for _, k := range ks {
		if k.Source == store.KeyEnv {
			have[k.Provider] = k
		}
	}
	var errs []error
	for _, spec := range a.Registry.All() {
		_, secret := a.envSecret(spec)
		k, exists := have[spec.ID]
		switch {
		case secret == "" && exists && !k.Revoked():
			k.RevokedAt = a.now()
			errs = append(errs, a.db.PutKey(ctx, &k))
		case secret == "":
		case !exists:
			redact.Register(secret)
			k = store.Key{Provider: spec.ID, Label: envLabel, Source: store.KeyEnv, Last4: keychain.Last4(secret), Fingerprint: keychain.Fingerprint(secret)}
			errs = append(errs, a.db.PutKey(ctx, &k))
		case k.Fingerprint != keychain.Fingerprint(secret) || k.Revoked():
			redact.Register(secret)
			k.Last4, k.Fingerprint, k.RotatedAt, k.RevokedAt = keychain.Last4(secret), keychain.Fingerprint(secret), a.now(), time.Time{}
			errs = append(errs, a.db.PutKey(ctx, &k))
		}
	}
	return errors.Join(errs...)
}

// ImportEnv copies every provider key found in the environment into the
// keyring under the label "imported" (or label when given).
func (a *App) ImportEnv(ctx context.Context, label string, validate bool) ([]store.Key, error) {
	if label == "" {
		label = "imported"
	}
	var out []store.Key
	var errs []error
	for _, spec := range a.Registry.All() {
		name, secret := a.envSecret(spec)
		if secret == "" {
			continue
		}
		if k, err := a.db.KeyByName(ctx, spec.ID, label); err == nil && k.Fingerprint == keychain.Fingerprint(secret) && !k.Revoked() {
			continue // imported before
		}
		k, err := a.AddKey(ctx, spec.ID, label, secret, validate)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s (%s): %w", spec.ID, name, err))
			continue
		}
		out = append(out, k)
	}
	return out, errors.Join(errs...)
}

// defaultKey returns the provider's default live key, if any.
func (a *App) defaultKey(ctx context.Context, provider string) (store.Key, bool) {
	k, err := a.db.DefaultKey(ctx, provider)
	return k, err == nil
}

// noKeyError says a provider has no key at all, and how to add one. It
// is a store.ErrNotFound, as a missing key label is.
type noKeyError struct{ provider, hint string }

func (e *noKeyError) Error() string { return "no key for " + e.provider + ": " + e.hint }
func (e *noKeyError) Unwrap() error { return store.ErrNotFound }

// UnusableKeyError says the key a request named cannot send requests: it
// was removed, or it is an admin key. Its message tells a CLI user to pick
// another with --key; a caller whose users name keys some other way (the
// proxy's x-byok-key header) words the remedy with Explain.
type UnusableKeyError struct {
	Key      store.Key
	Provider string // the provider's display name
}

func (e *UnusableKeyError) Error() string {
	return e.Explain("pick another with --key (see `byok keys list`)")
}

// Explain says why the key cannot send requests, then remedy.
func (e *UnusableKeyError) Explain(remedy string) string {
	if e.Key.Revoked() {
		return fmt.Sprintf("the key %s was removed; %s", e.Key.Name(), remedy)
	}
	return fmt.Sprintf("%s is an admin key: byok uses it only to read %s's usage, cost and balance reports, never for requests; %s", e.Key.Name(), e.Provider, remedy)
}

// resolveKey picks the key of a request: the named label, else the
// provider's default stored key, else its environment variable.
func (a *App) resolveKey(ctx context.Context, spec providers.Spec, label string) (store.Key, string, error) {
	label, err := labelFor(spec, label)
	if err != nil {
		return store.Key{}, "", err
	}
	var k store.Key
	switch {
	case label != "":
		if k, err = a.db.KeyByName(ctx, spec.ID, label); err != nil {
			if label == envLabel {
				if serr := a.syncEnvKeys(ctx); serr != nil {
					return store.Key{}, "", serr
				}
				k, err = a.db.KeyByName(ctx, spec.ID, label)
			}
			if err != nil {
				return store.Key{}, "", err
			}
		}
		if k.Revoked() || k.Admin {
			return store.Key{}, "", &UnusableKeyError{Key: k, Provider: spec.Name}
		}
	default:
		var ok bool
		if k, ok = a.defaultKey(ctx, spec.ID); !ok {
			if _, secret := a.envSecret(spec); secret != "" {
				if err := a.syncEnvKeys(ctx); err != nil {
					return store.Key{}, "", err
				}
				k, err := a.db.KeyByName(ctx, spec.ID, envLabel)
				return k, secret, err
			}
			hint := fmt.Sprintf("add one with `byok keys add %s`", spec.ID)
			if len(spec.KeyEnv) > 0 {
				hint += " or set " + spec.KeyEnv[0]
			}
			return store.Key{}, "", &noKeyError{provider: spec.Name, hint: hint}
		}
	}
	secret, err := a.secretOf(ctx, spec, k)
	return k, secret, err
}

// secretOf reads a key's secret from the keyring or the environment.
func (a *App) secretOf(ctx context.Context, spec providers.Spec, k store.Key) (string, error) {
	if k.Source == store.KeyEnv {
		if _, s := a.envSecret(spec); s != "" {
			redact.Register(s)
			return s, nil
		}
		return "", fmt.Errorf("%s came from the environment, which no longer sets it", k.Name())
	}
	sec, err := a.Secrets()
	if err != nil {
		return "", err
	}
	s, err := sec.Get(ctx, keychain.Account(k.Provider, k.Label))
	if errors.Is(err, keychain.ErrNotFound) {
		return "", fmt.Errorf("the keyring has no secret for %s (it was deleted outside byok?): add it again with `byok keys rotate %d`: %w", k.Name(), k.ID, err)
	}
	if err != nil {
		return "", fmt.Errorf("read %s from the keyring: %w", k.Name(), err)
	}
	redact.Register(s)
	// A secret that is not the one recorded was replaced outside this home
	// (another home sharing the keychain, another tool): spending with it
	// would charge a key the dashboard does not show.
	if k.Fingerprint != "" && keychain.Fingerprint(s) != k.Fingerprint {
		return "", fmt.Errorf("the keyring's secret for %s (…%s) is not the key this home recorded (…%s): something outside this home replaced it; "+
			"store the key this home should use with `byok keys rotate %d`, or give this home a keyring_service of its own in config.toml", k.Name(), keychain.Last4(s), k.Last4, k.ID)
	}
	return s, nil
}

// KeyHistory returns a key's lifecycle changes and its recent requests.
func (a *App) KeyHistory(ctx context.Context, id int64, limit int) (store.Key, []store.AuditEntry, []store.Event, error) {
	k, err := a.db.KeyByID(ctx, id)
	if err != nil {
		return store.Key{}, nil, nil, err
	}
	log, err := a.db.AuditLog(ctx, k.Name(), limit)
	if err != nil {
		return k, nil, nil, err
	}
	evs, err := a.db.Events(ctx, store.Filter{Scope: store.Scope{KeyID: k.ID}, Limit: limit})
	return k, log, evs, err
}

func (a *App) audit(ctx context.Context, action, subject, detail string) {
	if err := a.db.Audit(ctx, store.AuditEntry{Action: action, Subject: subject, Detail: redact.String(detail)}); err != nil {
		a.Log.Warn("audit", "action", action, "err", err)
	}
}

// ModelList is a provider's own list of the models it serves.
type ModelList struct {
	Models []string `json:"models"`
	// At is when the provider was asked.
	At time.Time `json:"at"`
	// Cached says the list is the one asked for within the last day.
	Cached bool `json:"-"`
}

// modelListTTL is how long a provider's model list is kept: lists change
// a few times a month, and asking costs a round trip with the user's key.
const modelListTTL = 24 * time.Hour

// ListModels asks a provider for its model list with the resolved key, or
// returns the list asked for within the last day.
func (a *App) ListModels(ctx context.Context, provider, label string) (ModelList, error) {
	spec, err := a.Provider(provider)
	if err != nil {
		return ModelList{}, inputError{err}
	}
	cacheKey := "models.live." + spec.ID
	if v, err := a.db.Setting(ctx, cacheKey); err == nil {
		var c ModelList
		if json.Unmarshal([]byte(v), &c) == nil && a.now().Sub(c.At) < modelListTTL {
			c.Cached = true
			return c, nil
		}
	}
	secret := ""
	if !spec.NoKey {
		if _, secret, err = a.resolveKey(ctx, spec, label); err != nil {
			return ModelList{}, err
		}
	}
	models, err := providers.ListModels(ctx, spec, secret, a.providerOptions(""))
	if err != nil {
		return ModelList{}, err
	}
	sort.Strings(models)
	list := ModelList{Models: models, At: a.now()}
	if b, err := json.Marshal(list); err == nil {
		if err := a.db.SetSetting(ctx, cacheKey, string(b)); err != nil {
			a.Log.Warn("cache the model list", "err", err)
		}
	}
	return list, nil
}
