package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/config"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/proxy"
	"github.com/byokhq/byok/safetext"
	"github.com/byokhq/byok/store"
	"github.com/byokhq/byok/store/keychain"
)

// proxyShutdownWait bounds how long a stopping proxy waits for the
// requests in flight (long streams included) before it closes them.
const proxyShutdownWait = 2 * time.Minute

func newProxyCmd(f *Factory) *cobra.Command {
	var o serverOptions
	cmd := &cobra.Command{
		Use:   "proxy",
		Short: "Run the local gateway that counts every tool's usage with your keychain keys",
		Long: `byok proxy serves OpenAI-, Anthropic- and Gemini-compatible APIs on 127.0.0.1.
Point a tool's SDK base URL at it and give it the proxy token as its API key:
the proxy swaps in your real key from the keychain, forwards the request,
streams the answer back and records the usage and cost (source "proxy").

Steer it with headers: x-byok-provider: ID picks the provider (or name the
model PROVIDER/MODEL), x-byok-key: LABEL picks one of the provider's keys.
Ctrl-C (or SIGTERM) stops it after the requests in flight have finished;
a second Ctrl-C cuts them at once, each recorded as cancelled.`,
		Example: `  byok proxy
  byok proxy --addr 127.0.0.1:9000
  OPENAI_BASE_URL=http://127.0.0.1:8787/v1 OPENAI_API_KEY=$(byok proxy token) your-tool`,
		Args: cobra.NoArgs,
		RunE: runWith(f, &o, runProxy),
	}
	o.addFlags(cmd, "proxy.addr", "127.0.0.1:8787")
	cmd.AddCommand(newProxyTokenCmd(f))
	return cmd
}

type proxyTokenOptions struct {
	rotate bool
}

func newProxyTokenCmd(f *Factory) *cobra.Command {
	var o proxyTokenOptions
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print the proxy token (the API key tools give the proxy)",
		Long: `Print the proxy token, creating it on first use. It is kept in the keychain.
--rotate replaces it: tools still using the old one are refused.`,
		Example: `  export OPENAI_API_KEY=$(byok proxy token)
  byok proxy token --rotate`,
		Args: cobra.NoArgs,
		RunE: runWith(f, &o, runProxyToken),
	}
	cmd.Flags().BoolVar(&o.rotate, "rotate", false, "replace the token with a new one")
	return cmd
}

func runProxyToken(ctx context.Context, f *Factory, o proxyTokenOptions) error {
	rotate := o.rotate
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	sec, err := a.Secrets()
	if err != nil {
		return err
	}
	var token string
	if rotate {
		token, err = proxy.RotateToken(ctx, a)
	} else {
		token, _, err = proxy.Token(ctx, sec)
	}
	if token != "" {
		fmt.Fprintln(f.IO.Out, token)
	}
	if err != nil {
		return err
	}
	if rotate {
		fmt.Fprintln(f.IO.Err, "The proxy token was replaced: give tools the new one.")
	}
	return nil
}

// serverOptions are the options of byok's servers, proxy and serve.
type serverOptions struct {
	addr string
}

// addFlags adds --addr; setting and def name where the address comes from
// without it.
func (o *serverOptions) addFlags(cmd *cobra.Command, setting, def string) {
	cmd.Flags().StringVar(&o.addr, "addr", "", "listen on `HOST:PORT`, loopback only (default: "+setting+" in config.toml, "+def+")")
}

// server is what byok's servers start from.
type server struct {
	app     *app.App
	addr    string // where it listens
	token   string // the proxy token its clients give
	created bool   // the token was made just now
}

// openServer opens the app for a server and finds its address, --addr
// (checked before anything is opened) or else the one configured, and the
// proxy token, made on first use.
func openServer(ctx context.Context, f *Factory, o serverOptions, configured func(*config.Config) string) (server, error) {
	if o.addr != "" {
		if err := config.CheckAddr(o.addr); err != nil {
			return server{}, usageErrorf("--addr: %v", err)
		}
	}
	a, err := f.App(ctx)
	if err != nil {
		return server{}, err
	}
	s := server{app: a, addr: cmp.Or(o.addr, configured(a.Config))}
	sec, err := a.Secrets()
	if err != nil {
		return server{}, err
	}
	s.token, s.created, err = proxy.Token(ctx, sec)
	return s, err
}

func runProxy(ctx context.Context, f *Factory, o serverOptions) error {
	s, err := openServer(ctx, f, o, func(c *config.Config) string { return c.Proxy.Addr })
	if err != nil {
		return err
	}
	a, addr, token := s.app, s.addr, s.token
	lines := newRequestLog(f.IO.Err)
	logLine := func(e store.Event) { lines.add(proxyLogLine(e, a.Location())) }
	srv, err := proxy.New(a, proxy.Options{Addr: addr, Token: token, Recorded: logLine, Metrics: a.MetricsHandler()})
	if err != nil {
		return err
	}
	ln, err := proxy.Listen(addr)
	if err != nil {
		return err
	}
	printProxyBanner(f, "http://"+ln.Addr().String(), token, s.created)
	stopWatch, err := a.WatchConfigured(ctx)
	if err != nil {
		ln.Close()
		return err
	}
	defer stopWatch()
	if w := a.Config.Import.Watch; len(w) > 0 {
		fmt.Fprintf(f.IO.Err, "Following the logs of %s ([import] watch).\n", strings.Join(w, ", "))
	}
	releaseStartup(a)
	// A running proxy sends what others left in the export outbox too.
	a.StartExport()
	// The local token counter (about 25 MB) loads only when a cut stream or
	// a reply without usage needs it: most proxies never do.

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	// Providers with an admin key are reconciled in the background, on
	// [reconcile] every; it never holds a proxied request up.
	defer a.StartAutoReconcile(ctx)()
	err = serveUntil(ctx, "proxy", func() error { return srv.Serve(ln) }, func() error {
		stop()
		return stopProxy(ctx, f, srv, proxyShutdownWait)
	})
	if err != nil {
		return err
	}
	lines.flush(2 * time.Second)
	fmt.Fprintln(f.IO.Err, "Proxy stopped.")
	return nil
}

