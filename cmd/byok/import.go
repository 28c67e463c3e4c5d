package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/agentlog"
	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/store"
)

type importOptions struct {
	source string
	all    bool
	paths  []string
	json   bool
	watch  bool
}

func newImportCmd(f *Factory) *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "import {claude-code|codex|gemini-cli|opencode} | import --all",
		Short: "Import coding agents' usage from their local logs",
		Long: `Import the requests a coding agent logged on this machine — Claude Code, Codex,
Gemini CLI or opencode — with their tokens and cost, so that they count in
totals, budgets and alerts like any other. Each import reads only what was
written since the last one; a request is never counted twice.

Logs are read where each agent keeps them by its own settings: Claude Code's
projects folders (CLAUDE_CONFIG_DIR, ~/.config/claude, ~/.claude), Codex's
sessions and archived_sessions under CODEX_HOME (~/.codex), Gemini CLI's
~/.gemini/tmp, opencode's database (OPENCODE_DATA_DIR, ~/.local/share/opencode).
--path reads another folder holding the same layout (for Claude Code, a folder
of project folders).`,
		Example: `  byok import claude-code
  byok import codex --path /mnt/backup/.codex/sessions --json
  byok import --all
  byok import --all --watch          follow new lines until Ctrl-C`,
		Args: cobra.MaximumNArgs(1),
		RunE: runWith(f, &o, runImport, &o.source),
	}
	cmd.Flags().BoolVar(&o.all, "all", false, "import every agent whose logs are found")
	cmd.Flags().StringArrayVar(&o.paths, "path", nil, "read the logs in this folder instead (repeat for several)")
	cmd.Flags().BoolVar(&o.json, "json", false, "print a JSON summary (with --watch, one line per import)")
	cmd.Flags().BoolVar(&o.watch, "watch", false, "keep following the logs and import new lines as the agents write them (Ctrl-C stops)")
	return cmd
}

// importSources checks the arguments and returns the sources to import.
func importSources(o importOptions) ([]agentlog.Source, error) {
	switch {
	case o.all && o.source != "":
		return nil, usageErrorf("name one source or use --all, not both")
	case o.all && len(o.paths) > 0:
		return nil, usageErrorf("--path belongs to one source: name it (byok import claude-code --path DIR)")
	case o.all:
		return agentlog.Sources(), nil
	case o.source == "":
		return nil, usageErrorf("name a source (claude-code, codex, gemini-cli or opencode), or use --all")
	}
	src, err := agentlog.ParseSource(o.source)
	if err != nil {
		return nil, usageError{err}
	}
	// A folder named on the command line that is not there is a typo to
	// correct, where the agent's own folders missing means it is not used
	// on this machine.
	for _, p := range o.paths {
		if err := agentlog.CheckRoot(src, p); err != nil {
			return nil, usageError{err}
		}
	}
	return []agentlog.Source{src}, nil
}

type importJSON struct {
	Source     string         `json:"source"`
	Paths      []string       `json:"paths"`
	Files      int            `json:"files_found"`
	FilesRead  int            `json:"files_read"`
	Lines      int            `json:"lines_read"`
	Added      int            `json:"events_added"`
	Updated    int            `json:"events_updated"`
	Duplicates int            `json:"duplicates_skipped"`
	Recorded   int            `json:"already_recorded"`
	RecordedBy map[string]int `json:"already_recorded_by"`
	Refused    int            `json:"lines_refused"`
	Reasons    []string       `json:"refused_reasons"`
	CostUSD    string         `json:"cost_usd"`
	Unpriced   int            `json:"unpriced_events"`
}

func toImportJSON(s app.ImportSummary) importJSON {
	reasons := s.Reasons
	if reasons == nil {
		reasons = []string{}
	}
	by := make(map[string]int, len(s.Recorded))
	for src, n := range s.Recorded {
		by[string(src)] = n
	}
	return importJSON{Source: string(s.Source), Paths: s.Roots, Files: s.Files, FilesRead: s.FilesRead, Lines: s.Lines,
		Added: s.Added, Updated: s.Updated, Duplicates: s.Duplicates, Recorded: s.AlreadyRecorded(), RecordedBy: by,
		Refused: s.Refused, Reasons: reasons, CostUSD: s.Cost.Decimal(), Unpriced: s.Unpriced}
}

