package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/byokhq/byok/reports"
	"github.com/byokhq/byok/store"
)

// reportOptions are the HTTP options of every report, balance and admin
// call.
func (a *App) reportOptions() reports.Options {
	return reports.Options{HTTPClient: a.httpClient, UserAgent: "byok", Sleep: a.reportSleep}
}

// BalanceView is one provider's balance as `byok balance` and the Keys view
// show it.
type BalanceView struct {
	Provider string
	Name     string
	// KeyName is the key it was read with.
	KeyName string
	reports.Balance
	// Err is why it could not be read.
	Err error
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
			v.KeyName = admin.Name()
			secret, err = a.secretOf(ctx, spec, *admin)
		case spec.ID == "xai":
			continue // the prepaid balance needs a management key
		default:
			var k store.Key
			k, secret, err = a.resolveKey(ctx, spec, "")
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			v.KeyName = k.Name()
		}
		if err == nil {
			v.Balance, err = reports.FetchBalance(ctx, spec, secret, admin != nil, a.reportOptions())
		}
		v.Err = err
		if err == nil {
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
