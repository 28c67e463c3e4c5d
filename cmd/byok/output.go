package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
	"golang.org/x/term"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/safetext"
	"github.com/byokhq/byok/store"
)

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table prints aligned columns: text to the left, numbers to the right
// with their decimal points under one another, two spaces between
// columns and none after the last.
type table struct {
	w      io.Writer
	header []string
	rows   [][]string
}

// numericColumns are the headers of columns that hold numbers (counts,
// amounts, prices, durations, percentages, ages): whichever table they
// are in, they are right-aligned. Each such column is written with one
// formatter throughout: whole counts with thousands separators, totals
// as money.USD.String writes them (cents, more digits below a cent), one
// request's cost to four significant digits (pricing.FormatCost), prices
// with every digit they have.
var numericColumns = map[string]bool{
	"ID": true, "REQUESTS": true, "ERRORS": true, "UNPRICED": true,
	"IN": true, "OUT": true, "INPUT": true, "OUTPUT": true, "CACHE READ": true, "CACHE WRITE": true,
	"CACHE WRITE 5M": true, "CACHE WRITE 1H": true, "REASONING": true, "CONTEXT": true, "UNITS": true,
	"COST": true, "SPEND": true, "SPENT": true, "LIMIT": true, "USED": true, "FORECAST": true, "AMOUNT": true,
	"PRICE": true, "BEFORE": true, "AFTER": true, "CHANGE": true, "BYOK": true, "REPORTED": true, "DIFF": true,
	"REMAINING": true, "OF": true, "MODELS": true, "LATENCY": true, "TTFT": true, "AGE": true,
}

func newTable(w io.Writer, header ...string) *table {
	return &table{w: w, header: header}
}

// row adds one line of cells. Cells may hold text from outside (model
// ids, notes, provider errors): they are cleaned of control sequences, and
// a newline or tab inside a cell, which would break the columns, becomes
// a space.
func (t *table) row(cells ...string) {
	for i, c := range cells {
		cells[i] = cellBreaks.Replace(safetext.Clean(c))
	}
	t.rows = append(t.rows, cells)
}

// cellBreaks turns the newlines and tabs in a cell into spaces; built once,
// since a Replacer is safe to share and costly to build for every cell.
var cellBreaks = strings.NewReplacer("\n", " ", "\t", " ")

// flush writes the header and the rows, all in one write, and returns
// that write's error.
func (t *table) flush() error {
	n := len(t.header)
	for _, r := range t.rows {
		n = max(n, len(r))
	}
	// For a numeric column, the widths left and right of the decimal
	// point; for text, the width of the widest cell.
	left, right, width := make([]int, n), make([]int, n), make([]int, n)
	numeric := make([]bool, n)
	for i := range n {
		numeric[i] = i < len(t.header) && numericColumns[t.header[i]]
	}
	for _, r := range t.rows {
		for i, c := range r {
			if numeric[i] && hasDigit(c) {
				l, rt := splitDecimal(c)
				left[i], right[i] = max(left[i], ansi.StringWidth(l)), max(right[i], ansi.StringWidth(rt))
			}
			width[i] = max(width[i], ansi.StringWidth(c))
		}
	}
	for i := range n {
		if numeric[i] {
			width[i] = max(width[i], left[i]+right[i])
		}
		if i < len(t.header) {
			width[i] = max(width[i], ansi.StringWidth(t.header[i]))
		}
	}
	var out, b strings.Builder
	line := func(cells []string, head bool) {
		b.Reset()
		for i := range n {
			c := ""
			if i < len(cells) {
				c = cells[i]
			}
			if i > 0 {
				b.WriteString("  ")
			}
			pad := width[i] - ansi.StringWidth(c)
			switch {
			case numeric[i] && !head && hasDigit(c):
				l, r := splitDecimal(c)
				tail := right[i] - ansi.StringWidth(r)
				b.WriteString(strings.Repeat(" ", max(width[i]-left[i]-right[i], 0)+left[i]-ansi.StringWidth(l)))
				b.WriteString(c)
				b.WriteString(strings.Repeat(" ", tail))
			case numeric[i]:
				b.WriteString(strings.Repeat(" ", pad))
				b.WriteString(c)
			default:
				b.WriteString(c)
				b.WriteString(strings.Repeat(" ", pad))
			}
		}
		out.WriteString(strings.TrimRight(b.String(), " "))
		out.WriteByte('\n')
	}
	line(t.header, true)
	for _, r := range t.rows {
		line(r, false)
	}
	_, err := io.WriteString(t.w, out.String())
	return err
}

