package main

import "testing"

func TestCounted(t *testing.T) {
	for _, tt := range []struct {
		n    int
		want string
	}{
		{0, "0 keys are"},
		{1, "1 key is"},
		{2, "2 keys are"},
		{1200, "1,200 keys are"},
	} {
		if got := counted(tt.n, "key is", "keys are"); got != tt.want {
			t.Errorf("counted(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
