package proxy

import "testing"

// TestTrimBasePath: a pass-through path loses the base URL's own path only
// when it starts with it in whole segments.
func TestTrimBasePath(t *testing.T) {
	for _, tc := range []struct{ base, sub, want string }{
		{"https://api.bfl.ai/v1", "v1/flux-pro-1.1", "flux-pro-1.1"},
		{"https://api.bfl.ai/v1", "flux-pro-1.1", "flux-pro-1.1"},
		{"https://api.bfl.ai/v1/", "v1/get_result", "get_result"},
		{"https://api.bfl.ai/v1", "v1", ""},
		{"https://api.bfl.ai/v1", "v10/x", "v10/x"},
		{"https://api.bfl.ai/v1", "v1x/y", "v1x/y"},
		{"https://openrouter.ai/api/v1", "api/v1/chat/completions", "chat/completions"},
		{"https://openrouter.ai/api/v1", "v1/chat/completions", "v1/chat/completions"},
		{"https://openrouter.ai/api/v1", "api/chat", "api/chat"},
		{"https://api.anthropic.com", "v1/messages", "v1/messages"},
		{"https://generativelanguage.googleapis.com", "v1beta/models", "v1beta/models"},
	} {
		if got := trimBasePath(tc.base, tc.sub); got != tc.want {
			t.Errorf("trimBasePath(%q, %q) = %q, want %q", tc.base, tc.sub, got, tc.want)
		}
	}
}
