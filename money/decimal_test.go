package money

import (
	"errors"
	"strings"
	"testing"
)

func TestScaleDecimal(t *testing.T) {
	tests := []struct {
		in    string
		scale int
		want  int64
		exact bool
		bad   bool
	}{
		{"2.5e-06", 12, 2_500_000, true, false},
		{"0.0000025", 12, 2_500_000, true, false},
		{"3E-7", 12, 300_000, true, false},
		{"1.5e+2", 0, 150, true, false},
		{"0", 12, 0, true, false},
		{"256000.0", 0, 256_000, true, false},
		{"0.0000029999900000000002", 12, 2_999_990, false, false},
		{"3.0001999999999996E-7", 12, 300_020, false, false},
		{"5e-13", 12, 1, false, false}, // half rounds up
		{"4.9e-13", 12, 0, false, false},
		{"1e-30", 12, 0, false, false},
		{"-2e-06", 12, -2_000_000, true, false},
		{"1e300", 12, 0, false, true},
		{"1e999", 0, 0, false, true},
		{"1e99999999999999999999", 0, 0, false, true},
		{"1e-999", 0, 0, false, false},
		{"1e-99999999999999999999", 12, 0, false, false},
		{"0e999", 0, 0, true, false},
		// A long mantissa and a far exponent meet in the middle.
		{"0." + strings.Repeat("0", 500) + "15e502", 0, 15, true, false},
		{"1e5x", 0, 0, false, true},
		{"NaN", 12, 0, false, true},
		{"", 12, 0, false, true},
		{"1e", 12, 0, false, true},
		{"1.2.3", 12, 0, false, true},
		{"0x10", 0, 0, false, true},
		// An int64 is the limit, rounding included.
		{"9223372036854775807", 0, 9223372036854775807, true, false},
		{"9223372036854775808", 0, 0, false, true},
		{"922337203685477580.75", 1, 0, false, true},
		{"-9223372036854775807", 0, -9223372036854775807, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, exact, err := ScaleDecimal(tt.in, tt.scale)
			if tt.bad {
				if err == nil {
					t.Fatalf("want an error, got %d", got)
				}
				return
			}
			if err != nil || got != tt.want || exact != tt.exact {
				t.Fatalf("ScaleDecimal(%q, %d) = %d, %v, %v; want %d, %v", tt.in, tt.scale, got, exact, err, tt.want, tt.exact)
			}
		})
	}
}

func TestDecimalIsExact(t *testing.T) {
	tests := []struct {
		name  string
		text  string
		scale int
		want  USD
	}{
		{"dollars", "0.06", 0, 60_000_000},
		{"exponent", "1.5e-05", 0, 15_000},
		{"float64 would miss", "0.1234567891", 0, 123_456_789},
		{"round half away", "0.0000000015", 0, 2},
		{"many digits", "12345.678901234567890123", 0, 12345*Dollar + 678_901_235},
		{"cents string", "123.45", 2, 1_234_500_000},
		{"sub-cent", "0.0042", 2, 42_000},
		{"negative cents", "-1000", 2, -10 * Dollar},
		{"zero", "0", 0, 0},
		{"spaces around", " 2.5 ", 0, 2*Dollar + Dollar/2},
		{"nine billion", "9000000000", 0, 9_000_000_000 * Dollar},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDecimal(tt.text, tt.scale)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Fatalf("ParseDecimal(%q, %d) = %d, want %d", tt.text, tt.scale, got, tt.want)
			}
		})
	}
	for _, bad := range []string{"", "abc", "1/3", "NaN", "1e40", "0x10", "1_000"} {
		if _, err := ParseDecimal(bad, 0); err == nil {
			t.Errorf("ParseDecimal(%q) took it", bad)
		}
	}
	// Past nine billion dollars (and past an int64) is too large, a
	// refusal of its own; so is the most negative amount.
	for _, big := range []string{"9000000000.000000001", "1e40", "-9000000001"} {
		if _, err := ParseDecimal(big, 0); !errors.Is(err, ErrTooLarge) {
			t.Errorf("ParseDecimal(%q) = %v, want ErrTooLarge", big, err)
		}
	}
}
