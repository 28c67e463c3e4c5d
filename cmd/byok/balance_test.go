package main

import (
	"strings"
	"testing"

	"github.com/byokhq/byok/reports/reportstest"
)

// TestBalanceAndLowBalanceAlert reads DeepSeek's balance and OpenRouter's
// key limit from servers speaking their documented shapes, and checks that
// a balance below [alerts] low_balance_usd alerts once per crossing.
func TestBalanceAndLowBalanceAlert(t *testing.T) {
	t.Setenv("BYOK_PASSPHRASE", "balance test passphrase")
	srv := reportstest.NewBalanceServer(t, "USD", 350) // $3.50
	c := newCLI(t, "keyring = \"file\"\n[alerts]\nlow_balance_usd = 5\n"+srv.Config())
	c.ok("sk-FAKE-deepseek-balance-0000000test\n", "keys", "add", "deepseek", "--no-validate")
	c.ok("sk-or-v1-FAKE-balance-00000000000test\n", "keys", "add", "openrouter", "--no-validate")

	var bs []map[string]any
	decode(t, c.ok("", "balance", "--json"), &bs)
	got := map[string]map[string]any{}
	for _, b := range bs {
		got[b["provider"].(string)] = b
	}
	if b := got["deepseek"]; b == nil || b["remaining"] != "3.5" || b["currency"] != "USD" || b["what"] != "balance" {
		t.Fatalf("deepseek balance %v", b)
	}
	if b := got["openrouter"]; b == nil || b["remaining"] != "74.5" || b["total"] != "100" || b["what"] != "key limit" {
		t.Fatalf("openrouter balance %v", b)
	}
	balanceAlerts := func() int {
		var as []map[string]any
		decode(t, c.ok("", "alerts", "--all", "--json"), &as)
		n := 0
		for _, a := range as {
			if a["kind"] == "balance" {
				n++
				if !strings.Contains(a["message"].(string), "below your low-balance alert of $5.00") {
					t.Errorf("alert message %q", a["message"])
				}
			}
		}
		return n
	}
	if n := balanceAlerts(); n != 1 {
		t.Fatalf("%d balance alerts after the first look at $3.50, want 1", n)
	}
	c.ok("", "balance")
	if n := balanceAlerts(); n != 1 {
		t.Fatalf("%d balance alerts while still below, want 1 (once per crossing)", n)
	}
	srv.SetBalance(2000)
	c.ok("", "balance")
	srv.SetBalance(100)
	out := c.ok("", "balance")
	if !strings.Contains(out, "$1.00") {
		t.Fatalf("balance table:\n%s", out)
	}
	if n := balanceAlerts(); n != 2 {
		t.Fatalf("%d balance alerts after topping up and falling again, want 2", n)
	}
	prov := c.ok("", "providers")
	if !strings.Contains(prov, "SPEND API") || !strings.Contains(prov, "No usage or balance API for keys") || !strings.Contains(prov, "Groq") {
		t.Fatalf("providers:\n%s", prov)
	}
	if !strings.Contains(prov, "Fireworks AI: no balance API") {
		t.Fatalf("providers does not say plainly that Fireworks has no balance API:\n%s", prov)
	}
}
