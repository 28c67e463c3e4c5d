// Package config reads byok's TOML configuration and works out where its
// files live: BYOK_HOME (or --home) puts everything in one directory,
// otherwise the XDG config and data directories are used.
//
// A bad file is never ignored: errors name the file, the line and what was
// expected, and unknown keys are reported.
package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/byokhq/byok/money"
)

// Config is the content of config.toml with defaults filled in.
type Config struct {
	// DefaultModel is "provider/model", used when a prompt names none.
	DefaultModel string `toml:"default_model"`
	// Timezone names the zone budget periods and daily charts follow;
	// "Local" (the default) is the system's.
	Timezone string `toml:"timezone"`
	// StoreText keeps prompt and response text with each CLI and TUI
	// request (not with proxied ones), for history and re-runs.
	StoreText bool `toml:"store_text"`
	// Keyring is "keychain" (the OS Secret Service, default) or "file"
	// (an encrypted file, opt-in for machines without one).
	Keyring        string `toml:"keyring"`
	KeyringService string `toml:"keyring_service"`
	// RotateAfterDays is when keys list starts suggesting rotation.
	RotateAfterDays int `toml:"rotate_after_days"`
	// OfflineDemo simulates every provider on this machine (byok demo sets
	// it in the homes it makes): replies are made up, usage and cost are
	// recorded as for real ones, and nothing is sent anywhere.
	OfflineDemo bool `toml:"offline_demo"`

	Proxy     Proxy               `toml:"proxy"`
	Alerts    Alerts              `toml:"alerts"`
	Export    Export              `toml:"export"`
	Serve     Serve               `toml:"serve"`
	Reconcile Reconcile           `toml:"reconcile"`
	Import    Import              `toml:"import"`
	Providers map[string]Provider `toml:"providers"`

	// Where the files are; not read from the file.
	Paths Paths `toml:"-"`
	loc   *time.Location
}

// Proxy configures `byok proxy`.
type Proxy struct {
	Addr      string `toml:"addr"`
	MaxBodyMB int    `toml:"max_body_mb"`
}

// Export configures sending usage beyond the machine.
type Export struct {
	OTLP OTLP `toml:"otlp"`
}

// OTLP configures the OpenTelemetry export: empty Endpoint means off.
type OTLP struct {
	// Endpoint is the OTLP/HTTP base URL, e.g. http://localhost:4318.
	Endpoint string `toml:"endpoint"`
	// Headers name keychain secrets, never the values: "keychain:LABEL"
	// reads the secret stored with `byok keys add otlp --label LABEL`.
	Headers map[string]string `toml:"headers"`
	// Interval is how often a running byok looks for unsent events when
	// nothing new was recorded ("30s" by default).
	Interval Duration `toml:"interval"`
	// Resource holds extra resource attributes (deployment.environment …).
	Resource map[string]string `toml:"resource"`
	// Content sends prompt and reply text with each span.
	Content bool `toml:"content"`
}

// Enabled reports whether an endpoint is set.
func (o OTLP) Enabled() bool { return o.Endpoint != "" }

// HeaderSecretPrefix starts a header value that names a keychain secret.
const HeaderSecretPrefix = "keychain:"

// Serve configures `byok serve`, the metrics endpoint for machines that
// run no proxy.
type Serve struct {
	Addr string `toml:"addr"`
}

// Duration is a time.Duration written as "30s" or "5m" in the file.
type Duration struct{ time.Duration }

// UnmarshalText reads a duration such as "30s".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration: write it as 30s, 5m or 1h", b)
	}
	d.Duration = v
	return nil
}

// MarshalText writes the duration as "30s".
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Import configures the import of coding agents' logs.
type Import struct {
	// Watch names the agents whose logs the TUI and the proxy follow while
	// they run ("claude-code", "codex", "gemini-cli", "opencode"), so their
	// spend reaches the dashboard, budgets and alerts within seconds.
	Watch []string `toml:"watch"`
}

// ImportSources are the agents whose logs byok can import.
var ImportSources = []string{"claude-code", "codex", "gemini-cli", "opencode"}

