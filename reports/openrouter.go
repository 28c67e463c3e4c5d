package reports

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/byokhq/byok/providers"
)

// OpenRouter: GET /api/v1/activity (management key) lists the last 30
// complete UTC days per day, model and endpoint: usage (credits, 1 credit =
// 1 USD, what OpenRouter charged), byok_usage_inference (what a BYOK
// provider key was charged upstream, not OpenRouter's bill), requests and
// tokens. GET /api/v1/credits (management key) gives total_credits and
// total_usage; GET /api/v1/key (the ordinary key) its usage and limit.

func openRouterClient(spec providers.Spec, secret string, opt Options) *client {
	return newClient(spec, spec.BaseURL, opt, func(h http.Header) { h.Set("Authorization", "Bearer "+secret) })
}

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
