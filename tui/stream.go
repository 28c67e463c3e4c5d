package tui

import (
	"context"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/store"
)

// streamEventMsg is one event of a running request, forwarded to the
// program as it arrives.
type streamEventMsg struct {
	result
	col int
	ev  providers.Event
	// since is how long after the request was sent the event arrived,
	// timed from where the recorded time to first token is: after the
	// budget check and the key's read from the keychain, which can take
	// a while and are no part of the provider's answer.
	since time.Duration
}

// streamDoneMsg ends a request: its outcome as recorded, or why it was
// refused or failed.
type streamDoneMsg struct {
	result
	col int
	out app.Outcome
	// began is false when the request never left (a budget refusal, no key).
	began bool
	err   error
}

// startStream runs one request through the app (budget check, key,
// stream, price, record, alerts) in the command's goroutine; its events
// reach the program through send as they arrive, and the outcome is the
// command's message.
func startStream(ctx context.Context, c *common, owner pageID, id, col int, call app.Call) tea.Cmd {
	send, a := c.send, c.app
	r := result{owner, id}
	return func() tea.Msg {
		run, err := a.Begin(ctx, call)
		if err != nil {
			return streamDoneMsg{result: r, col: col, err: err}
		}
		sent := time.Now()
		out, err := run.Stream(ctx, func(ev providers.Event) {
			send(streamEventMsg{result: r, col: col, ev: ev, since: time.Since(sent)})
		})
		return streamDoneMsg{result: r, col: col, out: out, began: true, err: err}
	}
}

// modelChoices are the chat models of the catalog as "provider/model",
// for the pickers.
func modelChoices(a *app.App, keyed map[string]bool) []string {
	cat := a.Catalog()
	var out []string
	for _, p := range cat.Providers() {
		for _, pr := range cat.Models(p) {
			switch pr.Mode {
			case "", "chat", "responses", "completion":
				out = append(out, p+"/"+pr.Model)
			}
		}
	}
	// The providers the user has keys for come first, each part by name.
	sort.Slice(out, func(i, j int) bool {
		pi, _ := splitModel(out[i])
		pj, _ := splitModel(out[j])
		if keyed[pi] != keyed[pj] {
			return keyed[pi]
		}
		return out[i] < out[j]
	})
	return out
}

// modelNotes tells the model picker what to show beside each model: its
// input and output price per million tokens (or "no price"), and "● key"
// where a key for its provider is on hand; those models rank first.
func modelNotes(a *app.App, keyed map[string]bool) func(string) (string, bool) {
	cat := a.Catalog()
	return func(item string) (string, bool) {
		prov, model := splitModel(item)
		note := "no price"
		if p, ok := cat.Lookup(prov, model); ok {
			note = p.Input.Dollars() + "/" + p.Output.Dollars()
		}
		if keyed[prov] {
			return note + " ● key", true
		}
		return note + "      ", false
	}
}

// keyedProviders are the providers among keys with a key that is not revoked.
func keyedProviders(keys []app.KeyView) map[string]bool {
	out := map[string]bool{}
	for _, k := range keys {
		if !k.Revoked() {
			out[k.Provider] = true
		}
	}
	return out
}

// freeModel accepts a typed provider/model for providers the catalog has
// no models for (custom and local ones).
func freeModel(a *app.App) func(string) bool {
	return func(v string) bool {
		p, m, ok := strings.Cut(v, "/")
		if !ok || m == "" {
			return false
		}
		spec, ok := a.Registry.Get(p)
		return ok && len(a.Catalog().Models(spec.ID)) == 0
	}
}

// splitModel splits "provider/model" at the first slash: model names may
// hold slashes of their own (openrouter/anthropic/claude-sonnet-4.5).
func splitModel(s string) (provider, model string) {
	provider, model, _ = strings.Cut(s, "/")
	return provider, model
}

// stopped reports whether a request ended because the user cancelled it.
func stopped(out app.Outcome) bool { return out.Event.Status == store.StatusCancelled }
