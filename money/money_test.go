package money

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want USD
		err  bool
	}{
		{"whole dollars", "12", 12 * Dollar, false},
		{"cents", "12.40", 12*Dollar + 40*Cent, false},
		{"dollar sign", "$5", 5 * Dollar, false},
		{"one nano", "0.000000001", 1, false},
		{"leading dot", ".5", Dollar / 2, false},
		{"negative", "-3", -3 * Dollar, false},
		{"ten places", "0.0000000001", 0, true},
		{"letters", "12a", 0, true},
		{"empty", "", 0, true},
		{"trailing dot", "3.", 0, true},
		{"two dots", "1.2.3", 0, true},
		{"exponent", "1e3", 0, true},
		{"too large", "99999999999", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.err {
				if !errors.Is(err, ErrBadAmount) {
					t.Fatalf("Parse(%q) error = %v, want ErrBadAmount", tt.in, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Parse(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestFormatting(t *testing.T) {
	tests := []struct {
		name    string
		in      USD
		decimal string
		human   string
	}{
		{"zero", 0, "0", "$0.00"},
		{"cents", 12*Dollar + 40*Cent, "12.4", "$12.40"},
		{"rounds half up to the cent", 5*Cent + 5*Cent/10, "0.055", "$0.06"},
		{"below a cent keeps digits", 3_100_000, "0.0031", "$0.0031"},
		{"tiny", 2_345, "0.000002345", "$0.000002345"},
		{"four significant digits", 1_234_567, "0.001234567", "$0.001234"},
		{"negative", -2 * Dollar, "-2", "-$2.00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.Decimal(); got != tt.decimal {
				t.Errorf("Decimal() = %q, want %q", got, tt.decimal)
			}
			if got := tt.in.String(); got != tt.human {
				t.Errorf("String() = %q, want %q", got, tt.human)
			}
		})
	}
}

func TestPrecise(t *testing.T) {
	tests := []struct {
		in   USD
		want string
	}{
		{0, "$0.00"},
		// 2,822 in and 371 out on claude-sonnet-4-5 ($3 and $15 per 1M).
		{14_031_000, "$0.01403"},
		{10 * Cent, "$0.10"},
		{99*Cent + 9_999_999, "$0.9999"},
		{165_300, "$0.0001653"},
		{Dollar + 234*Cent/100, "$1.02"},
		{12*Dollar + 40*Cent, "$12.40"},
		{-14_031_000, "-$0.01403"},
	}
	for _, tt := range tests {
		if got := tt.in.Precise(); got != tt.want {
			t.Errorf("USD(%d).Precise() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPerMillionDollars(t *testing.T) {
	for in, want := range map[string]string{
		"3": "$3.00", "0.3": "$0.30", "0.075": "$0.075", "0.01875": "$0.01875",
		"15": "$15.00", "0.000001": "$0.000001", "0": "$0.00",
	} {
		p, err := ParsePerMillion(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.Dollars(); got != want {
			t.Errorf("%s per 1M: Dollars() = %q, want %q", in, got, want)
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	in := struct {
		Cost USD `json:"cost_usd"`
	}{Cost: 1_234_567_891}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"cost_usd":"1.234567891"}` {
		t.Fatalf("marshal = %s", b)
	}
	var out struct {
		Cost USD `json:"cost_usd"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.Cost != in.Cost {
		t.Fatalf("unmarshal = %d, %v", out.Cost, err)
	}
}

func TestPerMillion(t *testing.T) {
	tests := []struct {
		name   string
		price  string
		tokens int64
		want   USD
	}{
		// 1,486 tokens at $2.50/M = 0.003715 USD = 3,715,000 nano.
		{"gpt-4o input", "2.50", 1486, 3_715_000},
		// 1,408 tokens at $0.075/M = 0.0001056 USD = 105,600 nano.
		{"cached mini", "0.075", 1408, 105_600},
		// 1 token at $0.000001/M is a thousandth of a nano-dollar: truncated.
		{"sub-nano", "0.000001", 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePerMillion(tt.price)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Times(tt.tokens); got != tt.want {
				t.Fatalf("%s × %d = %d, want %d", tt.price, tt.tokens, got, tt.want)
			}
		})
	}
	if _, err := ParsePerMillion("0.0000001"); err == nil {
		t.Fatal("seven decimal places per million should be refused")
	}
}
