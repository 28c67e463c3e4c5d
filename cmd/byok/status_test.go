package main

import (
	"strings"
	"testing"
)

// Today's figure on the status line is spend: the unpriced requests are
// counted apart ("$1.00 + 1 unpriced"), never added in at the fallback
// price budgets give them, and --json carries the priced amount and the
// count. The budget on the line keeps the budget's counting.
func TestStatusCountsUnpricedApart(t *testing.T) {
	up := newFakeOpenAI(t, "sk-fake-status-key-0123456789abcd")
	c := newCLI(t, "keyring = \"file\"\n\n[providers.openai]\nbase_url = \""+up.srv.URL+"/v1\"\n")
	t.Setenv("BYOK_PASSPHRASE", "correct horse battery staple")
	c.ok("sk-fake-status-key-0123456789abcd\n", "keys", "add", "openai", "--no-validate")
	// A model the catalog does not know: unpriced, and counted by budgets
	// at openai's dearest price; a dollar of priced spend beside it.
	c.ok("", "prompt", "-m", "openai/a-model-nobody-priced", "hi")
	c.ok("", "spend", "add", "openai", "1")
	c.ok("", "budget", "set", "provider:openai", "10")

	var budgets []struct {
		SpentUSD string `json:"spent_usd"`
		Unpriced int64  `json:"unpriced_requests"`
	}
	decode(t, c.ok("", "budget", "list", "--json"), &budgets)
	if len(budgets) != 1 || budgets[0].Unpriced != 1 || budgets[0].SpentUSD == "1" {
		t.Fatalf("the budget should count the unpriced request at a fallback price: %+v", budgets)
	}

	if out := c.ok("", "status"); !strings.HasPrefix(out, "byok $1.00 + 1 unpriced today · openai ") {
		t.Fatalf("status: %q", out)
	}
	if out := c.ok("", "status", "--long"); !strings.HasPrefix(out, "openai $") || strings.Contains(out, "unpriced") {
		t.Fatalf("status --long (budgets as budgets count): %q", out)
	}
	var st struct {
		TodayUSD string `json:"today_usd"`
		Unpriced *int64 `json:"unpriced_requests"`
	}
	decode(t, c.ok("", "status", "--json"), &st)
	if st.TodayUSD != "1" || st.Unpriced == nil || *st.Unpriced != 1 {
		t.Fatalf("status --json: today_usd %q, unpriced_requests %v", st.TodayUSD, st.Unpriced)
	}
	if out := c.ok("", "status", "--format", "{{.TodayUSD}} + {{.UnpricedRequests}}"); out != "1 + 1\n" {
		t.Fatalf("status --format: %q", out)
	}
}
