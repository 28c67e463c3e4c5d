package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/byokhq/byok/money"

	"github.com/byokhq/byok/reports"
	"github.com/byokhq/byok/store"
)

// reportOptions are the HTTP options of every report, balance and admin
// call. An offline demo home's client refuses them all: its providers are
// simulated, its keys made up, and nothing of it leaves the machine.
func (a *App) reportOptions() reports.Options {
	client := a.httpClient
	if a.Config.OfflineDemo {
		client = &http.Client{Transport: offlineReports{}}
	}
	return reports.Options{HTTPClient: client, UserAgent: "byok", Sleep: a.reportSleep}
}

// ErrOfflineReports is why an offline demo home shows no balance or report.
var ErrOfflineReports = errors.New("this offline demo home reads no balances or reports: its providers are simulated and nothing leaves this machine")

// offlineReports is the transport of an offline demo home's report calls.
type offlineReports struct{}

func (offlineReports) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, ErrOfflineReports
}

// BalanceView is one provider's balance as `byok balance` and the Keys view
// show it.
type BalanceView struct {
	Provider string
	Name     string
	// KeyID and KeyName are the key it was read with.
	KeyID   int64
	KeyName string
	reports.Balance
	// At is when the provider told it.
	At time.Time
	// Err is why it could not be read.
	Err error
}

// lastBalance is a balance as byok keeps it between reads.
type lastBalance struct {
	KeyID        int64     `json:"key_id"`
	KeyName      string    `json:"key"`
	At           time.Time `json:"at"`
	What         string    `json:"what"`
	Currency     string    `json:"currency"`
	Remaining    int64     `json:"remaining"`
	HasRemaining bool      `json:"has_remaining"`
	Total        int64     `json:"total"`
	Used         int64     `json:"used"`
	HasTotal     bool      `json:"has_total"`
	Unavailable  bool      `json:"unavailable"`
	Note         string    `json:"note"`
}

// balanceSetting holds the last balance read of a provider.
func balanceSetting(provider string) string { return "balance.last." + provider }

// rememberBalance keeps a balance just read, for the Keys view to show
// with its time until the next read.
func (a *App) rememberBalance(ctx context.Context, v BalanceView) {
	if a.readOnly {
		return
	}
	b := lastBalance{KeyID: v.KeyID, KeyName: v.KeyName, At: v.At.UTC(), What: v.What, Currency: v.Currency,
		Remaining: int64(v.Remaining), HasRemaining: v.HasRemaining, Total: int64(v.Total), Used: int64(v.Used),
		HasTotal: v.HasTotal, Unavailable: v.Unavailable, Note: v.Note}
	body, err := json.Marshal(b)
	if err == nil {
		err = a.db.SetSetting(ctx, balanceSetting(v.Provider), string(body))
	}
	if err != nil {
		a.Log.Warn("remember balance", "provider", v.Provider, "err", err)
	}
}

// LastBalances returns the last balance read of every provider that has
// one (by byok balance, the TUI or the automatic low-balance check),
// without asking any provider.
func (a *App) LastBalances(ctx context.Context) ([]BalanceView, error) {
	var out []BalanceView
	for _, spec := range a.Registry.All() {
		if !reports.Capabilities(spec.ID).Balance {
			continue
		}
		body, err := a.db.Setting(ctx, balanceSetting(spec.ID))
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var b lastBalance
		if err := json.Unmarshal([]byte(body), &b); err != nil {
			a.Log.Warn("last balance", "provider", spec.ID, "err", err)
			continue
		}
		out = append(out, BalanceView{Provider: spec.ID, Name: spec.Name, KeyID: b.KeyID, KeyName: b.KeyName, At: b.At,
			Balance: reports.Balance{Provider: spec.ID, What: b.What, Currency: b.Currency, Remaining: money.USD(b.Remaining),
				HasRemaining: b.HasRemaining, Total: money.USD(b.Total), Used: money.USD(b.Used), HasTotal: b.HasTotal,
				Unavailable: b.Unavailable, Note: b.Note}})
	}
	return out, nil
}

