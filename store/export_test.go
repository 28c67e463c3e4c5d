package store

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/byokhq/byok/money"
)

// TestExportOutbox walks a sink's cursor: it starts at the newest event,
// one holder at a time may claim it, and only the holder whose lease runs
// moves it, from where it stood.
func TestExportOutbox(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	clock := now
	s, err := Open(ctx, filepath.Join(t.TempDir(), "byok.db"), Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 3 {
		if _, err := s.Record(ctx, ev(now.Add(time.Duration(i)*time.Minute), "openai", "gpt-4o", 1000)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.ExportStatus(ctx, "otlp"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("status before any export: %v, want ErrNotFound", err)
	}
	if err := s.EnsureExportCursor(ctx, "otlp"); err != nil {
		t.Fatal(err)
	}
	c, err := s.ClaimExport(ctx, "otlp", "a", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if c.EventID != 3 {
		t.Fatalf("a new cursor starts at event %d, want the newest (3): history is sent on request only", c.EventID)
	}
	for i := range 4 {
		e := ev(now.Add(time.Duration(10+i)*time.Minute), "anthropic", "claude", 2000)
		e.Prompt = "hello"
		if _, err := s.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.ClaimExport(ctx, "otlp", "b", time.Minute); !errors.Is(err, ErrLeaseHeld) {
		t.Fatalf("second holder claimed a held lease: %v", err)
	}
	got, err := s.EventsAfter(ctx, c.EventID, 3, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ID != 4 || got[2].ID != 6 || got[0].Prompt != "hello" || got[0].Provider != "anthropic" {
		t.Fatalf("events after 3: %+v", got)
	}
	if err := s.AdvanceExport(ctx, "otlp", "b", 3, 6); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("a process without the lease moved the cursor: %v", err)
	}
	if err := s.AdvanceExport(ctx, "otlp", "a", 3, 6); err != nil {
		t.Fatal(err)
	}
	if err := s.AdvanceExport(ctx, "otlp", "a", 3, 6); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("the same batch moved the cursor twice: %v", err)
	}
	st, err := s.ExportStatus(ctx, "otlp")
	if err != nil {
		t.Fatal(err)
	}
	if st.EventID != 6 || st.Pending != 1 || !st.SentAt.Equal(now) {
		t.Fatalf("status %+v, want cursor 6, 1 pending, sent at %s", st, now)
	}
	if err := s.NoteExportFailure(ctx, "otlp", "a", "connection refused"); err != nil {
		t.Fatal(err)
	}
	// The lease runs out: another holder takes over where the cursor is.
	clock = now.Add(2 * time.Minute)
	c, err = s.ClaimExport(ctx, "otlp", "b", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if c.EventID != 6 || c.Failures != 1 || c.LastError != "connection refused" {
		t.Fatalf("cursor after takeover: %+v", c)
	}
	if err := s.AdvanceExport(ctx, "otlp", "a", 6, 7); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("an expired holder moved the cursor: %v", err)
	}
	if err := s.ReleaseExport(ctx, "otlp", "b"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimExport(ctx, "otlp", "a", time.Minute); err != nil {
		t.Fatalf("claim after release: %v", err)
	}
	since, err := s.EventsSince(ctx, now.Add(11*time.Minute), 0, 10, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(since) != 3 || since[0].ID != 5 || since[0].Prompt != "" {
		t.Fatalf("events since 12:11: %+v", since)
	}
}

// TestExportClaimRace has many holders claim at once: exactly one wins.
func TestExportClaimRace(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	var wg sync.WaitGroup
	wins := make(chan string, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			holder := string(rune('a' + i))
			if _, err := s.ClaimExport(ctx, "otlp", holder, time.Minute); err == nil {
				wins <- holder
			} else if !errors.Is(err, ErrLeaseHeld) {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	close(wins)
	if n := len(wins); n != 1 {
		t.Fatalf("%d holders claimed the lease at once, want 1", n)
	}
}

// TestUsageTotalsMatchEvents checks the scrape totals against the raw
// events, with some folded into the rollups and some still waiting.
func TestUsageTotalsMatchEvents(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	k := putKey(t, s, "openai", "work")
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	var batch []*Event
	for i := range 300 {
		e := ev(now.Add(time.Duration(i)*time.Minute), "openai", "gpt-4o", 1000)
		if i%3 == 0 {
			e.KeyID, e.KeyName = k.ID, k.Name()
		}
		batch = append(batch, e)
	}
	if err := s.RecordBatch(ctx, batch); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		e := ev(now.Add(time.Duration(i)*time.Second), "openai", "gpt-4o", 7)
		e.Source = SourceProxy
		if _, err := s.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := s.UsageTotals(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]int64{"/cli": {200, 200000}, "openai/work/cli": {100, 100000}, "/proxy": {5, 35}}
	if len(rows) != len(want) {
		t.Fatalf("rows %+v", rows)
	}
	for _, r := range rows {
		w, ok := want[r.KeyName+"/"+string(r.Source)]
		if !ok || r.Requests != w[0] || int64(r.Cost) != w[1] || r.InputTokens != 100*w[0] {
			t.Errorf("row %s %s: %d requests, cost %d; want %v", r.KeyName, r.Source, r.Requests, r.Cost, w)
		}
	}
}

// TestOutboxLeavesOutReconciledSpend: a reconcile replaces a day's
// reconciled spend with new events each time the provider's report grows,
// so a sink sent them would add the same unseen spend once per reconcile.
// The outbox carries requests only; reconciled spend stays in the database
// (and in Prometheus's totals, read from it at each scrape).
func TestOutboxLeavesOutReconciledSpend(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	s, err := Open(ctx, filepath.Join(t.TempDir(), "byok.db"), Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.EnsureExportCursor(ctx, "otlp"); err != nil {
		t.Fatal(err)
	}
	day := now.Truncate(24*time.Hour).AddDate(0, 0, -3)
	reconcile := func(amount money.USD) {
		t.Helper()
		err := s.StoreReport(ctx, ReportFetch{Provider: "openai", From: day, To: day.AddDate(0, 0, 1), Days: []time.Time{day},
			Reconciled: []*Event{{Time: day.Add(12 * time.Hour), Source: SourceReconciled, Provider: "openai", Model: "reconciled",
				Status: StatusOK, Cost: amount, CostState: "reported"}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Record(ctx, ev(now.Add(-time.Hour), "openai", "gpt-4o", 1000)); err != nil {
		t.Fatal(err)
	}
	reconcile(5_000_000_000)
	reconcile(6_000_000_000) // the provider's report of that day completed
	if _, err := s.Record(ctx, ev(now, "openai", "gpt-4o", 2000)); err != nil {
		t.Fatal(err)
	}
	got, err := s.EventsAfter(ctx, 0, 100, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Source == SourceReconciled || got[1].Source == SourceReconciled {
		t.Fatalf("outbox holds %d events (%+v), want the two requests only", len(got), got)
	}
	since, err := s.EventsSince(ctx, day, 0, 100, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(since) != 2 {
		t.Fatalf("history sent again holds %d events, want the two requests only", len(since))
	}
	st, err := s.ExportStatus(ctx, "otlp")
	if err != nil {
		t.Fatal(err)
	}
	if st.Pending != 2 {
		t.Fatalf("%d events pending, want the two requests (reconciled spend is never sent)", st.Pending)
	}
	tot, err := s.Totals(ctx, Scope{Source: SourceReconciled}, day, now)
	if err != nil {
		t.Fatal(err)
	}
	if tot.Cost != 6_000_000_000 {
		t.Fatalf("reconciled spend %s, want $6 (the second reconcile replaced the first)", tot.Cost)
	}
}