// stopProxy lets the requests in flight finish, up to wait. A second
// Ctrl-C (or SIGTERM) cuts them at once instead; either way each request
// is recorded (a cut one as cancelled) before the proxy returns.
func stopProxy(ctx context.Context, f *Factory, srv *proxy.Server, wait time.Duration) error {
	// The process's own handler (main) still holds SIGINT, so the second
	// one is caught here rather than left to the default action.
	again := make(chan os.Signal, 1)
	signal.Notify(again, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(again)
	fmt.Fprintln(f.IO.Err, "Stopping: finishing the requests in flight (Ctrl-C again stops at once)…")
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-again:
			fmt.Fprintln(f.IO.Err, "Stopping now: cutting the requests in flight; each is recorded as cancelled…")
			srv.Cancel()
		case <-done:
		}
	}()
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), wait)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		// Cut what is left, and give its records the moment they take.
		srv.Cancel()
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer rcancel()
		_ = srv.Shutdown(rctx)
		return fmt.Errorf("stop the proxy: requests still running after %s were cut and recorded as cancelled", wait)
	}
	return nil
}

// requestLog prints the proxy's line per request from a goroutine of its
// own, so that a terminal that stops reading (Ctrl-S, a paused pager) never
// holds up a reply. With requestLogBacklog lines waiting, further ones are
// dropped and counted, and the count is printed after the backlog once the
// terminal reads again.
type requestLog struct {
	lines   chan string
	unseen  sync.WaitGroup // lines queued and not yet printed
	dropped atomic.Int64
}

const requestLogBacklog = 1024

func newRequestLog(w io.Writer) *requestLog {
	l := &requestLog{lines: make(chan string, requestLogBacklog)}
	go func() {
		for line := range l.lines {
			fmt.Fprintln(w, safetext.Clean(line))
			l.unseen.Done()
			if len(l.lines) > 0 {
				continue
			}
			// The backlog is out; what came after it was dropped.
			if n := l.dropped.Swap(0); n > 0 {
				fmt.Fprintf(w, "(%s not shown while the terminal was not reading; `byok log` has them)\n", counted(n, "request line", "request lines"))
			}
		}
	}()
	return l
}

// add queues a line, or counts it as dropped when the backlog is full.
func (l *requestLog) add(line string) {
	l.unseen.Add(1)
	select {
	case l.lines <- line:
	default:
		l.unseen.Done()
		l.dropped.Add(1)
	}
}

// flush waits, at most d, until every queued line is printed.
func (l *requestLog) flush(d time.Duration) {
	printed := make(chan struct{})
	go func() { l.unseen.Wait(); close(printed) }()
	select {
	case <-printed:
	case <-time.After(d):
	}
}

// proxyLogLine is the line printed for each proxied request:
// "15:04:05 OpenAI/Go → openai/gpt-4o-mini ok 19→10 tokens $0.0000089 (computed) 412ms".
func proxyLogLine(e store.Event, loc *time.Location) string {
	client := e.Client
	if client == "" {
		client = "-"
	}
	status := statusText(e)
	if e.HTTPStatus != 0 && e.HTTPStatus != 200 {
		status += fmt.Sprintf(" (HTTP %d)", e.HTTPStatus)
	}
	cost := pricing.FormatCost(e.Cost, e.CostState, pricing.Screen)
	if e.CostState != pricing.Unpriced {
		cost += " (" + string(e.CostState) + ")"
	}
	in := e.InputTokens + e.CacheReadTokens + e.CacheWriteTokens()
	used := fmt.Sprintf("%d→%d tokens", in, e.OutputTokens)
	if m := mediaText(e.Units); m != "" {
		used = m
		if in > 0 || e.OutputTokens > 0 {
			used = fmt.Sprintf("%s, %d→%d tokens", m, in, e.OutputTokens)
		}
	}
	return fmt.Sprintf("%s %s → %s/%s %s %s %s %s", e.Time.In(loc).Format("15:04:05"), client,
		e.Provider, e.Model, status, used, cost, e.Latency.Round(time.Millisecond))
}

func printProxyBanner(f *Factory, base, token string, created bool) {
	out := f.IO.Out
	fmt.Fprintf(out, "byok proxy listening on %s (Ctrl-C stops it)\n\n", base)
	fmt.Fprintln(out, "Base URLs for your SDKs and tools:")
	fmt.Fprintf(out, "  OpenAI and compatible  %s/v1           (OPENAI_BASE_URL)\n", base)
	fmt.Fprintf(out, "  Anthropic              %s/anthropic    (ANTHROPIC_BASE_URL)\n", base)
	fmt.Fprintf(out, "  Gemini                 %s/gemini\n", base)
	fmt.Fprintf(out, "  any provider, any path %s/p/PROVIDER/...\n", base)
	fmt.Fprintf(out, "  Prometheus metrics     %s/metrics      (the token as a bearer token)\n\n", base)
	note := ""
	if created {
		note = " (just created)"
	}
	fmt.Fprintf(out, "API key: the proxy token%s, ending %s; print it with `byok proxy token`.\n", note, keychain.Last4(token))
	fmt.Fprintln(out, "Headers: x-byok-provider: ID picks the provider (or name models PROVIDER/MODEL); x-byok-key: LABEL picks a key.")
	fmt.Fprintln(out, "Each request is recorded (see `byok log`) and printed below.")
}
