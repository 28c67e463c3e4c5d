// Package money holds byok's one money type: integer nano-dollars.
//
// No float ever touches an amount. Prices are kept per million tokens in
// integer micro-dollars, so tokens × price / 1000 is an exact count of
// nano-dollars for every whole-token usage.
package money

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// USD is an amount of US dollars counted in nano-dollars (1e-9 USD).
type USD int64

// Common amounts.
const (
	Nano   USD = 1
	Micro  USD = 1_000
	Cent   USD = 10_000_000
	Dollar USD = 1_000_000_000
)

// Bounds on what byok records. Every amount and every price entering byok
// is checked against them, so that no sum over any realistic history can
// overflow: a million requests of the largest amount add up to less than
// a tenth of what an int64 of nano-dollars holds.
const (
	// MaxAmount is the largest single amount byok accepts: one request's
	// cost, one manual spend entry ($1,000,000).
	MaxAmount USD = 1_000_000 * Dollar
	// MaxTotal is the most that byok lets recorded spend add up to
	// ($1,000,000,000); a manual entry that would pass it is refused.
	MaxTotal USD = 1_000 * MaxAmount
	// MaxPrice is the highest price per million units byok accepts
	// ($1,000,000 per million, so per-image and per-second prices fit).
	MaxPrice PerMillion = 1_000_000 * 1_000_000
)

// AddChecked returns a + b, or false when the sum would pass MaxTotal or
// either part is negative.
func AddChecked(a, b USD) (USD, bool) {
	if a < 0 || b < 0 || a > MaxTotal || b > MaxTotal-a {
		return 0, false
	}
	return a + b, true
}

// ErrBadAmount is returned by Parse for text that is not a plain decimal amount.
var ErrBadAmount = errors.New("not a dollar amount")

// ErrTooLarge is an amount beyond what byok can add up; it is ErrBadAmount.
var ErrTooLarge = fmt.Errorf("too large: %w", ErrBadAmount)

// PerMillion is a price per million units (tokens, characters…) in integer
// micro-dollars: 2.50 USD per 1M tokens is PerMillion(2_500_000).
type PerMillion int64

// Times returns the cost of n units at this price. It is exact: a price in
// micro-dollars per million units is a price in nano-dollars per thousand.
func (p PerMillion) Times(n int64) USD {
	return USD(n * int64(p) / 1000)
}

// USD returns the price of one million units as an amount.
func (p PerMillion) USD() USD { return USD(int64(p) * 1000) }

// String formats the price as dollars per million, e.g. "2.5".
func (p PerMillion) String() string { return USD(int64(p) * 1000).Decimal() }

// Dollars formats the price per million for people, exactly: at least two
// decimals and every further digit it has, "$3.00", "$0.075", "$0.01875".
// Rounding a price to the cent would misstate the cheap models by a third.
func (p PerMillion) Dollars() string {
	whole, frac, _ := strings.Cut(p.USD().Decimal(), ".")
	for len(frac) < 2 {
		frac += "0"
	}
	return "$" + whole + "." + frac
}

// ParsePerMillion parses a dollars-per-million price such as "2.50" or
// "0.075". It accepts up to 6 decimal places (micro-dollar resolution).
func ParsePerMillion(s string) (PerMillion, error) {
	d, err := Parse(s)
	if err != nil {
		return 0, err
	}
	if d%1000 != 0 {
		return 0, fmt.Errorf("%q: a price per million tokens has at most 6 decimal places", s)
	}
	if p := PerMillion(d / 1000); p > MaxPrice || p < -MaxPrice {
		return 0, fmt.Errorf("%q: a price per million units is at most %s", s, MaxPrice.Dollars())
	}
	return PerMillion(d / 1000), nil
}

