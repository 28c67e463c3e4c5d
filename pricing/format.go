package pricing

import "github.com/byokhq/byok/money"

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
