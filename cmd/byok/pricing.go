package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/providers/audio"
	"github.com/byokhq/byok/store"
)

func newPricingCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pricing",
		Short: "The price catalog, your overrides, and what a request costs",
	}
	cmd.AddCommand(
		newArgOutputCmd(f, "list [PROVIDER]", "Models and their prices per million tokens", cobra.MaximumNArgs(1), runPricingList),
		newArgOutputCmd(f, "show PROVIDER/MODEL", "Every rate of one model, its tiers, date and source", cobra.ExactArgs(1), runPricingShow),
		newPricingSetCmd(f),
		newArgCmd(f, "rm PROVIDER/MODEL", "Remove your price override", runPricingRm),
		newPricingImportCmd(f),
		newPricingRepriceCmd(f),
		newPricingCostCmd(f),
		newPricingUpdateCmd(f),
	)
	return cmd
}

// pricingSetOptions are the rates of `pricing set`, as typed: USD per
// million tokens, empty when not given.
type pricingSetOptions struct {
	model                                                         string // PROVIDER/MODEL
	input, output, cacheRead, cacheWrite, cacheWrite1h, reasoning string
}

func newPricingSetCmd(f *Factory) *cobra.Command {
	var o pricingSetOptions
	cmd := &cobra.Command{
		Use:   "set PROVIDER/MODEL --input X --output Y",
		Short: "Set your own price (USD per million tokens); it wins over the catalog",
		Example: `  byok pricing set openai/gpt-4o --input 2.5 --output 10 --cache-read 1.25
  byok pricing set mycorp/llama-70b --input 0.6 --output 0.6`,
		Args: cobra.ExactArgs(1),
		RunE: runWith(f, &o, runPricingSet, &o.model),
	}
	fl := cmd.Flags()
	fl.StringVar(&o.input, "input", "", "uncached input, USD per million tokens (required)")
	fl.StringVar(&o.output, "output", "", "output, USD per million tokens (required)")
	fl.StringVar(&o.cacheRead, "cache-read", "", "cache read, USD per million tokens")
	fl.StringVar(&o.cacheWrite, "cache-write", "", "cache write (5-minute), USD per million tokens")
	fl.StringVar(&o.cacheWrite1h, "cache-write-1h", "", "cache write (1-hour), USD per million tokens")
	fl.StringVar(&o.reasoning, "reasoning", "", "reasoning tokens, USD per million, when priced apart")
	return cmd
}

func runPricingRm(ctx context.Context, f *Factory, model string) error {
	p, m, err := modelArg(model)
	if err != nil {
		return err
	}
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	if err := a.RemovePrice(ctx, p, m); err != nil {
		return err
	}
	fmt.Fprintf(f.IO.Out, "Removed the override for %s/%s; the catalog price applies again.\n", p, m)
	return nil
}

type pricingImportOptions struct {
	file, format string
}

func newPricingImportCmd(f *Factory) *cobra.Command {
	var o pricingImportOptions
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import prices from a LiteLLM-format JSON file as overrides",
		Args:  cobra.ExactArgs(1),
		RunE:  runWith(f, &o, runPricingImport, &o.file),
	}
	cmd.Flags().StringVar(&o.format, "format", "litellm", "file format: litellm, or byok (the catalog's own format)")
	return cmd
}

func runPricingImport(ctx context.Context, f *Factory, o pricingImportOptions) error {
	if o.format != "litellm" && o.format != "byok" {
		return usageErrorf("--format %q: use litellm or byok", o.format)
	}
	fh, err := os.Open(o.file)
	if err != nil {
		return usageErrorf("cannot open %s: %v", o.file, err)
	}
	defer fh.Close()
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	rep, err := a.ImportPriceFile(ctx, fh, filepath.Base(o.file), o.format)
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.Out, "Imported %s: %d added, %d changed, %d unchanged (they win over the catalog), %d ignored.\n",
		o.file, rep.Added, rep.Changed, rep.Unchanged, len(rep.Ignored))
	reasons := map[string]int{}
	for _, s := range rep.Ignored {
		reasons[s.Reason]++
	}
	for r, n := range reasons {
		fmt.Fprintf(f.IO.Out, "  ignored %d: %s\n", n, r)
	}
	return nil
}

