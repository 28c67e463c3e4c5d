package budget

import (
	"slices"
	"strings"
	"testing"

	"github.com/byokhq/byok/store"
)

func TestParseScope(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Scope
		str  string
	}{
		{"all", "all", Scope{Kind: KindAll}, "all"},
		{"all upper case and spaces", "  ALL ", Scope{Kind: KindAll}, "all"},
		{"provider lower-cased", "provider:OpenAI", Scope{Kind: KindProvider, Provider: "openai"}, "provider:openai"},
		{"kind in any case", "Provider:groq", Scope{Kind: KindProvider, Provider: "groq"}, "provider:groq"},
		{"key keeps label case", "key:OpenAI/Work", Scope{Kind: KindKey, Provider: "openai", Label: "Work"}, "key:openai/Work"},
		{"model", "model:openai/gpt-4o-mini", Scope{Kind: KindModel, Provider: "openai", Model: "gpt-4o-mini"}, "model:openai/gpt-4o-mini"},
		{"model with a router slug", "model:openrouter/anthropic/claude-sonnet-4.5", Scope{Kind: KindModel, Provider: "openrouter", Model: "anthropic/claude-sonnet-4.5"}, "model:openrouter/anthropic/claude-sonnet-4.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseScope(tt.in)
			if err != nil {
				t.Fatalf("ParseScope(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Fatalf("ParseScope(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			if got.String() != tt.str {
				t.Fatalf("String() = %q, want %q", got.String(), tt.str)
			}
			again, err := ParseScope(got.String())
			if err != nil || again != got {
				t.Fatalf("round trip of %q: %+v, %v", got.String(), again, err)
			}
		})
	}
}

func TestParseScopeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string // part of the error message
	}{
		{"misspelt kind", "provder:x", `budget scope "provder:x": use all, provider:ID, key:PROVIDER/LABEL or model:PROVIDER/MODEL`},
		{"empty", "", "use all, provider:ID"},
		{"bare provider", "openai", "use all, provider:ID"},
		{"empty provider", "provider:", "provider:ID, e.g. provider:openai"},
		{"provider with slash", "provider:openai/work", "provider:ID, e.g. provider:openai"},
		{"provider with space", "provider:open ai", "provider:ID"},
		{"key without label", "key:openai", "key:PROVIDER/LABEL, e.g. key:openai/work"},
		{"key with empty label", "key:openai/", "key:PROVIDER/LABEL"},
		{"key with empty provider", "key:/work", "key:PROVIDER/LABEL"},
		{"model without provider", "model:gpt-4o", "model:PROVIDER/MODEL, e.g. model:openai/gpt-4o-mini"},
		{"all with suffix", "all:x", "use all, provider:ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseScope(tt.in)
			if err == nil {
				t.Fatalf("ParseScope(%q) = %+v, want an error", tt.in, got)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseScope(%q) error %q does not contain %q", tt.in, err, tt.want)
			}
		})
	}
}

// parseCase is one input to a parser: what it yields, or with wantErr that
// it is refused.
type parseCase[T any] struct {
	name    string
	in      string
	want    T
	wantErr bool
}

// testParse runs parse over tests: a refusal must say help, a result must
// be equal to want.
func testParse[T any](t *testing.T, parse func(string) (T, error), equal func(got, want T) bool, help string, tests []parseCase[T]) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(tt.in)
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), help) {
					t.Fatalf("%q gives %#v, %v; want an error that says %q", tt.in, got, err, help)
				}
				return
			}
			if err != nil || !equal(got, tt.want) {
				t.Fatalf("%q gives %#v, %v; want %#v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParsePeriod(t *testing.T) {
	same := func(got, want store.Period) bool { return got == want }
	testParse(t, ParsePeriod, same, "use daily, weekly or monthly", []parseCase[store.Period]{
		{"daily", "daily", store.Daily, false},
		{"day", "Day", store.Daily, false},
		{"weekly", "weekly", store.Weekly, false},
		{"week", " week ", store.Weekly, false},
		{"monthly", "MONTHLY", store.Monthly, false},
		{"empty is monthly", "", store.Monthly, false},
		{"yearly", "yearly", "", true},
		{"typo", "montly", "", true},
	})
}

func TestParseThresholds(t *testing.T) {
	// "none" is an empty list, never nil (nil is no list given).
	same := func(got, want []int) bool { return got != nil && slices.Equal(got, want) }
	testParse(t, ParseThresholds, same, "from 1 to 1000", []parseCase[[]int]{
		{"default list", "50,80,100", []int{50, 80, 100}, false},
		{"unsorted with duplicates", "100, 50,80,50", []int{50, 80, 100}, false},
		{"percent signs", "75%,90%", []int{75, 90}, false},
		{"bounds", "1,1000", []int{1, 1000}, false},
		{"empty gives defaults", "", []int{50, 80, 100}, false},
		{"none", "none", []int{}, false},
		{"zero", "0,50", nil, true},
		{"above maximum", "1001", nil, true},
		{"negative", "-5", nil, true},
		{"not a number", "fifty", nil, true},
		{"fraction", "50.5", nil, true},
		{"empty item", "50,,80", nil, true},
	})
	// The defaults are copied, never shared.
	d, _ := ParseThresholds("")
	d[0] = 1
	if DefaultThresholds[0] != 50 {
		t.Fatal("ParseThresholds returned the shared default slice")
	}
}
