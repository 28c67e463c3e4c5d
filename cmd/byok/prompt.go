package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/safetext"
	"github.com/byokhq/byok/store"
)

// maxPromptBytes bounds what a prompt may read from stdin.
const maxPromptBytes = 8 << 20

type promptOptions struct {
	text               string // the prompt argument: TEXT, "-" or empty for stdin
	model, key, system string
	api                string
	maxTokens          int
	noStream, json     bool
	effort             string
	image              imageOptions
}

func newPromptCmd(f *Factory) *cobra.Command {
	var o promptOptions
	cmd := &cobra.Command{
		Use:   "prompt [TEXT | -]",
		Short: "Send a prompt to a model and stream the reply; the cost is recorded",
		Example: `  byok prompt -m openai/gpt-4o-mini "Write a haiku about invoices"
  git diff | byok prompt -m anthropic/claude-sonnet-4-5 --system "Review this diff" -
  byok prompt -m google/gemini-2.5-flash --key work --max-tokens 200 "hello"
  byok prompt -m openai/dall-e-3 --image --size 1792x1024 --quality hd "a lighthouse at dusk"`,
		Args: cobra.MaximumNArgs(1),
		RunE: runWith(f, &o, runPrompt, &o.text),
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.model, "model", "m", "", "PROVIDER/MODEL (default: default_model in config)")
	fl.StringVar(&o.key, "key", "", "the key to use, by label or provider/label (default: the provider's default key)")
	fl.StringVar(&o.system, "system", "", "a system prompt")
	fl.IntVar(&o.maxTokens, "max-tokens", 0, "cap the reply length in tokens")
	fl.BoolVar(&o.noStream, "no-stream", false, "wait for the whole reply instead of streaming")
	fl.StringVar(&o.effort, "reasoning-effort", "", "low, medium or high, for reasoning models")
	fl.StringVar(&o.api, "api", "", "use another API the provider serves: responses (openai, azure)")
	fl.BoolVar(&o.json, "json", false, "print the reply and its cost as JSON")
	o.image.bind(cmd)
	return cmd
}

// promptText reads the prompt from the argument or stdin and refuses what
// is not text.
func promptText(f *Factory, arg string) (string, error) {
	if arg == "-" || (arg == "" && !f.IO.InTTY) {
		b, err := io.ReadAll(io.LimitReader(f.IO.In, maxPromptBytes+1))
		if err != nil {
			return "", fmt.Errorf("read the prompt from stdin: %w", err)
		}
		if len(b) > maxPromptBytes {
			return "", usageErrorf("the prompt on stdin is larger than %d MB", maxPromptBytes>>20)
		}
		if !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
			return "", usageErrorf("stdin is not text (binary data?): pipe text into byok prompt")
		}
		arg = string(b)
	}
	if strings.TrimSpace(arg) == "" {
		return "", usageErrorf("no prompt: give it as an argument, or pipe it in with `-`")
	}
	return arg, nil
}

// promptAndApp reads the prompt, then opens the app: a missing or binary
// prompt is refused before the home is opened or created.
func promptAndApp(ctx context.Context, f *Factory, arg string) (string, *app.App, error) {
	text, err := promptText(f, arg)
	if err != nil {
		return "", nil, err
	}
	a, err := f.App(ctx)
	return text, a, err
}

// callFor builds the call of text to o's -m PROVIDER/MODEL, with o's key,
// system prompt and limits.
func callFor(a *app.App, o promptOptions, text string) (app.Call, error) {
	model, maxTokens, effort := o.model, o.maxTokens, o.effort
	if model == "" {
		model = a.Config.DefaultModel
	}
	if model == "" {
		return app.Call{}, usageErrorf("no model: pass -m PROVIDER/MODEL (see `byok models`) or set default_model in %s", a.Config.Paths.Config)
	}
	p, m, ok := cutModel(model)
	if !ok {
		return app.Call{}, usageErrorf("model %q: write it as provider/model, e.g. openai/gpt-4o-mini", model)
	}
	spec, err := a.Provider(p)
	if err != nil {
		return app.Call{}, usageError{err}
	}
	if maxTokens < 0 {
		return app.Call{}, usageErrorf("--max-tokens must be positive")
	}
	switch effort {
	case "", "low", "medium", "high":
	default:
		return app.Call{}, usageErrorf("--reasoning-effort %q: use low, medium or high", effort)
	}
	return app.Call{
		Provider: spec.ID, Model: m, KeyLabel: o.key, Source: store.SourceCLI,
		Request: providers.Request{Model: m, System: o.system, MaxTokens: maxTokens, ReasoningEffort: effort,
			Messages: []providers.Message{{Role: providers.RoleUser, Content: text}}},
	}, nil
}

