package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/store"
)

type logOptions struct {
	limit                        int
	provider, model, status, src string
	search                       string
	span                         rangeOptions
	output                       outputOptions
}

func newLogCmd(f *Factory) *cobra.Command {
	var o logOptions
	cmd := &cobra.Command{
		Use:   "log",
		Short: "Recent requests, newest first",
		Example: `  byok log
  byok log --limit 100 --provider anthropic --status error
  byok log --json | jq '.[] | select(.cost_state == "unpriced")'`,
		Args: cobra.NoArgs,
		RunE: runWith(f, &o, runLog),
	}
	fl := cmd.Flags()
	fl.IntVar(&o.limit, "limit", 20, "how many requests to show")
	fl.StringVar(&o.provider, "provider", "", "only this provider")
	fl.StringVar(&o.model, "model", "", "only this model (with --provider, or as provider/model)")
	fl.StringVar(&o.status, "status", "", "only ok, error, cancelled or partial")
	fl.StringVar(&o.src, "source", "", "only requests of this source ("+sourceNames()+")")
	fl.StringVar(&o.search, "search", "", "text in the model, key, error, note, prompt or reply")
	o.span.addFlags(cmd, "the first request")
	o.output.addFlags(cmd, true)
	return cmd
}

// logRow is one event in `log --json` (docs/design.md §7).
type logRow struct {
	ID       int64  `json:"id"`
	Time     any    `json:"time"`
	Source   string `json:"source"`
	Client   string `json:"client,omitempty"`
	Provider string `json:"provider"`
	Model    string `json:"model"`
	// KeyID is null for a request made without a stored key (one read
	// from an agent's logs).
	KeyID      *int64 `json:"key_id"`
	Key        string `json:"key,omitempty"`
	Status     string `json:"status"`
	ErrorClass string `json:"error_class"`
	HTTPStatus int    `json:"http_status"`
	tokenColumns
	CostUSD   *string `json:"cost_usd"` // null when unpriced, never a 0 that reads as free
	CostState string  `json:"cost_state"`
	// ComputedUSD is what byok's catalog made of a reported cost's usage
	// (null when the cost was not reported or the model has no price).
	ComputedUSD *string `json:"computed_cost_usd"`
	// LatencyMS and TTFTMS are null where nothing was measured (spend added
	// by hand or imported, a reply that was not streamed), where the table
	// shows "-".
	LatencyMS *int64 `json:"latency_ms"`
	TTFTMS    *int64 `json:"ttft_ms"`
	Note      string `json:"note,omitempty"`
}

func runLog(ctx context.Context, f *Factory, o logOptions) error {
	if err := o.output.check(); err != nil {
		return err
	}
	if o.limit <= 0 || o.limit > 100000 {
		return usageErrorf("--limit %d: use 1 to 100000", o.limit)
	}
	flt := store.Filter{Limit: o.limit, Text: o.search, Status: store.Status(o.status), Scope: store.Scope{Source: store.Source(o.src)}}
	switch flt.Status {
	case "", store.StatusOK, store.StatusError, store.StatusCancelled, store.StatusPartial:
	default:
		return usageErrorf("--status %q: use ok, error, cancelled or partial", o.status)
	}
	if o.src != "" {
		if _, err := app.ParseEventSource(o.src); err != nil {
			return usageError{fmt.Errorf("--%w", err)}
		}
	}
	a, err := f.ReaderApp(ctx)
	if err != nil {
		return err
	}
	if o.provider != "" {
		spec, err := a.Provider(o.provider)
		if err != nil {
			return usageError{err}
		}
		flt.Provider = spec.ID
	}
	if o.model != "" {
		p, m, ok := cutModel(o.model)
		if ok && flt.Provider == "" {
			spec, err := a.Provider(p)
			if err != nil {
				return usageError{err}
			}
			flt.Provider, flt.Model = spec.ID, m
		} else if flt.Provider != "" {
			flt.Model = o.model
		} else {
			return usageErrorf("--model %q: write it as provider/model, or add --provider", o.model)
		}
	}
	if flt.Since, flt.Until, err = o.span.times(a); err != nil {
		return err
	}
	es, err := a.Store.Events(ctx, flt)
	if err != nil {
		return err
	}
	empty := "No requests yet. Send one with `byok prompt`, or try `byok demo`."
	if o.provider != "" || o.model != "" || o.status != "" || o.src != "" || o.search != "" || o.span != (rangeOptions{}) {
		// The home may hold many requests: say what to change, not how
		// to make a first one.
		empty = "No requests match these filters; widen or drop one."
	}
	w := f.IO.Out
	return listing[store.Event, logRow]{
		row:    toLogRow,
		header: logHeader,
		cells:  logCells,
		empty:  empty,
		table:  func() error { return printLog(w, a.Location(), es) },
	}.print(w, o.output, es)
}