// splitDecimal splits a number's text at its decimal point ("$12.50" →
// "$12", ".50"; "2.2s" → "2", ".2s"; "1,273" → "1,273", ""), so that a
// column can line the points up.
func splitDecimal(s string) (string, string) {
	for i := 1; i < len(s); i++ {
		if s[i] == '.' && s[i-1] >= '0' && s[i-1] <= '9' {
			return s[:i], s[i:]
		}
	}
	return s, ""
}

// hasDigit says whether a cell holds a number rather than a word such as
// "unpriced", "never" or "-", which is right-aligned as it is.
func hasDigit(s string) bool {
	return strings.ContainsAny(s, "0123456789")
}

// trimWriter passes text on line by line without the spaces and tabs at
// the end of each line: fang pads help and usage to the width of their
// blocks, which leaves blanks after every line a user copies or pipes.
// Styles survive: a padded background ends with its reset sequence, after
// which only plain blanks are dropped.
type trimWriter struct {
	w   io.Writer
	buf []byte
}

func (t *trimWriter) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	for {
		i := bytes.IndexByte(t.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := append(bytes.TrimRight(t.buf[:i:i], " \t"), '\n')
		t.buf = t.buf[i+1:]
		if _, err := t.w.Write(line); err != nil {
			return 0, err
		}
	}
}

// flush writes what is left after the last newline.
func (t *trimWriter) flush() {
	if len(t.buf) > 0 {
		t.w.Write(bytes.TrimRight(t.buf, " \t")) //nolint:errcheck // the end of the output: nowhere left to report to
		t.buf = nil
	}
}

// csvWriter writes CSV whose every cell is cleaned of control sequences:
// a `cat` of the file, or a spreadsheet, must not meet them either.
type csvWriter struct{ *csv.Writer }

func newCSV(w io.Writer) csvWriter { return csvWriter{csv.NewWriter(w)} }

// jsonRows gives each of xs in its JSON form, an empty list (never null)
// when there are none.
func jsonRows[T, J any](xs []T, toJSON func(T) J) []J {
	rows := make([]J, 0, len(xs))
	for _, x := range xs {
		rows = append(rows, toJSON(x))
	}
	return rows
}

// listing says how a list command prints its items: with --json every
// item as its JSON row; with --csv, where the command has it, the header
// and then each item's cells (given the item and its row); otherwise the
// line empty when there are none, and else the table that table writes.
// A listing without an empty line (a table of totals) prints its table
// even then.
type listing[T, R any] struct {
	row    func(T) R
	header []string
	cells  func(T, R) []string
	empty  string
	table  func() error
}

// print prints items as o asks.
func (l listing[T, R]) print(w io.Writer, o outputOptions, items []T) error {
	switch {
	case o.json:
		return writeJSON(w, jsonRows(items, l.row))
	case o.csv:
		cw := newCSV(w)
		cw.Write(l.header)
		for _, x := range items {
			cw.Write(l.cells(x, l.row(x)))
		}
		cw.Flush()
		return cw.Error()
	case len(items) == 0 && l.empty != "":
		fmt.Fprintln(w, l.empty)
		return nil
	}
	return l.table()
}

