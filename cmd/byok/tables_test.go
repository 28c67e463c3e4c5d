package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/store"
)

// The table renderer: text to the left, numbers to the right with their
// decimal points lined up, words in a number column to the right, two
// spaces between columns and nothing after the last.
func TestTableAlignsNumbers(t *testing.T) {
	var b strings.Builder
	tb := newTable(&b, "MODEL", "REQUESTS", "COST", "NOTE")
	tb.row("openai/gpt-4o-mini", "1,402", "$0.0004847", "")
	tb.row("xai/grok-4", "7", "$12.50", "a note")
	tb.row("acme/frontier", "20", "unpriced", "")
	checkErr(t, tb.flush())
	want := "" +
		"MODEL               REQUESTS         COST  NOTE\n" +
		"openai/gpt-4o-mini     1,402   $0.0004847\n" +
		"xai/grok-4                 7  $12.50       a note\n" +
		"acme/frontier             20     unpriced\n"
	if b.String() != want {
		t.Fatalf("table:\n%s\nwant:\n%s", b.String(), want)
	}
}

// failingWriter refuses every write, as a closed pipe or a full disk does.
type failingWriter struct{ err error }

func (w failingWriter) Write([]byte) (int, error) { return 0, w.err }

// A table whose output cannot be written says so, so that the command
// fails rather than reporting success with nothing printed.
func TestTableFlushReportsWriteError(t *testing.T) {
	refused := errors.New("no space left on device")
	tb := newTable(failingWriter{refused}, "MODEL", "COST")
	tb.row("openai/gpt-4o-mini", "$0.0004847")
	if err := tb.flush(); !errors.Is(err, refused) {
		t.Fatalf("flush to a writer that refuses: %v, want %v", err, refused)
	}
}

// doubled finds a word said twice in a row, as in "cancelled (cancelled)".
var doubled = regexp.MustCompile(`\b([a-z]{3,})\b[\s(:]+([a-z]{3,})\b`)

func checkText(t *testing.T, name, out string) {
	t.Helper()
	for i, line := range strings.Split(out, "\n") {
		if strings.HasSuffix(line, " ") || strings.HasSuffix(line, "\t") {
			t.Errorf("%s: line %d ends in blanks: %q", name, i+1, line)
		}
		for _, m := range doubled.FindAllStringSubmatch(line, -1) {
			if m[1] == m[2] {
				t.Errorf("%s: line %d says %q twice: %q", name, i+1, m[1], line)
			}
		}
	}
	for _, bad := range []string{" 1 requests", " 1 days", " 1 models", " 1 alerts", " 1 keys", " 1 events", " 1 budgets", " 1 characters", " 1 files", " 1 lines"} {
		if strings.Contains(out, bad) {
			t.Errorf("%s: says %q", name, strings.TrimSpace(bad))
		}
	}
}

// columnEdges checks that in the table under header (the lines after it up
// to the first blank one), each named numeric column's cells end where its
// header ends, or, with decimals, have their points at one position.
func columnEdges(t *testing.T, name, out, header string, cols ...string) {
	t.Helper()
	lines := strings.Split(out, "\n")
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimLeft(l, " "), header) {
			start = i
			break
		}
	}
	if start < 0 {
		t.Fatalf("%s: no table headed %q in\n%s", name, header, out)
	}
	for _, col := range cols {
		end := strings.Index(lines[start], col) + len(col)
		if end < len(col) {
			t.Fatalf("%s: no column %s", name, col)
		}
		cellEnd := len([]rune(lines[start][:end])) // in runes: the tables hold "…"
		points := map[int]int{}
		for _, l := range lines[start+1:] {
			if l == "" {
				break
			}
			r := []rune(l)
			if cellEnd > len(r) {
				t.Errorf("%s: %s cell missing in %q", name, col, l)
				continue
			}
			if cellEnd < len(r) && r[cellEnd] != ' ' {
				t.Errorf("%s: %s cell runs past its header in %q", name, col, l)
			}
			// The cell is the last word before the header's end.
			to := cellEnd
			for to > 0 && r[to-1] == ' ' {
				to--
			}
			from := to
			for from > 0 && r[from-1] != ' ' {
				from--
			}
			cell := string(r[from:to])
			if p := strings.IndexByte(cell, '.'); p >= 0 && hasDigit(cell) {
				points[from+len([]rune(cell[:p]))]++
			} else if to != cellEnd {
				t.Errorf("%s: %s cell %q is not right-aligned in %q", name, col, cell, l)
			}
		}
		if len(points) > 1 {
			t.Errorf("%s: the decimal points of %s are at %d different places: %v", name, col, len(points), points)
		}
	}
}