// Decimal formats the amount as a plain decimal string of dollars with up to
// nine places and no trailing zeros: "12.4", "0.000001234", "-3". It is the
// form used in JSON and CSV output.
func (a USD) Decimal() string {
	neg := a < 0
	u := uint64(a)
	if neg {
		u = uint64(-a)
	}
	whole := u / uint64(Dollar)
	frac := u % uint64(Dollar)
	s := strconv.FormatUint(whole, 10)
	if frac != 0 {
		f := fmt.Sprintf("%09d", frac)
		s += "." + strings.TrimRight(f, "0")
	}
	if neg {
		s = "-" + s
	}
	return s
}

// String formats the amount for people: "$12.40", "$0.0031", "$0.000002".
// Amounts of a cent or more show two decimals; smaller ones show enough
// significant digits to not read as zero.
func (a USD) String() string { return a.format(Cent) }

// Precise formats the cost of one request, where cents are too coarse: a
// request of $0.01403 is not one of $0.01. Below a dollar it shows four
// significant digits at most ("$0.01403", "$0.0001653"); from a dollar up,
// cents.
func (a USD) Precise() string { return a.format(Dollar) }

// format shows amounts of centsFrom or more in cents and smaller ones with
// four significant digits.
func (a USD) format(centsFrom USD) string {
	neg := a < 0
	if neg {
		a = -a
	}
	var s string
	switch {
	case a == 0:
		s = "$0.00"
	case a >= centsFrom:
		s = cents(a)
	default:
		s = significant(a)
	}
	if neg {
		s = "-" + s
	}
	return s
}

// cents formats a positive amount rounded half up to the cent.
func cents(a USD) string {
	c := (int64(a) + int64(Cent)/2) / int64(Cent)
	return fmt.Sprintf("$%d.%02d", c/100, c%100)
}

// significant formats a positive amount below a dollar with four
// significant digits at most, cut rather than rounded, and at least two
// decimals.
func significant(a USD) string {
	d := a.Decimal() // "0.…"
	i := strings.IndexFunc(d[2:], func(r rune) bool { return r != '0' })
	end := min(2+i+4, len(d))
	d = strings.TrimRight(d[:end], "0")
	for len(d) < 4 {
		d += "0"
	}
	return "$" + d
}

// Float returns the amount in dollars as a float64, for drawing charts and
// bars only. Never use it for arithmetic on money.
func (a USD) Float() float64 { return float64(a) / float64(Dollar) }

// MarshalJSON writes the amount as a decimal string, as the CLI contract asks.
func (a USD) MarshalJSON() ([]byte, error) {
	return []byte(`"` + a.Decimal() + `"`), nil
}

// UnmarshalJSON reads a decimal string (or bare number) of dollars.
func (a *USD) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	v, err := Parse(s)
	if err != nil {
		return err
	}
	*a = v
	return nil
}

// Parse reads a dollar amount such as "12.40", "$5", "0.000000001" or "-3".
// More than nine decimal places is an error, never a silent rounding.
func Parse(s string) (USD, error) {
	t := strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(t, "-") {
		neg, t = true, t[1:]
	}
	t = strings.TrimPrefix(t, "$")
	if t == "" {
		return 0, fmt.Errorf("%q: %w", s, ErrBadAmount)
	}
	whole, frac, hasDot := strings.Cut(t, ".")
	if whole == "" {
		whole = "0"
	}
	if hasDot && frac == "" {
		return 0, fmt.Errorf("%q: %w", s, ErrBadAmount)
	}
	for _, part := range []string{whole, frac} {
		for _, r := range part {
			if r < '0' || r > '9' {
				return 0, fmt.Errorf("%q: %w", s, ErrBadAmount)
			}
		}
	}
	if len(frac) > 9 {
		return 0, fmt.Errorf("%q: at most 9 decimal places (nano-dollars): %w", s, ErrBadAmount)
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > 9_000_000_000 {
		return 0, fmt.Errorf("%q: too large: %w", s, ErrBadAmount)
	}
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
	}
	v := USD(w)*Dollar + USD(f)
	if neg {
		v = -v
	}
	return v, nil
}
