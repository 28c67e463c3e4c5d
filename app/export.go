package app

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/byokhq/byok/config"
	"github.com/byokhq/byok/export"
	"github.com/byokhq/byok/redact"
	"github.com/byokhq/byok/store"
	"github.com/byokhq/byok/store/keychain"
)

// SinkOTLP names the OTLP export's cursor in the store.
const SinkOTLP = "otlp"

// ExportSecretProvider is the keychain namespace of export header secrets:
// `byok keys add otlp --label grafana` stores account "otlp/grafana".
const ExportSecretProvider = "otlp"

// Export pacing. A batch is at most exportBatch events; the lease outlives
// the longest send (two exporter timeouts) and the writes around it, so a
// lease never runs out under a send that then moves the cursor.
const (
	exportBatch      = 512
	exportLease      = 60 * time.Second
	exportTimeout    = 10 * time.Second
	exportMaxBackoff = 5 * time.Minute
	// exportCloseWait bounds what a closing process spends on handing its
	// last events over; what is left waits in the outbox for the next.
	exportCloseWait = 3 * time.Second
)

// Version is byok's version, sent as service.version; cmd sets it.
var Version = "dev"

// pump sends the outbox to one sink from one process: a goroutine that
// wakes when this process records, every interval otherwise, and backs
// off while the sink fails. Requests never wait for it.
type pump struct {
	a      *App
	sink   string
	holder string
	every  time.Duration
	wake   chan struct{}
	stop   chan struct{}
	done   chan struct{}
	// stopOnce lets Close run more than once.
	stopOnce sync.Once

	sender *export.OTLP
	batch  *export.Batch
	from   int64 // the cursor the pending batch starts after

	mu      sync.Mutex
	lastErr error
	sent    int64
}

// exportConfigured reports whether this process may export: OTLP is set
// up and the store is writable (a process that only reads never exports).
func (a *App) exportConfigured() bool {
	return a.Config.Export.OTLP.Enabled() && !a.readOnly
}

// beforeRecord makes sure, once per process, that the OTLP cursor exists
// before this process's first event, so that event is above the cursor.
func (a *App) beforeRecord(ctx context.Context) {
	if !a.exportConfigured() {
		return
	}
	a.cursorOnce.Do(func() {
		if err := a.db.EnsureExportCursor(ctx, SinkOTLP); err != nil {
			a.Log.Warn("export cursor", "err", err)
		}
	})
}

// afterRecord wakes the export (starting it on the first event): every
// process that records exports through the same outbox.
func (a *App) afterRecord() {
	if !a.exportConfigured() {
		return
	}
	a.StartExport()
}

// StartExport starts exporting in the background if the config asks for
// it; long-running processes (proxy, serve) call it at start so events
// others left in the outbox go out without waiting for a new one. It
// returns at once and is safe to call many times.
func (a *App) StartExport() {
	if !a.exportConfigured() {
		return
	}
	a.pumpOnce.Do(func() {
		host, _ := os.Hostname()
		p := &pump{
			a: a, sink: SinkOTLP, every: a.Config.Export.OTLP.Interval.Duration,
			holder: fmt.Sprintf("%s:%d:%08x", host, os.Getpid(), rand.Uint32()),
			wake:   make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
		}
		a.pump = p
		go p.run()
	})
	select {
	case a.pump.wake <- struct{}{}:
	default:
	}
}

// stopExport hands the last events over (bounded by exportCloseWait) and
// gives the lease up.
func (a *App) stopExport() {
	p := a.pump
	if p == nil {
		return
	}
	p.stopOnce.Do(func() { close(p.stop) })
	select {
	case <-p.done:
	case <-time.After(exportCloseWait + time.Second):
		a.Log.Warn("export still sending at exit; the events stay in the outbox for the next byok")
	}
}

func (p *pump) run() {
	defer close(p.done)
	ctx := context.Background()
	var backoff time.Duration
	for {
		n, err := p.step(ctx)
		var wait time.Duration
		switch {
		case err == nil && n >= exportBatch:
			backoff = 0
			continue
		case err == nil:
			backoff, wait = 0, p.every
		case errors.Is(err, store.ErrLeaseHeld):
			// Another process sends; this one looks again later.
			backoff, wait = 0, p.every
		case errors.Is(err, store.ErrLeaseLost):
			continue
		default:
			backoff = nextBackoff(backoff, p.every)
			wait = backoff
			p.a.Log.Warn("export", "sink", p.sink, "err", err, "retry_in", wait)
		}
		if p.pause(wait, backoff > 0) {
			p.finish(backoff > 0)
			return
		}
	}
}