func runImport(ctx context.Context, f *Factory, o importOptions) error {
	srcs, err := importSources(o)
	if err != nil {
		return err
	}
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	if o.watch {
		return watchImports(ctx, f, a, srcs, o)
	}
	var sums []app.ImportSummary
	for _, src := range srcs {
		s, err := a.Import(ctx, src, app.ImportOptions{Paths: o.paths})
		if err != nil {
			return err
		}
		if o.all && s.Files == 0 {
			continue // not used on this machine
		}
		sums = append(sums, s)
	}
	if o.json {
		if !o.all {
			return writeJSON(f.IO.Out, toImportJSON(sums[0]))
		}
		return writeJSON(f.IO.Out, jsonRows(sums, toImportJSON))
	}
	if len(sums) == 0 {
		fmt.Fprintln(f.IO.Out, "No coding agent's logs were found (looked for Claude Code, Codex, Gemini CLI and opencode).")
		return nil
	}
	for _, s := range sums {
		printImport(f.IO.Out, s)
		for _, al := range s.Alerts {
			fmt.Fprintf(f.IO.Err, "alert: %s\n", al.Message)
		}
	}
	return nil
}

func printImport(w io.Writer, s app.ImportSummary) {
	if s.Files == 0 {
		fmt.Fprintf(w, "%s: no logs found in %s\n", s.Source, strings.Join(s.Roots, ", "))
		return
	}
	fmt.Fprintf(w, "%s: %s (%d new or changed), %s read\n", s.Source, counted(s.Files, "file", "files"), s.FilesRead, counted(s.Lines, "line", "lines"))
	added := fmt.Sprintf("  %s added", counted(s.Added, "request", "requests"))
	if s.Added > 0 {
		added += " (" + pricing.FormatTotal(s.Cost, int64(s.Added), int64(s.Unpriced)) + ")"
	}
	if s.Updated > 0 {
		added += fmt.Sprintf(", %d updated", s.Updated)
	}
	fmt.Fprintf(w, "%s, %s skipped%s\n", added, counted(s.Duplicates, "duplicate", "duplicates"), recordedText(s.Recorded))
	if s.Refused > 0 {
		fmt.Fprintf(w, "  %s refused:\n", counted(s.Refused, "line", "lines"))
		for _, r := range s.Reasons {
			fmt.Fprintf(w, "    %s\n", r)
		}
		if s.Refused > len(s.Reasons) {
			fmt.Fprintf(w, "    … and %d more\n", s.Refused-len(s.Reasons))
		}
	}
}

// recordedText says how many of the requests read byok had recorded
// itself, and by what ("", when none).
func recordedText(by map[store.Source]int) string {
	srcs := make([]store.Source, 0, len(by))
	total := 0
	for src, n := range by {
		srcs = append(srcs, src)
		total += n
	}
	if total == 0 {
		return ""
	}
	// The most first, then by name, so that the line reads the same each time.
	sort.Slice(srcs, func(i, j int) bool {
		if by[srcs[i]] != by[srcs[j]] {
			return by[srcs[i]] > by[srcs[j]]
		}
		return srcs[i] < srcs[j]
	})
	parts := make([]string, len(srcs))
	for i, src := range srcs {
		what := "byok's " + string(src)
		switch src {
		case store.SourceProxy:
			what = "byok's proxy"
		case store.SourceCLI:
			what = "byok's CLI"
		case store.SourceTUI:
			what = "byok's TUI"
		}
		if i == 0 {
			parts[i] = fmt.Sprintf("%d already recorded by %s", by[src], what)
		} else {
			parts[i] = fmt.Sprintf("%d by %s", by[src], what)
		}
	}
	return ", " + strings.Join(parts, ", ")
}

// watchImports imports now, then follows the logs until Ctrl-C, printing
// what each import added.
func watchImports(ctx context.Context, f *Factory, a *app.App, srcs []agentlog.Source, o importOptions) error {
	names := make([]string, len(srcs))
	for i, s := range srcs {
		names[i] = string(s)
	}
	if !o.json {
		fmt.Fprintf(f.IO.Err, "Following the logs of %s; Ctrl-C stops.\n", strings.Join(names, ", "))
	}
	enc := json.NewEncoder(f.IO.Out)
	report := func(s app.ImportSummary) {
		if o.json {
			if err := enc.Encode(toImportJSON(s)); err != nil {
				a.Log.Warn("print import summary", "err", err)
			}
		} else {
			fmt.Fprintf(f.IO.Out, "%s ", a.Now().In(a.Location()).Format("15:04:05"))
			printImport(f.IO.Out, s)
		}
		for _, al := range s.Alerts {
			fmt.Fprintf(f.IO.Err, "alert: %s\n", al.Message)
		}
	}
	return a.Watch(ctx, app.WatchOptions{Sources: srcs, Paths: o.paths, Report: report})
}