// Balances asks every provider with a balance API and a key that can read
// it: DeepSeek's balance (its ordinary key), OpenRouter's credits (a
// management key) or else its key limit (the ordinary key), xAI's prepaid
// balance (a management key with its team id). Providers without a key are
// left out; errors are per provider. A USD balance below
// [alerts] low_balance_usd raises an alert, once per crossing.
func (a *App) Balances(ctx context.Context) ([]BalanceView, error) {
	ks, err := a.Store.Keys(ctx)
	if err != nil {
		return nil, err
	}
	var out []BalanceView
	for _, spec := range a.Registry.All() {
		if !reports.Capabilities(spec.ID).Balance {
			continue
		}
		var admin *store.Key
		for i, k := range ks {
			if k.Provider == spec.ID && k.Admin && !k.Revoked() {
				admin = &ks[i]
				break
			}
		}
		v := BalanceView{Provider: spec.ID, Name: spec.Name}
		var secret string
		switch {
		case admin != nil:
			v.KeyID, v.KeyName = admin.ID, admin.Name()
			secret, err = a.secretOf(ctx, spec, *admin)
		case spec.ID == "xai":
			continue // the prepaid balance needs a management key
		default:
			var k store.Key
			k, secret, err = a.resolveKey(ctx, spec, "")
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			v.KeyID, v.KeyName = k.ID, k.Name()
		}
		switch {
		case err != nil:
		case a.Config.OfflineDemo:
			// Said here in the demo's words; the report client's refusal
			// would reach the user as a network error.
			err = ErrOfflineReports
		default:
			v.Balance, err = reports.FetchBalance(ctx, spec, secret, admin != nil, a.reportOptions())
		}
		v.Err = err
		if err == nil {
			v.At = a.now()
			a.rememberBalance(ctx, v)
			a.lowBalance(ctx, v)
		}
		out = append(out, v)
	}
	return out, nil
}

// lowBalance raises the low-balance alert when a USD balance is below the
// configured floor and was not below it at the last look; going back above
// re-arms it, so each crossing alerts once.
func (a *App) lowBalance(ctx context.Context, v BalanceView) {
	floor := a.Config.Alerts.LowBalanceUSD
	if !floor.Set || !v.HasRemaining || v.Currency != "USD" || a.readOnly {
		return
	}
	key := "balance.low." + v.Provider
	state, err := a.db.Setting(ctx, key)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		a.Log.Warn("low balance state", "err", err)
		return
	}
	n, _ := strconv.Atoi(strings.TrimPrefix(state, "low:"))
	n = max(n, 0)
	below := strings.HasPrefix(state, "low:")
	if v.Remaining >= floor.USD {
		if below {
			if err := a.db.SetSetting(ctx, key, "ok:"+strconv.Itoa(n)); err != nil {
				a.Log.Warn("low balance state", "err", err)
			}
		}
		return
	}
	if below {
		return // still below: alerted when it crossed
	}
	if state != "" {
		n, _ = strconv.Atoi(strings.TrimPrefix(state, "ok:"))
	}
	n++
	al := store.Alert{Time: a.now(), Kind: store.AlertBalance, Scope: "provider:" + v.Provider,
		PeriodKey: "crossing-" + strconv.Itoa(n),
		Message: fmt.Sprintf("%s %s is %s, below your low-balance alert of %s: add credit before requests start failing",
			v.Name, v.What, v.Remaining, floor.USD)}
	added, err := a.db.AddAlert(ctx, &al)
	if err != nil {
		a.Log.Warn("low balance alert", "err", err)
		return
	}
	if err := a.db.SetSetting(ctx, key, "low:"+strconv.Itoa(n)); err != nil {
		a.Log.Warn("low balance state", "err", err)
	}
	if added {
		a.deliver(ctx, []store.Alert{al})
	}
}
