package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/charmbracelet/fang"
	"github.com/spf13/cobra"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/budget"
	"github.com/byokhq/byok/config"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/redact"
	"github.com/byokhq/byok/safetext"
	"github.com/byokhq/byok/store"
	"github.com/byokhq/byok/store/keychain"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

// Exit codes (docs/design.md §7).
const (
	exitOK        = 0
	exitError     = 1
	exitUsage     = 2
	exitBudget    = 3
	exitKey       = 4
	exitCredit    = 5
	exitRateLimit = 6
)

// IOStreams are the command's standard streams, injected so tests capture
// what a user would see.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	Err    io.Writer
	InTTY  bool
	OutTTY bool
}

// Factory builds what commands need, lazily: most commands open the app,
// some (help, version) never do.
type Factory struct {
	IO   *IOStreams
	Home string
	// Now is the clock and Secrets the keyring; tests inject both.
	Now     func() time.Time
	Secrets keychain.Secrets

	app *app.App
}

// App opens the app once for the command.
func (f *Factory) App(ctx context.Context) (*app.App, error) {
	if f.app != nil {
		return f.app, nil
	}
	a, err := app.Open(ctx, app.Options{Home: f.Home, Now: f.Now, Passphrase: f.passphrase})
	if err != nil {
		return nil, err
	}
	if f.Secrets != nil {
		a.SetSecrets(f.Secrets)
	}
	f.app = a
	return a, nil
}

// appFor opens the app and finds a provider by id or alias; an unknown
// provider is the user's mistake (exit 2).
func (f *Factory) appFor(ctx context.Context, provider string) (*app.App, providers.Spec, error) {
	return f.providerIn(ctx, f.App, provider)
}

// readerFor is appFor for a command that only reads (see ReaderApp).
func (f *Factory) readerFor(ctx context.Context, provider string) (*app.App, providers.Spec, error) {
	return f.providerIn(ctx, f.ReaderApp, provider)
}

func (f *Factory) providerIn(ctx context.Context, open func(context.Context) (*app.App, error), provider string) (*app.App, providers.Spec, error) {
	a, err := open(ctx)
	if err != nil {
		return nil, providers.Spec{}, err
	}
	spec, err := a.Provider(provider)
	if err != nil {
		return nil, providers.Spec{}, usageError{err}
	}
	return a, spec, nil
}

// ReadOnlyApp opens the app without write access (the status line).
func (f *Factory) ReadOnlyApp(ctx context.Context) (*app.App, error) {
	if f.app != nil {
		return f.app, nil
	}
	a, err := app.Open(ctx, app.Options{Home: f.Home, Now: f.Now, ReadOnly: true})
	if errors.Is(err, store.ErrOldSchema) {
		// An older database: open it for writing once, which upgrades it.
		// A home this user cannot write cannot be upgraded by it.
		wa, werr := f.App(ctx)
		if errors.Is(werr, store.ErrNotWritable) {
			return nil, fmt.Errorf("%w\n%w", err, werr)
		}
		return wa, werr
	}
	if err != nil {
		return nil, err
	}
	f.app = a
	return a, nil
}

// ReaderApp opens the app for a command that only reads. Where the home
// can be written it opens as every command does, so an older database is
// upgraded and key rotation reminders are raised; where it cannot (another
// user's home, a read-only mount, a directory made read-only), it opens
// read-only and the command still shows what is there.
func (f *Factory) ReaderApp(ctx context.Context) (*app.App, error) {
	a, err := f.App(ctx)
	if errors.Is(err, store.ErrNotWritable) {
		return f.ReadOnlyApp(ctx)
	}
	return a, err
}

func (f *Factory) close() {
	if f.app != nil {
		f.app.Close()
		f.app = nil
	}
}

// usageError marks an error as the user's input being wrong (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// exitCode maps an error to byok's exit codes.
func exitCode(err error) int {
	var ue usageError
	var pe *providers.Error
	var ce *config.Error
	var se silentExit
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &se):
		return se.code
	case errors.As(err, &ue), errors.Is(err, app.ErrInput), isCobraUsage(err):
		return exitUsage
	case errors.Is(err, budget.ErrBudgetExceeded):
		return exitBudget
	case errors.As(err, &pe):
		switch pe.Class {
		case providers.ClassAuth:
			return exitKey
		case providers.ClassCredit:
			return exitCredit
		case providers.ClassRateLimit:
			return exitRateLimit
		}
	case errors.As(err, &ce):
		return exitUsage
	}
	return exitError
}

