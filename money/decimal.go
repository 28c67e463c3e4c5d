package money

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// errNotNumber and errOutOfRange are the ways ScaleDecimal can fail.
var (
	errNotNumber  = errors.New("not a number")
	errOutOfRange = errors.New("number too large")
)

// maxExponent, with the length of the text, bounds the exponent ScaleDecimal
// works with (see there); it is far past any scale it is called with.
const maxExponent = 400

// ScaleDecimal reads the decimal text s (JSON number syntax, exponent
// allowed) and returns s × 10^scale as an integer, rounded half away from
// zero. exact is false when digits were dropped by that rounding. It fails
// for text that is not such a number and for a value past an int64.
//
// It works on the digits of the text and never goes through a float or a
// big.Rat, so "2.5e-06" per token scaled by 12 is exactly 2 500 000
// micro-dollars per million tokens, and reading a provider's reported cost
// on every streamed chunk costs a few small strings.
func ScaleDecimal(s string, scale int) (v int64, exact bool, err error) {
	t := s
	neg := false
	switch {
	case strings.HasPrefix(t, "-"):
		neg, t = true, t[1:]
	case strings.HasPrefix(t, "+"):
		t = t[1:]
	}
	mant, expText, hasExp := strings.Cut(strings.ToLower(t), "e")
	whole, frac, _ := strings.Cut(mant, ".")
	if whole == "" && frac == "" {
		return 0, false, errNotNumber
	}
	if !allDigits(whole) || !allDigits(frac) {
		return 0, false, errNotNumber
	}
	exp := 0
	if hasExp {
		if expText == "" {
			return 0, false, errNotNumber
		}
		e, perr := strconv.Atoi(expText)
		if perr != nil && !errors.Is(perr, strconv.ErrRange) {
			return 0, false, errNotNumber
		}
		// Past maxExponent plus the text's length, an exponent leaves every
		// digit far above an int64 or far below the unit, as it does at
		// that bound: clamping it there ("1e999" is too large, "1e-999"
		// rounds to 0) keeps the arithmetic below from overflowing.
		limit := maxExponent + len(s)
		exp = max(-limit, min(e, limit))
	}
	digits := strings.TrimLeft(whole+frac, "0")
	shift := exp - len(frac) + scale
	if digits == "" {
		return 0, true, nil
	}
	var keep, dropped string
	switch {
	case shift >= 0:
		if len(digits)+shift > 19 {
			return 0, false, errOutOfRange
		}
		keep = digits + strings.Repeat("0", shift)
	case -shift <= len(digits):
		keep, dropped = digits[:len(digits)+shift], digits[len(digits)+shift:]
	default:
		// Every digit is below the unit: the value rounds to zero and the
		// first dropped digit is a leading zero.
		dropped = "0" + digits
	}
	if len(keep) > 19 {
		return 0, false, errOutOfRange
	}
	if keep != "" {
		v, err = strconv.ParseInt(keep, 10, 64)
		if err != nil {
			return 0, false, errOutOfRange
		}
	}
	exact = strings.Trim(dropped, "0") == ""
	if dropped != "" && dropped[0] >= '5' {
		if v == math.MaxInt64 {
			return 0, false, errOutOfRange
		}
		v++
	}
	if neg {
		v = -v
	}
	return v, exact, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseDecimal converts the text of a decimal number (a JSON number such as
// 0.06, 1.5e-05 or 12, or the contents of a decimal string) in units of
// 10^-scale dollars to nano-dollars, exactly (see ScaleDecimal). A value
// finer than a nano-dollar is rounded half away from zero. Text that is not
// a number is ErrBadAmount; an amount beyond nine billion dollars is
// ErrTooLarge (which is ErrBadAmount too).
func ParseDecimal(text string, scale int) (USD, error) {
	v, _, err := ScaleDecimal(strings.TrimSpace(text), 9-scale)
	switch {
	case errors.Is(err, errOutOfRange):
		return 0, fmt.Errorf("%q: %w", text, ErrTooLarge)
	case err != nil:
		return 0, fmt.Errorf("%q: %w", text, ErrBadAmount)
	case v > 9_000_000_000*int64(Dollar) || v < -9_000_000_000*int64(Dollar):
		return 0, fmt.Errorf("%q: %w", text, ErrTooLarge)
	}
	return USD(v), nil
}
