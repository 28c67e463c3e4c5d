package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

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

// table prints aligned columns.
type table struct{ tw *tabwriter.Writer }

func newTable(w io.Writer, header ...string) *table {
	t := &table{tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)}
	t.row(header...)
	return t
}

// row prints one line of cells. Cells may hold text from outside (model
// ids, notes, provider errors): they are cleaned of control sequences, and
// a newline or tab inside a cell, which would break the columns, becomes
// a space.
func (t *table) row(cells ...string) {
	for i, c := range cells {
		cells[i] = strings.NewReplacer("\n", " ", "\t", " ").Replace(safetext.Clean(c))
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
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

// writeRows prints a listing's rows as JSON or as CSV (the header, then
// record's cells for each row) when the output flags ask for either, and
// says whether it did; otherwise the command prints its table.
func writeRows[R any](w io.Writer, o outputOptions, rows []R, header []string, record func(i int, r R) []string) (bool, error) {
	switch {
	case o.json:
		return true, writeJSON(w, rows)
	case o.csv:
		cw := newCSV(w)
		cw.Write(header)
		for i, r := range rows {
			cw.Write(record(i, r))
		}
		cw.Flush()
		return true, cw.Error()
	}
	return false, nil
}

// Write writes one record, cleaned.
func (c csvWriter) Write(record []string) error {
	for i, v := range record {
		record[i] = safetext.Clean(v)
	}
	return c.Writer.Write(record)
}

func (t *table) flush() error { return t.tw.Flush() }

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

func timeJSON(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}

func ms(d time.Duration) int64 { return d.Milliseconds() }

// printDashboard writes the dashboard numbers as text.
func printDashboard(ctx context.Context, a *app.App, w io.Writer) error {
	s, err := a.Summarize(ctx, "month")
	if err != nil {
		return err
	}
	loc := a.Location()
	fmt.Fprintf(w, "byok — %s to %s (%s)\n\n", s.From.In(loc).Format("Jan 2"), s.To.Add(-time.Nanosecond).In(loc).Format("Jan 2 2006"), zoneName(a))
	fmt.Fprintf(w, "Spent this month: %s over %s requests", costText(s.Total), count(s.Total.Requests))
	if s.Total.Unpriced > 0 {
		fmt.Fprintf(w, " (unpriced counted at %s in budgets)", s.Total.Fallback)
	}
	fmt.Fprintln(w)
	if len(s.Providers) > 0 {
		fmt.Fprintln(w)
		t := newTable(w, "PROVIDER", "SPEND", "REQUESTS", "ERRORS", "UNPRICED")
		for _, g := range s.Providers {
			t.row(g.Key, costText(g.Totals), count(g.Requests), count(g.Errors), count(g.Unpriced))
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
