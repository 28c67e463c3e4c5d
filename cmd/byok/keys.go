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
	var addOpts keysAddOptions
	add := &cobra.Command{
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
			addOpts.Provider = args[0]
			addOpts.LabelSet = cmd.Flags().Changed("label")
			return runKeysAdd(cmd.Context(), f, addOpts)
		},
	}
	add.Flags().StringVar(&addOpts.Label, "label", "default", `a name for this key, e.g. work or personal ("admin" with --admin)`)
	add.Flags().BoolVar(&addOpts.NoValidate, "no-validate", false, "store the key without asking the provider")
	add.Flags().BoolVar(&addOpts.Admin, "admin", false, "an admin or management key, used only to read the provider's reports and balance")

	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "Keys with their source, age, last use and status",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return runKeysList(cmd.Context(), f, asJSON) },
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	var rotNoValidate bool
	rotate := &cobra.Command{
		Use:   "rotate ID",
		Short: "Replace a key's secret (from stdin or a prompt); history is kept",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := keyID(args[0])
			if err != nil {
				return err
			}
			a, err := f.App(cmd.Context())
			if err != nil {
				return err
			}
			k, err := a.Store.KeyByID(cmd.Context(), id)
			if err != nil {
				return err
			}
			secret, err := readSecret(f, fmt.Sprintf("New key for %s: ", k.Name()))
			if err != nil {
				return err
			}
			k, err = a.RotateKey(cmd.Context(), id, secret, !rotNoValidate)
			if err != nil {
				return err
			}
			fmt.Fprintf(f.IO.Out, "Rotated %s (now …%s, fingerprint %s).\n", k.Name(), k.Last4, k.Fingerprint)
			return nil
		},
	}
	rotate.Flags().BoolVar(&rotNoValidate, "no-validate", false, "store the new key without asking the provider")

	test := &cobra.Command{
		Use:   "test ID",
		Short: "Ask the provider whether a key works",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return keyAction(cmd.Context(), f, args[0], func(ctx context.Context, a *app.App, id int64) error {
				k, err := a.TestKey(ctx, id)
				if err != nil {
					return err
				}
				fmt.Fprintf(f.IO.Out, "%s works (checked %s).\n", k.Name(), k.ValidatedAt.In(a.Location()).Format("2006-01-02 15:04"))
				return nil
			})
		},
	}
	rm := &cobra.Command{
		Use:   "rm ID",
		Short: "Delete a key from the keychain (its history stays)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return keyAction(cmd.Context(), f, args[0], func(ctx context.Context, a *app.App, id int64) error {
				k, err := a.RemoveKey(ctx, id)
				if err != nil {
					return err
				}
				fmt.Fprintf(f.IO.Out, "Removed %s from the keychain; its history is kept.\n", k.Name())
				return nil
			})
		},
	}
	def := &cobra.Command{
		Use:   "default ID",
		Short: "Make a key its provider's default",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return keyAction(cmd.Context(), f, args[0], func(ctx context.Context, a *app.App, id int64) error {
				k, err := a.SetDefaultKey(ctx, id)
				if err != nil {
					return err
				}
				fmt.Fprintf(f.IO.Out, "%s is now the default key for %s.\n", k.Name(), k.Provider)
				return nil
			})
		},
	}
	var histLimit int
	history := &cobra.Command{
		Use:   "history ID",
		Short: "A key's lifecycle and its recent requests",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return keyAction(cmd.Context(), f, args[0], func(ctx context.Context, a *app.App, id int64) error {
				return runKeyHistory(ctx, f, a, id, histLimit)
			})
		},
	}
	history.Flags().IntVar(&histLimit, "limit", 50, "how many entries of each kind")
	var importLabel string
	var importNoValidate bool
	importEnv := &cobra.Command{
		Use:   "import-env",
		Short: "Copy keys from OPENAI_API_KEY, ANTHROPIC_API_KEY, … into the keychain",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := f.App(cmd.Context())
			if err != nil {
				return err
			}
			ks, err := a.ImportEnv(cmd.Context(), importLabel, !importNoValidate)
			for _, k := range ks {
				fmt.Fprintf(f.IO.Out, "Imported %s (…%s).\n", k.Name(), k.Last4)
			}
			if len(ks) == 0 && err == nil {
				fmt.Fprintln(f.IO.Out, "No new keys in the environment.")
			}
			return err
		},
	}
	importEnv.Flags().StringVar(&importLabel, "label", "imported", "label for the imported keys")
	importEnv.Flags().BoolVar(&importNoValidate, "no-validate", false, "import without asking the providers")
	cmd.AddCommand(add, list, test, rotate, rm, def, history, importEnv)
	return cmd
}

func keyID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, usageErrorf("key id %q: use the number shown by `byok keys list`", s)
	}
	return id, nil
}

func keyAction(ctx context.Context, f *Factory, arg string, fn func(context.Context, *app.App, int64) error) error {
	id, err := keyID(arg)
	if err != nil {
		return err
	}
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	return fn(ctx, a, id)
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

func runKeysList(ctx context.Context, f *Factory, asJSON bool) error {
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	ks, err := a.Keys(ctx)
	if err != nil {
		return err
	}
	if asJSON {
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
			last = ago(now.Sub(k.LastUsedAt))
		}
		st := k.Status()
		switch k.Health {
		case store.HealthRejected, store.HealthNoCredit, store.HealthMissing:
			st += " " + ago(now.Sub(k.HealthAt))
		}
		if k.RotateDue && st == "rotate" {
			due++
			st = "rotate (older than " + strconv.Itoa(a.Config.RotateAfterDays) + "d)"
		}
		masked := ""
		if k.Last4 != "" {
			masked = "…" + k.Last4
		}
		t.row(itoa(k.ID), k.Provider, k.Label, masked, keyKind(k.Key), src, def, ago(k.Age(now)), last, st)
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

func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func runKeyHistory(ctx context.Context, f *Factory, a *app.App, id int64, limit int) error {
	k, log, evs, err := a.KeyHistory(ctx, id, limit)
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
		detail := string(e.Status)
		if e.ErrorClass != "" {
			detail += " (" + e.ErrorClass + ")"
		}
		lines = append(lines, line{e.Time, []string{e.Time.In(loc).Format("2006-01-02 15:04"), "request", e.Model, pricing.FormatCost(e.Cost, e.CostState, pricing.Screen), detail}})
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
