package main

import (
	"context"
	"io"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/app"
)

func newBalanceCmd(f *Factory) *cobra.Command {
	cmd := newOutputCmd(f, "balance", "Credits and balances where the provider tells them", runBalance)
	cmd.Long = `Asks each provider that publishes a balance, with the key that can read it:
DeepSeek's balance (its key), OpenRouter's credits (a management key) or the
key's limit (its key), xAI's prepaid balance (a management key with the team
id, byok keys add xai --admin). A USD balance below [alerts] low_balance_usd
raises an alert, once each time it crosses. byok providers lists the
providers that publish no balance at all.`
	return cmd
}

type balanceJSON struct {
	Provider     string  `json:"provider"`
	Key          string  `json:"key"`
	What         string  `json:"what,omitempty"`
	Currency     string  `json:"currency,omitempty"`
	RemainingUSD *string `json:"remaining,omitempty"`
	Total        *string `json:"total,omitempty"`
	Used         *string `json:"used,omitempty"`
	Available    bool    `json:"available"`
	Note         string  `json:"note,omitempty"`
	Error        string  `json:"error,omitempty"`
}

func toBalanceJSON(b app.BalanceView) balanceJSON {
	j := balanceJSON{Provider: b.Provider, Key: b.KeyName, What: b.What, Currency: b.Currency, Available: b.Err == nil && !b.Unavailable, Note: b.Note}
	if b.Err != nil {
		j.Error = b.Err.Error()
		return j
	}
	j.RemainingUSD = usdJSON(b.Remaining, b.HasRemaining)
	j.Total, j.Used = usdJSON(b.Total, b.HasTotal), usdJSON(b.Used, b.HasTotal)
	return j
}

func runBalance(ctx context.Context, f *Factory, o outputOptions) error {
	// Balances are read with the app open for writing: a low one raises an alert.
	_, bs, err := ask(ctx, f.App, (*app.App).Balances)
	if err != nil {
		return err
	}
	return listing[app.BalanceView, balanceJSON]{
		row:   toBalanceJSON,
		empty: "No key can read a balance. DeepSeek's and OpenRouter's keys can, and management keys of OpenRouter and xAI\n(`byok keys add xai --admin`); `byok providers` says which providers publish none.",
		table: func() error { return printBalances(f.IO.Out, bs) },
	}.print(f.IO.Out, o, bs)
}

// printBalances writes the balances' table, a provider's error in its row.
func printBalances(w io.Writer, bs []app.BalanceView) error {
	t := newTable(w, "PROVIDER", "KEY", "WHAT", "REMAINING", "OF", "NOTE")
	for _, b := range bs {
		if b.Err != nil {
			t.row(b.Provider, b.KeyName, "", "", "", "error: "+b.Err.Error())
			continue
		}
		rem, of := "—", ""
		if b.HasRemaining {
			rem = b.Format(b.Remaining)
		}
		if b.HasTotal {
			of = b.Format(b.Total)
		}
		note := b.Note
		if b.Unavailable {
			note = "cannot spend: " + note
		}
		t.row(b.Provider, b.KeyName, b.What, rem, of, note)
	}
	return t.flush()
}