func toLogRow(e store.Event) logRow {
	r := logRow{e.ID, timeJSON(e.Time), string(e.Source), e.Client, e.Provider, e.Model, nil, e.KeyName,
		string(e.Status), e.ErrorClass, e.HTTPStatus, eventTokens(e), usdJSON(e.Cost, e.CostState != pricing.Unpriced), string(e.CostState),
		usdJSON(e.Computed, e.HasComputed), measuredMS(e.Latency), measuredMS(e.TTFT), e.Note}
	if e.KeyID != 0 {
		r.KeyID = &e.KeyID
	}
	return r
}

// logHeader names the cells of `log --csv`: the JSON row's fields, in
// its order, but for the note.
var logHeader = slices.Concat([]string{"id", "time", "source", "client", "provider", "model", "key_id", "key", "status", "error_class", "http_status"},
	tokenHeader, []string{"cost_usd", "cost_state", "computed_cost_usd", "latency_ms", "ttft_ms"})

// logCells are an event's cells in `log --csv`: its JSON row's, but for
// cost_usd, which says "unpriced" or marks an estimate where the JSON has
// null or the bare amount. A cell the JSON has null is empty.
func logCells(e store.Event, r logRow) []string {
	return slices.Concat([]string{itoa(r.ID), fmt.Sprint(r.Time), r.Source, r.Client, r.Provider, r.Model, nullCell(r.KeyID, itoa), r.Key, r.Status, r.ErrorClass, itoa(int64(r.HTTPStatus))},
		r.cells(), []string{pricing.FormatCost(e.Cost, e.CostState, pricing.Exact), r.CostState, nullCell(r.ComputedUSD, func(s string) string { return s }),
			nullCell(r.LatencyMS, itoa), nullCell(r.TTFTMS, itoa)})
}

// nullCell writes a value that JSON has null when missing as a CSV cell:
// empty when missing.
func nullCell[T any](v *T, text func(T) string) string {
	if v == nil {
		return ""
	}
	return text(*v)
}

// measuredMS is a duration for a JSON field that is null where nothing
// was measured.
func measuredMS(d time.Duration) *int64 {
	if d <= 0 {
		return nil
	}
	n := ms(d)
	return &n
}

// printLog writes the requests' table.
func printLog(w io.Writer, loc *time.Location, es []store.Event) error {
	t := newTable(w, "ID", "TIME", "SOURCE", "MODEL", "KEY", "STATUS", "IN", "OUT", "COST", "LATENCY")
	for _, e := range es {
		status := statusText(e)
		cost := pricing.FormatCost(e.Cost, e.CostState, pricing.Screen)
		src := string(e.Source)
		if e.Client != "" {
			src += ":" + e.Client
		}
		t.row(itoa(e.ID), e.Time.In(loc).Format("01-02 15:04:05"), src, e.Provider+"/"+e.Model, e.KeyName, status,
			count(e.InputTokens+e.CacheReadTokens+e.CacheWriteTokens()), count(e.OutputTokens), cost, secondsColumn(e.Latency))
	}
	return t.flush()
}

// cutModel splits "provider/model" at the first slash (model ids may hold
// more slashes, as OpenRouter's do).
func cutModel(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			return s[:i], s[i+1:], i > 0 && i < len(s)-1
		}
	}
	return "", s, false
}

// latencyText writes how long a request took as the TUI does: tenths of a
// second from one second on, whole milliseconds below, "-" for spend that
// took no time to measure (recorded by hand or imported).
func latencyText(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d > 0:
		return max(d.Round(time.Millisecond), time.Millisecond).String()
	}
	return "-"
}

// secondsColumn writes a time for a table column, where every cell takes
// one form so that the points line up: seconds to the hundredth ("0.74s",
// "18.04s"), "-" when nothing was measured.
func secondsColumn(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}