// pause waits for the next attempt and reports whether the process is
// closing. While backing off, new events do not cut the wait short.
func (p *pump) pause(d time.Duration, failing bool) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	wake := p.wake
	if failing {
		wake = nil
	}
	select {
	case <-p.stop:
		return true
	case <-wake:
	case <-t.C:
	}
	return false
}

// finish makes one last attempt for what this process recorded (unless
// the sink was failing: the next process will try) and releases the lease.
func (p *pump) finish(failing bool) {
	ctx, cancel := context.WithTimeout(context.Background(), exportCloseWait)
	defer cancel()
	if !failing {
		select {
		case <-p.wake:
			_, _ = p.step(ctx)
		default:
		}
	}
	if err := p.a.db.ReleaseExport(context.Background(), p.sink, p.holder); err != nil {
		p.a.Log.Warn("release export lease", "err", err)
	}
	if p.sender != nil {
		_ = p.sender.Shutdown(ctx)
	}
}

// nextBackoff doubles the wait from a second up to exportMaxBackoff, with
// a little jitter so several machines do not retry in step.
func nextBackoff(cur, _ time.Duration) time.Duration {
	next := 2 * cur
	if next < time.Second {
		next = time.Second
	}
	if next > exportMaxBackoff {
		next = exportMaxBackoff
	}
	return next + time.Duration(rand.Int64N(int64(next/10)+1))
}

// step sends one batch from the cursor: claim the lease, read the events
// above the cursor, send them, move the cursor. It returns how many events
// were delivered.
func (p *pump) step(ctx context.Context) (int, error) {
	cur, err := p.a.db.ClaimExport(ctx, p.sink, p.holder, exportLease)
	if err != nil {
		return 0, err
	}
	if p.batch == nil || p.from != cur.EventID {
		events, err := p.a.db.EventsAfter(ctx, cur.EventID, exportBatch, p.a.Config.Export.OTLP.Content)
		if err != nil {
			return 0, err
		}
		if len(events) == 0 {
			return 0, nil
		}
		p.batch, p.from = export.NewBatch(events, true), cur.EventID
	}
	if p.sender == nil {
		if p.sender, err = p.a.NewOTLPSender(ctx); err != nil {
			p.note(ctx, err)
			return 0, err
		}
	}
	if err := p.sender.Send(ctx, p.batch); err != nil {
		p.note(ctx, err)
		return 0, err
	}
	events := p.batch.Events
	p.batch = nil
	if err := p.a.db.AdvanceExport(ctx, p.sink, p.holder, p.from, events[len(events)-1].ID); err != nil {
		return 0, err
	}
	p.mu.Lock()
	p.sent += int64(len(events))
	p.lastErr = nil
	p.mu.Unlock()
	return len(events), nil
}

func (p *pump) note(ctx context.Context, err error) {
	p.mu.Lock()
	p.lastErr = err
	p.mu.Unlock()
	if werr := p.a.db.NoteExportFailure(ctx, p.sink, p.holder, redact.String(err.Error())); werr != nil {
		p.a.Log.Warn("note export failure", "err", werr)
	}
}

// NewOTLPSender builds the OTLP sender the config describes, with its
// header secrets read from the keychain.
func (a *App) NewOTLPSender(ctx context.Context) (*export.OTLP, error) {
	c := a.Config.Export.OTLP
	if !c.Enabled() {
		return nil, errors.New("no OTLP endpoint: set [export.otlp] endpoint in config.toml (see the README)")
	}
	headers, err := a.exportHeaders(ctx, c)
	if err != nil {
		return nil, err
	}
	inst, err := a.db.InstanceID(ctx)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	return export.NewOTLP(ctx, export.OTLPConfig{
		Endpoint: c.Endpoint, Headers: headers, Resource: c.Resource, HostName: host,
		ServiceVersion: Version, Instance: inst, Content: c.Content, Timeout: exportTimeout,
	})
}

