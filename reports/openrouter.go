package reports

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/providers"
)

// OpenRouter: GET /api/v1/activity (management key) lists the last 30
// complete UTC days per day, model and endpoint: usage (credits, 1 credit =
// 1 USD, what OpenRouter charged), byok_usage_inference (what a BYOK
// provider key was charged upstream, not OpenRouter's bill), requests and
// tokens. GET /api/v1/credits (management key) gives total_credits and
// total_usage; GET /api/v1/key (the ordinary key) its usage and limit.

func fetchOpenRouter(ctx context.Context, c *client, from, to time.Time) (Report, error) {
	rep := Report{Provider: c.provider, From: from, To: to}
	doc, err := c.get(ctx, c.url("activity", nil))
	if err != nil {
		return rep, explainAdmin(c.provider, err, "OpenRouter's activity needs a management key: create one at openrouter.ai/settings/management-keys and add it with `byok keys add openrouter --admin`")
	}
	data := doc.Get("data")
	if !data.IsArray() {
		return rep, badShape(c.provider, "activity", errNoData)
	}
	for _, r := range data.Array() {
		d := str(r.Get("date"))
		if len(d) < 10 {
			return rep, badShape(c.provider, "activity", errBadDate(r.Get("date").Raw))
		}
		day, err := time.Parse(time.DateOnly, d[:10])
		if err != nil {
			return rep, badShape(c.provider, "activity", err)
		}
		if day.Before(from) || !day.Before(to) {
			continue
		}
		amt, ok, err := amountOf(r.Get("usage"), 0)
		if err != nil {
			return rep, badShape(c.provider, "activity", err)
		}
		row := Row{Day: day, Model: str(r.Get("model")), LineItem: str(r.Get("provider_name")), Cost: amt, HasCost: ok,
			Requests: r.Get("requests").Int(), HasRequests: r.Get("requests").Exists(),
			InputTokens: r.Get("prompt_tokens").Int(), OutputTokens: r.Get("completion_tokens").Int()}
		rep.Costs = append(rep.Costs, row)
	}
	rep.Notes = append(rep.Notes, "OpenRouter's activity covers the last 30 complete UTC days, per model and endpoint, not per key")
	return rep, nil
}

// checkOpenRouterAdmin reads the credits, which only a management key may.
func checkOpenRouterAdmin(ctx context.Context, c *client) error {
	_, err := c.get(ctx, c.url("credits", url.Values{}))
	return explainAdmin(c.provider, err, "this is not an OpenRouter management key: create one at openrouter.ai/settings/management-keys")
}

func openRouterCredits(ctx context.Context, c *client) (Balance, error) {
	doc, err := c.get(ctx, c.url("credits", nil))
	if err != nil {
		return Balance{}, err
	}
	total, ok1, err1 := amountOf(doc.Get("data.total_credits"), 0)
	used, ok2, err2 := amountOf(doc.Get("data.total_usage"), 0)
	if err1 != nil || err2 != nil || !ok1 || !ok2 {
		return Balance{}, badShape(c.provider, "credits", errNoData)
	}
	return Balance{Provider: c.provider, What: "credits", Currency: "USD", Remaining: total - used, Total: total, Used: used, HasTotal: true}, nil
}

func openRouterKey(ctx context.Context, c *client) (Balance, error) {
	doc, err := c.get(ctx, c.url("key", nil))
	if err != nil {
		return Balance{}, err
	}
	d := doc.Get("data")
	used, _, err := amountOf(d.Get("usage"), 0)
	if err != nil {
		return Balance{}, badShape(c.provider, "key", err)
	}
	limit, hasLimit, err := amountOf(d.Get("limit"), 0)
	if err != nil {
		return Balance{}, badShape(c.provider, "key", err)
	}
	b := Balance{Provider: c.provider, What: "key usage", Currency: "USD", Used: used}
	if !hasLimit {
		b.Note = "the key has no spending limit; a management key shows the account's credits"
		return b, nil
	}
	rem, hasRem, err := amountOf(d.Get("limit_remaining"), 0)
	if err != nil {
		return Balance{}, badShape(c.provider, "key", err)
	}
	if !hasRem {
		rem = limit - used
	}
	b.What, b.Remaining, b.Total, b.HasTotal, b.HasRemaining = "key limit", rem, limit, true, true
	if r := str(d.Get("limit_reset")); r != "" {
		b.Note = "the limit resets " + r
	}
	return b, nil
}

// Generation is what OpenRouter billed for one request, as its
// GET /api/v1/generation?id= tells it after the fact.
type Generation struct {
	ID string
	// Cost is what the account was charged: total_cost, plus the upstream
	// provider's charge to the user's own key when is_byok (as a
	// response's inline usage counts it).
	Cost money.USD
	// BYOK says the request ran on the user's own provider key.
	BYOK     bool
	Model    string
	Provider string
}

// ErrGenerationPending says OpenRouter still answered 404 for a generation
// after every retry: it had not recorded the request yet, or never will.
var ErrGenerationPending = errors.New("OpenRouter does not know this generation yet")

// generationTries bounds the lookups of one generation: OpenRouter answers
// 404 for a few seconds after a request, so byok waits 1, 2, 4 and 8
// seconds between five tries (15 seconds in all) before giving up.
const generationTries = 5

// FetchGeneration asks OpenRouter what one request (its generation id,
// "gen-…") was billed, with the ordinary key. A 404 is retried with a
// doubling pause, a bounded number of times; then ErrGenerationPending.
func FetchGeneration(ctx context.Context, spec providers.Spec, secret, id string, opt Options) (Generation, error) {
	c := bearerClient(spec, secret, opt)
	target := c.url("generation", url.Values{"id": {id}})
	wait := time.Second
	for try := 1; ; try++ {
		doc, err := c.get(ctx, target)
		var pe *providers.Error
		if errors.As(err, &pe) && pe.Status == http.StatusNotFound {
			if try >= generationTries {
				return Generation{}, fmt.Errorf("%s: %w", id, ErrGenerationPending)
			}
			if err := opt.sleep(ctx, wait); err != nil {
				return Generation{}, providers.TransportError(ctx, c.provider, err)
			}
			wait *= 2
			continue
		}
		if err != nil {
			return Generation{}, err
		}
		d := doc.Get("data")
		total, ok, err := amountOf(d.Get("total_cost"), 0)
		if err != nil || !ok {
			if err == nil {
				err = errNoData
			}
			return Generation{}, badShape(c.provider, "generation", err)
		}
		g := Generation{ID: str(d.Get("id")), Cost: total, BYOK: d.Get("is_byok").Bool(), Model: str(d.Get("model")), Provider: str(d.Get("provider_name"))}
		if g.BYOK {
			up, _, err := amountOf(d.Get("upstream_inference_cost"), 0)
			if err != nil {
				return Generation{}, badShape(c.provider, "generation", err)
			}
			g.Cost += up
		}
		return g, nil
	}
}