// Alerts configures alert delivery beyond the stored alert.
type Alerts struct {
	Bell    bool   `toml:"bell"`
	Desktop bool   `toml:"desktop"`
	Command string `toml:"command"`
	// LowBalanceUSD raises an alert, once per crossing, when a provider's
	// balance or credits (in USD) fall below it; unset means never.
	LowBalanceUSD Dollars `toml:"low_balance_usd"`
}

// Reconcile configures the automatic reconcile of the TUI and the proxy.
type Reconcile struct {
	// Every is how often providers with an admin key are reconciled while
	// the TUI or the proxy runs, as a Go duration ("6h"); "0" turns it off.
	Every string `toml:"every"`
	every time.Duration
}

// Interval returns the automatic reconcile's interval; 0 means off.
func (r Reconcile) Interval() time.Duration { return r.every }

// Dollars is an amount of dollars in config.toml, written as a number
// (5, 2.50) or a string ("2.50"). It is read as the decimal written and
// kept in nano-dollars, never as a float.
type Dollars struct {
	USD money.USD
	Set bool
}

// UnmarshalTOML reads a number or a decimal string.
func (d *Dollars) UnmarshalTOML(v any) error {
	var text string
	switch x := v.(type) {
	case string:
		text = x
	case int64:
		text = strconv.FormatInt(x, 10)
	case float64:
		// The shortest text that reads back as the same float is the
		// decimal the user wrote, for any amount written to the cent.
		text = strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return fmt.Errorf("expected an amount of dollars such as 5 or \"2.50\"")
	}
	a, err := money.Parse(text)
	if err != nil {
		return fmt.Errorf("expected an amount of dollars such as 5 or \"2.50\": %w", err)
	}
	if a < 0 {
		return fmt.Errorf("the amount must not be negative, not %s", text)
	}
	d.USD, d.Set = a, true
	return nil
}

// Provider overrides a built-in provider or, with Kind, defines a custom one.
type Provider struct {
	// Kind is "openai" or "anthropic" for a custom provider; empty for an
	// override of a built-in one.
	Kind    string `toml:"kind"`
	Name    string `toml:"name"`
	BaseURL string `toml:"base_url"`
	KeyEnv  string `toml:"key_env"`
	NoKey   bool   `toml:"no_key"`
	// MarkupPercent is a platform fee added as its own cost line (5.5 for
	// a 5.5 % router fee).
	MarkupPercent float64 `toml:"markup_percent"`
}

// MarkupBP returns the markup in basis points (5.5 % → 550).
func (p Provider) MarkupBP() int64 { return int64(math.Round(p.MarkupPercent * 100)) }

// Paths are byok's files.
type Paths struct {
	Home     string // BYOK_HOME or --home; empty when XDG paths are used
	Config   string
	Database string
	Secrets  string // the encrypted-file keyring
	Log      string
}

// Default returns the configuration used when there is no file.
func Default() Config {
	return Config{
		Timezone:        "Local",
		StoreText:       true,
		Keyring:         "keychain",
		KeyringService:  "byok",
		RotateAfterDays: 90,
		Proxy:           Proxy{Addr: "127.0.0.1:8787", MaxBodyMB: 32},
		Alerts:          Alerts{Bell: true},
		Export:          Export{OTLP: OTLP{Interval: Duration{30 * time.Second}}},
		Serve:           Serve{Addr: "127.0.0.1:9464"},
		Reconcile:       Reconcile{Every: "6h"},
		Providers:       map[string]Provider{},
	}
}

