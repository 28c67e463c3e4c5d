package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/byokhq/byok/money"
)

// Single events commit on their own and fold as they go: after any number
// of Records, fewer than foldEvery events wait outside the rollups and the
// sums equal the raw events, whichever way each event went in.
func TestRecordFoldsAsItGoes(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	k := &Key{Provider: "openai", Label: "work", Source: KeyKeychain}
	if err := s.PutKey(ctx, k); err != nil {
		t.Fatal(err)
	}
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
	var waiting int
	if err := s.r.QueryRow(`SELECT count(*) FROM events WHERE id > (SELECT event_id FROM rollup_mark)`).Scan(&waiting); err != nil {
		t.Fatal(err)
	}
	if waiting != n%foldEvery {
		t.Fatalf("%d events wait outside the rollups, want %d", waiting, n%foldEvery)
	}
	var rolled int
	if err := s.r.QueryRow(`SELECT coalesce(SUM(requests), 0) FROM rollup_hour`).Scan(&rolled); err != nil {
		t.Fatal(err)
	}
	if rolled != n-n%foldEvery {
		t.Fatalf("the rollups hold %d requests, want %d", rolled, n-n%foldEvery)
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
	path := filepath.Join(t.TempDir(), "byok.db")
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	k := &Key{Provider: "openai", Label: "work", Source: KeyKeychain}
	if err := s.PutKey(ctx, k); err != nil {
		t.Fatal(err)
	}
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
	other, err := Open(ctx, path, Options{})
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
