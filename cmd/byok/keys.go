package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/store"
)

func newKeysCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Keys in the OS keychain: add, list, test, rotate, remove",
		Long: `Keys live in the OS keychain (service "byok", account "provider/label");
byok's database keeps only metadata: the last 4 characters, a fingerprint and
dates. Keys are read from stdin or a hidden prompt, never from the command line.
Variables such as OPENAI_API_KEY are listed as read-only keys with source env.`,
	}
	cmd.AddCommand(
		newKeysAddCmd(f),
		newOutputCmd(f, "list", "Keys with their source, age, last use and status", runKeysList),
		newKeyIDCmd(f, "test ID", "Ask the provider whether a key works", new(keyIDOptions), runKeysTest),
		newKeyIDCmd(f, "rm ID", "Delete a key from the keychain (its history stays)", new(keyIDOptions), runKeysRm),
		newKeyIDCmd(f, "default ID", "Make a key its provider's default", new(keyIDOptions), runKeysDefault),
		newKeysRotateCmd(f),
		newKeysHistoryCmd(f),
		newKeysImportEnvCmd(f),
	)
	return cmd
}

func newKeysAddCmd(f *Factory) *cobra.Command {
	var o keysAddOptions
	cmd := &cobra.Command{
		Use:   "add PROVIDER",
		Short: "Store a key (from stdin or a hidden prompt) after checking it",
		Long: `Store a key (from stdin or a hidden prompt) after checking it with the
provider's cheapest call.

With --admin the key is an admin or management credential: an OpenAI admin
key (sk-admin-…), an Anthropic Admin API key (sk-ant-admin…), an OpenRouter
management key, or xAI's management key and team id as one JSON value
({"management_key": "…", "team_id": "…"}). byok reads the provider's usage,
cost and balance reports with it (byok reconcile, byok balance) and never
sends a prompt with it, from the CLI, the TUI or the proxy.`,
		Example: `  byok keys add openai                     prompts for the key
  pass show openai | byok keys add openai --label work
  byok keys add azure < azure-credentials.json
  byok keys add openai --admin             an admin key, for byok reconcile`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Provider = args[0]
			o.LabelSet = cmd.Flags().Changed("label")
			return runKeysAdd(cmd.Context(), f, o)
		},
	}
	cmd.Flags().StringVar(&o.Label, "label", "default", `a name for this key, e.g. work or personal ("admin" with --admin)`)
	cmd.Flags().BoolVar(&o.NoValidate, "no-validate", false, "store the key without asking the provider")
	cmd.Flags().BoolVar(&o.Admin, "admin", false, "an admin or management key, used only to read the provider's reports and balance")
	return cmd
}

// keyIDOptions are the options of the verbs that act on one key by id.
type keyIDOptions struct {
	id int64
}

// keyIDArg reads the ID argument into o.
func (o *keyIDOptions) keyIDArg(args []string) error {
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil || id <= 0 {
		return usageErrorf("key id %q: use the number shown by `byok keys list`", args[0])
	}
	o.id = id
	return nil
}

// newKeyIDCmd declares a key verb whose one argument is a key's ID, the
// number `byok keys list` shows: the ID is read into *o, whose options
// hold a keyIDOptions, before run gets them.
func newKeyIDCmd[O any, P interface {
	*O
	keyIDArg(args []string) error
}](f *Factory, use, short string, o P, run runFunc[O]) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.keyIDArg(args); err != nil {
				return err
			}
			return run(cmd.Context(), f, *o)
		},
	}
}

// changeKey opens the app for writing, makes change to the key with o's
// ID and prints what done says of the key as change left it.
func changeKey(ctx context.Context, f *Factory, o keyIDOptions, change func(*app.App, context.Context, int64) (store.Key, error), done func(*app.App, store.Key) string) error {
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	k, err := change(a, ctx, o.id)
	if err != nil {
		return err
	}
	fmt.Fprintln(f.IO.Out, done(a, k))
	return nil
}