// ResolvePaths works out the file locations: home (from --home) wins, then
// BYOK_HOME, then $XDG_CONFIG_HOME/byok and $XDG_DATA_HOME/byok.
func ResolvePaths(home string) (Paths, error) {
	if home == "" {
		home = os.Getenv("BYOK_HOME")
	}
	if home != "" {
		abs, err := filepath.Abs(home)
		if err != nil {
			return Paths{}, fmt.Errorf("home directory %q: %w", home, err)
		}
		return Paths{Home: abs, Config: filepath.Join(abs, "config.toml"), Database: filepath.Join(abs, "byok.db"),
			Secrets: filepath.Join(abs, "secrets.enc"), Log: filepath.Join(abs, "byok.log")}, nil
	}
	userHome, _ := os.UserHomeDir()
	cfg := os.Getenv("XDG_CONFIG_HOME")
	if cfg == "" {
		cfg = filepath.Join(userHome, ".config")
	}
	data := os.Getenv("XDG_DATA_HOME")
	if data == "" {
		data = filepath.Join(userHome, ".local", "share")
	}
	if userHome == "" && (os.Getenv("XDG_CONFIG_HOME") == "" || os.Getenv("XDG_DATA_HOME") == "") {
		return Paths{}, errors.New("cannot find a home directory: set HOME, XDG_CONFIG_HOME and XDG_DATA_HOME, or BYOK_HOME")
	}
	return Paths{Config: filepath.Join(cfg, "byok", "config.toml"), Database: filepath.Join(data, "byok", "byok.db"),
		Secrets: filepath.Join(data, "byok", "secrets.enc"), Log: filepath.Join(data, "byok", "byok.log")}, nil
}

// Load reads the config file of paths (a missing file means defaults) and
// checks every value.
func Load(paths Paths) (*Config, error) {
	c := Default()
	c.Paths = paths
	b, err := os.ReadFile(paths.Config)
	if errors.Is(err, fs.ErrNotExist) {
		return &c, c.check(paths.Config, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", paths.Config, err)
	}
	if err := Parse(b, &c, paths.Config); err != nil {
		return nil, err
	}
	return &c, nil
}

// Parse decodes TOML text into c (which holds the defaults) and checks it;
// name is the file name used in errors.
func Parse(b []byte, c *Config, name string) error {
	md, err := toml.NewDecoder(bytes.NewReader(b)).Decode(c)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			msg := pe.Message
			if pe.Usage != "" {
				msg += " (" + strings.TrimSpace(pe.Usage) + ")"
			}
			// A file that parses as TOML failed on a value a setting
			// refused (an amount, a duration); the error names that
			// setting, as the checks below do. A syntax error's last key
			// may be the one before it, so it is left out there.
			if pe.LastKey != "" && toml.Unmarshal(b, new(map[string]any)) == nil {
				msg = pe.LastKey + ": " + msg
			}
			return &Error{File: name, Line: pe.Position.Line, Msg: msg}
		}
		if m := typeErr.FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			msg := m[3]
			if t := typeMismatch.FindStringSubmatch(msg); t != nil {
				msg = fmt.Sprintf("expected %s, found %s", t[2], t[1])
			}
			return &Error{File: name, Line: line, Msg: fmt.Sprintf("%s: %s", m[2], msg)}
		}
		return &Error{File: name, Msg: err.Error()}
	}
	if und := md.Undecoded(); len(und) > 0 {
		var errs []error
		for _, k := range und {
			msg := fmt.Sprintf("unknown setting %q; see the README for the settings byok reads", k.String())
			if near := closest(k[len(k)-1], settingsOf(reflect.TypeOf(Config{}), k[:len(k)-1])); near != "" {
				msg = fmt.Sprintf("unknown setting %q; did you mean %q?", k.String(), strings.Join(append(k[:len(k)-1:len(k)-1], near), "."))
			}
			errs = append(errs, &Error{File: name, Line: lineOf(b, k), Msg: msg})
		}
		return errors.Join(errs...)
	}
	return c.check(name, b)
}

var (
	typeErr      = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): (.*)$`)
	typeMismatch = regexp.MustCompile(`TOML value has type (\w+); destination has type (\w+)`)
)

// Error is a problem with the config file at a line (0 when unknown).
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// lineOf finds the line where a dotted key is set: the "[table]" header of
// its parent and then "name =" below it.
func lineOf(b []byte, k toml.Key) int {
	if len(k) == 0 {
		return 0
	}
	table := strings.Join(k[:len(k)-1], ".")
	name := k[len(k)-1]
	header := regexp.MustCompile(`^\s*\[\s*([^\]]+?)\s*\]`)
	assign := regexp.MustCompile(`^\s*"?` + regexp.QuoteMeta(name) + `"?\s*=`)
	cur := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if m := header.FindStringSubmatch(line); m != nil {
			cur = strings.ReplaceAll(strings.ReplaceAll(m[1], `"`, ""), " ", "")
			if cur == strings.Join(k, ".") {
				return n
			}
			continue
		}
		if cur == table && assign.MatchString(line) {
			return n
		}
	}
	return 0
}

