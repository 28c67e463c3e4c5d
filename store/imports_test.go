package store

import (
	"context"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
)

func imported(id, session string, at time.Time, output int64, cost money.USD) *Event {
	return &Event{
		Time: at, Source: "claude-code", Provider: "anthropic", Model: "claude-sonnet-4-5", Status: StatusOK,
		InputTokens: 10, CacheReadTokens: 1000, OutputTokens: output, Cost: cost, CostState: pricing.Computed,
		Session: session, ExternalID: id,
	}
}

func TestImportStoresEachRequestOnce(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	at := time.Date(2026, 11, 20, 23, 0, 0, 0, time.UTC)
	day := func() Totals {
		t.Helper()
		tot, err := s.Totals(ctx, Scope{Source: "claude-code"}, at.Add(-time.Hour), at.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return tot
	}
	cur := ImportCursor{Source: "claude-code", Path: "/logs/a.jsonl", Size: 900, ModTime: 5, Offset: 800, HeadLen: 800, HeadHash: "abc", State: ""}
	res, err := s.Import(ctx, []*Event{
		imported("msg_1:req_1", "s1", at, 5, 100),
		imported("msg_2:req_2", "s1", at.Add(time.Minute), 50, 1000),
		imported("msg_3:req_3", "s2", at.Add(2*time.Minute), 7, 10),
	}, []ImportCursor{cur})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res, ImportResult{Added: 3}) {
		t.Fatalf("first import %+v", res)
	}
	cs, err := s.ImportCursors(ctx, "claude-code")
	if err != nil || cs["/logs/a.jsonl"] != cur {
		t.Fatalf("cursors %+v %v, want %+v", cs, err, cur)
	}

	// The same requests again add nothing; a fuller copy of one replaces
	// it (totals move by the difference, counts stay); a side
	// conversation's copy of a stored message is skipped, one of a message
	// not stored is kept.
	side := imported("msg_2:req_9", "s1", at.Add(3*time.Minute), 50, 1000)
	side.CopyOf = "msg_2:"
	other := imported("msg_4:req_9", "s3", at.Add(4*time.Minute), 1, 1)
	other.CopyOf = "msg_4:"
	res, err = s.Import(ctx, []*Event{
		imported("msg_1:req_1", "s1", at, 500, 10_000),
		imported("msg_2:req_2", "s1", at.Add(time.Minute), 50, 1000),
		imported("msg_3:req_3", "s2", at.Add(2*time.Minute), 3, 5), // a smaller copy changes nothing
		side, other,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res, ImportResult{Added: 1, Updated: 1, Duplicates: 3}) {
		t.Fatalf("second import %+v", res)
	}
	tot := day()
	if tot.Requests != 4 || tot.OutputTokens != 500+50+7+1 || tot.Cost != 10_000+1000+10+1 {
		t.Fatalf("totals %+v", tot)
	}
	// The rollups agree with the raw events after the waiting ones fold.
	if err := s.RecordBatch(ctx, nil); err != nil {
		t.Fatal(err)
	}
	var raw int64
	if err := s.r.QueryRow(`SELECT sum(output_tokens) FROM events`).Scan(&raw); err != nil || raw != tot.OutputTokens {
		t.Fatalf("raw output %d, totals %d (%v)", raw, tot.OutputTokens, err)
	}

	groups, err := s.Breakdown(ctx, Scope{}, at.Add(-time.Hour), at.Add(time.Hour), BySession, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, g := range groups {
		got[g.Key] = g.Requests
	}
	if len(groups) != 3 || got["s1"] != 2 || got["s2"] != 1 || got["s3"] != 1 || groups[0].Key != "s1" {
		t.Fatalf("by session %+v", groups)
	}
}

func TestImportFullerCopyOfFoldedEvent(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	var es []*Event
	for i := range foldEvery + 10 {
		es = append(es, imported("m"+strconv.Itoa(i)+":r", "s", at.Add(time.Duration(i)*time.Second), 1, 1))
	}
	if _, err := s.Import(ctx, es, nil); err != nil {
		t.Fatal(err)
	}
	res, err := s.Import(ctx, []*Event{imported("m0:r", "s", at, 101, 51)}, nil)
	if err != nil || !reflect.DeepEqual(res, ImportResult{Updated: 1}) {
		t.Fatalf("%+v %v, want one update", res, err)
	}
	tot, err := s.Totals(ctx, Scope{}, at, at.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	n := int64(foldEvery + 10)
	if tot.Requests != n || tot.OutputTokens != n+100 || tot.Cost != money.USD(n+50) {
		t.Fatalf("totals %+v", tot)
	}
	// Whole hours come from the rollups alone.
	var out int64
	if err := s.r.QueryRow(`SELECT sum(output) FROM rollup_hour_all`).Scan(&out); err != nil || out != n+100 {
		t.Fatalf("rollup output %d (%v), want %d", out, err, n+100)
	}
}

// TestImportMatchesByokRecords: an imported event whose request id byok
// recorded itself is not stored, and one imported before byok recorded
// its request is taken out by the next DropRecorded, the rollups with it.
func TestImportMatchesByokRecords(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	at := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	proxied := func(req string) {
		t.Helper()
		if _, err := s.Record(ctx, &Event{Time: at, Source: SourceProxy, Provider: "anthropic", Model: "claude-sonnet-4-5",
			Status: StatusOK, RequestID: req, InputTokens: 10, OutputTokens: 40, Cost: 700, CostState: pricing.Computed}); err != nil {
			t.Fatal(err)
		}
	}
	logged := func(req string) *Event {
		e := imported("msg_"+req+":"+req, "s", at, 40, 700)
		e.RequestID = req
		return e
	}
	proxied("req_1")
	res, err := s.Import(ctx, []*Event{logged("req_1"), logged("req_2")}, nil)
	if err != nil || !reflect.DeepEqual(res, ImportResult{Added: 1, Recorded: map[Source]int{SourceProxy: 1}}) {
		t.Fatalf("import after the proxy: %+v %v", res, err)
	}
	if by, err := s.DropRecorded(ctx, "claude-code"); err != nil || by != nil {
		t.Fatalf("nothing recorded since: %v %v", by, err)
	}
	proxied("req_2")
	proxied("req_3")
	if by, err := s.DropRecorded(ctx, "claude-code"); err != nil || !reflect.DeepEqual(by, map[Source]int{SourceProxy: 1}) {
		t.Fatalf("after the proxy recorded req_2: %v %v", by, err)
	}
	if by, err := s.DropRecorded(ctx, "claude-code"); err != nil || by != nil {
		t.Fatalf("a second look: %v %v", by, err)
	}
	tot, err := s.Totals(ctx, Scope{}, at, at.Add(time.Hour))
	if err != nil || tot.Requests != 3 || tot.Cost != 2100 || tot.OutputTokens != 120 {
		t.Fatalf("totals %+v %v, want the proxy's three requests", tot, err)
	}
	if err := s.RecordBatch(ctx, nil); err != nil {
		t.Fatal(err)
	}
	var rolled, raw int64
	if err := s.r.QueryRow(`SELECT sum(requests) FROM rollup_hour_all`).Scan(&rolled); err != nil || rolled != 3 {
		t.Fatalf("rollups count %d requests (%v), want 3", rolled, err)
	}
	if err := s.r.QueryRow(`SELECT count(*) FROM events WHERE source = 'claude-code'`).Scan(&raw); err != nil || raw != 0 {
		t.Fatalf("%d imported events left (%v)", raw, err)
	}
}
