package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/store"
)

func TestCounted(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want string
	}{
		{0, "0 keys are"},
		{1, "1 key is"},
		{2, "2 keys are"},
		{1200, "1,200 keys are"},
	} {
		if got := counted(tt.n, "key is", "keys are"); got != tt.want {
			t.Errorf("counted(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

// The log and the line after a prompt write latency as the TUI does: a
// sub-second request reads in milliseconds, not as "0.0s".
func TestLatencyText(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{0, "-"},
		{300 * time.Microsecond, "1ms"},
		{250*time.Millisecond + 400*time.Microsecond, "250ms"},
		{999 * time.Millisecond, "999ms"},
		{time.Second, "1.0s"},
		{12340 * time.Millisecond, "12.3s"},
	} {
		if got := latencyText(tt.d); got != tt.want {
			t.Errorf("latencyText(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
	e := store.Event{Provider: "openai", Model: "gpt-4o-mini", InputTokens: 9, OutputTokens: 2,
		Cost: money.USD(2550), CostState: "computed", Latency: 250 * time.Millisecond, Status: store.StatusOK}
	if got, want := summaryLine(e), "— openai/gpt-4o-mini · 9 in / 2 out · $0.00000255 computed · 250ms"; got != want {
		t.Errorf("summaryLine = %q, want %q", got, want)
	}
}

// A terminal that stops reading must not hold up the proxy: lines queue,
// then are counted as dropped, and the count is shown once it reads again.
func TestRequestLogNeverBlocks(t *testing.T) {
	r, w := io.Pipe()
	l := newRequestLog(w)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range requestLogBacklog + 500 {
			l.add(fmt.Sprintf("request %d", i))
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("adding lines blocked while nothing read the terminal")
	}
	if l.dropped.Load() == 0 {
		t.Fatal("no line was dropped although the backlog overflowed")
	}
	// The terminal reads again: the backlog comes out in order and whole,
	// then how many lines were dropped. Lines queued after the first drop
	// (the printer may take a line while the adder is past the backlog) come
	// in order too, before the notice, but never in place of a line of the
	// backlog.
	sc := bufio.NewScanner(r)
	next, printed := 0, 0
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, "request lines not shown while the terminal was not reading") {
			if printed < requestLogBacklog {
				t.Fatalf("the notice came after only %d lines of the backlog", printed)
			}
			break
		}
		var n int
		if _, err := fmt.Sscanf(line, "request %d", &n); err != nil || n < next || (n != next && printed < requestLogBacklog) {
			t.Fatalf("after %d lines in order the terminal read %q", printed, line)
		}
		next, printed = n+1, printed+1
	}
	l.add("after the pause")
	if !sc.Scan() || sc.Text() != "after the pause" {
		t.Fatalf("after the notice the terminal read %q", sc.Text())
	}
}

// When the proxy stops, the lines of the last requests are printed before
// it says so.
func TestRequestLogFlush(t *testing.T) {
	term := &syncBuffer{delay: 100 * time.Microsecond} // a terminal slower than the proxy
	l := newRequestLog(term)
	for i := range 200 {
		l.add(fmt.Sprintf("request %d", i))
	}
	l.flush(10 * time.Second)
	if got := strings.Count(term.String(), "\n"); got != 200 {
		t.Fatalf("%d of 200 lines printed after flush", got)
	}
}

// The default status line fits a tmux status bar: a budget's name gives way
// before any figure does.
func TestShortStatus(t *testing.T) {
	for _, tt := range []struct {
		today, worst string
		alerts       int
		want         string
	}{
		{"$0.00", "", 0, "byok $0.00 today"},
		{"$1.07", "openai 93%", 1, "byok $1.07 today · openai 93% · 1 alert"},
		{"$1.07", "gemini-2.5-pro 139% OVER", 12, "byok $1.07 today · gemini-2.5-pro 139% OVER · 12 alerts"},
		{"$1,234.56", "anthropic/a-very-long-key-label-for-work 81% BLOCKED", 120,
			"byok $1,234.56 today · anthropic/a… 81% BLOCKED · 120 alerts"},
		// A name is cut where one of its parts ends, never inside one.
		{"$1,234.56", "claude-sonnet-4-5-20250929 102% OVER", 12,
			"byok $1,234.56 today · claude-sonnet… 102% OVER · 12 alerts"},
		{"$1,234.56", "anthropic/work-laptop-2026 102% OVER", 120,
			"byok $1,234.56 today · anthropic… 102% OVER · 120 alerts"},
		{"$1,234.56", "supercalifragilisticexpialidocious 102% OVER", 120,
			"byok $1,234.56 today · 102% OVER · 120 alerts"},
	} {
		got := shortStatus(tt.today, tt.worst, tt.alerts)
		if got != tt.want || len([]rune(got)) > statusWidth {
			t.Errorf("shortStatus(%q, %q, %d) = %q (%d characters), want %q", tt.today, tt.worst, tt.alerts, got, len([]rune(got)), tt.want)
		}
	}
}

// Mistakes are told in the user's words: a number flag given a word says
// what it takes, a refusal does not end in the store's "not found", and a
// --home that does not exist is not quietly started as a new, empty home.
func TestMistakesReadPlainly(t *testing.T) {
	c := newCLI(t, "")
	if r := c.run("", "log", "--limit", "abc"); r.code != exitUsage || !strings.Contains(r.err, `--limit takes a whole number, not "abc"`) || strings.Contains(r.err, "strconv") {
		t.Errorf("log --limit abc: exit %d, %q", r.code, r.err)
	}
	if r := c.run("", "keys", "test", "999"); r.code == 0 || !strings.Contains(r.err, "no key with id 999") || strings.Contains(r.err, "not found") {
		t.Errorf("keys test 999: exit %d, %q", r.code, r.err)
	}
	typo := filepath.Join(t.TempDir(), "byok-hmoe")
	if r := c.run("", "--home", typo, "usage"); r.code != exitUsage || !strings.Contains(r.err, "does not exist") || !strings.Contains(r.err, "--init") {
		t.Errorf("usage in a missing --home: exit %d, %q", r.code, r.err)
	}
	if _, err := os.Stat(typo); err == nil {
		t.Error("the missing --home was created")
	}
	c.ok("", "--home", typo, "--init", "usage")
	if _, err := os.Stat(typo); err != nil {
		t.Errorf("--init did not start the home: %v", err)
	}
}