var providerID = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// check validates values the TOML types cannot.
func (c *Config) check(name string, b []byte) error {
	bad := func(key toml.Key, format string, args ...any) error {
		return &Error{File: name, Line: lineOf(b, key), Msg: fmt.Sprintf(format, args...)}
	}
	var errs []error
	if c.Timezone == "" {
		c.Timezone = "Local"
	}
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		errs = append(errs, bad(toml.Key{"timezone"}, "timezone %q is not a time zone: use an IANA name such as \"Europe/Berlin\", or \"Local\"", c.Timezone))
	}
	c.loc = loc
	if c.DefaultModel != "" && !strings.Contains(c.DefaultModel, "/") {
		errs = append(errs, bad(toml.Key{"default_model"}, "default_model %q: write it as provider/model, e.g. \"openai/gpt-4o-mini\"", c.DefaultModel))
	}
	if c.Keyring != "keychain" && c.Keyring != "file" {
		errs = append(errs, bad(toml.Key{"keyring"}, "keyring %q: use \"keychain\" (the OS keychain) or \"file\" (an encrypted file)", c.Keyring))
	}
	if c.KeyringService == "" {
		errs = append(errs, bad(toml.Key{"keyring_service"}, "keyring_service must not be empty"))
	}
	if c.RotateAfterDays < 0 {
		errs = append(errs, bad(toml.Key{"rotate_after_days"}, "rotate_after_days must be 0 (never remind) or more, not %d", c.RotateAfterDays))
	}
	if err := checkListen("proxy", c.Proxy.Addr, bad); err != nil {
		errs = append(errs, err)
	}
	for _, w := range c.Import.Watch {
		if !slices.Contains(ImportSources, w) {
			errs = append(errs, bad(toml.Key{"import", "watch"}, "import watch: %q is not an agent byok reads; use %s", w, strings.Join(ImportSources, ", ")))
		}
	}
	if c.Proxy.MaxBodyMB <= 0 || c.Proxy.MaxBodyMB > 1024 {
		errs = append(errs, bad(toml.Key{"proxy", "max_body_mb"}, "proxy max_body_mb must be between 1 and 1024, not %d", c.Proxy.MaxBodyMB))
	}
	if c.Reconcile.Every == "" || c.Reconcile.Every == "0" || c.Reconcile.Every == "off" {
		c.Reconcile.every = 0
	} else if d, err := time.ParseDuration(c.Reconcile.Every); err != nil || d < 0 {
		errs = append(errs, bad(toml.Key{"reconcile", "every"}, "reconcile every %q: write a duration such as \"6h\" or \"30m\", or \"0\" to turn it off", c.Reconcile.Every))
	} else if d < 5*time.Minute {
		errs = append(errs, bad(toml.Key{"reconcile", "every"}, "reconcile every %q: at least 5m; the providers' reports change a few times a day at most", c.Reconcile.Every))
	} else {
		c.Reconcile.every = d
	}
	errs = append(errs, c.checkExport(bad)...)
	if err := checkListen("serve", c.Serve.Addr, bad); err != nil {
		errs = append(errs, err)
	}
	ids := slices.Sorted(maps.Keys(c.Providers))
	for _, id := range ids {
		p := c.Providers[id]
		key := toml.Key{"providers", id}
		if !providerID.MatchString(id) {
			errs = append(errs, bad(key, "provider id %q: use lower-case letters, digits, - and _", id))
		}
		switch p.Kind {
		case "", "openai", "anthropic":
		default:
			errs = append(errs, bad(append(key, "kind"), "provider %s: kind %q is not supported; use \"openai\" or \"anthropic\"", id, p.Kind))
		}
		// A base URL without a host would fail every request, and each
		// failure would be taken for the key's: checked here, once.
		if p.BaseURL != "" && !isHTTPURL(p.BaseURL) {
			errs = append(errs, bad(append(key, "base_url"), "provider %s: base_url %q must start with http:// or https:// and name a host, e.g. \"http://localhost:8000/v1\"", id, p.BaseURL))
		}
		if p.Kind != "" && p.BaseURL == "" {
			errs = append(errs, bad(key, "custom provider %s needs a base_url", id))
		}
		if p.MarkupPercent < 0 || p.MarkupPercent > 100 || math.IsNaN(p.MarkupPercent) {
			errs = append(errs, bad(append(key, "markup_percent"), "provider %s: markup_percent must be between 0 and 100, not %v", id, p.MarkupPercent))
		}
	}
	return errors.Join(errs...)
}

