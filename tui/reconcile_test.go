package tui

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/store"
)

// reportingApp opens an app in UTC whose provider's reports come from
// baseURL (a local server speaking the provider's shape), with admin as
// its admin key in a file keyring.
func reportingApp(t *testing.T, provider, baseURL, admin string) *app.App {
	t.Helper()
	home := t.TempDir()
	cfg := fmt.Sprintf("keyring = \"file\"\ntimezone = \"UTC\"\n[providers.%s]\nbase_url = %q\n", provider, baseURL)
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(k string) string {
		if k == "BYOK_PASSPHRASE" {
			return "a tui test passphrase"
		}
		return ""
	}
	a, err := app.Open(t.Context(), app.Options{Home: home, Now: fixedClock, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if _, err := a.AddAdminKey(t.Context(), provider, "", admin, false); err != nil {
		t.Fatal(err)
	}
	return a
}

// TestReconcileView opens the Reconcile tab (9) from the dashboard, asks
// OpenAI's costs report (a local server speaking its shape) for the last
// days, and drills into the day byok saw only part of.
func TestReconcileView(t *testing.T) {
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/v1/organization/costs" {
			fmt.Fprint(w, `{"object":"page","data":[],"has_more":false,"next_page":null}`)
			return
		}
		var start, end int64
		_, _ = fmt.Sscan(r.URL.Query().Get("start_time"), &start)
		_, _ = fmt.Sscan(r.URL.Query().Get("end_time"), &end)
		var bs []string
		for b := start; b < end; b += 86400 {
			res := ""
			if b == day.Unix() {
				res = `{"object":"organization.costs.result","amount":{"value":2.5,"currency":"usd"},"line_item":"gpt-4o, input","project_id":null,"api_key_id":"key_imgapp"}`
			}
			bs = append(bs, fmt.Sprintf(`{"object":"bucket","start_time":%d,"end_time":%d,"results":[%s]}`, b, b+86400, res))
		}
		fmt.Fprintf(w, `{"object":"page","data":[%s],"has_more":false,"next_page":null}`, strings.Join(bs, ","))
	}))
	t.Cleanup(srv.Close)
	ctx := context.Background()
	a := reportingApp(t, "openai", srv.URL+"/v1", "sk-admin-FAKE-tui-000000000000test")
	e := store.Event{Time: day.Add(10 * time.Hour), Source: store.SourceCLI, Provider: "openai", Model: "gpt-4o", Status: store.StatusOK,
		Cost: money.Dollar, CostState: pricing.Computed, InputTokens: 100, OutputTokens: 10}
	if _, err := testStore(t, a).Record(ctx, &e); err != nil {
		t.Fatal(err)
	}

	hs := newHarness(t, a, Options{Now: fixedClock}, 100, 30)
	v0, err := a.Store.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	hs.deliver(pollMsg{version: v0})
	// R is History's re-run; on the dashboard it does nothing.
	hs.press("R")
	hs.contains("Total")
	hs.lacks("Nothing reconciled yet")
	hs.press("9")
	hs.contains("Reconcile", "Nothing reconciled yet")
	hs.press("r")
	hs.contains("openai", "2026-11-23", "$1.00", "$2.50", "+$1.50", "unseen")
	// The reconcile wrote: the next poll sees it, and the dashboard marks
	// the part of its total that is reconciled spend.
	v1, err := a.Store.DataVersion(ctx)
	if err != nil || v1 == v0 {
		t.Fatalf("data version %d after the reconcile (%v), was %d", v1, err, v0)
	}
	hs.deliver(pollMsg{version: v1})
	hs.press("1")
	hs.contains("Total $2.50", "incl. $1.50 reconciled (press 9)")
	hs.press("9")
	// The newest day is first; go down to 23 November and open it.
	for range 3 {
		hs.press("down")
	}
	hs.press("enter")
	hs.contains("openai 2026-11-23: byok $1.00 in 1 requests, the provider billed $2.50", "$1.50 counted as reconciled", "10:00  cli      gpt-4o",
		"key key_imgapp: byok $0.00 in 0 requests, the provider billed $2.50")
	// esc closes the day; the tab stays.
	hs.press("esc")
	hs.contains("enter: per key", "PROVIDER")
	hs.lacks("key key_imgapp", "10:00  cli")

	// The list keys are the other lists': / filters as one types (digits
	// are text then, not views), enter keeps the filter, esc clears it.
	hs.press("/")
	hs.typeText("unseen 2026-11")
	hs.contains("2026-11-23")
	hs.lacks("2026-11-22", "2026-11-24")
	hs.press("enter")
	hs.contains("filter unseen 2026-11", "1 of ")
	hs.press("esc")
	hs.contains("2026-11-22", "2026-11-23", "2026-11-24")
	hs.lacks("filter unseen")
	// The cursor stayed on the day it was on through the filter.
	hs.contains("openai 2026-11-23: byok $1.00")
	// backspace clears a filter as esc does.
	hs.press("/")
	hs.typeText("unseen")
	hs.press("enter")
	hs.contains("filter unseen")
	hs.lacks("2026-11-22")
	hs.press("backspace")
	hs.contains("2026-11-22", "2026-11-23", "2026-11-24")
	hs.lacks("filter unseen")
	hs.press("g")
	// s steps through the columns to REPORTED, largest first: the billed
	// day leads. S reverses.
	before := func(a, b string) bool {
		i, j := strings.Index(hs.screen(), a), strings.Index(hs.screen(), b)
		return i >= 0 && (j < 0 || i < j)
	}
	if !before("2026-11-24", "2026-11-23") {
		t.Fatalf("unsorted, the newest day should come first:\n%s", hs.screen())
	}
	hs.press("s", "s", "s", "s")
	hs.contains("REPORTED ▼")
	if !before("2026-11-23", "2026-11-24") {
		t.Fatalf("by REPORTED, the billed day should come first:\n%s", hs.screen())
	}
	hs.press("S")
	hs.contains("REPORTED ▲")
	if !before("2026-11-24", "2026-11-23") {
		t.Fatalf("by REPORTED reversed, the billed day should come last:\n%s", hs.screen())
	}
	hs.press("?")
	hs.contains("Reconcile — keys", "/ filter", "s sort by next column", "r reconcile now")
}