type pricingRepriceOptions struct {
	span rangeOptions // --since only: repricing runs to now
	yes  bool
}

func newPricingRepriceCmd(f *Factory) *cobra.Command {
	var o pricingRepriceOptions
	cmd := &cobra.Command{
		Use:   "reprice [--since D] [--yes]",
		Short: "Price past requests again with today's prices; writes only with --yes",
		Args:  cobra.NoArgs,
		RunE:  runWith(f, &o, runReprice),
	}
	cmd.Flags().StringVar(&o.span.since, "since", "", "from this time (default: start of this month)")
	cmd.Flags().BoolVar(&o.yes, "yes", false, "write the new costs")
	return cmd
}

// pricingCostOptions are the model and the counts of `pricing cost`.
type pricingCostOptions struct {
	model string // PROVIDER/MODEL
	costFlags
	format outputOptions // --json; costFlags.output is the output tokens
}

func newPricingCostCmd(f *Factory) *cobra.Command {
	var o pricingCostOptions
	cmd := &cobra.Command{
		Use:   "cost PROVIDER/MODEL [--input N --output N] [--images N --size S --quality Q] [--seconds S | --audio FILE] [--characters N]",
		Short: "What a request of these (disjoint) token counts, images, audio seconds or characters costs",
		Example: `  byok pricing cost openai/gpt-4o --input 1000 --output 500
  byok pricing cost anthropic/claude-sonnet-4-5 --input 2000 --cache-read 50000 --cache-write 8000 --output 900 --json
  byok pricing cost openai/dall-e-3 --images 2 --size 1792x1024 --quality hd
  byok pricing cost openai/gpt-image-1 --input 50 --image-input 40 --output 4160 --image-output 4160
  byok pricing cost openai/whisper-1 --seconds 95.4
  byok pricing cost openai/whisper-1 --audio memo.m4a
  byok pricing cost openai/tts-1 --characters 1200
  byok pricing cost bfl/flux-pro-1.1 --images 1`,
		Args: cobra.ExactArgs(1),
		RunE: runWith(f, &o, runPricingCost, &o.model),
	}
	o.bind(cmd)
	o.format.addFlags(cmd, false)
	return cmd
}

// modelArg splits PROVIDER/MODEL.
func modelArg(s string) (string, string, error) {
	p, m, ok := cutModel(s)
	if !ok {
		return "", "", usageErrorf("%q: name the model as provider/model, e.g. openai/gpt-4o", s)
	}
	return strings.ToLower(p), m, nil
}

func rate(p money.PerMillion, has bool) string {
	if !has {
		return "-"
	}
	return p.Dollars()
}

// runPricingList lists the catalog's prices: of every provider, or of the
// one its argument names.
func runPricingList(ctx context.Context, f *Factory, o argOutputOptions) error {
	a, err := f.ReaderApp(ctx)
	if err != nil {
		return err
	}
	cat := a.Catalog()
	provs := cat.Providers()
	if o.arg != "" {
		spec, err := a.Provider(o.arg)
		if err != nil {
			return usageError{err}
		}
		provs = []string{spec.ID}
	}
	var all []pricing.Price
	for _, p := range provs {
		all = append(all, cat.Models(p)...)
	}
	if o.output.json {
		return writeJSON(f.IO.Out, all)
	}
	t := newTable(f.IO.Out, "MODEL", "INPUT", "OUTPUT", "CACHE READ", "CACHE WRITE", "CONTEXT", "SOURCE")
	for _, p := range all {
		ctxLen := ""
		if p.MaxInput > 0 {
			ctxLen = count(p.MaxInput)
		}
		t.row(p.Provider+"/"+p.Model, rate(p.Input, true), rate(p.Output, true), rate(p.CacheRead, p.HasCacheRead), rate(p.CacheWrite5m, p.HasCacheWrite5m), ctxLen, p.Source)
	}
	if err := t.flush(); err != nil {
		return err
	}
	fmt.Fprintf(f.IO.Out, "\n%s; USD per million tokens; catalog of %s.\n", counted(len(all), "model", "models"), cat.Date())
	if note := a.CatalogNote(); note != "" {
		fmt.Fprintln(f.IO.Err, "Note: "+note+".")
	}
	return nil
}

