package main

import (
	"context"
	"errors"
	"fmt"
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
	cmd.AddCommand(newKeysAddCmd(f), newKeysListCmd(f), newKeysTestCmd(f), newKeysRotateCmd(f), newKeysRmCmd(f),
		newKeysDefaultCmd(f), newKeysHistoryCmd(f), newKeysImportEnvCmd(f))
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

type keysListOptions struct {
	output outputOptions
}

func newKeysListCmd(f *Factory) *cobra.Command {
	var o keysListOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Keys with their source, age, last use and status",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runKeysList(cmd.Context(), f, o) },
	}
	o.output.addFlags(cmd, false)
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

type keysRotateOptions struct {
	keyIDOptions
	noValidate bool
}

func newKeysRotateCmd(f *Factory) *cobra.Command {
	var o keysRotateOptions
	cmd := &cobra.Command{
		Use:   "rotate ID",
		Short: "Replace a key's secret (from stdin or a prompt); history is kept",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.keyIDArg(args); err != nil {
				return err
			}
			return runKeysRotate(cmd.Context(), f, o)
		},
	}
	cmd.Flags().BoolVar(&o.noValidate, "no-validate", false, "store the new key without asking the provider")
	return cmd
}

func runKeysRotate(ctx context.Context, f *Factory, o keysRotateOptions) error {
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	k, err := a.Store.KeyByID(ctx, o.id)
	if err != nil {
		return err
	}
	// A home that takes no new secret says so before one is pasted.
	if err := a.CheckNewSecret(); err != nil {
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

func newKeysTestCmd(f *Factory) *cobra.Command {
	var o keyIDOptions
	return &cobra.Command{
		Use:   "test ID",
		Short: "Ask the provider whether a key works",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.keyIDArg(args); err != nil {
				return err
			}
			return runKeysTest(cmd.Context(), f, o)
		},
	}
}

func runKeysTest(ctx context.Context, f *Factory, o keyIDOptions) error {
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	k, err := a.TestKey(ctx, o.id)
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.Out, "%s works (checked %s).\n", k.Name(), k.ValidatedAt.In(a.Location()).Format("2006-01-02 15:04"))
	return nil
}

func newKeysRmCmd(f *Factory) *cobra.Command {
	var o keyIDOptions
	return &cobra.Command{
		Use:   "rm ID",
		Short: "Delete a key from the keychain (its history stays)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.keyIDArg(args); err != nil {
				return err
			}
			return runKeysRm(cmd.Context(), f, o)
		},
	}
}

func runKeysRm(ctx context.Context, f *Factory, o keyIDOptions) error {
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	k, err := a.RemoveKey(ctx, o.id)
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.Out, "Removed %s from the keychain; its history is kept.\n", k.Name())
	return nil
}

func newKeysDefaultCmd(f *Factory) *cobra.Command {
	var o keyIDOptions
	return &cobra.Command{
		Use:   "default ID",
		Short: "Make a key its provider's default",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.keyIDArg(args); err != nil {
				return err
			}
			return runKeysDefault(cmd.Context(), f, o)
		},
	}
}

func runKeysDefault(ctx context.Context, f *Factory, o keyIDOptions) error {
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	k, err := a.SetDefaultKey(ctx, o.id)
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.Out, "%s is now the default key for %s.\n", k.Name(), k.Provider)
	return nil
}

type keysHistoryOptions struct {
	keyIDOptions
	limit int
}

func newKeysHistoryCmd(f *Factory) *cobra.Command {
	var o keysHistoryOptions
	cmd := &cobra.Command{
		Use:   "history ID",
		Short: "A key's lifecycle and its recent requests",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.keyIDArg(args); err != nil {
				return err
			}
			return runKeysHistory(cmd.Context(), f, o)
		},
	}
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
		RunE:  func(cmd *cobra.Command, _ []string) error { return runKeysImportEnv(cmd.Context(), f, o) },
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

func runKeysList(ctx context.Context, f *Factory, o keysListOptions) error {
	a, err := f.ReaderApp(ctx)
	if err != nil {
		return err
	}
	ks, err := a.Keys(ctx)
	if err != nil {
		return err
	}
	if o.output.json {
		rows := make([]keyRow, len(ks))
		for i, k := range ks {
			rows[i] = keyRow{k.ID, k.Provider, k.Label, k.Last4, k.Fingerprint, string(k.Source), keyKind(k.Key), k.Env, k.Default,
				timeJSON(k.CreatedAt), timeJSON(k.RotatedAt), timeJSON(k.ValidatedAt), timeJSON(k.LastUsedAt), k.Status(), k.RotateDue,
				string(k.Health), timeJSON(k.HealthAt), k.HealthDetail}
		}
		return writeJSON(f.IO.Out, rows)
	}
	if len(ks) == 0 {
		fmt.Fprintln(f.IO.Out, "No keys yet. Add one with `byok keys add openai` (the key is read from stdin or a hidden prompt).")
		return nil
	}
	now := a.Now()
	t := newTable(f.IO.Out, "ID", "PROVIDER", "LABEL", "KEY", "KIND", "SOURCE", "DEFAULT", "AGE", "LAST USED", "STATUS")
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
		fmt.Fprintf(f.IO.Out, "\n%s due for rotation: create a new key in the provider's console, then `byok keys rotate ID`.\n", counted(due, "key is", "keys are"))
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
