package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/redact"
	"github.com/byokhq/byok/store"
	"github.com/byokhq/byok/store/keychain"
)

// healthOf says what err teaches about the key it was sent with. A check
// (check = true) also learns that the provider could not be reached; a
// request that failed for the network, a rate limit or a server error says
// nothing about its key.
func healthOf(err error, check bool) (store.KeyHealth, string) {
	if err == nil {
		return store.HealthOK, ""
	}
	var pe *providers.Error
	switch {
	case errors.Is(err, keychain.ErrNotFound):
		return store.HealthMissing, "the keyring no longer holds its secret"
	case errors.As(err, &pe) && pe.Class == providers.ClassAuth:
		return store.HealthRejected, statusText(pe) + pe.Message
	case errors.As(err, &pe) && pe.Class == providers.ClassCredit:
		return store.HealthNoCredit, statusText(pe) + pe.Message
	case check && errors.As(err, &pe) && (pe.Class == providers.ClassNetwork || pe.Class == providers.ClassTimeout):
		return store.HealthUnreachable, pe.Message
	}
	return store.HealthUnknown, ""
}

// errorOf is the provider error in err, or an empty one.
func errorOf(err error) *providers.Error {
	var pe *providers.Error
	if errors.As(err, &pe) {
		return pe
	}
	return &providers.Error{}
}

func statusText(pe *providers.Error) string {
	if pe.Status == 0 {
		return ""
	}
	return fmt.Sprintf("%d: ", pe.Status)
}

// learnKeyHealth keeps what a request or a check taught about key k. A
// refusal or an empty account is stored with its reason and raises one key
// alert, delivered like any other; a later success clears it. Learning what
// is already known writes nothing, so a healthy key costs its requests no
// extra write.
func (a *App) learnKeyHealth(ctx context.Context, k store.Key, err error, check bool) []store.Alert {
	h, detail := healthOf(err, check)
	if k.ID == 0 || k.Source == store.KeyEnv && h == store.HealthMissing {
		return nil
	}
	if h == store.HealthUnknown || (h == k.Health && !check && h == store.HealthOK) {
		return nil
	}
	detail = redact.String(detail)
	now := a.now()
	prev, serr := a.db.SetKeyHealth(ctx, k.ID, h, detail, now)
	if serr != nil {
		a.Log.Warn("store key health", "key", k.Name(), "err", serr)
		return nil
	}
	if prev == h || (h != store.HealthRejected && h != store.HealthNoCredit && h != store.HealthMissing) {
		return nil
	}
	what := map[store.KeyHealth]string{
		store.HealthRejected: "was rejected by the provider",
		store.HealthNoCredit: "has no credit left at the provider",
		store.HealthMissing:  "has no secret in the keyring any more",
	}[h]
	fix := "rotate it (a new secret) or remove it"
	pe := errorOf(err)
	said := detail
	if s := strings.TrimSuffix(statusText(pe)+pe.Said, ": "); s != "" {
		// The alert gives its own advice: it quotes the status and the
		// provider's words, not the error's message, which advises too.
		said = s
	}
	switch {
	case h == store.HealthNoCredit:
		fix = "add credit at the provider or use another key"
	case h == store.HealthRejected && a.Config.OfflineDemo:
		// The simulated provider's refusal says the same at more length:
		// the status is enough beside the demo's own explanation.
		fix = DemoRejectedKey + "; use another of the demo's keys"
		if said = strings.TrimSuffix(statusText(pe), ": "); said == "" {
			said = "refused"
		}
	}
	al := store.Alert{Time: now, Kind: store.AlertKey, Scope: "key:" + k.Name(),
		PeriodKey: now.UTC().Format(time.RFC3339Nano),
		Message:   fmt.Sprintf("key %s %s (%s): %s", k.Name(), what, said, fix)}
	ok, aerr := a.db.AddAlert(ctx, &al)
	if aerr != nil || !ok {
		if aerr != nil {
			a.Log.Warn("store key alert", "key", k.Name(), "err", aerr)
		}
		return nil
	}
	alerts := []store.Alert{al}
	a.deliver(ctx, alerts)
	return alerts
}