// runPricingShow shows every rate of the PROVIDER/MODEL its argument names.
func runPricingShow(ctx context.Context, f *Factory, o argOutputOptions) error {
	prov, model, err := modelArg(o.arg)
	if err != nil {
		return err
	}
	a, spec, err := f.readerFor(ctx, prov)
	if err != nil {
		return err
	}
	p, ok := a.Catalog().Lookup(spec.ID, model)
	if !ok {
		return fmt.Errorf("no price for %s/%s: see `byok pricing list %s`, or set one with `byok pricing set`", spec.ID, model, spec.ID)
	}
	if o.output.json {
		return writeJSON(f.IO.Out, p)
	}
	w := f.IO.Out
	fmt.Fprintf(w, "%s/%s", p.Provider, p.Model)
	if p.Model != model {
		fmt.Fprintf(w, " (matched from %s)", model)
	}
	fmt.Fprintf(w, "\nsource %s, dated %s", p.Source, p.Date)
	if p.Origin != "" {
		fmt.Fprintf(w, " (%s)", p.Origin)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)
	t := newTable(w, "ROW", "INPUT", "OUTPUT", "CACHE READ", "CACHE WRITE 5M", "CACHE WRITE 1H", "REASONING")
	row := func(name string, r pricing.Rates) {
		t.row(name, rate(r.Input, true), rate(r.Output, true), rate(r.CacheRead, r.HasCacheRead), rate(r.CacheWrite5m, r.HasCacheWrite5m), rate(r.CacheWrite1h, r.HasCacheWrite1h), rate(r.Reasoning, r.HasReasoning))
	}
	row("standard", p.Rates)
	for _, tr := range p.Tiers {
		name := fmt.Sprintf("prompt > %s", count(tr.Above))
		if tr.Service != "" {
			name += " (" + tr.Service + ")"
		}
		row(name, tr.Rates)
	}
	for _, n := range p.ServiceTierNames() {
		row(n, p.ServiceTiers[n])
	}
	t.flush()
	for _, u := range []struct {
		name string
		v    money.USD
	}{{"per request", p.PerRequest}, {"per web search", p.PerWebSearch}, {"per image", p.PerImage}, {"per second of audio", p.PerSecond}, {"per character", p.PerCharacter}} {
		if u.v > 0 {
			fmt.Fprintf(w, "%s: %s\n", u.name, u.v)
		}
	}
	for _, ip := range p.Images {
		fmt.Fprintf(w, "image %s %s: %s\n", ip.Size, cmp.Or(ip.Quality, "(any quality)"), ip.PerImage)
	}
	for _, m := range []struct {
		name string
		v    money.PerMillion
		has  bool
	}{{"image input", p.InputImage, p.HasInputImage}, {"image output", p.OutputImage, p.HasOutputImage},
		{"audio input", p.InputAudio, p.HasInputAudio}, {"audio output", p.OutputAudio, p.HasOutputAudio}} {
		if m.has {
			fmt.Fprintf(w, "%s tokens: %s per million\n", m.name, m.v.Dollars())
		}
	}
	if p.MaxInput > 0 || p.MaxOutput > 0 {
		fmt.Fprintf(w, "context: %s input, %s output tokens\n", count(p.MaxInput), count(p.MaxOutput))
	}
	fmt.Fprintln(w, "\nUSD per million tokens. Long-context rows re-price the whole request once the prompt (cache included) passes the threshold.")
	return nil
}

func perMillion(flag, s string) (money.PerMillion, bool, error) {
	if s == "" {
		return 0, false, nil
	}
	p, err := money.ParsePerMillion(strings.TrimPrefix(s, "$"))
	if err != nil || p < 0 {
		return 0, false, usageErrorf("--%s %q: write USD per million tokens, such as 2.5", flag, s)
	}
	return p, true, nil
}

