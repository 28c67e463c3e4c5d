// Package budget turns stored budgets into decisions: how much of a period
// is spent, whether a request may go ahead, and which alerts fire.
//
// A budget limits the spend of a scope ("all", a provider, a key or a
// model) over a calendar period (day, ISO week starting Monday, month) in
// the configured time zone. Spend is store.Totals.BudgetSpend: every
// recorded event in scope, manual entries and markup included, with
// unpriced requests counted at their conservative fallback price.
//
// The Engine answers three questions for the use-case path: Check before a
// request (hard budgets block, worst-case warnings), Evaluate after one
// (threshold, forecast and anomaly alerts, each stored once through the
// store's unique constraint so concurrent processes never double-fire),
// and Statuses for listings. Delivery sends stored alerts onwards to the
// desktop and to a user command.
package budget

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/byokhq/byok/safetext"
	"github.com/byokhq/byok/store"
)

// Scope kinds.
const (
	KindAll      = "all"
	KindProvider = "provider"
	KindKey      = "key"
	KindModel    = "model"
)

// Scope is a parsed budget scope: "all", "provider:ID", "key:PROVIDER/LABEL"
// or "model:PROVIDER/MODEL". Provider ids are lower-case; labels and model
// names keep their case.
type Scope struct {
	Kind     string // KindAll, KindProvider, KindKey or KindModel
	Provider string
	Label    string // key scopes
	Model    string // model scopes
}

const scopeHelp = "use all, provider:ID, key:PROVIDER/LABEL or model:PROVIDER/MODEL"

// ParseScope parses a scope as written on the command line. It is purely
// syntactic: provider aliases ("gemini") must be resolved by the caller.
func ParseScope(s string) (Scope, error) {
	in := strings.TrimSpace(s)
	if strings.EqualFold(in, KindAll) {
		return Scope{Kind: KindAll}, nil
	}
	kind, rest, ok := strings.Cut(in, ":")
	kind = strings.ToLower(kind)
	if !ok {
		return Scope{}, fmt.Errorf("budget scope %q: %s", s, scopeHelp)
	}
	switch kind {
	case KindProvider:
		p := strings.ToLower(rest)
		if !validName(p) || strings.Contains(p, "/") {
			return Scope{}, fmt.Errorf("budget scope %q: a provider scope is provider:ID, e.g. provider:openai (see `byok providers`)", s)
		}
		return Scope{Kind: KindProvider, Provider: p}, nil
	case KindKey, KindModel:
		p, name, ok := strings.Cut(rest, "/")
		p = strings.ToLower(p)
		if !ok || !validName(p) || !validName(name) {
			if kind == KindKey {
				return Scope{}, fmt.Errorf("budget scope %q: a key scope is key:PROVIDER/LABEL, e.g. key:openai/work (see `byok keys list`)", s)
			}
			return Scope{}, fmt.Errorf("budget scope %q: a model scope is model:PROVIDER/MODEL, e.g. model:openai/gpt-4o-mini (see `byok models`)", s)
		}
		if kind == KindKey {
			return Scope{Kind: KindKey, Provider: p, Label: name}, nil
		}
		return Scope{Kind: KindModel, Provider: p, Model: name}, nil
	}
	return Scope{}, fmt.Errorf("budget scope %q: %s", s, scopeHelp)
}

// validName reports whether a scope part is non-empty and free of spaces
// and control characters (C1 and invalid UTF-8 included: a scope is
// printed on terminals by budget list, alerts and the status line).
func validName(s string) bool {
	if s == "" || safetext.Check("scope", s) != nil {
		return false
	}
	for _, r := range s {
		if r == ' ' {
			return false
		}
	}
	return true
}

// String returns the scope as written on the command line and stored in
// store.Budget.Scope.
func (s Scope) String() string {
	switch s.Kind {
	case KindProvider:
		return "provider:" + s.Provider
	case KindKey:
		return "key:" + s.Provider + "/" + s.Label
	case KindModel:
		return "model:" + s.Provider + "/" + s.Model
	}
	return KindAll
}

// ParsePeriod parses "daily", "weekly" or "monthly" (also "day", "week",
// "month", in any case). An empty string means monthly, the default.
func ParsePeriod(s string) (store.Period, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "daily", "day":
		return store.Daily, nil
	case "weekly", "week":
		return store.Weekly, nil
	case "monthly", "month", "":
		return store.Monthly, nil
	}
	return "", fmt.Errorf("budget period %q: use daily, weekly or monthly", s)
}

// DefaultThresholds are the alert thresholds, in percent of the limit, of
// a budget set without --alerts.
var DefaultThresholds = []int{50, 80, 100}

// MaxThreshold is the highest threshold accepted, in percent.
const MaxThreshold = 1000

// ParseThresholds parses a comma-separated list of percentages such as
// "50,80,100" (a trailing "%" is allowed) and returns them sorted, without
// duplicates. Each must be a whole number from 1 to MaxThreshold. An empty
// string gives DefaultThresholds; "none" gives no thresholds at all.
func ParseThresholds(s string) ([]int, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "":
		return append([]int(nil), DefaultThresholds...), nil
	case "none":
		return []int{}, nil
	}
	seen := map[int]bool{}
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSuffix(strings.TrimSpace(f), "%")
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > MaxThreshold {
			return nil, fmt.Errorf("alert thresholds %q: give whole percentages from 1 to %d separated by commas, e.g. 50,80,100 (or none)", s, MaxThreshold)
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Ints(out)
	return out, nil
}