func runKeysTest(ctx context.Context, f *Factory, o keyIDOptions) error {
	return changeKey(ctx, f, o, (*app.App).TestKey, func(a *app.App, k store.Key) string {
		return fmt.Sprintf("%s works (checked %s).", k.Name(), k.ValidatedAt.In(a.Location()).Format("2006-01-02 15:04"))
	})
}

func runKeysRm(ctx context.Context, f *Factory, o keyIDOptions) error {
	return changeKey(ctx, f, o, (*app.App).RemoveKey, func(a *app.App, k store.Key) string {
		return fmt.Sprintf("Removed %s from the %s; its history is kept.", k.Name(), a.Config.Keyring)
	})
}

func runKeysDefault(ctx context.Context, f *Factory, o keyIDOptions) error {
	return changeKey(ctx, f, o, (*app.App).SetDefaultKey, func(_ *app.App, k store.Key) string {
		return fmt.Sprintf("%s is now the default key for %s.", k.Name(), k.Provider)
	})
}

type keysRotateOptions struct {
	keyIDOptions
	noValidate bool
}

func newKeysRotateCmd(f *Factory) *cobra.Command {
	var o keysRotateOptions
	cmd := newKeyIDCmd(f, "rotate ID", "Replace a key's secret (from stdin or a prompt); history is kept", &o, runKeysRotate)
	cmd.Flags().BoolVar(&o.noValidate, "no-validate", false, "store the new key without asking the provider")
	return cmd
}

func runKeysRotate(ctx context.Context, f *Factory, o keysRotateOptions) error {
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	// A home that takes no new secret, then a key that cannot take one,
	// say so before a new secret is pasted, in RotateKey's order: a demo
	// home is refused before the key, where advice to add a new key
	// instead would be refused too.
	if err := a.CheckNewSecret(); err != nil {
		return err
	}
	k, err := a.KeyToRotate(ctx, o.id)
	if err != nil {
		return err
	}
	secret, err := readSecret(f, fmt.Sprintf("New key for %s: ", k.Name()))
	if err != nil {
		return err
	}
	k, err = a.RotateKey(ctx, o.id, secret, !o.noValidate)
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.Out, "Rotated %s (now …%s, fingerprint %s).\n", k.Name(), k.Last4, k.Fingerprint)
	return nil
}

type keysHistoryOptions struct {
	keyIDOptions
	limit int
}

func newKeysHistoryCmd(f *Factory) *cobra.Command {
	var o keysHistoryOptions
	cmd := newKeyIDCmd(f, "history ID", "A key's lifecycle and its recent requests", &o, runKeysHistory)
	cmd.Flags().IntVar(&o.limit, "limit", 50, "how many entries of each kind")
	return cmd
}

type keysImportEnvOptions struct {
	label      string
	noValidate bool
}

func newKeysImportEnvCmd(f *Factory) *cobra.Command {
	var o keysImportEnvOptions
	cmd := &cobra.Command{
		Use:   "import-env",
		Short: "Copy keys from OPENAI_API_KEY, ANTHROPIC_API_KEY, … into the keychain",
		Args:  cobra.NoArgs,
		RunE:  runWith(f, &o, runKeysImportEnv),
	}
	cmd.Flags().StringVar(&o.label, "label", "imported", "label for the imported keys")
	cmd.Flags().BoolVar(&o.noValidate, "no-validate", false, "import without asking the providers")
	return cmd
}

func runKeysImportEnv(ctx context.Context, f *Factory, o keysImportEnvOptions) error {
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	ks, err := a.ImportEnv(ctx, o.label, !o.noValidate)
	for _, k := range ks {
		fmt.Fprintf(f.IO.Out, "Imported %s (…%s).\n", k.Name(), k.Last4)
	}
	if len(ks) == 0 && err == nil {
		fmt.Fprintln(f.IO.Out, "No new keys in the environment.")
	}
	return err
}

