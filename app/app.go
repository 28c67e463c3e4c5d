// Package app is byok's use-case layer: it opens the config, the store, the
// price catalog and the keychain, and composes the one path every request
// takes — check budget, resolve key, stream, price, record, evaluate alerts —
// for the CLI, the TUI and the proxy alike.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/byokhq/byok/budget"
	"github.com/byokhq/byok/config"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/redact"
	"github.com/byokhq/byok/store"
	"github.com/byokhq/byok/store/keychain"
)

// Options configure Open.
type Options struct {
	// Home is --home; empty means BYOK_HOME or the XDG directories.
	Home string
	// ReadOnly opens the database for reading only (the status line).
	ReadOnly bool
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Passphrase supplies the file keyring's passphrase when
	// BYOK_PASSPHRASE is unset (a hidden prompt in the CLI).
	Passphrase func() (string, error)
	// HTTPClient is used for every provider call; nil means the default.
	HTTPClient *http.Client
	// Env reads environment variables; nil means os.Getenv. Tests inject.
	Env func(string) string
}

// Reader is the read side of the store: what the CLI and the TUI may query
// directly. Every write, and every decision on what to write, goes through
// App's methods, so the CLI, the TUI and the proxy cannot drift apart;
// layout_test.go keeps this interface free of writes.
type Reader interface {
	Events(ctx context.Context, f store.Filter) ([]store.Event, error)
	EventTotals(ctx context.Context, f store.Filter) (store.Totals, error)
	Event(ctx context.Context, id int64) (store.Event, error)
	PriceRecord(ctx context.Context, ref string) (string, error)
	Totals(ctx context.Context, sc store.Scope, from, to time.Time) (store.Totals, error)
	Breakdown(ctx context.Context, sc store.Scope, from, to time.Time, by store.GroupBy, loc *time.Location) ([]store.Group, error)
	Alerts(ctx context.Context, all bool) ([]store.Alert, error)
	Keys(ctx context.Context) ([]store.Key, error)
	KeyByID(ctx context.Context, id int64) (store.Key, error)
	KeyByName(ctx context.Context, provider, label string) (store.Key, error)
	DataVersion(ctx context.Context) (int64, error)
}

var _ Reader = (*store.Store)(nil)

// App holds everything a byok command needs.
type App struct {
	Config *config.Config
	// Store reads the database; App's methods write it.
	Store    Reader
	Registry *providers.Registry
	Log      *slog.Logger

	db       *store.Store
	budgets  *budget.Engine
	readOnly bool

	now        func() time.Time
	env        func(string) string
	passphrase func() (string, error)
	httpClient *http.Client
	logFile    *os.File
	// reportSleep replaces the report clients' waits before a retry (tests
	// see the waits without waiting); nil waits.
	reportSleep func(context.Context, time.Duration) error
	// replyIdle replaces how long a provider may stay silent mid-reply
	// (tests stall a fake for milliseconds); zero keeps the providers'
	// default.
	replyIdle time.Duration

	// bg counts alert evaluations running after their request (see
	// Run.DeferAlerts); Close waits for them.
	bg sync.WaitGroup
	// pending holds the targets whose deferred evaluation is running, and
	// whether another request for the same target came in meanwhile.
	pendingMu sync.Mutex
	pending   map[budget.Target]bool

	// priceRefs remembers the price records this process has stored, so
	// each is written once rather than with every request.
	priceRefs sync.Map

	// cursorOnce and pumpOnce set up the export outbox once per process;
	// pump is nil until this process records or StartExport runs.
	cursorOnce sync.Once
	pumpOnce   sync.Once
	pump       *pump

	mu      sync.Mutex
	catalog *pricing.Catalog
	// base is the catalog prices start from (the embedded one, or the
	// newest snapshot `byok pricing update` wrote), overrides the user's
	// prices on top; catalog is built from both on first use.
	base      *pricing.Catalog
	baseNote  string
	overrides []pricing.Price
	secrets   keychain.Secrets
	// secretsSet says secrets was given by SetSecrets rather than opened.
	secretsSet bool
}

// Open loads the config and opens the store.
func Open(ctx context.Context, opt Options) (*App, error) {
	paths, err := config.ResolvePaths(opt.Home)
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(paths)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, now: opt.Now, env: opt.Env, passphrase: opt.Passphrase, httpClient: opt.HTTPClient, readOnly: opt.ReadOnly}
	if a.now == nil {
		a.now = time.Now
	}
	if a.env == nil {
		a.env = os.Getenv
	}
	a.Registry = buildRegistry(cfg)
	st, err := store.Open(ctx, paths.Database, store.Options{ReadOnly: opt.ReadOnly, Now: a.now})
	if err != nil {
		return nil, err
	}
	a.db, a.Store = st, st
	a.Log = slog.New(slog.DiscardHandler)
	if !opt.ReadOnly {
		notes := tightenHome(paths)
		if f, err := os.OpenFile(paths.Log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600); err == nil {
			// A log found open to others (0666) is made private: it
			// names keys, models and errors.
			if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o077 != 0 {
				if uid, ok := store.Owner(fi); ok {
					_ = f.Chmod(0o600)
				} else {
					notes = append(notes, fmt.Sprintf("%s is open to others (mode %v) but belongs to uid %d, so byok leaves its mode alone", paths.Log, fi.Mode().Perm(), uid))
				}
			}
			a.logFile = f
			a.Log = slog.New(slog.NewTextHandler(redactWriter{f}, nil))
			// Some SDKs write to the standard logger; keep that off the
			// terminal (it would tear the TUI) and redacted.
			log.SetOutput(redactWriter{f})
		}
		for _, n := range notes {
			a.Log.Warn("permissions", "note", n)
		}
	}
	a.budgets = budget.NewEngine(st, cfg.Location(), a.now)
	if err := a.reloadCatalog(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return a, nil
}

