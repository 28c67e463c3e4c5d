package app

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/store"
)

// liveModels are cheap models for the live smoke test, one per provider.
var liveModels = map[string]string{
	"openai":     "gpt-4o-mini",
	"anthropic":  "claude-haiku-4-5",
	"google":     "gemini-2.5-flash-lite",
	"groq":       "llama-3.1-8b-instant",
	"deepseek":   "deepseek-chat",
	"mistral":    "mistral-small-latest",
	"openrouter": "openai/gpt-4o-mini",
	"xai":        "grok-3-mini",
	"cerebras":   "llama3.1-8b",
	"together":   "meta-llama/Llama-3.3-70B-Instruct-Turbo",
}

// TestLiveSmoke sends one tiny prompt to every provider whose key is in the
// environment. It runs only with BYOK_LIVE=1: it costs real money (a
// fraction of a cent per provider).
func TestLiveSmoke(t *testing.T) {
	if os.Getenv("BYOK_LIVE") != "1" {
		t.Skip("live smoke test: set BYOK_LIVE=1 and provider keys (OPENAI_API_KEY, …) to run it")
	}
	a, err := Open(context.Background(), Options{Home: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ran := 0
	for id, model := range liveModels {
		spec, ok := a.Registry.Get(id)
		if !ok {
			t.Fatalf("no provider %s", id)
		}
		if _, _, ok := providers.EnvSecret(spec, os.Getenv); !ok {
			continue
		}
		ran++
		t.Run(id, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			out, err := a.Prompt(ctx, Call{Provider: id, Model: model, Request: providers.Request{Model: model, MaxTokens: 16,
				Messages: []providers.Message{{Role: providers.RoleUser, Content: "Reply with the single word OK."}}}}, nil)
			if err != nil {
				t.Fatalf("%s/%s: %v", id, model, err)
			}
			e := out.Event
			if e.Status != store.StatusOK || e.InputTokens+e.CacheReadTokens == 0 || e.OutputTokens == 0 {
				t.Fatalf("%s/%s recorded %+v", id, model, e)
			}
			if e.CostState != pricing.Computed && e.CostState != pricing.Reported {
				t.Errorf("%s/%s cost state %s", id, model, e.CostState)
			}
			t.Logf("%s/%s: %d in, %d out, %s (%s), ttft %v", id, model, e.InputTokens, e.OutputTokens, e.Cost, e.CostState, e.TTFT)
		})
	}
	if ran == 0 {
		t.Skip("BYOK_LIVE=1 but no provider key is set")
	}
}
