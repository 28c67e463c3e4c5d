package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"text/template"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/budget"
	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/store"
)

func newStatusCmd(f *Factory) *cobra.Command {
	var o statusOptions
	cmd := &cobra.Command{
		Use:   "status",
		Short: "One line of spend and budgets for a shell prompt or tmux",
		Long: `Print one short line (60 characters at most): today's spend (requests
with no known price counted apart, as in "$1.01 + 4 unpriced"), the budget
closest to or furthest past its limit, and the number of unacknowledged
alerts. --long puts every budget on the line. It opens the database read-only
and reads rollups only, so it stays fast on any amount of history.`,
		Example: `  byok status
  byok status --check || echo "over budget"
  byok status --format '{{range .Budgets}}{{.Name}} {{.Percent}}% {{end}}'`,
		Args: cobra.NoArgs,
		RunE: runWith(f, &o, runStatus),
	}
	cmd.Flags().BoolVar(&o.check, "check", false, "exit 1 when any budget is over its limit or blocking")
	cmd.Flags().BoolVar(&o.long, "long", false, "every budget on the line, not only the worst")
	o.output.addFlags(cmd, false)
	cmd.Flags().StringVar(&o.format, "format", "", "a Go template over "+statusFields)
	return cmd
}

type statusOptions struct {
	check, long bool
	output      outputOptions
	format      string
}

// statusWidth is what the default line fits in: a tmux status line or a
// shell prompt's corner.
const statusWidth = 60

// statusData is what `status` shows, for --json and --format.
type statusData struct {
	// TodayUSD sums today's priced requests; UnpricedRequests counts the
	// ones with no price, which budgets count at a fallback price but
	// which are never spend.
	TodayUSD         string         `json:"today_usd"`
	UnpricedRequests int64          `json:"unpriced_requests"`
	Budgets          []statusBudget `json:"budgets"`
	Alerts           int            `json:"alerts"`
}

type statusBudget struct {
	Name     string `json:"name"`
	Scope    string `json:"scope"`
	Period   string `json:"period"`
	SpentUSD string `json:"spent_usd"`
	LimitUSD string `json:"limit_usd"`
	Percent  int    `json:"percent"`
	State    string `json:"state"`
	Hard     bool   `json:"hard"`
}

// statusFields names what --format can use.
const statusFields = ".TodayUSD, .UnpricedRequests, .Budgets (.Name .Scope .Period .SpentUSD .LimitUSD .Percent .State .Hard) and .Alerts"

// goTypeName is the Go type a template error names, which means nothing
// to the person who wrote the template.
var goTypeName = regexp.MustCompile(` in type [\w.*\[\]]+`)

// errOver makes `status --check` exit 1 without an error message.
var errOver = errors.New("a budget is over its limit")