// keysAddOptions are the arguments of `byok keys add`.
type keysAddOptions struct {
	Provider   string
	Label      string
	LabelSet   bool // --label was given (an admin key defaults to "admin")
	NoValidate bool
	Admin      bool
}

func runKeysAdd(ctx context.Context, f *Factory, opts keysAddOptions) error {
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	spec, err := a.KeySpec(opts.Provider)
	if err != nil {
		return usageError{err}
	}
	label, validate := opts.Label, !opts.NoValidate
	if spec.ID == app.ExportSecretProvider {
		validate = false // an export header has no provider to ask
	}
	if opts.Admin && !opts.LabelSet {
		label = "admin"
	}
	// A taken or malformed label is said before the key is asked for.
	if err := a.CheckKeyName(ctx, spec.ID, label); err != nil {
		var taken *app.KeyExistsError
		if errors.As(err, &taken) {
			return usageErrorf("%s exists already (id %d): replace its secret with `byok keys rotate %d`, or pick another --label", taken.Key.Name(), taken.Key.ID, taken.Key.ID)
		}
		return err
	}
	prompt := fmt.Sprintf("%s key: ", spec.Name)
	switch {
	case opts.Admin && spec.ID == "xai":
		prompt = `xAI management key and team id as {"management_key": "…", "team_id": "…"}: `
	case opts.Admin:
		prompt = fmt.Sprintf("%s admin key: ", spec.Name)
	case spec.Structured:
		prompt = fmt.Sprintf("%s credentials as one JSON value: ", spec.Name)
	}
	secret, err := readSecret(f, prompt)
	if err != nil {
		return err
	}
	if validate {
		fmt.Fprintf(f.IO.Err, "Checking the key with %s …\n", spec.Name)
	}
	add := a.AddKey
	if opts.Admin {
		add = a.AddAdminKey
	}
	k, err := add(ctx, spec.ID, label, secret, validate)
	if err != nil {
		return err
	}
	def := ""
	if k.Default {
		def = ", the default for " + spec.ID
	}
	if k.Admin {
		def = ", admin: for reports and balances only"
	}
	fmt.Fprintf(f.IO.Out, "Stored %s (id %d, …%s%s) in the %s.\n", k.Name(), k.ID, k.Last4, def, a.Config.Keyring)
	return nil
}

type keyRow struct {
	ID          int64  `json:"id"`
	Provider    string `json:"provider"`
	Label       string `json:"label"`
	Last4       string `json:"last4"`
	Fingerprint string `json:"fingerprint"`
	Source      string `json:"source"`
	Kind        string `json:"kind"`
	Env         string `json:"env,omitempty"`
	Default     bool   `json:"default"`
	CreatedAt   any    `json:"created_at"`
	RotatedAt   any    `json:"rotated_at"`
	ValidatedAt any    `json:"validated_at"`
	LastUsedAt  any    `json:"last_used_at"`
	Status      string `json:"status"`
	RotateDue   bool   `json:"rotate_due"`
	// Health is what byok last learned about the key from a check or a
	// request ("ok", "rejected", "no_credit", "missing_secret",
	// "unreachable"; "" when nothing yet), when, and why.
	Health       string `json:"health"`
	HealthAt     any    `json:"health_at"`
	HealthDetail string `json:"health_detail"`
}

func toKeyRow(k app.KeyView) keyRow {
	return keyRow{k.ID, k.Provider, k.Label, k.Last4, k.Fingerprint, string(k.Source), keyKind(k.Key), k.Env, k.Default,
		timeJSON(k.CreatedAt), timeJSON(k.RotatedAt), timeJSON(k.ValidatedAt), timeJSON(k.LastUsedAt), k.Status(), k.RotateDue,
		string(k.Health), timeJSON(k.HealthAt), k.HealthDetail}
}