// redactWriter keeps secrets out of the log file, whatever a caller logs.
type redactWriter struct{ f *os.File }

func (w redactWriter) Write(p []byte) (int, error) {
	if _, err := w.f.WriteString(redact.String(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close closes the store and the log.
func (a *App) Close() error {
	a.bg.Wait()
	a.stopExport()
	err := a.db.Close()
	if a.logFile != nil {
		a.logFile.Close()
	}
	return err
}

// Now returns the current time on the app's clock.
func (a *App) Now() time.Time { return a.now() }

// Location is the time zone of budget periods and daily charts.
func (a *App) Location() *time.Location { return a.Config.Location() }

// Catalog returns the price catalog with the user's overrides applied.
// It is built on first use, so commands that price nothing never read a
// price snapshot.
func (a *App) Catalog() *pricing.Catalog {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.catalog == nil {
		a.catalog = a.composeCatalog(a.baseCatalogLocked(), a.overrides)
	}
	return a.catalog
}

// buildRegistry starts from the built-in providers and applies config:
// base URL overrides and custom providers.
func buildRegistry(cfg *config.Config) *providers.Registry {
	reg := providers.NewRegistry(providers.Builtin()...)
	ids := slices.Sorted(maps.Keys(cfg.Providers))
	for _, id := range ids {
		p := cfg.Providers[id]
		spec, ok := reg.Get(id)
		if !ok || p.Kind != "" {
			kind := providers.KindOpenAI
			if p.Kind == "anthropic" {
				kind = providers.KindAnthropic
			}
			spec = providers.Spec{ID: id, Name: id, Kind: kind}
		}
		if p.Name != "" {
			spec.Name = p.Name
		}
		if p.BaseURL != "" {
			spec.BaseURL = p.BaseURL
		}
		if p.KeyEnv != "" {
			spec.KeyEnv = []string{p.KeyEnv}
		}
		if p.NoKey {
			spec.NoKey = true
		}
		reg.Add(spec)
	}
	if cfg.OfflineDemo {
		// Every built-in provider is simulated: same ids, names and prices,
		// plain keys, and no request leaves the machine. A custom provider
		// (kind set in config) is one the user pointed at on purpose, such
		// as a local server, and stays as configured.
		for _, spec := range reg.All() {
			if cfg.Providers[spec.ID].Kind != "" {
				continue
			}
			spec.Kind, spec.AltKinds, spec.Structured, spec.NoKey = providers.KindDemo, nil, false, false
			reg.Add(spec)
		}
	}
	return reg
}

// Provider finds a provider by id or alias with an error that says what to do.
func (a *App) Provider(id string) (providers.Spec, error) {
	spec, ok := a.Registry.Get(id)
	if !ok {
		return providers.Spec{}, fmt.Errorf("unknown provider %q: see `byok providers` for the list, or define it under [providers.%s] in %s", id, id, a.Config.Paths.Config)
	}
	return spec, nil
}

const overridesSetting = "pricing.overrides"

// reloadCatalog reads the stored overrides (refusing damaged ones) and
// has the catalog rebuilt from them on its next use.
func (a *App) reloadCatalog(ctx context.Context) error {
	ovs, err := a.Overrides(ctx)
	if err != nil {
		return err
	}
	a.mu.Lock()
	a.overrides = ovs
	a.catalog = nil
	a.mu.Unlock()
	return nil
}

// composeCatalog puts local providers and the overrides on base.
func (a *App) composeCatalog(base *pricing.Catalog, ovs []pricing.Price) *pricing.Catalog {
	var local []string
	for _, s := range a.Registry.All() {
		if s.Local {
			local = append(local, s.ID)
		}
	}
	cat := base.WithLocal(local...).WithSelfHosted(selfHosted(a.Registry)...)
	if len(ovs) > 0 {
		cat = cat.WithOverrides(ovs)
	}
	return cat
}

// selfHosted names the providers that are servers of the user's own: no
// key, or a base URL on a loopback address (a vLLM or llama.cpp server).
// While one has no prices, budgets count its unpriced requests at $0
// rather than at another provider's dearest price.
func selfHosted(reg *providers.Registry) []string {
	var ids []string
	for _, s := range reg.All() {
		u, err := url.Parse(s.BaseURL)
		if s.NoKey || (err == nil && config.IsLoopbackName(u.Hostname())) {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

// Overrides returns the user's price overrides and imports.
func (a *App) Overrides(ctx context.Context) ([]pricing.Price, error) {
	v, err := a.db.Setting(ctx, overridesSetting)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read price overrides: %w", err)
	}
	var ps []pricing.Price
	if err := json.Unmarshal([]byte(v), &ps); err != nil {
		return nil, fmt.Errorf("the stored price overrides are damaged (%v); remove them with `byok pricing rm`", err)
	}
	return ps, nil
}

// Secrets opens the keyring on first use: the OS keychain, or the
// encrypted file when config says keyring = "file".
func (a *App) Secrets() (keychain.Secrets, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.secrets != nil {
		return a.secrets, nil
	}
	pass := func() (string, error) {
		if a.Config.OfflineDemo {
			return demoPassphrase, nil
		}
		if p := a.env("BYOK_PASSPHRASE"); p != "" {
			return p, nil
		}
		// Read when asked, not when opened: the TUI replaces the prompt.
		a.mu.Lock()
		ask := a.passphrase
		a.mu.Unlock()
		if ask != nil {
			return ask()
		}
		return "", errors.New("the file keyring needs a passphrase: set BYOK_PASSPHRASE or run byok in a terminal")
	}
	s, err := keychain.Open(keychain.Options{
		Backend: a.Config.Keyring, Service: a.Config.KeyringService,
		FilePath: a.Config.Paths.Secrets, Passphrase: pass,
	})
	if err != nil {
		return nil, err
	}
	a.secrets = s
	return s, nil
}

// SetPassphrase replaces how the file keyring asks for its passphrase when
// BYOK_PASSPHRASE is unset (the TUI asks in a dialog, not on the terminal).
func (a *App) SetPassphrase(ask func() (string, error)) {
	a.mu.Lock()
	a.passphrase = ask
	a.mu.Unlock()
}

// SetSecrets replaces the keyring (tests and the demo use a private one).
func (a *App) SetSecrets(s keychain.Secrets) {
	a.mu.Lock()
	a.secrets, a.secretsSet = s, true
	a.mu.Unlock()
}

// requestTimeout bounds one whole provider request, reply included.
const requestTimeout = 15 * time.Minute

// providerOptions are the HTTP options of every provider call.
func (a *App) providerOptions(client string) providers.Options {
	ua := "byok"
	if client != "" {
		ua = "byok (for " + client + ")"
	}
	// A provider that goes silent ends the reply after the providers'
	// think or idle wait; the whole request's bound also stops a reply
	// that trickles on for ever, and long reasoning replies still fit.
	return providers.Options{HTTPClient: a.httpClient, UserAgent: ua, Timeout: requestTimeout,
		IdleTimeout: a.replyIdle}
}

// DataDir returns the directory holding the database.
func (a *App) DataDir() string { return filepath.Dir(a.Config.Paths.Database) }

// tightenHome makes what byok owns private when it finds it open: the data
// directory (and a --home or BYOK_HOME directory) 0700, so that nobody else
// can plant a config.toml with an alert command in it. Failing costs only
// the tightening; the files themselves are checked as they are opened. A
// directory another user owns is left as it is (the kernel would refuse
// the chmod), and the returned notes say so for the log.
func tightenHome(paths config.Paths) (notes []string) {
	dirs := []string{filepath.Dir(paths.Database)}
	if paths.Home != "" {
		dirs = append(dirs, paths.Home)
	}
	for _, d := range dirs {
		fi, err := os.Stat(d)
		if err != nil || !fi.IsDir() || fi.Mode().Perm()&0o077 == 0 {
			continue
		}
		if uid, ok := store.Owner(fi); !ok {
			notes = append(notes, fmt.Sprintf("%s is open to others (mode %v) but belongs to uid %d, so byok leaves its mode alone; its owner can chmod 700 it", d, fi.Mode().Perm(), uid))
			continue
		}
		_ = os.Chmod(d, fi.Mode().Perm()&0o700)
	}
	return notes
}

// alertCommand is the alert command the config names, or an error saying
// why it will not run: a config file that another user can write could
// hold any command, and byok would run it as you.
func (a *App) alertCommand() (string, error) {
	cmd := a.Config.Alerts.Command
	if cmd == "" || runtime.GOOS == "windows" {
		return cmd, nil
	}
	fi, err := os.Stat(a.Config.Paths.Config)
	if err != nil {
		return "", fmt.Errorf("alert command not run: cannot check %s: %w", a.Config.Paths.Config, err)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return "", fmt.Errorf("alert command not run: %s can be written by other users (mode %v), so anyone could change the command byok runs; make it private with chmod 600", a.Config.Paths.Config, fi.Mode().Perm())
	}
	return cmd, nil
}
