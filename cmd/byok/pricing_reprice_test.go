package main

import (
	"regexp"
	"strings"
	"testing"
)

// README's self-hosted vLLM: no prices, so its requests are unpriced and
// pricing cost says budgets count them at nothing (no other provider's
// price). After `pricing set`, reprice lists them as "2 unpriced" before,
// never as a fallback dollar figure.
func TestRepriceListsUnpricedRequestsAsACount(t *testing.T) {
	up := newFakeOpenAI(t, "")
	c := newCLI(t, "[providers.vllm]\nkind = \"openai\"\nbase_url = \""+up.srv.URL+"/v1\"\nno_key = true\n")
	if out := c.ok("", "pricing", "cost", "vllm/llama-3-8b", "--input", "1000000", "--output", "1000000"); !strings.Contains(out, "count it at $0.00 (vllm has no prices and is a server of your own") ||
		!strings.Contains(out, "byok pricing set vllm/llama-3-8b") {
		t.Fatalf("pricing cost of an unpriced vllm model:\n%s", out)
	}
	c.ok("", "prompt", "-m", "vllm/llama-3-8b", "hi")
	c.ok("", "prompt", "-m", "vllm/llama-3-8b", "hi again")
	if out := c.ok("", "status"); !strings.HasPrefix(out, "byok 2 unpriced today") {
		t.Fatalf("status: %q", out)
	}
	c.ok("", "pricing", "set", "vllm/llama-3-8b", "--input", "0.1", "--output", "0.2")
	out := c.ok("", "pricing", "reprice")
	// 1,200 input and 300 output tokens a request: $0.00018 each.
	if !regexp.MustCompile(`(?m)^vllm +2 +2 unpriced +\$0\.00036 +\$0\.00036 *$`).MatchString(out) {
		t.Fatalf("reprice:\n%s", out)
	}
}