func isCobraUsage(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown flag", "unknown shorthand flag", "flag needs an argument", "invalid argument", "unknown command", "accepts ", "requires at least", "requires at most", "required flag"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

var negativeNumber = regexp.MustCompile(`unknown shorthand flag: '(\d)' in -(\d[\d.]*)`)

// badNumber is pflag's complaint about a number flag given something else:
// invalid argument "abc" for "-l, --limit" flag: strconv.ParseInt: ….
var badNumber = regexp.MustCompile(`invalid argument "(.*)" for "(?:-\w, )?(--[\w-]+)" flag: strconv\.Parse(Int|Uint|Float)`)

// Main runs byok with args and returns the exit code.
func Main(ctx context.Context, args []string, ios *IOStreams) int {
	return run(ctx, args, &Factory{IO: ios})
}

func run(ctx context.Context, args []string, f *Factory) (code int) {
	app.Version = version
	defer f.close()
	defer func() {
		// A panic must not print a secret it happens to quote: show it, and
		// where it happened, redacted.
		if v := recover(); v != nil {
			fmt.Fprintf(f.IO.Err, "byok: internal error: %s\n%s", redact.String(fmt.Sprint(v)), redact.String(string(debug.Stack())))
			code = exitError
		}
	}()
	root := newRootCmd(f)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	// What cobra and fang print themselves (help, usage, errors, the
	// version) loses the blanks fang pads its lines with; the commands
	// write to f.IO directly.
	out, errOut := &trimWriter{w: f.IO.Out}, &trimWriter{w: f.IO.Err}
	defer errOut.flush()
	defer out.flush()
	root.SetOut(out)
	root.SetErr(errOut)
	err := fang.Execute(ctx, root,
		fang.WithVersion(version),
		fang.WithErrorHandler(func(w io.Writer, styles fang.Styles, err error) {
			if errors.As(err, new(silentExit)) {
				return
			}
			// Whatever an error carries, secrets never reach the terminal.
			// The message is printed as written: fang's default styling
			// title-cases words, which mangles paths and commands.
			msg := safetext.Clean(redact.String(err.Error()))
			if f.IO.OutTTY {
				fmt.Fprintln(w, styles.ErrorHeader.String())
				fmt.Fprintf(w, "  %s\n", msg)
			} else {
				fmt.Fprintf(w, "byok: %s\n", msg)
			}
			if exitCode(err) == exitUsage && isCobraUsage(err) {
				fmt.Fprintln(w, "Try --help for usage.")
			}
		}))
	return exitCode(err)
}

func newRootCmd(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "byok",
		Short: "Your AI keys, requests, costs and budgets, in one place",
		Long: `byok keeps your AI provider keys in the OS keychain, runs prompts against the
provider and model you pick, records every request's tokens and cost in SQLite,
and shows spend per provider, key and model against the budgets you set.

Run it without arguments for the dashboard.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDashboard(cmd.Context(), f)
		},
	}
	root.PersistentFlags().StringVar(&f.Home, "home", "", "keep config, database and file secrets in this directory (or set BYOK_HOME)")
	var initHome bool
	root.PersistentFlags().BoolVar(&initHome, "init", false, "create the --home directory when it does not exist yet")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if f.Home != "" {
			fi, err := os.Stat(f.Home)
			switch {
			case err == nil && !fi.IsDir():
				return usageErrorf("--home %s is a file, not a directory", f.Home)
			case errors.Is(err, fs.ErrNotExist) && initHome:
				// Made here, not when the database is opened: a command
				// that only reads (status) opens none in a new home.
				if err := os.MkdirAll(f.Home, 0o700); err != nil {
					return fmt.Errorf("--init: %w", err)
				}
			case errors.Is(err, fs.ErrNotExist) && cmd.Name() != "demo":
				// A mistyped home would otherwise start empty, and the
				// spend and keys of the real one would seem gone.
				return usageErrorf("--home %s does not exist: check the path, or add --init to start a new home there", f.Home)
			}
		}
		return nil
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		// "-5" parses as a flag; say what the user meant to hear.
		if m := negativeNumber.FindStringSubmatch(err.Error()); m != nil {
			return usageErrorf("-%s: amounts and counts must be positive numbers", m[2])
		}
		// A number flag given a word: say what it takes, not how Go failed.
		if m := badNumber.FindStringSubmatch(err.Error()); m != nil {
			what := "a whole number"
			if m[3] == "Float" {
				what = "a number"
			}
			return usageErrorf("%s takes %s, not %q", m[2], what, m[1])
		}
		return usageError{err}
	})
	for _, c := range commands(f) {
		root.AddCommand(c)
		eachCommand(c, func(c *cobra.Command) {
			c.Example = exampleNotes(c.Example)
			if c.Args != nil {
				c.Args = argsNamed(c.Args)
			}
		})
	}
	return root
}

// eachCommand calls do for c and every command below it.
func eachCommand(c *cobra.Command, do func(*cobra.Command)) {
	do(c)
	for _, sub := range c.Commands() {
		eachCommand(sub, do)
	}
}

// exampleNote is an example line with a note beside it, set off by a
// run of spaces: "  byok keys add openai     prompts for the key".
var exampleNote = regexp.MustCompile(`^(\s*)(\S.*?\S)\s{3,}(\S.*)$`)

// exampleNotes puts each note beside an example on a comment line above
// it. fang's help collapses the spaces that set a note off, which made the
// note read as part of the command ("byok keys add openai prompts for the
// key"), and a copied command fail.
func exampleNotes(example string) string {
	lines := strings.Split(example, "\n")
	out := make([]string, 0, len(lines))
	for _, line := range lines {
		if m := exampleNote.FindStringSubmatch(line); m != nil {
			out = append(out, m[1]+"# "+m[3], m[1]+m[2])
			continue
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// argsNamed wraps a command's check of its arguments: a wrong count is
// answered with the command's usage line, where cobra says only "requires
// at least 1 arg(s), only received 0".
func argsNamed(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		err := check(cmd, args)
		if err == nil {
			return nil
		}
		s := err.Error()
		if !strings.HasPrefix(s, "accepts ") && !strings.HasPrefix(s, "requires at ") {
			return err
		}
		got := "no argument"
		if len(args) > 0 {
			got = counted(len(args), "argument", "arguments")
		}
		return usageErrorf("usage: %s%s (received %s)", cmd.CommandPath(), strings.TrimPrefix(cmd.Use, cmd.Name()), got)
	}
}

// commands lists the top-level commands; each noun lives in its own file.
func commands(f *Factory) []*cobra.Command {
	return []*cobra.Command{
		newDemoCmd(f), newUsageCmd(f), newLogCmd(f), newSpendCmd(f), newStatusCmd(f),
		newBudgetCmd(f), newAlertsCmd(f), newKeysCmd(f), newPricingCmd(f),
		newProvidersCmd(f), newModelsCmd(f), newPromptCmd(f), newCompareCmd(f), newProxyCmd(f),
		newReconcileCmd(f), newBalanceCmd(f), newImportCmd(f),
		newExportCmd(f), newServeCmd(f),
	}
}

// tuiRunner opens the terminal UI; set by tui.go.
var tuiRunner func(ctx context.Context, a *app.App, f *Factory) error

func runDashboard(ctx context.Context, f *Factory) error {
	tui := tuiRunner != nil && f.IO.OutTTY && f.IO.InTTY
	open := f.App
	if !tui {
		// The text dashboard only reads.
		open = f.ReaderApp
	}
	a, err := open(ctx)
	if err != nil {
		return err
	}
	if tui {
		// Agents named in [import] watch are followed while the dashboard
		// is open, so their spend shows within seconds.
		stopWatch, err := a.WatchConfigured(ctx)
		if err != nil {
			return err
		}
		defer stopWatch()
		return tuiRunner(ctx, a, f)
	}
	return printDashboard(ctx, a, f.IO.Out)
}
