package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/store"
)

func newExportCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Send usage to an OpenTelemetry collector ([export.otlp] in config.toml)",
		Long: `Every byok that records a request (CLI, TUI, proxy) sends it to the OTLP
endpoint of [export.otlp] in the background, through an outbox in the
database: events recorded while the endpoint is down are sent, in order,
when it is back, and one process at a time sends them.`,
	}
	cmd.AddCommand(
		newExportOTLPCmd(f),
		newOutputCmd(f, "status", "Where the OTLP export stands: cursor, waiting events, last error", runExportStatus),
	)
	return cmd
}

type exportOTLPOptions struct {
	since   string
	metrics bool
}

func newExportOTLPCmd(f *Factory) *cobra.Command {
	var o exportOTLPOptions
	cmd := &cobra.Command{
		Use:   "otlp",
		Short: "Send what waits in the outbox now, or history again with --since",
		Example: `  byok export otlp                 send what waits now
  byok export otlp --since 30d     send the last 30 days' spans again (a backend keeps one of each)`,
		Args: cobra.NoArgs,
		RunE: runWith(f, &o, runExportOTLP),
	}
	cmd.Flags().StringVar(&o.since, "since", "", "send again every request since: a date, RFC 3339 time, today, or an age like 7d")
	cmd.Flags().BoolVar(&o.metrics, "metrics", false, "with --since, send metric points too (they count twice where they arrived before)")
	return cmd
}

func runExportOTLP(ctx context.Context, f *Factory, o exportOTLPOptions) error {
	if o.metrics && o.since == "" {
		return usageErrorf("--metrics goes with --since: without it, everything waiting is sent with its metrics")
	}
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	if !a.Config.Export.OTLP.Enabled() {
		return usageErrorf("no OTLP endpoint: add [export.otlp] with endpoint = \"http://localhost:4318\" to %s", a.Config.Paths.Config)
	}
	if o.since != "" {
		since, err := a.ParseTime(o.since)
		if err != nil {
			return usageError{err}
		}
		n, err := a.ResendSince(ctx, since, o.metrics, nil)
		if err != nil {
			return err
		}
		what := "spans"
		if o.metrics {
			what = "spans and metrics"
		}
		fmt.Fprintf(f.IO.Out, "Sent %s since %s again (%s) to %s.\n", counted(n, "event", "events"), since.In(a.Location()).Format(time.RFC3339), what, a.Config.Export.OTLP.Endpoint)
		return nil
	}
	res, err := a.ExportNow(ctx, nil)
	if err != nil {
		if res.Events > 0 {
			fmt.Fprintf(f.IO.Err, "Sent %s before this failure.\n", counted(res.Events, "event", "events"))
		}
		// Another process sending, or Ctrl-C, is not the collector's
		// doing, and the error already says what to do.
		if errors.Is(err, store.ErrLeaseHeld) || errors.Is(err, context.Canceled) {
			return err
		}
		// Nothing is lost: the outbox keeps its place, and every byok that
		// records a request tries again in the background.
		return fmt.Errorf("%w\nThe events wait in the outbox and go out once %s answers: check that the collector runs there, then send them with `byok export otlp` (`byok export status` shows what waits)", err, a.Config.Export.OTLP.Endpoint)
	}
	fmt.Fprintf(f.IO.Out, "Sent %s to %s; the outbox is empty (cursor at event %d).\n", counted(res.Events, "event", "events"), a.Config.Export.OTLP.Endpoint, res.Cursor)
	return nil
}

type exportStatusRow struct {
	Sink      string `json:"sink"`
	Endpoint  string `json:"endpoint"`
	Cursor    int64  `json:"cursor"`
	Pending   int64  `json:"pending"`
	SentAt    string `json:"sent_at,omitempty"`
	Failures  int    `json:"failures"`
	LastError string `json:"last_error,omitempty"`
	Sender    string `json:"sender,omitempty"`
}

func runExportStatus(ctx context.Context, f *Factory, o outputOptions) error {
	a, err := f.ReadOnlyApp(ctx)
	if err != nil {
		return err
	}
	c, err := a.ExportStatus(ctx)
	if errors.Is(err, store.ErrNotFound) {
		if !a.Config.Export.OTLP.Enabled() {
			return usageErrorf("no OTLP endpoint: add [export.otlp] with endpoint = \"http://localhost:4318\" to %s", a.Config.Paths.Config)
		}
		fmt.Fprintln(f.IO.Out, "Nothing exported yet: the first request recorded starts the outbox (history goes with `byok export otlp --since D`).")
		return nil
	}
	if err != nil {
		return err
	}
	row := exportStatusRow{Sink: c.Sink, Endpoint: a.Config.Export.OTLP.Endpoint, Cursor: c.EventID, Pending: c.Pending,
		Failures: c.Failures, LastError: c.LastError, Sender: app.ExportHolder(c, a.Now())}
	if !c.SentAt.IsZero() {
		row.SentAt = c.SentAt.Format(time.RFC3339)
	}
	if o.json {
		return writeJSON(f.IO.Out, row)
	}
	endpoint := row.Endpoint
	if endpoint == "" {
		endpoint = "(none configured)"
	}
	fmt.Fprintf(f.IO.Out, "OTLP to %s: %s waiting after event %d", endpoint, counted(row.Pending, "event", "events"), row.Cursor)
	if row.SentAt != "" {
		fmt.Fprintf(f.IO.Out, ", last sent %s", c.SentAt.In(a.Location()).Format("2006-01-02 15:04:05"))
	}
	fmt.Fprintln(f.IO.Out, ".")
	if row.Sender != "" {
		fmt.Fprintf(f.IO.Out, "Sending: %s.\n", row.Sender)
	}
	if row.Failures > 0 {
		fmt.Fprintf(f.IO.Out, "%d failed attempts since; last: %s\n", row.Failures, row.LastError)
	}
	return nil
}