// CLI tables as a user reads them on a demo home: numbers right-aligned
// with one precision per column, plurals right, no word twice in a row, no
// line ending in blanks.
func TestTablesReadRight(t *testing.T) {
	c := newCLI(t, "")
	c.ok("", "--home", c.home, "demo", "--events", "2000", "--days", "20", "--no-tui")

	usage := c.ok("", "usage")
	checkText(t, "usage", usage)
	columnEdges(t, "usage", usage, "PROVIDER", "REQUESTS", "INPUT", "CACHE READ", "CACHE WRITE", "OUTPUT", "REASONING", "COST", "UNPRICED")
	if !strings.Contains(usage, "UNPRICED") {
		t.Errorf("usage over unpriced requests has no UNPRICED column:\n%s", usage)
	}
	for _, by := range []string{"model", "key", "day", "source"} {
		out := c.ok("", "usage", "--by", by)
		checkText(t, "usage --by "+by, out)
		columnEdges(t, "usage --by "+by, out, strings.ToUpper(by), "REQUESTS", "INPUT", "OUTPUT", "COST")
	}
	log := c.ok("", "log", "--limit", "2000")
	checkText(t, "log", log)
	columnEdges(t, "log", log, "ID", "ID", "IN", "OUT", "COST", "LATENCY")
	budgets := c.ok("", "budget", "list")
	checkText(t, "budget list", budgets)
	columnEdges(t, "budget list", budgets, "SCOPE", "SPENT", "LIMIT", "USED", "FORECAST")
	if strings.Contains(budgets, "fallback)") {
		t.Errorf("budget list puts notes in the SPENT column:\n%s", budgets)
	}
	keys := c.ok("", "keys", "list")
	checkText(t, "keys list", keys)
	columnEdges(t, "keys list", keys, "ID", "ID", "AGE")
	spend := c.ok("", "spend", "list")
	checkText(t, "spend list", spend)
	columnEdges(t, "spend list", spend, "ID", "ID", "AMOUNT")
	dash := c.ok("")
	checkText(t, "dashboard", dash)
	columnEdges(t, "dashboard", dash, "PROVIDER", "SPEND", "REQUESTS", "ERRORS", "UNPRICED")
	for _, args := range [][]string{{"status", "--long"}, {"alerts", "--all"}, {"providers"}, {"models", "openai"}, {"pricing", "show", "anthropic/claude-sonnet-4-5"}} {
		checkText(t, strings.Join(args, " "), c.ok("", args...))
	}
	// Every key's history, cancelled requests included: "cancelled", once.
	var sawCancelled bool
	for id := 1; id <= 11; id++ {
		out := c.ok("", "keys", "history", fmt.Sprint(id))
		checkText(t, "keys history", out)
		sawCancelled = sawCancelled || strings.Contains(out, "cancelled")
	}
	if !sawCancelled {
		t.Error("no key's history shows a cancelled request; the demo has them")
	}
	r := c.run("", "pricing", "cost", "openrouter/acme/frontier-preview", "--input", "100")
	checkText(t, "pricing cost of an unpriced model", r.out+r.err)
	if strings.Contains(r.out, ": unpriced") {
		t.Errorf("pricing cost says the model is unpriced twice: %s", r.out)
	}

	// One of everything: "1 request", "1 day".
	one := newCLI(t, "")
	r = one.run("", "--home", one.home, "demo", "--events", "1", "--days", "1", "--no-tui")
	checkText(t, "demo of one request", r.out+r.err)
	if !strings.Contains(r.err, "Seeded 1 request,") {
		t.Errorf("demo of one request says: %s", r.err)
	}
	checkText(t, "dashboard of one request", one.ok(""))
}

// The proxy's line for each request says a cancelled request's status
// once.
func TestProxyLineSaysStatusOnce(t *testing.T) {
	e := store.Event{Time: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC), Provider: "openai", Model: "gpt-4o-mini",
		Status: store.StatusCancelled, ErrorClass: "cancelled", HTTPStatus: 200, CostState: "estimated", Cost: 1200}
	checkText(t, "proxy line", proxyLogLine(e, time.UTC))
	e.Status, e.ErrorClass, e.HTTPStatus = store.StatusError, "rate_limit", 429
	if got := proxyLogLine(e, time.UTC); !strings.Contains(got, "error (rate_limit) (HTTP 429)") {
		t.Errorf("proxy line for a rate-limited request: %q", got)
	}
}

// Help, usage and errors carry no blanks at the ends of their lines, for
// every command (fang pads them to its blocks' width).
func TestHelpHasNoTrailingBlanks(t *testing.T) {
	c := newCLI(t, "")
	var walk func(cmd *cobra.Command, path []string)
	walk = func(cmd *cobra.Command, path []string) {
		r := c.run("", append(path, "--help")...)
		checkText(t, strings.Join(append(path, "--help"), " "), r.out+r.err)
		for _, sub := range cmd.Commands() {
			if !sub.Hidden {
				walk(sub, append(path[:len(path):len(path)], sub.Name()))
			}
		}
	}
	walk(newRootCmd(&Factory{IO: &IOStreams{}}), nil)
	for _, args := range [][]string{{"nosuch"}, {"log", "--limit", "abc"}, {"--version"}} {
		r := c.run("", args...)
		checkText(t, strings.Join(args, " "), r.out+r.err)
	}
}

// An error ends with what to do, not with the name of the sentinel it
// matches (": no admin key", ": not a manual spend entry").
func TestErrorsEndWithTheirAdvice(t *testing.T) {
	c := newCLI(t, "")
	c.ok("", "--home", c.home, "demo", "--events", "50", "--days", "2", "--no-tui")
	for _, tc := range []struct {
		args []string
		end  string
	}{
		{[]string{"reconcile"}, "publish reports)"},
		{[]string{"spend", "rm", "1"}, "(see `byok spend list`)"},
		{[]string{"spend", "rm", "999999"}, "for their ids"},
	} {
		r := c.run("", tc.args...)
		if r.code == 0 || !strings.HasSuffix(strings.TrimSpace(r.err), tc.end) {
			t.Errorf("byok %s: exit %d, stderr %q; want it to end %q", strings.Join(tc.args, " "), r.code, r.err, tc.end)
		}
	}
}
