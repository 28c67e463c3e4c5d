package app

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/byokhq/byok/agentlog"
	"github.com/byokhq/byok/budget"
	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/store"
)

// importChunk is how many events one transaction of an import writes: big
// enough that the rollups are written once per chunk, small enough that a
// proxy recording meanwhile waits a moment, not the whole import.
const importChunk = 20_000

// maxReasons is how many refused lines an import names.
const maxReasons = 5

// ImportSummary says what importing one agent's logs did.
type ImportSummary struct {
	Source     agentlog.Source
	Roots      []string // the folders read
	Files      int      // log files found
	FilesRead  int      // of them, new or changed since the last import
	Lines      int      // complete lines (or messages) read
	Added      int      // events added
	Updated    int      // events a fuller copy of the same request replaced
	Duplicates int      // requests already imported, or read twice
	Refused    int      // lines that could not be read
	Reasons    []string // the first few refusals, with file and offset
	Cost       money.USD
	Unpriced   int           // added events with no known price
	Alerts     []store.Alert // alerts the added spend raised

	// Recorded counts, by the source that recorded it (proxy, cli, tui),
	// the requests byok had recorded itself: the agent's copy is not
	// counted again (see store.Import and store.DropRecorded).
	Recorded map[store.Source]int
}

// ImportOptions configure an import.
type ImportOptions struct {
	// Paths are folders holding the source's layout; empty means where
	// the agent keeps its logs by its own settings.
	Paths []string
}