func runKeysList(ctx context.Context, f *Factory, o outputOptions) error {
	a, ks, err := ask(ctx, f.ReaderApp, (*app.App).Keys)
	if err != nil {
		return err
	}
	return listing[app.KeyView, keyRow]{
		row:   toKeyRow,
		empty: "No keys yet. Add one with `byok keys add openai` (the key is read from stdin or a hidden prompt).",
		table: func() error { return printKeys(f.IO.Out, a, ks) },
	}.print(f.IO.Out, o, ks)
}

// printKeys writes the keys' table and says how many are due for rotation.
func printKeys(w io.Writer, a *app.App, ks []app.KeyView) error {
	now := a.Now()
	t := newTable(w, "ID", "PROVIDER", "LABEL", "KEY", "KIND", "SOURCE", "DEFAULT", "AGE", "LAST USED", "STATUS")
	due := 0
	for _, k := range ks {
		src := string(k.Source)
		if k.Env != "" {
			src += " (" + k.Env + ")"
		}
		def := ""
		if k.Default {
			def = "yes"
		}
		last := "never"
		if !k.LastUsedAt.IsZero() {
			last = app.Ago(now.Sub(k.LastUsedAt))
		}
		st := k.Status()
		switch k.Health {
		case store.HealthRejected, store.HealthNoCredit, store.HealthMissing:
			st += " " + app.Ago(now.Sub(k.HealthAt))
		}
		if k.RotateDue && st == "rotate" {
			due++
			st = "rotate (older than " + strconv.Itoa(a.Config.RotateAfterDays) + "d)"
		}
		masked := ""
		if k.Last4 != "" {
			masked = "…" + k.Last4
		}
		t.row(itoa(k.ID), k.Provider, k.Label, masked, keyKind(k.Key), src, def, app.Ago(k.Age(now)), last, st)
	}
	if err := t.flush(); err != nil {
		return err
	}
	if due > 0 {
		fix := "create a new key in the provider's console, then `byok keys rotate ID`"
		if a.CheckNewSecret() != nil {
			fix = "in a home of your own, `byok keys rotate ID` replaces the secret (this demo keeps its stand-ins)"
		}
		fmt.Fprintf(w, "\n%s due for rotation: %s.\n", counted(due, "key is", "keys are"), fix)
	}
	return nil
}

// keyKind is "admin" for an admin or management key, which reads reports
// only, and "api" for a key that sends requests.
func keyKind(k store.Key) string {
	if k.Admin {
		return "admin"
	}
	return "api"
}

func runKeysHistory(ctx context.Context, f *Factory, o keysHistoryOptions) error {
	a, err := f.ReaderApp(ctx)
	if err != nil {
		return err
	}
	k, log, evs, err := a.KeyHistory(ctx, o.id, o.limit)
	if err != nil {
		return err
	}
	loc := a.Location()
	fmt.Fprintf(f.IO.Out, "%s (id %d, …%s, %s)\n\n", k.Name(), k.ID, k.Last4, k.Source)
	t := newTable(f.IO.Out, "TIME", "ACTION", "MODEL", "COST", "DETAIL")
	type line struct {
		at    time.Time
		cells []string
	}
	var lines []line
	for _, e := range log {
		lines = append(lines, line{e.Time, []string{e.Time.In(loc).Format("2006-01-02 15:04"), e.Action, "", "", e.Detail}})
	}
	for _, e := range evs {
		lines = append(lines, line{e.Time, []string{e.Time.In(loc).Format("2006-01-02 15:04"), "request", e.Model, pricing.FormatCost(e.Cost, e.CostState, pricing.Screen), statusText(e)}})
	}
	if !k.CreatedAt.IsZero() {
		lines = append(lines, line{k.CreatedAt, []string{k.CreatedAt.In(loc).Format("2006-01-02 15:04"), "created", "", "", ""}})
	}
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].at.After(lines[j].at) })
	for _, l := range lines {
		t.row(l.cells...)
	}
	return t.flush()
}