func runPricingSet(ctx context.Context, f *Factory, s pricingSetOptions) error {
	prov, model, err := modelArg(s.model)
	if err != nil {
		return err
	}
	if s.input == "" || s.output == "" {
		return usageErrorf("both --input and --output are required (USD per million tokens)")
	}
	var p pricing.Price
	p.Provider, p.Model = prov, model
	var has bool
	if p.Input, _, err = perMillion("input", s.input); err != nil {
		return err
	}
	if p.Output, _, err = perMillion("output", s.output); err != nil {
		return err
	}
	if p.CacheRead, p.HasCacheRead, err = perMillion("cache-read", s.cacheRead); err != nil {
		return err
	}
	if p.CacheWrite5m, p.HasCacheWrite5m, err = perMillion("cache-write", s.cacheWrite); err != nil {
		return err
	}
	if p.CacheWrite1h, p.HasCacheWrite1h, err = perMillion("cache-write-1h", s.cacheWrite1h); err != nil {
		return err
	}
	if p.Reasoning, has, err = perMillion("reasoning", s.reasoning); err != nil {
		return err
	}
	p.HasReasoning = has
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	p, err = a.SetPrice(ctx, p)
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.Out, "%s/%s now costs $%s input and $%s output per million tokens (your override, %s).\n", p.Provider, p.Model, p.Input, p.Output, p.Date)
	return nil
}

type costFlags struct {
	input, output, cacheRead, cacheWrite, cacheWrite1h, reasoning int64
	imageInput, imageOutput, audioInput, audioOutput              int64
	images, characters                                            int64
	size, quality, seconds, audioFile                             string
}

func (c *costFlags) bind(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.Int64Var(&c.input, "input", 0, "uncached input tokens")
	fl.Int64Var(&c.output, "output", 0, "output tokens (reasoning included)")
	fl.Int64Var(&c.cacheRead, "cache-read", 0, "tokens read from the prompt cache")
	fl.Int64Var(&c.cacheWrite, "cache-write", 0, "tokens written to the 5-minute cache")
	fl.Int64Var(&c.cacheWrite1h, "cache-write-1h", 0, "tokens written to the 1-hour cache")
	fl.Int64Var(&c.reasoning, "reasoning", 0, "the part of --output that was reasoning")
	fl.Int64Var(&c.imageInput, "image-input", 0, "the part of --input that was image tokens")
	fl.Int64Var(&c.imageOutput, "image-output", 0, "the part of --output that was image tokens")
	fl.Int64Var(&c.audioInput, "audio-input", 0, "the part of --input that was audio tokens")
	fl.Int64Var(&c.audioOutput, "audio-output", 0, "the part of --output that was audio tokens")
	fl.Int64Var(&c.images, "images", 0, "images generated (priced per image when no tokens are given)")
	fl.StringVar(&c.size, "size", "", "the images' size, e.g. 1024x1024 (default: the model's only or standard price)")
	fl.StringVar(&c.quality, "quality", "", "the images' quality: standard, hd, low, medium, high")
	fl.StringVar(&c.seconds, "seconds", "", "seconds of audio transcribed or spoken, e.g. 95.4")
	fl.StringVar(&c.audioFile, "audio", "", "an audio file (WAV, MP3, FLAC, Ogg, M4A, WebM) whose length is the seconds, as the proxy times an upload")
	fl.Int64Var(&c.characters, "characters", 0, "characters of text turned into speech")
}

type costLine struct {
	Name    string `json:"name"`
	Tokens  int64  `json:"units"`
	RateUSD string `json:"rate_per_million_usd"`
	CostUSD string `json:"cost_usd"`
}

type costJSON struct {
	CostUSD     *string    `json:"cost_usd"`
	State       string     `json:"state"`
	PriceSource string     `json:"price_source"`
	PriceRef    string     `json:"price_ref,omitempty"`
	MarkupUSD   string     `json:"markup_usd"`
	FallbackUSD string     `json:"fallback_usd,omitempty"`
	Lines       []costLine `json:"lines"`
}