// Location returns the time zone budget periods follow.
func (c *Config) Location() *time.Location {
	if c.loc == nil {
		return time.Local
	}
	return c.loc
}

// Markup returns a provider's markup in basis points.
func (c *Config) Markup(provider string) int64 {
	return c.Providers[provider].MarkupBP()
}

// checkListen checks the addr of a [table] that listens (proxy, serve) by
// the rule the servers apply (see CheckAddr).
func checkListen(table, addr string, bad func(toml.Key, string, ...any) error) error {
	if why := addrProblem(addr); why != "" {
		return bad(toml.Key{table, "addr"}, "%s addr %q: %s", table, addr, why)
	}
	return nil
}

// isHTTPURL reports whether s is an http or https URL with a host.
func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// checkExport validates [export.otlp]: a usable endpoint, header values
// that name keychain secrets rather than hold them, a sane interval.
func (c *Config) checkExport(bad func(toml.Key, string, ...any) error) []error {
	o := c.Export.OTLP
	key := toml.Key{"export", "otlp"}
	var errs []error
	if o.Endpoint != "" {
		if !isHTTPURL(o.Endpoint) {
			errs = append(errs, bad(append(key, "endpoint"), "export.otlp endpoint %q: write the OTLP/HTTP base URL, e.g. \"http://localhost:4318\" (byok adds /v1/traces and /v1/metrics)", o.Endpoint))
		}
	}
	names := slices.Sorted(maps.Keys(o.Headers))
	for _, h := range names {
		v := o.Headers[h]
		label, ok := strings.CutPrefix(v, HeaderSecretPrefix)
		if !ok || label == "" {
			errs = append(errs, bad(append(key, "headers"), "export.otlp header %s: header values are secrets and stay in the keychain; store it with `byok keys add otlp --label NAME` and write %s = \"keychain:NAME\"", h, h))
		}
	}
	if o.Interval.Duration < time.Second || o.Interval.Duration > 24*time.Hour {
		errs = append(errs, bad(append(key, "interval"), "export.otlp interval %s: use between 1s and 24h", o.Interval.Duration))
	}
	return errs
}

// settingsOf lists the settings the table at path takes, from the toml
// tags of the struct that reads it; nil when path names no table.
func settingsOf(t reflect.Type, path []string) []string {
	for len(path) > 0 {
		switch t.Kind() {
		case reflect.Map: // [providers.NAME]: the name is the map's key
			t, path = t.Elem(), path[1:]
			continue
		case reflect.Struct:
		default:
			return nil
		}
		found := false
		for i := range t.NumField() {
			if tagName(t.Field(i)) == path[0] {
				t, path, found = t.Field(i).Type, path[1:], true
				break
			}
		}
		if !found {
			return nil
		}
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var names []string
	for i := range t.NumField() {
		if n := tagName(t.Field(i)); n != "" && n != "-" {
			names = append(names, n)
		}
	}
	return names
}

func tagName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	return name
}

// closest returns the name among names that word is most likely a typo of
// (at most two letters added, dropped, changed or swapped), or "".
func closest(word string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(word, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance counts the edits between a and b, a swap of two neighbours
// counting as one.
func editDistance(a, b string) int {
	x, y := []rune(a), []rune(b)
	d := make([][]int, len(x)+1)
	for i := range d {
		d[i] = make([]int, len(y)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(x); i++ {
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(x)][len(y)]
}
