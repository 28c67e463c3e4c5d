// Package reportstest serves the balance endpoints of DeepSeek and
// OpenRouter in their documented shapes, for the tests of the CLI and the
// TUI that read balances through app.
package reportstest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// BalanceServer is one fake server for both providers: DeepSeek's
// GET /user/balance tells a balance the test may change between calls, and
// OpenRouter's GET /api/v1/key a key limit of $100 with $74.50 left.
type BalanceServer struct {
	*httptest.Server
	currency string
	cents    atomic.Int64
}

// NewBalanceServer starts a BalanceServer whose DeepSeek balance is cents
// hundredths of currency ("USD", "CNY"); the test's cleanup closes it.
func NewBalanceServer(t testing.TB, currency string, cents int64) *BalanceServer {
	t.Helper()
	s := &BalanceServer{currency: currency}
	s.cents.Store(cents)
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// SetBalance changes the DeepSeek balance the next call reads.
func (s *BalanceServer) SetBalance(cents int64) { s.cents.Store(cents) }

// Config is the config.toml part that points deepseek and openrouter at
// the server.
func (s *BalanceServer) Config() string {
	return fmt.Sprintf("[providers.deepseek]\nbase_url = %q\n[providers.openrouter]\nbase_url = %q\n", s.URL+"/v1", s.URL+"/api/v1")
}

func (s *BalanceServer) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/user/balance":
		c := s.cents.Load()
		fmt.Fprintf(w, `{"is_available":true,"balance_infos":[{"currency":%q,"total_balance":"%d.%02d","granted_balance":"0.00","topped_up_balance":"%d.%02d"}]}`, s.currency, c/100, c%100, c/100, c%100)
	case "/api/v1/key":
		fmt.Fprint(w, `{"data":{"label":"sk-or-v1-au7...890","limit":100,"limit_remaining":74.5,"limit_reset":"monthly","usage":25.5,"usage_daily":1,"usage_weekly":2,"usage_monthly":3,"is_free_tier":false,"include_byok_in_limit":false,"expires_at":null}}`)
	default:
		http.NotFound(w, r)
	}
}