func runStatus(ctx context.Context, f *Factory, o statusOptions) error {
	var tmpl *template.Template
	if o.format != "" {
		var err error
		if tmpl, err = template.New("status").Parse(o.format); err != nil {
			return usageErrorf("--format: %v", err)
		}
	}
	a, err := f.ReadOnlyApp(ctx)
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintln(f.IO.Out, "byok: no data yet")
		return nil
	}
	if err != nil {
		return err
	}
	from, to, _ := a.PeriodRange("today")
	today, err := a.Store.Totals(ctx, store.Scope{}, from, to)
	if err != nil {
		return err
	}
	sts, err := a.Budgets(ctx)
	if err != nil {
		return err
	}
	alerts, err := a.Store.Alerts(ctx, false)
	if err != nil {
		return err
	}
	// Today's figure is spend: priced requests, and the unpriced ones
	// counted apart ("$1.01 + 4 unpriced"), never at the fallback price
	// budgets give them. The budgets below keep their own counting.
	todayText := costText(today)
	data := statusData{TodayUSD: today.Cost.Decimal(), UnpricedRequests: today.Unpriced, Alerts: len(alerts), Budgets: []statusBudget{}}
	over := false
	parts := []string{}
	worst, worstRank := "", -1.0
	for _, s := range sts {
		name := s.Budget.Scope
		if s.Scope.Kind == budget.KindProvider {
			name = s.Scope.Provider
		}
		pct := int(s.Percent + 0.5)
		data.Budgets = append(data.Budgets, statusBudget{name, s.Budget.Scope, string(s.Budget.Period), s.Spent.Decimal(), s.Budget.Limit.Decimal(), pct, s.State, s.Budget.Hard})
		mark := ""
		switch {
		case s.Blocks():
			mark = " BLOCKED"
		case s.State == budget.StateOver:
			mark = " OVER"
		}
		if s.State == budget.StateOver || s.Blocks() {
			over = true
		}
		parts = append(parts, fmt.Sprintf("%s %s/%s %d%%%s", name, s.Spent, shortLimit(s.Budget.Limit), pct, mark))
		// The worst budget: one that blocks, then the fullest.
		rank := s.Percent
		if s.Blocks() {
			rank += 1e6
		}
		if rank > worstRank {
			worst, worstRank = shortScopeName(s.Scope)+fmt.Sprintf(" %d%%%s", pct, mark), rank
		}
	}
	switch {
	case o.output.json:
		if err := writeJSON(f.IO.Out, data); err != nil {
			return err
		}
	case tmpl != nil:
		// Into a buffer first: a template that fails halfway prints nothing.
		var b bytes.Buffer
		if err := tmpl.Execute(&b, data); err != nil {
			msg := goTypeName.ReplaceAllString(err.Error(), "")
			return usageErrorf("--format: %s; the fields are %s", msg, statusFields)
		}
		fmt.Fprintln(f.IO.Out, b.String())
	case o.long:
		if len(parts) == 0 {
			parts = append(parts, "byok "+todayText+" today")
		}
		if len(alerts) > 0 {
			parts = append(parts, counted(len(alerts), "alert", "alerts"))
		}
		fmt.Fprintln(f.IO.Out, strings.Join(parts, " · "))
	default:
		fmt.Fprintln(f.IO.Out, shortStatus(todayText, worst, len(alerts)))
	}
	if o.check && over {
		return silentExit{code: exitError, err: errOver}
	}
	return nil
}

// shortLimit writes a limit without cents when it has none: "$20".
func shortLimit(m money.USD) string {
	if m%money.Dollar == 0 {
		return fmt.Sprintf("$%d", m/money.Dollar)
	}
	return m.String()
}

// silentExit ends the command with a code and no message.
type silentExit struct {
	code int
	err  error
}

func (e silentExit) Error() string { return e.err.Error() }

// shortStatus is the default line: "byok $1.23 today · openai 93% · 2
// alerts", the budget's name cut (never the figures) to fit statusWidth.
func shortStatus(today, worst string, alerts int) string {
	head := "byok " + today + " today"
	tail := ""
	if alerts > 0 {
		tail = " · " + counted(alerts, "alert", "alerts")
	}
	if worst == "" {
		return head + tail
	}
	line := head + " · " + worst + tail
	if over := len([]rune(line)) - statusWidth; over > 0 {
		name, figures, _ := strings.Cut(worst, " ")
		if cut := cutAtToken(name, len([]rune(name))-over-1); cut != "" {
			line = head + " · " + cut + "… " + figures + tail
		} else {
			line = head + " · " + figures + tail
		}
	}
	return line
}

// cutAtToken shortens a name to at most keep characters, ending where one
// of its parts ends ("claude-sonnet-4-5-20250929" → "claude-sonnet-4"),
// never inside one: a cut id must still read as the start of itself. It
// returns "" when not even the first part fits.
func cutAtToken(name string, keep int) string {
	r := []rune(name)
	for i := min(keep, len(r)-1); i > 0; i-- {
		if strings.ContainsRune("-/._:@", r[i]) {
			return string(r[:i])
		}
	}
	return ""
}

// shortScopeName names a budget's scope in few characters: the provider,
// the key or the model alone, "all" for everything.
func shortScopeName(sc budget.Scope) string {
	switch sc.Kind {
	case budget.KindProvider:
		return sc.Provider
	case budget.KindModel:
		return sc.Model
	case budget.KindKey:
		return strings.TrimPrefix(sc.String(), "key:")
	}
	return "all"
}