// exportHeaders reads each header's secret from the keychain.
func (a *App) exportHeaders(ctx context.Context, c config.OTLP) (map[string]string, error) {
	if len(c.Headers) == 0 {
		return nil, nil
	}
	sec, err := a.Secrets()
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(c.Headers))
	for name, ref := range c.Headers {
		label := strings.TrimPrefix(ref, config.HeaderSecretPrefix)
		v, err := sec.Get(ctx, keychain.Account(ExportSecretProvider, label))
		if errors.Is(err, keychain.ErrNotFound) {
			return nil, fmt.Errorf("export.otlp header %s: the keychain has no secret %s/%s: store it with `byok keys add otlp --label %s`", name, ExportSecretProvider, label, label)
		}
		if err != nil {
			return nil, fmt.Errorf("export.otlp header %s: read the keychain: %w", name, err)
		}
		// The credential after a scheme ("Basic …") is kept out of logs
		// and errors on its own too; the redactor ignores short words.
		redact.Register(v)
		for _, f := range strings.Fields(v) {
			redact.Register(f)
		}
		out[name] = v
	}
	return out, nil
}

// ExportResult says what an explicit export sent.
type ExportResult struct {
	Events int64
	Cursor int64
}

// ExportNow sends everything waiting in the outbox, batch after batch,
// and stops at the first failure (`byok export otlp`).
func (a *App) ExportNow(ctx context.Context, progress func(sent int64)) (ExportResult, error) {
	if !a.Config.Export.OTLP.Enabled() {
		return ExportResult{}, errors.New("no OTLP endpoint: set [export.otlp] endpoint in config.toml (see the README)")
	}
	host, _ := os.Hostname()
	p := &pump{a: a, sink: SinkOTLP, holder: fmt.Sprintf("%s:%d:%08x", host, os.Getpid(), rand.Uint32())}
	defer func() {
		if err := a.db.ReleaseExport(context.WithoutCancel(ctx), p.sink, p.holder); err != nil {
			a.Log.Warn("release export lease", "err", err)
		}
		if p.sender != nil {
			_ = p.sender.Shutdown(context.WithoutCancel(ctx))
		}
	}()
	var res ExportResult
	for {
		n, err := p.step(ctx)
		if errors.Is(err, store.ErrLeaseHeld) {
			return res, fmt.Errorf("%w (a proxy, serve or TUI sends this outbox already; try again when it stops, or let it send)", err)
		}
		if err != nil {
			return res, err
		}
		res.Events += int64(n)
		if progress != nil && n > 0 {
			progress(res.Events)
		}
		if n == 0 {
			c, err := a.db.ExportStatus(ctx, SinkOTLP)
			res.Cursor = c.EventID
			return res, err
		}
	}
}

// ResendSince sends again the spans of every request recorded since the
// given time, whatever the cursor says, and with metrics points only when
// metrics is set (a backend cannot tell repeated points apart; spans it
// can, by their ids). The cursor does not move.
func (a *App) ResendSince(ctx context.Context, since time.Time, metrics bool, progress func(sent int64)) (int64, error) {
	sender, err := a.NewOTLPSender(ctx)
	if err != nil {
		return 0, err
	}
	defer func() { _ = sender.Shutdown(context.WithoutCancel(ctx)) }()
	var after, sent int64
	for {
		events, err := a.db.EventsSince(ctx, since, after, exportBatch, a.Config.Export.OTLP.Content)
		if err != nil {
			return sent, err
		}
		if len(events) == 0 {
			return sent, nil
		}
		b := export.NewBatch(events, metrics)
		if err := sender.Send(ctx, b); err != nil {
			return sent, fmt.Errorf("%w (%d events sent before; run the same command again, spans sent twice are one to the backend)", err, sent)
		}
		sent += int64(len(events))
		after = events[len(events)-1].ID
		if progress != nil {
			progress(sent)
		}
	}
}

// ExportStatus returns the OTLP cursor and what waits above it.
func (a *App) ExportStatus(ctx context.Context) (store.ExportCursor, error) {
	return a.db.ExportStatus(ctx, SinkOTLP)
}

// exportHolderOf is the process part of a lease holder, for display.
func exportHolderOf(holder string) string {
	parts := strings.Split(holder, ":")
	if len(parts) < 2 {
		return holder
	}
	if _, err := strconv.Atoi(parts[1]); err != nil {
		return holder
	}
	return parts[0] + " pid " + parts[1]
}

// ExportHolder says who holds the lease ("" when nobody).
func ExportHolder(c store.ExportCursor, now time.Time) string {
	if c.Holder == "" || !c.LeaseUntil.After(now) {
		return ""
	}
	return exportHolderOf(c.Holder)
}
