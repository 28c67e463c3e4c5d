package store

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/byokhq/byok/money"
)

// Single events commit on their own and the upkeep folds them as they go:
// once it is done, fewer than foldEvery events wait outside the rollups and
// the sums equal the raw events, whichever way each event went in.
func TestRecordFoldsAsItGoes(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	k := putKey(t, s, "openai", "work")
	start := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	const n = 3*foldEvery + 10
	var es []*Event
	for i := range n {
		e := ev(start.Add(time.Duration(i)*17*time.Second), "openai", "gpt-4o-mini", money.USD(1000+i))
		switch i % 5 {
		case 0:
			e.KeyID = k.ID // the key's last use moves at most once a minute
		case 1:
			e.Prompt, e.Response = "hi", "hello" // with text: one transaction
		}
		if _, err := s.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
		es = append(es, e)
	}
	s.up.settle() // the folds Record asked for
	rolled, waiting := folded(t, s)
	if waiting >= foldEvery {
		t.Fatalf("%d events wait outside the rollups, more than %d", waiting, foldEvery-1)
	}
	if rolled+waiting != n {
		t.Fatalf("the rollups hold %d requests and %d wait, want %d in all", rolled, waiting, n)
	}
	end := start.Add(n * 17 * time.Second)
	got, err := s.Totals(ctx, Scope{}, start, end)
	if err != nil {
		t.Fatal(err)
	}
	if want := naive(es, Scope{}, start, end); got != want {
		t.Fatalf("totals %+v, want %+v", got, want)
	}
}

// A key's last use is kept to the minute: a later event moves it once it
// is a minute old, an earlier one never does, and what another process
// wrote meanwhile is not overwritten with an older time.
func TestRecordMovesKeyLastUseByTheMinute(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	k := putKey(t, s, "openai", "work")
	t0 := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	record := func(s *Store, at time.Time) {
		t.Helper()
		e := ev(at, "openai", "gpt-4o", money.Cent)
		e.KeyID = k.ID
		if _, err := s.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	lastUse := func() time.Time {
		t.Helper()
		got, err := s.KeyByID(ctx, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.LastUsedAt
	}
	steps := []struct {
		at   time.Duration
		want time.Duration
	}{
		{0, 0},
		{30 * time.Second, 0},                // within the minute
		{61 * time.Second, 61 * time.Second}, // a minute on
		{90 * time.Second, 61 * time.Second},
		{121 * time.Second, 121 * time.Second},
		{10 * time.Second, 121 * time.Second}, // an older event
	}
	for _, st := range steps {
		record(s, t0.Add(st.at))
		if got := lastUse(); !got.Equal(t0.Add(st.want)) {
			t.Fatalf("after an event at +%v the key was last used at +%v, want +%v", st.at, got.Sub(t0), st.want)
		}
	}
	// Another process records a use at +5m; this one, which last wrote
	// +121s, then records +5m50s: within a minute of +5m, so the key keeps
	// +5m. At +6m5s the use is a minute past +5m, and this store moves it
	// on: it did not take the no-op at +5m50s for a write of its own.
	other, err := Open(ctx, s.path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	record(other, t0.Add(300*time.Second))
	record(s, t0.Add(350*time.Second))
	if got := lastUse(); !got.Equal(t0.Add(300 * time.Second)) {
		t.Fatalf("the key was last used at +%v, want +5m0s", got.Sub(t0))
	}
	record(s, t0.Add(365*time.Second))
	if got := lastUse(); !got.Equal(t0.Add(365 * time.Second)) {
		t.Fatalf("the key was last used at +%v, want +6m5s", got.Sub(t0))
	}
}

// Writes without a pause leave the upkeep's checkpoints (which never wait
// for writers) no moment to finish; the log must still start over once it
// passes walLimit pages instead of growing with every write.
func TestWriteAheadLogStaysBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 8,000 events")
	}
	ctx := context.Background()
	s := openTest(t)
	start := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	for i := range 8000 {
		if _, err := s.Record(ctx, ev(start.Add(time.Duration(i)*time.Second), "openai", "gpt-4o-mini", money.Micro)); err != nil {
			t.Fatal(err)
		}
	}
	s.up.settle()
	fi, err := os.Stat(s.path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	// A page in the log is its 4 KiB and a 24-byte frame header.
	pages := fi.Size() / (4096 + 24)
	if pages > 2*walLimit {
		t.Fatalf("the log reached %d pages after 8,000 events; it should start over near %d", pages, walLimit)
	}
	t.Logf("the log reached %d pages", pages)
}