// Import reads an agent's logs from where the last import stopped, prices
// the requests found, records them in large batches together with the new
// cursors, and evaluates alerts for what was added.
func (a *App) Import(ctx context.Context, src agentlog.Source, opt ImportOptions) (ImportSummary, error) {
	sum := ImportSummary{Source: src, Roots: opt.Paths}
	if len(sum.Roots) == 0 {
		sum.Roots = agentlog.DefaultRoots(src, a.env)
	}
	stored, err := a.db.ImportCursors(ctx, store.Source(src))
	if err != nil {
		return sum, err
	}
	cursors := make(map[string]agentlog.Cursor, len(stored))
	for p, c := range stored {
		cursors[p] = agentlog.Cursor{Path: c.Path, Size: c.Size, ModTime: c.ModTime, Offset: c.Offset,
			HeadLen: c.HeadLen, Head: c.HeadHash, State: c.State}
	}
	// Files are read in parallel and handed over in order; their events
	// are written in chunks while later files are still being read, each
	// chunk with the cursors of the files it completes. A crash leaves the
	// cursors of unwritten files where they were, and what was written
	// before is found again as duplicates.
	targets := map[budget.Target]bool{}
	var events []*store.Event
	var cs []store.ImportCursor
	flush := func() error {
		if len(events) == 0 && len(cs) == 0 {
			return nil
		}
		a.beforeRecord(ctx)
		r, err := a.db.Import(ctx, events, cs)
		if err != nil {
			return err
		}
		if r.Added > 0 {
			a.afterRecord()
		}
		sum.Added += r.Added
		sum.Updated += r.Updated
		sum.Duplicates += r.Duplicates
		sum.addRecorded(r.Recorded)
		for _, e := range events {
			if e.ID == 0 {
				continue
			}
			targets[budget.Target{Provider: e.Provider, Model: e.Model}] = true
			if e.CostState == pricing.Unpriced {
				sum.Unpriced++
			} else {
				sum.Cost += e.Cost
			}
		}
		events, cs = events[:0], cs[:0]
		return nil
	}
	var badTimes []string
	// The roots named are handed on as given: agentlog refuses those that
	// are not there, where default ones missing are an agent not used here.
	res, err := agentlog.Stream(ctx, src, agentlog.Options{Roots: opt.Paths, Cursors: cursors, Env: a.env}, func(r agentlog.Result) error {
		// A log line dated where byok cannot store a time is refused like
		// an unreadable one, rather than failing the whole import.
		recs := r.Records[:0:0]
		for _, rec := range r.Records {
			if err := store.CheckTime(rec.Time); err != nil {
				badTimes = append(badTimes, fmt.Sprintf("%s request %s: its time %v", src, rec.ID, err))
				continue
			}
			recs = append(recs, rec)
		}
		events = append(events, a.importEvents(ctx, recs)...)
		for _, c := range r.Cursors {
			cs = append(cs, store.ImportCursor{Source: store.Source(src), Path: c.Path, Size: c.Size, ModTime: c.ModTime,
				Offset: c.Offset, HeadLen: c.HeadLen, HeadHash: c.Head, State: c.State})
		}
		if len(events) >= importChunk {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return sum, fmt.Errorf("import the %s logs: %w", src, err)
	}
	sum.Files, sum.FilesRead, sum.Lines = res.Files, res.Read, res.Lines
	sum.Duplicates += res.Duplicates
	sum.Refused = len(res.Refused) + len(badTimes)
	for i, r := range res.Refused {
		if i == maxReasons {
			break
		}
		sum.Reasons = append(sum.Reasons, r.String())
	}
	for _, r := range badTimes {
		if len(sum.Reasons) == maxReasons {
			break
		}
		sum.Reasons = append(sum.Reasons, r)
	}
	// A request the agent logged while its reply still streamed may have
	// been imported before byok's proxy recorded it; each import looks
	// for those among what byok recorded since the last one.
	if src.LogsRequestIDs() {
		dropped, err := a.db.DropRecorded(ctx, store.Source(src))
		if err != nil {
			return sum, fmt.Errorf("import the %s logs: %w", src, err)
		}
		sum.addRecorded(dropped)
	}
	if sum.Added+sum.Updated > 0 {
		a.audit(ctx, "import", string(src), fmt.Sprintf("%d events added, %d updated from %d files", sum.Added, sum.Updated, sum.FilesRead))
	}
	sum.Alerts = a.evaluateAll(ctx, targets)
	return sum, nil
}

func (s *ImportSummary) addRecorded(m map[store.Source]int) {
	for by, n := range m {
		if s.Recorded == nil {
			s.Recorded = map[store.Source]int{}
		}
		s.Recorded[by] += n
	}
}

// AlreadyRecorded is how many requests byok had recorded itself.
func (s ImportSummary) AlreadyRecorded() int {
	n := 0
	for _, c := range s.Recorded {
		n += c
	}
	return n
}

// importEvents prices the records and turns them into events.
func (a *App) importEvents(ctx context.Context, recs []agentlog.Record) []*store.Event {
	cat := a.Catalog()
	events := make([]*store.Event, len(recs))
	backing := make([]store.Event, len(recs))
	refs := map[string][2]string{}
	for i, r := range recs {
		provider := r.Provider
		if spec, ok := a.Registry.Get(provider); ok {
			provider = spec.ID
		} else {
			provider = agentlog.ProviderOf(r.Model, provider)
		}
		cost := cat.Price(provider, r.Model, r.Usage, a.Config.Markup(provider))
		e := &backing[i]
		*e = store.Event{
			Time: r.Time, Source: store.Source(r.Source), Provider: provider, Model: r.Model, Status: store.StatusOK,
			InputTokens: r.Usage.Input, CacheReadTokens: r.Usage.CacheRead, CacheWrite5mTokens: r.Usage.CacheWrite5m,
			CacheWrite1hTokens: r.Usage.CacheWrite1h, OutputTokens: r.Usage.Output, ReasoningTokens: r.Usage.Reasoning,
			Cost: cost.Total, Markup: cost.Markup, Fallback: cost.Fallback, CostState: cost.State, PriceRef: cost.Ref,
			Session: r.Session, ExternalID: r.ID, CopyOf: r.CopyOf, RequestID: r.RequestID,
		}
		if cost.Ref != "" {
			refs[cost.Ref] = [2]string{provider, r.Model}
		}
		events[i] = e
	}
	for ref, pm := range refs {
		if _, stored := a.priceRefs.Load(ref); stored {
			continue
		}
		p, ok := cat.Lookup(pm[0], pm[1])
		if !ok {
			continue
		}
		body, err := json.Marshal(p)
		if err != nil {
			continue
		}
		if err := a.db.PutPriceRecord(ctx, ref, string(body)); err != nil {
			a.Log.Warn("store price record", "ref", ref, "err", err)
			continue
		}
		a.priceRefs.Store(ref, true)
	}
	return events
}

// evaluateAll evaluates the alerts of every target, in a stable order, and
// returns those announced.
func (a *App) evaluateAll(ctx context.Context, targets map[budget.Target]bool) []store.Alert {
	ts := make([]budget.Target, 0, len(targets))
	for t := range targets {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool {
		if ts[i].Provider != ts[j].Provider {
			return ts[i].Provider < ts[j].Provider
		}
		return ts[i].Model < ts[j].Model
	})
	var out []store.Alert
	for _, t := range ts {
		out = append(out, a.evaluate(ctx, t)...)
	}
	return out
}
