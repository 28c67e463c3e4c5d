package pricing

import (
	"testing"

	"github.com/byokhq/byok/money"
)

func TestPlainMicros(t *testing.T) {
	tests := []struct {
		in   string
		want money.PerMillion
		ok   bool
	}{
		{"2.5", 2_500_000, true},
		{"0.075", 75_000, true},
		{"15", 15_000_000, true},
		{"0.000001", 1, true},
		{"0.0000001", 0, false},
		{"-1", 0, false},
		{"1.", 0, false},
		{"1.2.3", 0, false},
		{"", 0, false},
		{"1e-6", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := plainMicros([]byte(tt.in))
			if got != tt.want || ok != tt.ok {
				t.Fatalf("plainMicros(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
			}
			if ok {
				if slow, err := money.ParsePerMillion(tt.in); err != nil || slow != got {
					t.Fatalf("money.ParsePerMillion(%q) = %d, %v; fast path gave %d", tt.in, slow, err, got)
				}
			}
		})
	}
}
