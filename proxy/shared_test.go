package proxy_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/store"
)

// TestProxyAndCLIShareTheDatabase runs CLI prompts from a second app on
// the same home while the proxy records: both keep working and every
// request of each is recorded.
func TestProxyAndCLIShareTheDatabase(t *testing.T) {
	e := newEnv(t)
	e.upstream(func(w http.ResponseWriter, r *http.Request) {
		sse(w, chatChunk1, chatChunk2, chatChunkStop, chatUsage, sseDone)
	})
	ctx := context.Background()
	cli, err := app.Open(ctx, app.Options{Home: e.app.Config.Paths.Home, Env: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	sec, err := e.app.Secrets()
	if err != nil {
		t.Fatal(err)
	}
	cli.SetSecrets(sec)

	const proxied, prompted = 40, 10
	var wg sync.WaitGroup
	errs := make(chan error, proxied+prompted)
	for i := range proxied {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.DefaultClient.Do(e.request("POST", "/v1/chat/completions",
				fmt.Sprintf(`{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hello %d"}]}`, i)))
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				errs <- fmt.Errorf("proxy answered %d", resp.StatusCode)
			}
		}()
	}
	for i := range prompted {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := cli.Prompt(ctx, app.Call{Provider: "openai", Model: "gpt-4o-mini", Source: store.SourceCLI,
				Request: providers.Request{Model: "gpt-4o-mini", Messages: []providers.Message{{Role: providers.RoleUser, Content: fmt.Sprintf("hi %d", i)}}}}, nil)
			if err != nil {
				errs <- fmt.Errorf("CLI prompt: %w", err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	e.waitEvents(proxied)
	evs, err := cli.Store.Events(ctx, store.Filter{Scope: store.Scope{Source: store.SourceCLI}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != prompted {
		t.Errorf("%d CLI events recorded, want %d", len(evs), prompted)
	}
	for _, ev := range evs {
		if ev.Status != store.StatusOK || ev.InputTokens != 19 || ev.OutputTokens != 10 {
			t.Errorf("CLI event %s in=%d out=%d", ev.Status, ev.InputTokens, ev.OutputTokens)
		}
	}
}
