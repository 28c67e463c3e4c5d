package reports

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/byokhq/byok/providers"
)

// Anthropic's Admin API: GET /v1/organizations/cost_report (daily; amount a
// decimal string of cents, "123.45" = $1.2345), /v1/organizations/
// usage_report/messages (per api_key_id and model: uncached input, 5-minute
// and 1-hour cache writes, cache reads, output) and /v1/organizations/
// api_keys (partial_key_hint). Reports are paged by next_page, the key list
// by after_id. The Admin API is not available to individual accounts.

const anthropicVersion = "2023-06-01"

func anthropicClient(spec providers.Spec, secret string, opt Options) *client {
	return newClient(spec, spec.BaseURL, opt, func(h http.Header) {
		h.Set("x-api-key", secret)
		h.Set("anthropic-version", anthropicVersion)
	})
}

// anthropicAdminAdvice is said when the Admin API refuses a key.
const anthropicAdminAdvice = "this is not an Anthropic Admin API key: create one (sk-ant-admin…) in the Console under Settings → Admin keys; " +
	"the Admin API is not available to individual accounts, so set up an organization first (Console → Settings → Organization)"

// anthropicIndividual says plainly what Anthropic means when it refuses an
// individual account.
const anthropicIndividual = "Anthropic's Admin API is not available to individual accounts, so byok cannot read this account's usage and cost reports: " +
	"set up an organization in the Console (Settings → Organization) and create an Admin key there"

func fetchAnthropic(ctx context.Context, c *client, from, to time.Time) (Report, error) {
	rep := Report{Provider: c.provider, From: from, To: to}
	base := url.Values{
		"starting_at":  {from.UTC().Format(time.RFC3339)},
		"ending_at":    {to.UTC().Format(time.RFC3339)},
		"bucket_width": {"1d"},
		"limit":        {"31"},
	}
	costs := cloneValues(base)
	costs["group_by[]"] = []string{"description"}
	err := pagesByNext(ctx, c, "v1/organizations/cost_report", costs, func(doc gjson.Result) error {
		return eachRFCBucket(doc, func(day time.Time, r gjson.Result) error {
			if cur := str(r.Get("currency")); cur != "" && !strings.EqualFold(cur, "USD") {
				return fmt.Errorf("a cost in %q, not USD", cur)
			}
			amt, ok, err := amountOf(r.Get("amount"), 2) // cents
			if err != nil {
				return fmt.Errorf("amount %s: %w", r.Get("amount").Raw, err)
			}
			item := str(r.Get("description"))
			if item == "" {
				item = str(r.Get("cost_type"))
			}
			rep.Costs = append(rep.Costs, Row{Day: day, Model: str(r.Get("model")), LineItem: item, Cost: amt, HasCost: ok})
			return nil
		})
	})
	if err != nil {
		return rep, anthropicRefusal(wrapShape(c.provider, "cost_report", err))
	}
	usage := cloneValues(base)
	usage["group_by[]"] = []string{"api_key_id", "model"}
	err = pagesByNext(ctx, c, "v1/organizations/usage_report/messages", usage, func(doc gjson.Result) error {
		return eachRFCBucket(doc, func(day time.Time, r gjson.Result) error {
			rep.Usage = append(rep.Usage, Row{Day: day, KeyID: str(r.Get("api_key_id")), Model: str(r.Get("model")), LineItem: "messages",
				InputTokens:      r.Get("uncached_input_tokens").Int(),
				CacheReadTokens:  r.Get("cache_read_input_tokens").Int(),
				CacheWriteTokens: r.Get("cache_creation.ephemeral_5m_input_tokens").Int() + r.Get("cache_creation.ephemeral_1h_input_tokens").Int(),
				OutputTokens:     r.Get("output_tokens").Int()})
			return nil
		})
	})
	if err != nil {
		return rep, anthropicRefusal(wrapShape(c.provider, "usage_report", err))
	}
	rep.Notes = append(rep.Notes, "Anthropic's cost report is per day and description, not per key: byok shares each day's cost among the keys in proportion to their tokens in the usage report, priced with its catalog")
	return rep, nil
}

func anthropicKeys(ctx context.Context, c *client) ([]APIKey, error) {
	var keys []APIKey
	q := url.Values{"limit": {"100"}}
	for range maxPages {
		doc, err := c.get(ctx, c.url("v1/organizations/api_keys", q))
		if err != nil {
			return nil, err
		}
		for _, d := range doc.Get("data").Array() {
			keys = append(keys, APIKey{ID: str(d.Get("id")), Name: str(d.Get("name")), Hint: str(d.Get("partial_key_hint"))})
		}
		last := str(doc.Get("last_id"))
		if !doc.Get("has_more").Bool() || last == "" {
			return keys, nil
		}
		q.Set("after_id", last)
	}
	return keys, nil
}

// checkAnthropicAdmin lists one key: the cheapest Admin API call.
func checkAnthropicAdmin(ctx context.Context, c *client) error {
	_, err := c.get(ctx, c.url("v1/organizations/api_keys", url.Values{"limit": {"1"}}))
	if err = anthropicRefusal(err); err != nil {
		var pe *providers.Error
		if errors.As(err, &pe) && pe.Message == anthropicIndividual {
			return err
		}
	}
	return explainAdmin(c.provider, err, anthropicAdminAdvice)
}

// anthropicRefusal recognises the Admin API's refusal of an individual
// account (a 4xx whose message speaks of individual accounts or of an
// organization to set up) and says it plainly.
func anthropicRefusal(err error) error {
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Status < 400 || pe.Status >= 500 {
		return err
	}
	msg := strings.ToLower(pe.Message)
	if strings.Contains(msg, "individual account") || (strings.Contains(msg, "organization") && pe.Status != http.StatusUnauthorized && pe.Status != http.StatusTooManyRequests) {
		return &providers.Error{Class: providers.ClassAuth, Status: pe.Status, Provider: pe.Provider, RequestID: pe.RequestID,
			Message: anthropicIndividual, Cause: err}
	}
	return err
}

// eachRFCBucket calls fn for every result of every bucket of an Anthropic
// report page (data[].starting_at in RFC 3339).
func eachRFCBucket(doc gjson.Result, fn func(day time.Time, r gjson.Result) error) error {
	data := doc.Get("data")
	if !data.IsArray() {
		return errors.New("no data array")
	}
	for _, b := range data.Array() {
		st, err := time.Parse(time.RFC3339, str(b.Get("starting_at")))
		if err != nil {
			return fmt.Errorf("bucket start %s: %w", b.Get("starting_at").Raw, err)
		}
		for _, r := range b.Get("results").Array() {
			if err := fn(utcDay(st), r); err != nil {
				return err
			}
		}
	}
	return nil
}