func runPricingCost(ctx context.Context, f *Factory, c pricingCostOptions) error {
	prov, model, err := modelArg(c.model)
	if err != nil {
		return err
	}
	for name, v := range map[string]int64{"input": c.input, "output": c.output, "cache-read": c.cacheRead, "cache-write": c.cacheWrite, "cache-write-1h": c.cacheWrite1h, "reasoning": c.reasoning,
		"image-input": c.imageInput, "image-output": c.imageOutput, "audio-input": c.audioInput, "audio-output": c.audioOutput, "images": c.images, "characters": c.characters} {
		if v < 0 || v > providers.MaxCount {
			return usageErrorf("--%s %d: counts are 0 or more", name, v)
		}
	}
	if c.reasoning > c.output {
		return usageErrorf("--reasoning (%d) is part of --output (%d) and cannot exceed it", c.reasoning, c.output)
	}
	if c.imageInput+c.audioInput > c.input {
		return usageErrorf("--image-input and --audio-input (%d) are part of --input (%d) and cannot exceed it", c.imageInput+c.audioInput, c.input)
	}
	if c.imageOutput+c.audioOutput > c.output {
		return usageErrorf("--image-output and --audio-output (%d) are part of --output (%d) and cannot exceed it", c.imageOutput+c.audioOutput, c.output)
	}
	ms, err := secondsFlag(c.seconds)
	if err != nil {
		return err
	}
	if c.audioFile != "" {
		if c.seconds != "" {
			return usageErrorf("--seconds and --audio both give the audio's length: use one")
		}
		if ms, err = audioFileMillis(c.audioFile); err != nil {
			return err
		}
	}
	a, spec, err := f.readerFor(ctx, prov)
	if err != nil {
		return err
	}
	u := providers.Usage{Input: c.input, Output: c.output, CacheRead: c.cacheRead, CacheWrite5m: c.cacheWrite, CacheWrite1h: c.cacheWrite1h, Reasoning: c.reasoning,
		InputImage: c.imageInput, OutputImage: c.imageOutput, InputAudio: c.audioInput, OutputAudio: c.audioOutput,
		Images: c.images, ImageSize: c.size, ImageQuality: c.quality, AudioMillis: ms, Characters: c.characters}
	b := a.Catalog().Price(spec.ID, model, u, a.Config.Markup(spec.ID))
	source := ""
	if p, ok := a.Catalog().Lookup(spec.ID, model); ok {
		source = p.Source
		if p.Date != "" {
			source += " " + p.Date
		}
	}
	if c.format.json {
		out := costJSON{CostUSD: usdJSON(b.Total, b.State != pricing.Unpriced), State: string(b.State), PriceSource: source, PriceRef: b.Ref,
			MarkupUSD: b.Markup.Decimal(), Lines: []costLine{}}
		if b.State == pricing.Unpriced {
			out.FallbackUSD = b.Fallback.Decimal()
		}
		for _, l := range b.Lines {
			out.Lines = append(out.Lines, costLine{l.Name, l.Units, l.Rate.String(), l.Amount.Decimal()})
		}
		return writeJSON(f.IO.Out, out)
	}
	w := f.IO.Out
	if b.State == pricing.Unpriced {
		if p, ok := a.Catalog().Lookup(spec.ID, model); ok {
			fmt.Fprintf(w, "%s/%s has no price for %s. Budgets would count it at %s.\n%s\n", spec.ID, model, unitsText(u), b.Fallback, unitPrices(p))
			return nil
		}
		fmt.Fprintf(w, "%s/%s has no known price. Budgets would count it at %s %s.\nSet a price with `byok pricing set %s/%s --input X --output Y`.\n",
			spec.ID, model, b.Fallback, pricing.FallbackText(a.Catalog().FallbackBasis(spec.ID), spec.ID), spec.ID, model)
		return nil
	}
	t := newTable(w, "LINE", "UNITS", "PRICE", "COST")
	for _, l := range b.Lines {
		t.row(l.Name, count(l.Units), linePrice(l), l.Amount.Precise())
	}
	if b.Markup > 0 {
		t.row("markup", "", "", b.Markup.Precise())
	}
	t.row("total", "", "", pricing.FormatCost(b.Total, b.State, pricing.Screen))
	t.flush()
	fmt.Fprintf(w, "\n%s exactly; %s price (%s).\n", b.Total.Decimal(), b.State, source)
	return nil
}

func runReprice(ctx context.Context, f *Factory, o pricingRepriceOptions) error {
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	from, _, err := o.span.monthToDate(a)
	if err != nil {
		return err
	}
	diffs, err := a.Reprice(ctx, from, o.yes)
	if err != nil {
		return err
	}
	w := f.IO.Out
	if len(diffs) == 0 {
		fmt.Fprintf(w, "Every request since %s already has today's price.\n", from.In(a.Location()).Format("2006-01-02 15:04"))
		return nil
	}
	if err := repriceTable(w, diffs); err != nil {
		return err
	}
	if o.yes {
		fmt.Fprintln(w, "\nThe new costs are written; budgets and totals use them now.")
	} else {
		fmt.Fprintln(w, "\nNothing was written. Run again with --yes to apply these costs.")
	}
	return nil
}

