package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/config"
	"github.com/byokhq/byok/proxy"
)

func newServeCmd(f *Factory) *cobra.Command {
	var o serverOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve Prometheus metrics and send the OTLP export, for machines that run no proxy",
		Long: `byok serve listens on loopback for Prometheus: GET /metrics with the proxy
token as a bearer token (byok proxy token prints it) answers spend and tokens
by provider, model, key and source, budgets and alerts. While it runs it also
sends the OTLP export's outbox when [export.otlp] is set. byok proxy serves
the same /metrics; run one or the other.`,
		Example: `  byok serve
  byok serve --addr 127.0.0.1:9465
  curl -H "Authorization: Bearer $(byok proxy token)" http://127.0.0.1:9464/metrics`,
		Args: cobra.NoArgs,
		RunE: runWith(f, &o, runServe),
	}
	o.addFlags(cmd, "serve.addr", "127.0.0.1:9464")
	return cmd
}

func runServe(ctx context.Context, f *Factory, o serverOptions) error {
	s, err := openServer(ctx, f, o, func(c *config.Config) string { return c.Serve.Addr })
	if err != nil {
		return err
	}
	a, addr := s.app, s.addr
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (is another byok serve running? pick another port with --addr)", addr, err)
	}
	srv := proxy.NewMetricsServer(a, s.token)
	fmt.Fprintf(f.IO.Out, "byok serve: Prometheus metrics on http://%s/metrics (bearer token: `byok proxy token`); Ctrl-C stops it\n", ln.Addr())
	if a.Config.Export.OTLP.Enabled() {
		fmt.Fprintf(f.IO.Out, "Sending usage to %s as it is recorded.\n", a.Config.Export.OTLP.Endpoint)
	}
	releaseStartup(a)
	a.StartExport()
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := serveUntil(ctx, "byok serve", func() error { return srv.Serve(ln) }, srv.Close); err != nil {
		return err
	}
	fmt.Fprintln(f.IO.Err, "byok serve stopped.")
	return nil
}

// serveUntil runs serve, a server's Serve, until it fails or ctx is done;
// then end stops the server, and serve's own error, other than the one a
// stopped server gives, is waited for. name says what stopped.
func serveUntil(ctx context.Context, name string, serve, end func() error) error {
	served := make(chan error, 1)
	go func() { served <- serve() }()
	select {
	case err := <-served:
		return fmt.Errorf("%s stopped: %w", name, err)
	case <-ctx.Done():
	}
	if err := end(); err != nil {
		return err
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("%s stopped: %w", name, err)
	}
	return nil
}