type promptJSON struct {
	Reply   string `json:"reply"`
	EventID int64  `json:"event_id"`
	Status  string `json:"status"`
	tokenColumns
	CostUSD   *string `json:"cost_usd"` // null when unpriced, never a 0 that reads as free
	CostState string  `json:"cost_state"`
	LatencyMS int64   `json:"latency_ms"`
	TTFTMS    int64   `json:"ttft_ms"`
}

func runPrompt(ctx context.Context, f *Factory, o promptOptions) error {
	text, a, err := promptAndApp(ctx, f, o.text)
	if err != nil {
		return err
	}
	call, err := callFor(a, o, text)
	if err != nil {
		return err
	}
	call.Request.NoStream = o.noStream
	if o.image.on {
		return runImage(ctx, f, a, call, o, text)
	}
	switch o.api {
	case "":
	case "responses":
		call.API = providers.KindResponses
	default:
		return usageErrorf("--api %q: the only other API is responses (for openai and azure)", o.api)
	}
	run, err := beginRun(ctx, f, a, call, o.json)
	if err != nil {
		return err
	}
	var reply strings.Builder
	out, err := run.Stream(ctx, func(ev providers.Event) {
		if ev.Type == providers.EventText {
			reply.WriteString(ev.Text)
			if !o.json {
				// A reply is the provider's text: its words reach the
				// terminal, its control sequences never do.
				_, _ = io.WriteString(f.IO.Out, safetext.Clean(ev.Text))
			}
		}
	})
	if !o.json && reply.Len() > 0 && !strings.HasSuffix(reply.String(), "\n") {
		fmt.Fprintln(f.IO.Out)
	}
	e := out.Event
	if o.json && e.ID != 0 {
		cost := usdJSON(e.Cost, e.CostState != pricing.Unpriced)
		if jerr := writeJSON(f.IO.Out, promptJSON{reply.String(), e.ID, string(e.Status), eventTokens(e), cost, string(e.CostState), ms(e.Latency), ms(e.TTFT)}); jerr != nil {
			return jerr
		}
	} else if e.ID != 0 {
		fmt.Fprintln(f.IO.Err, safetext.Clean(summaryLine(e)))
	}
	for _, al := range out.Alerts {
		fmt.Fprintf(f.IO.Err, "alert: %s\n", safetext.Clean(al.Message))
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("timed out; the request was recorded as %s", e.Status)
	case errors.Is(err, context.Canceled) || ctx.Err() != nil:
		return fmt.Errorf("cancelled; the request was recorded as %s", e.Status)
	}
	return err
}

// beginRun begins call and tells stderr what it may cost: the worst case
// (unless the reply is JSON) and every budget it could take past its limit.
func beginRun(ctx context.Context, f *Factory, a *app.App, call app.Call, quiet bool) (*app.Run, error) {
	run, err := a.Begin(ctx, call)
	if err != nil {
		return nil, err
	}
	if run.WorstCase > 0 && !quiet {
		fmt.Fprintf(f.IO.Err, "— up to %s for this request\n", run.WorstCase)
	}
	for _, w := range run.Warnings {
		fmt.Fprintf(f.IO.Err, "warning: this request could cost up to %s, which would take the %s budget %s past its %s limit (%s spent).\n",
			run.WorstCase, w.Budget.Period, w.Budget.Scope, w.Budget.Limit, w.Spent)
	}
	return run, nil
}