// With no admin key, r says how to add one in the TUI, not with the CLI.
func TestReconcileWithoutAdminKeyNamesTheForm(t *testing.T) {
	hs := newHarness(t, testApp(t, "", false), Options{StartView: "reconcile", Now: fixedClock}, 120, 40)
	hs.contains("press 5, then a, and choose admin key")
	hs.press("r")
	hs.contains("no provider has an admin key", "press 5, then a, and choose admin key")
	hs.lacks("keys add")
}

// The tab lists today as `byok reconcile` does where the provider has not
// reported it yet: OpenRouter's activity holds complete days only, so
// today is pending with byok's own spend, above yesterday's report.
func TestReconcileViewKeepsPendingToday(t *testing.T) {
	today := testNow.UTC().Truncate(24 * time.Hour)
	yesterday := today.AddDate(0, 0, -1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/api/v1/activity" {
			fmt.Fprint(w, `{"data":{}}`)
			return
		}
		fmt.Fprintf(w, `{"data":[{"date":%q,"model":"openai/gpt-4o-mini","provider_name":"OpenAI","usage":0.25,"requests":1,"prompt_tokens":100,"completion_tokens":10}]}`,
			yesterday.Format(time.DateOnly))
	}))
	t.Cleanup(srv.Close)
	a := reportingApp(t, "openrouter", srv.URL+"/api/v1", "sk-or-v1-FAKE-tui-management-000000test")
	st := testStore(t, a)
	for _, at := range []time.Time{yesterday.Add(9 * time.Hour), testNow.Add(-time.Hour)} {
		e := store.Event{Time: at, Source: store.SourceCLI, Provider: "openrouter", Model: "openai/gpt-4o-mini", Status: store.StatusOK,
			Cost: money.Dollar / 4, CostState: pricing.Computed, InputTokens: 100, OutputTokens: 10}
		if _, err := st.Record(t.Context(), &e); err != nil {
			t.Fatal(err)
		}
	}
	hs := newHarness(t, a, Options{Now: fixedClock}, 120, 40)
	hs.press("9", "r")
	p := hs.m.pages[pageReconcile].(*reconcilePage)
	if len(p.list) < 2 {
		t.Fatalf("the tab lists %d days:\n%s", len(p.list), hs.screen())
	}
	if r := p.list[0]; !r.Day.Equal(today) || r.State != app.StatePending || r.HasReported || r.Byok != money.Dollar/4 {
		t.Errorf("the newest row is %s %s (reported %v), byok %s; want today pending, unreported, byok $0.25", r.Day.Format(time.DateOnly), r.State, r.HasReported, r.Byok)
	}
	if r := p.list[1]; !r.Day.Equal(yesterday) || !r.HasReported || r.Reported != money.Dollar/4 {
		t.Errorf("the second row is %s (reported %v %s), want yesterday's report of $0.25", r.Day.Format(time.DateOnly), r.HasReported, r.Reported)
	}
	hs.contains(today.Format(time.DateOnly), "pending", yesterday.Format(time.DateOnly))
}
