package providers

import (
	"strings"
	"testing"
)

func TestEstimateTokens(t *testing.T) {
	tests := []struct {
		name string
		text string
		want int64
	}{
		{"empty", "", 0},
		{"two words", "hello world", 2},
		{"sentence", "The quick brown fox jumps over the lazy dog.", 10},
		{"special token text is ordinary text", "<|endoftext|>", 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EstimateTokens(tt.text); got != tt.want {
				t.Errorf("EstimateTokens(%q) = %d, want %d", tt.text, got, tt.want)
			}
		})
	}
	long := strings.Repeat("token ", 1000)
	if n := EstimateTokens(long); n < 900 || n > 1100 {
		t.Errorf("1000 repeated words count %d tokens", n)
	}
}

func TestEstimateRequest(t *testing.T) {
	req := Request{System: "Be brief.", Messages: []Message{{Role: RoleUser, Content: "hello world"}, {Role: RoleAssistant, Content: "hi"}}}
	want := int64(tokensPerReply) + 3*tokensPerMessage + EstimateTokens("Be brief.") + 2 + EstimateTokens("hi")
	if got := estimateRequest(req); got != want {
		t.Errorf("estimateRequest = %d, want %d", got, want)
	}
}
