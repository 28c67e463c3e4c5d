package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/proxy"
	"github.com/byokhq/byok/store"
)

// Child roles of the concurrency suite, and how many requests each sends.
const (
	rolePrompt = "prompt" // app.Prompt, the CLI's path
	roleProxy  = "proxy"  // an in-process proxy.Server and a client of it
	roleStore  = "store"  // store.Record directly
	countEnv   = "BYOK_HARDEN_COUNT"
)

// requestCost is what one fake request costs at the price the suite sets:
// 1000 uncached in × $0.15 + 200 cached × $0.075 + 300 out × $0.60 per 1M.
const requestCost = money.USD(345_000)

// concurrencyChild is the body of one child process; it prints the
// thresholds of the alerts it raised on stdout, one per line.
func concurrencyChild(role string) int {
	n, err := strconv.Atoi(os.Getenv(countEnv))
	if err != nil || n <= 0 {
		fmt.Fprintln(os.Stderr, "child: bad", countEnv)
		return 1
	}
	ctx := context.Background()
	if role == roleStore {
		st, err := store.Open(ctx, filepath.Join(os.Getenv("BYOK_HOME"), "byok.db"), store.Options{})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer st.Close()
		for range n {
			e := store.Event{Time: time.Now().UTC(), Source: store.SourceManual, Provider: "fakeai", Model: "gpt-4o-mini",
				Status: store.StatusOK, InputTokens: 1000, CacheReadTokens: 200, OutputTokens: 300, Cost: requestCost,
				CostState: "computed", Note: "store path"}
			if _, err := st.Record(ctx, &e); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		return 0
	}
	a, err := app.Open(ctx, app.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer a.Close()
	switch role {
	case rolePrompt:
		call := app.Call{Provider: "fakeai", Model: "gpt-4o-mini", Source: store.SourceCLI,
			Request: providers.Request{Model: "gpt-4o-mini", Messages: []providers.Message{{Role: providers.RoleUser, Content: "hi"}}}}
		for range n {
			out, err := a.Prompt(ctx, call, nil)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			for _, al := range out.Alerts {
				fmt.Printf("%s %s %d\n", al.Kind, al.Scope, al.Threshold)
			}
		}
		return 0
	case roleProxy:
		return proxyClient(ctx, a, n)
	}
	fmt.Fprintln(os.Stderr, "child: unknown role", role)
	return 1
}

// proxyClient serves a proxy in this process and sends it n streamed chat
// requests the way an OpenAI SDK would.
func proxyClient(ctx context.Context, a *app.App, n int) int {
	token := "byok-proxy-" + randomTail(32)
	srv, err := proxy.New(a, proxy.Options{Addr: "127.0.0.1:0", Token: token})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	l, err := proxy.Listen("127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	url := "http://" + l.Addr().String() + "/v1/chat/completions"
	body := `{"model":"fakeai/gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}`
	for i := range n {
		req, err := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(body))
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Fprintln(os.Stderr, "request", i, err)
			return 1
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || !bytes.Contains(b, []byte("[DONE]")) {
			fmt.Fprintf(os.Stderr, "request %d: %d %v %.300s\n", i, resp.StatusCode, err, b)
			return 1
		}
	}
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		fmt.Fprintln(os.Stderr, "shutdown:", err)
		return 1
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintln(os.Stderr, "serve:", err)
		return 1
	}
	return 0
}

// TestConcurrentProcesses runs four processes on one database at once —
// two on the CLI's use-case path, one through the proxy, one recording
// straight into the store — while a budget's thresholds are crossed.
// Every request is recorded exactly once, none fails on a lock, every
// threshold alert is stored and delivered once, and the rollups the
// dashboard reads equal the raw sums of the events.
func TestConcurrentProcesses(t *testing.T) {
	perChild := 500
	if os.Getenv("BYOK_HARDEN_LONG") != "" {
		perChild = 2000
	}
	up := newUpstream(t)
	c := newCLI(t, fmt.Sprintf("timezone = \"UTC\"\n\n[alerts]\nbell = false\n\n[providers.fakeai]\nkind = \"openai\"\nbase_url = %q\nno_key = true\n", up.srv.URL+"/v1"))
	c.ok("", "pricing", "set", "fakeai/gpt-4o-mini", "--input", "0.15", "--output", "0.6", "--cache-read", "0.075")
	// The CLI and proxy paths alone spend 1,500 × $0.000345 ≈ $0.52, so
	// all three thresholds of a $0.40 budget are crossed during the run
	// whatever the store child does.
	c.ok("", "budget", "set", "all", "0.40", "--period", "monthly", "--alerts", "50,80,100")

	roles := []string{rolePrompt, rolePrompt, roleProxy, roleStore}
	type child struct {
		cmd      *exec.Cmd
		out, err bytes.Buffer
	}
	children := make([]*child, len(roles))
	for i, role := range roles {
		ch := &child{cmd: exec.Command(os.Args[0], "-test.run=^$")}
		ch.cmd.Env = append(os.Environ(), childEnv+"="+role, countEnv+"="+strconv.Itoa(perChild))
		ch.cmd.Stdout, ch.cmd.Stderr = &ch.out, &ch.err
		checkErr(t, ch.cmd.Start())
		children[i] = ch
	}
	raised := map[string]int{}
	for i, ch := range children {
		if err := ch.cmd.Wait(); err != nil {
			t.Errorf("child %d (%s): %v\n%s", i, roles[i], err, ch.err.String())
		}
		for _, line := range strings.Split(strings.TrimSpace(ch.out.String()), "\n") {
			if line != "" {
				raised[line]++
			}
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	db := openRaw(t, c.db())
	var events, errs int64
	checkErr(t, db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE status != 'ok') FROM events`).Scan(&events, &errs))
	if want := int64(perChild * len(roles)); events != want || errs != 0 {
		t.Fatalf("%d events with %d errors, want exactly %d and 0", events, errs, want)
	}
	bySource := map[string]int64{}
	rows, err := db.Query(`SELECT source, count(*) FROM events GROUP BY source`)
	checkErr(t, err)
	for rows.Next() {
		var s string
		var n int64
		checkErr(t, rows.Scan(&s, &n))
		bySource[s] = n
	}
	checkErr(t, rows.Err())
	if bySource["cli"] != int64(2*perChild) || bySource["proxy"] != int64(perChild) || bySource["manual"] != int64(perChild) {
		t.Errorf("events per source: %v", bySource)
	}

	// Alerts: every threshold once in the database; the CLI-path children
	// together never report the same alert twice.
	var thresholds []int
	rows, err = db.Query(`SELECT threshold FROM alerts WHERE kind = 'threshold' AND scope = 'all' ORDER BY threshold`)
	checkErr(t, err)
	for rows.Next() {
		var th int
		checkErr(t, rows.Scan(&th))
		thresholds = append(thresholds, th)
	}
	checkErr(t, rows.Err())
	if fmt.Sprint(thresholds) != "[50 80 100]" {
		t.Errorf("threshold alerts stored: %v, want [50 80 100] once each", thresholds)
	}
	var dup int64
	checkErr(t, db.QueryRow(`SELECT count(*) FROM (SELECT 1 FROM alerts GROUP BY kind, scope, period_key, threshold HAVING count(*) > 1)`).Scan(&dup))
	if dup != 0 {
		t.Errorf("%d alerts stored twice", dup)
	}
	var reported []string
	for line, n := range raised {
		if n > 1 {
			t.Errorf("alert %q was raised %d times", line, n)
		}
		reported = append(reported, line)
	}
	sort.Strings(reported)
	t.Logf("alerts raised by the CLI-path children: %q", reported)

	// Rollups equal the raw sums.
	var raw store.Totals
	var cost int64
	checkErr(t, db.QueryRow(`SELECT count(*), sum(input_tokens), sum(cache_read), sum(cache_write_5m + cache_write_1h), sum(output_tokens), sum(reasoning_tokens), sum(cost) FROM events`).
		Scan(&raw.Requests, &raw.InputTokens, &raw.CacheReadTokens, &raw.CacheWriteTokens, &raw.OutputTokens, &raw.ReasoningTokens, &cost))
	raw.Cost = money.USD(cost)
	if raw.Cost != requestCost*money.USD(events) {
		t.Errorf("raw cost %s, want %d × %s", raw.Cost, events, requestCost)
	}
	st, err := store.Open(context.Background(), c.db(), store.Options{ReadOnly: true})
	checkErr(t, err)
	defer st.Close()
	now := time.Now()
	got, err := st.Totals(context.Background(), store.Scope{}, now.Add(-48*time.Hour).Truncate(time.Hour), now.Add(48*time.Hour).Truncate(time.Hour))
	checkErr(t, err)
	if got.Requests != raw.Requests || got.InputTokens != raw.InputTokens || got.CacheReadTokens != raw.CacheReadTokens ||
		got.CacheWriteTokens != raw.CacheWriteTokens || got.OutputTokens != raw.OutputTokens || got.ReasoningTokens != raw.ReasoningTokens || got.Cost != raw.Cost {
		t.Errorf("rollup totals %+v\nraw sums      %+v", got, raw)
	}
	var rollReq, rollCost int64
	checkErr(t, db.QueryRow(`SELECT sum(requests), sum(cost) FROM rollup_hour_provider`).Scan(&rollReq, &rollCost))
	// Events recorded one by one wait outside the rollups until the next fold.
	var waitReq, waitCost int64
	checkErr(t, db.QueryRow(`SELECT count(*), coalesce(sum(cost), 0) FROM events WHERE id > (SELECT event_id FROM rollup_mark)`).Scan(&waitReq, &waitCost))
	rollReq, rollCost = rollReq+waitReq, rollCost+waitCost
	if rollReq != raw.Requests || money.USD(rollCost) != raw.Cost {
		t.Errorf("per-provider rollups: %d requests, %d cost; raw %d, %s", rollReq, rollCost, raw.Requests, raw.Cost)
	}
}
