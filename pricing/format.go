package pricing

import (
	"fmt"

	"github.com/byokhq/byok/money"
)

// Form is how FormatCost writes an amount.
type Form int

// Forms of a formatted cost.
const (
	// Screen is for people: "$0.01403", four significant digits below a
	// dollar, cents from a dollar up (money.USD.Precise).
	Screen Form = iota
	// Exact is for files (CSV): the whole decimal of dollars, "0.014032".
	Exact
)

// FormatCost is the one way byok writes the cost of a request, wherever it
// is shown or exported: "unpriced" when no price was known (never $0.00,
// whatever the amount field holds), a leading "~" when the tokens were
// counted locally (an estimate), and the amount otherwise. Reported and
// computed costs read the same; their state says which they are.
func FormatCost(cost money.USD, state State, form Form) string {
	if state == Unpriced {
		return string(Unpriced)
	}
	s := cost.Precise()
	if form == Exact {
		s = cost.Decimal()
	}
	if state == Estimated {
		return "~" + s
	}
	return s
}

// FormatTotal is FormatCost for a sum of requests, cost being the sum of
// the priced ones: "3 unpriced" when none of them had a price, "$1.20 +
// 3 unpriced" when some had none, the sum alone otherwise. An unpriced
// request is never summed as $0.
func FormatTotal(cost money.USD, requests, unpriced int64) string {
	switch {
	case unpriced <= 0:
		return cost.String()
	case unpriced >= requests:
		return fmt.Sprintf("%d %s", unpriced, Unpriced)
	}
	return fmt.Sprintf("%s + %d %s", cost, unpriced, Unpriced)
}

// FallbackText says, for a sentence about an unpriced request of provider,
// what budgets count it at and why: "(openai's highest price)", or for a
// provider without prices, that nothing is borrowed from another provider
// without saying so.
func FallbackText(basis FallbackBasis, provider string) string {
	switch basis {
	case FallbackLocal:
		return fmt.Sprintf("(%s runs on this machine and costs nothing)", provider)
	case FallbackCatalog:
		return fmt.Sprintf("(the dearest price in byok's catalog, as %s has no prices of its own)", provider)
	case FallbackNone:
		return fmt.Sprintf("(%s has no prices and is a server of your own, so nothing is counted until you set a price)", provider)
	}
	return fmt.Sprintf("(%s's highest price)", provider)
}

// Total is a sum of requests as it is shown: the priced cost and how many
// requests had no price. Its String is FormatTotal's, so a total printed
// with %s can never read as the fallback price budgets count.
type Total struct {
	Cost               money.USD
	Requests, Unpriced int64
}

func (t Total) String() string { return FormatTotal(t.Cost, t.Requests, t.Unpriced) }
