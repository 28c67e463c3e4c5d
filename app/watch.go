package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/byokhq/byok/agentlog"
)

// watchEvery is how often a watch looks for new lines: what an agent logs
// reaches totals, budgets and alerts within about this long plus the
// import. A look at files that did not change costs a stat each.
const watchEvery = time.Second

// WatchOptions configure Watch.
type WatchOptions struct {
	Sources []agentlog.Source
	// Paths replace where the agent keeps its logs; with one source only.
	Paths []string
	// Every is how often to look; 0 means a second.
	Every time.Duration
	// Report gets each import that found something: requests added or
	// updated, requests byok had recorded itself, or lines refused.
	Report func(ImportSummary)
}

// Watch imports the sources' logs now and then again every opt.Every until
// ctx ends, following the lines the agents append as they write them. An
// error in the first pass is returned; later ones (a database busy for
// longer than its timeout, a folder removed) are logged and retried.
func (a *App) Watch(ctx context.Context, opt WatchOptions) error {
	if len(opt.Sources) == 0 {
		return errors.New("name the agents to watch")
	}
	if len(opt.Paths) > 0 && len(opt.Sources) > 1 {
		return errors.New("--path belongs to one agent")
	}
	every := opt.Every
	if every <= 0 {
		every = watchEvery
	}
	pass := func() error {
		for _, src := range opt.Sources {
			s, err := a.Import(ctx, src, ImportOptions{Paths: opt.Paths})
			if err != nil {
				return err
			}
			if opt.Report != nil && (s.Added > 0 || s.Updated > 0 || s.AlreadyRecorded() > 0 || s.Refused > 0) {
				opt.Report(s)
			}
		}
		return nil
	}
	if err := pass(); err != nil {
		return err
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := pass(); err != nil && ctx.Err() == nil {
				a.Log.Warn("watch agent logs", "err", err)
			}
		}
	}
}

// WatchConfigured follows the agents named in the config's [import] watch
// in the background while the TUI or the proxy runs, and returns a
// function that stops it and waits for it. Imports found are logged.
func (a *App) WatchConfigured(ctx context.Context) (stop func(), err error) {
	var srcs []agentlog.Source
	for _, name := range a.Config.Import.Watch {
		src, err := agentlog.ParseSource(name)
		if err != nil {
			return nil, fmt.Errorf("[import] watch in %s: %w", a.Config.Paths.Config, err)
		}
		srcs = append(srcs, src)
	}
	if len(srcs) == 0 {
		return func() {}, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			err := a.Watch(ctx, WatchOptions{Sources: srcs, Report: func(s ImportSummary) {
				a.Log.Info("imported agent usage", "source", s.Source, "added", s.Added, "updated", s.Updated, "refused", s.Refused)
			}})
			if err == nil {
				return
			}
			// The first pass failed: say so in the log and try again.
			a.Log.Warn("watch agent logs", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(watchEvery):
			}
		}
	}()
	return func() { cancel(); <-done }, nil
}