// Write writes one record, cleaned.
func (c csvWriter) Write(record []string) error {
	for i, v := range record {
		record[i] = safetext.Clean(v)
	}
	return c.Writer.Write(record)
}

// count formats a token count with thousands separators.
func count(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// counted writes n with the singular or plural words after it: "1 key is",
// "3 keys are".
func counted[N int | int64](n N, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return count(int64(n)) + " " + many
}

// costText shows a total honestly: unpriced requests are never $0.
func costText(t store.Totals) string { return pricing.FormatTotal(t.Cost, t.Requests, t.Unpriced) }

// statusText is a request's status with its error class, each word once:
// "error (rate_limit)", "ok", and "cancelled" rather than "cancelled
// (cancelled)" when the class says the same as the status.
func statusText(e store.Event) string {
	s := string(e.Status)
	if e.ErrorClass != "" && e.ErrorClass != s {
		s += " (" + e.ErrorClass + ")"
	}
	return s
}

// pricedText is a total for a COST column beside an UNPRICED one: the sum
// of the priced requests, or "unpriced" when none had a price (never $0).
func pricedText(t store.Totals) string {
	if t.Unpriced > 0 && t.Unpriced >= t.Requests {
		return string(pricing.Unpriced)
	}
	return t.Cost.String()
}

func timeJSON(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func ms(d time.Duration) int64 { return d.Milliseconds() }

// usdJSON is an amount for a JSON field that is null where the amount is
// not known (has is false), rather than a 0 that would read as free.
func usdJSON(v money.USD, has bool) *string {
	if !has {
		return nil
	}
	s := v.Decimal()
	return &s
}

// printDashboard writes the dashboard numbers as text.
func printDashboard(ctx context.Context, a *app.App, w io.Writer) error {
	s, err := a.Summarize(ctx, "month")
	if err != nil {
		return err
	}
	loc := a.Location()
	fmt.Fprintf(w, "byok — %s to %s (%s)\n\n", s.From.In(loc).Format("Jan 2"), s.To.Add(-time.Nanosecond).In(loc).Format("Jan 2 2006"), zoneName(a))
	fmt.Fprintf(w, "Spent this month: %s over %s", costText(s.Total), counted(s.Total.Requests, "request", "requests"))
	if s.Total.Unpriced > 0 {
		fmt.Fprintf(w, " (unpriced counted at %s in budgets)", s.Total.Fallback)
	}
	fmt.Fprintln(w)
	if len(s.Providers) > 0 {
		fmt.Fprintln(w)
		t := newTable(w, "PROVIDER", "SPEND", "REQUESTS", "ERRORS", "UNPRICED")
		for _, g := range s.Providers {
			t.row(g.Key, pricedText(g.Totals), count(g.Requests), count(g.Errors), count(g.Unpriced))
		}
		t.flush()
	}
	if len(s.Budgets) > 0 {
		fmt.Fprintln(w)
		t := newTable(w, "BUDGET", "PERIOD", "SPENT", "LIMIT", "USED", "FORECAST", "STATE", "RESETS")
		for _, b := range s.Budgets {
			kind := "soft"
			if b.Budget.Hard {
				kind = "hard"
			}
			t.row(b.Budget.Scope, string(b.Budget.Period)+" "+kind, b.Spent.String(), b.Budget.Limit.String(),
				fmt.Sprintf("%.0f%%", b.Percent), b.ForecastText(), b.State, b.End.In(loc).Format("Jan 2 15:04"))
		}
		t.flush()
	}
	if len(s.Alerts) > 0 {
		fmt.Fprintf(w, "\n%s — see `byok alerts`:\n", counted(len(s.Alerts), "unacknowledged alert", "unacknowledged alerts"))
		for i, al := range s.Alerts {
			if i == 5 {
				fmt.Fprintf(w, "  … and %d more\n", len(s.Alerts)-5)
				break
			}
			fmt.Fprintf(w, "  #%d %s\n", al.ID, al.Message)
		}
	}
	if s.Total.Requests == 0 && len(s.Budgets) == 0 {
		fmt.Fprintln(w, "\nNothing recorded yet. Add a key with `byok keys add openai`, send a prompt with\n`byok prompt -m openai/gpt-4o-mini \"hello\"`, or explore sample data with `byok demo`.")
	}
	fmt.Fprintf(w, "\nPrices: catalog of %s.\n", s.CatalogDate)
	return nil
}

// readSecret reads a key from stdin when it is piped, or from a hidden
// prompt on the terminal. Keys never come from argv.
func readSecret(f *Factory, prompt string) (string, error) {
	if !f.IO.InTTY {
		b, err := io.ReadAll(io.LimitReader(f.IO.In, 64<<10))
		if err != nil {
			return "", fmt.Errorf("read the key from stdin: %w", err)
		}
		s := strings.TrimSpace(string(b))
		if s == "" {
			return "", usageErrorf("no key on stdin: pipe it in (for example `pass show openai | byok keys add openai`) or run in a terminal to be prompted")
		}
		return s, nil
	}
	s, err := hiddenLine(f, prompt)
	if err != nil {
		return "", fmt.Errorf("read the key: %w", err)
	}
	return strings.TrimSpace(s), nil
}

// hiddenLine asks on the terminal and reads a line without echoing it.
func hiddenLine(f *Factory, prompt string) (string, error) {
	fmt.Fprint(f.IO.Err, prompt)
	b, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(f.IO.Err)
	return string(b), err
}

func (f *Factory) passphrase() (string, error) {
	if !f.IO.InTTY {
		return "", fmt.Errorf("the file keyring needs its passphrase: set BYOK_PASSPHRASE")
	}
	return hiddenLine(f, "Passphrase for the byok file keyring: ")
}

// parseAmount reads a positive dollar amount ("12", "12.50", "$12.50").
func parseAmount(s string) (money.USD, error) {
	a, err := money.Parse(strings.TrimPrefix(strings.TrimSpace(s), "$"))
	if err != nil {
		return 0, usageErrorf("amount %q: write dollars such as 12 or 12.50", s)
	}
	if a <= 0 {
		return 0, usageErrorf("amount %q: must be more than zero", s)
	}
	if a > money.MaxAmount {
		return 0, usageErrorf("amount %q: byok accepts at most %s", s, money.MaxAmount)
	}
	return a, nil
}

// zoneName names the configured time zone the way a person reads it.
func zoneName(a *app.App) string {
	loc := a.Location()
	abbr, _ := a.Now().In(loc).Zone()
	if loc.String() == "Local" {
		return "local time, " + abbr
	}
	return loc.String() + ", " + abbr
}

// tokenColumns are the token counts that `prompt --json`, `log` and `usage`
// print, so the three keep one order and one set of names in JSON and CSV.
// CacheWriteTokens counts the prompt tokens written to the cache (5-minute
// and 1-hour), billed like every other class.
type tokenColumns struct {
	InputTokens      int64 `json:"input_tokens"`
	CacheReadTokens  int64 `json:"cache_read_tokens"`
	CacheWriteTokens int64 `json:"cache_write_tokens"`
	OutputTokens     int64 `json:"output_tokens"`
	ReasoningTokens  int64 `json:"reasoning_tokens"`
}

// tokenHeader names tokenColumns' CSV cells, in cells' order.
var tokenHeader = []string{"input_tokens", "cache_read_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens"}

func (t tokenColumns) cells() []string {
	return []string{itoa(t.InputTokens), itoa(t.CacheReadTokens), itoa(t.CacheWriteTokens), itoa(t.OutputTokens), itoa(t.ReasoningTokens)}
}

// eventTokens are one recorded request's token columns.
func eventTokens(e store.Event) tokenColumns {
	return tokenColumns{e.InputTokens, e.CacheReadTokens, e.CacheWriteTokens(), e.OutputTokens, e.ReasoningTokens}
}