// repriceTable writes re-priced requests a row per provider. Requests that
// had no price read "2 unpriced", never a dollar figure; CHANGE is the
// change in priced spend.
func repriceTable(w io.Writer, diffs []store.RepriceDiff) error {
	t := newTable(w, "PROVIDER", "REQUESTS", "BEFORE", "AFTER", "CHANGE")
	for _, d := range diffs {
		t.row(d.Provider, count(d.Events), pricing.FormatTotal(d.Old, d.Events, d.OldUnpriced), pricing.FormatTotal(d.New, d.Events, d.NewUnpriced), (d.New - d.Old).String())
	}
	return t.flush()
}

// secondsFlag reads --seconds as whole milliseconds, exactly (no float).
func secondsFlag(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	v, err := money.Parse(s)
	if err != nil || v < 0 {
		return 0, usageErrorf("--seconds %q: give the audio's length in seconds, e.g. 95.4", s)
	}
	// money.Parse reads nine decimal places: nano-units of a second.
	return (int64(v) + 500_000) / 1_000_000, nil
}

// audioFileMillis times an audio file the way the proxy times an upload.
func audioFileMillis(path string) (int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, usageErrorf("--audio: %v: name an audio file byok can read, or give its length with --seconds", err)
	}
	d, err := audio.Duration(data)
	if err != nil {
		return 0, usageErrorf("--audio %s: byok cannot tell how long it plays (%v); give its length with --seconds", filepath.Base(path), err)
	}
	return d.Milliseconds(), nil
}

// linePrice writes a line's price: per million tokens, or per unit for
// lines billed per image, second, character, search or request.
func linePrice(l pricing.Line) string {
	switch l.Name {
	case pricing.LineImage, pricing.LineSecond, pricing.LineCharacter, pricing.LineWebSearch, pricing.LineRequest, pricing.LineReported:
		return money.USD(int64(l.Rate)/1000).String() + " each"
	}
	return l.Rate.Dollars() + " / 1M"
}

// unitsText names the per-unit parts of a usage, for an unpriced answer.
func unitsText(u providers.Usage) string {
	var parts []string
	if u.Images > 0 {
		img := fmt.Sprintf("%d image(s)", u.Images)
		if u.ImageSize != "" || u.ImageQuality != "" {
			img += " of " + strings.TrimSpace(u.ImageSize+" "+u.ImageQuality)
		}
		parts = append(parts, img)
	}
	if u.AudioMillis > 0 {
		parts = append(parts, fmt.Sprintf("%d second(s) of audio", pricing.Seconds(u.AudioMillis)))
	}
	if u.Characters > 0 {
		parts = append(parts, fmt.Sprintf("%d character(s)", u.Characters))
	}
	if len(parts) == 0 {
		return "these units"
	}
	return strings.Join(parts, ", ")
}

// unitPrices lists what a model is priced by, so an unpriced answer says
// which flags would price it.
func unitPrices(p pricing.Price) string {
	var b strings.Builder
	b.WriteString("It is priced")
	var by []string
	if p.Input > 0 || p.Output > 0 {
		by = append(by, "by the token (--input, --output)")
	}
	for _, ip := range p.Images {
		by = append(by, fmt.Sprintf("%s %s at %s an image", ip.Size, cmp.Or(ip.Quality, "(any quality)"), ip.PerImage))
	}
	if p.PerImage > 0 && len(p.Images) == 0 {
		by = append(by, fmt.Sprintf("at %s an image (--images)", p.PerImage))
	}
	if p.PerSecond > 0 {
		by = append(by, fmt.Sprintf("at %s a second of audio (--seconds)", p.PerSecond))
	}
	if p.PerCharacter > 0 {
		by = append(by, fmt.Sprintf("at %s a character (--characters)", p.PerCharacter))
	}
	if len(by) == 0 {
		return "It lists no price for these units."
	}
	b.WriteString(": " + strings.Join(by, "; ") + ".")
	return b.String()
}