// summaryLine is the one line about a finished request on stderr.
func summaryLine(e store.Event) string {
	cost := pricing.FormatCost(e.Cost, e.CostState, pricing.Screen)
	switch e.CostState {
	case pricing.Unpriced:
		cost += " (set a price with `byok pricing set`)"
	default:
		cost += " " + string(e.CostState)
	}
	s := fmt.Sprintf("— %s/%s · %s in", e.Provider, e.Model, count(e.InputTokens))
	// Every token class that was billed shows: cache reads, and cache
	// writes (5-minute and 1-hour apart, as they are priced apart).
	if e.CacheReadTokens > 0 {
		s += fmt.Sprintf(" + %s cached", count(e.CacheReadTokens))
	}
	if e.CacheWrite5mTokens > 0 {
		s += fmt.Sprintf(" + %s cache write", count(e.CacheWrite5mTokens))
	}
	if e.CacheWrite1hTokens > 0 {
		s += fmt.Sprintf(" + %s cache write (1h)", count(e.CacheWrite1hTokens))
	}
	s += fmt.Sprintf(" / %s out", count(e.OutputTokens))
	if e.ReasoningTokens > 0 {
		s += fmt.Sprintf(" (%s reasoning)", count(e.ReasoningTokens))
	}
	s += " · " + cost + " · " + latencyText(e.Latency)
	if e.Status != store.StatusOK {
		s += " · " + string(e.Status)
	}
	return s
}

type compareOptions struct {
	models    []string
	system    string
	maxTokens int
	text      string // the prompt argument: TEXT, "-" or empty for stdin
}

func newCompareCmd(f *Factory) *cobra.Command {
	var o compareOptions
	cmd := &cobra.Command{
		Use:     "compare -m P/M -m P/M … TEXT",
		Short:   "Send one prompt to several models at once and compare cost and speed",
		Example: `  byok compare -m openai/gpt-4o-mini -m anthropic/claude-haiku-4-5 -m google/gemini-2.5-flash "Explain CRDTs in two sentences"`,
		Args:    cobra.MaximumNArgs(1),
		RunE:    runWith(f, &o, runCompare, &o.text),
	}
	cmd.Flags().StringArrayVarP(&o.models, "model", "m", nil, "PROVIDER/MODEL, 2 to 4 times")
	cmd.Flags().StringVar(&o.system, "system", "", "a system prompt")
	cmd.Flags().IntVar(&o.maxTokens, "max-tokens", 0, "cap each reply's length in tokens")
	return cmd
}

func runCompare(ctx context.Context, f *Factory, o compareOptions) error {
	models := o.models
	if len(models) < 2 || len(models) > 4 {
		return usageErrorf("compare takes 2 to 4 models (-m PROVIDER/MODEL each), not %d", len(models))
	}
	text, a, err := promptAndApp(ctx, f, o.text)
	if err != nil {
		return err
	}
	runs := make([]*app.Run, len(models))
	for i, m := range models {
		call, err := callFor(a, promptOptions{model: m, system: o.system, maxTokens: o.maxTokens}, text)
		if err != nil {
			return err
		}
		if runs[i], err = a.Begin(ctx, call); err != nil {
			return fmt.Errorf("%s: %w", m, err)
		}
	}
	type result struct {
		reply strings.Builder
		out   app.Outcome
		err   error
	}
	res := make([]result, len(runs))
	var wg sync.WaitGroup
	start := time.Now()
	for i, r := range runs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i].out, res[i].err = r.Stream(ctx, func(ev providers.Event) {
				if ev.Type == providers.EventText {
					res[i].reply.WriteString(ev.Text)
				}
			})
		}()
	}
	wg.Wait()
	w := f.IO.Out
	for i, m := range models {
		fmt.Fprintf(w, "── %s ──\n", safetext.Clean(m))
		if res[i].err != nil {
			fmt.Fprintf(w, "error: %s\n\n", safetext.Clean(res[i].err.Error()))
			continue
		}
		fmt.Fprintf(w, "%s\n\n", strings.TrimRight(safetext.Clean(res[i].reply.String()), "\n"))
	}
	t := newTable(w, "MODEL", "STATUS", "IN", "OUT", "COST", "TTFT", "LATENCY")
	var errs []error
	for i, m := range models {
		e := res[i].out.Event
		cost := pricing.FormatCost(e.Cost, e.CostState, pricing.Screen)
		t.row(m, string(e.Status), count(e.InputTokens+e.CacheReadTokens), count(e.OutputTokens), cost,
			secondsColumn(e.TTFT), secondsColumn(e.Latency))
		if res[i].err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", m, res[i].err))
		}
	}
	t.flush()
	fmt.Fprintf(f.IO.Err, "all replies in %s\n", latencyText(time.Since(start)))
	return errors.Join(errs...)
}
