package reports

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/tidwall/gjson"

	"github.com/byokhq/byok/providers"
)

// OpenAI's Administration API: GET /v1/organization/costs (daily buckets,
// amount.value a JSON number of dollars; group_by project_id, line_item
// and api_key_id), /v1/organization/usage/{completions, embeddings,
// images, audio_speeches, audio_transcriptions} (per key and model:
// num_model_requests; input_tokens that include input_cached_tokens;
// images; characters; seconds) and the projects' api_keys, whose
// redacted_value ends with the key's last characters. Every list is paged
// by next_page (reports) or after/last_id (projects, keys).

// openAIUsage is one of OpenAI's usage endpoints and what it groups by.
type openAIUsage struct {
	kind    string
	groupBy []string
}

// openAIUsageKinds are the usage endpoints of the requests byok can send:
// chat and responses (completions), embeddings, images (grouped by size
// too, which their price depends on), speech and transcriptions.
var openAIUsageKinds = []openAIUsage{
	{"completions", []string{"api_key_id", "model"}},
	{"embeddings", []string{"api_key_id", "model"}},
	{"images", []string{"api_key_id", "model", "size"}},
	{"audio_speeches", []string{"api_key_id", "model"}},
	{"audio_transcriptions", []string{"api_key_id", "model"}},
}

func fetchOpenAI(ctx context.Context, c *client, from, to time.Time) (Report, error) {
	rep := Report{Provider: c.provider, From: from, To: to}
	base := url.Values{
		"start_time":   {strconv.FormatInt(from.Unix(), 10)},
		"end_time":     {strconv.FormatInt(to.Unix(), 10)},
		"bucket_width": {"1d"},
	}
	costs := cloneValues(base)
	costs.Set("limit", "180")
	costs["group_by"] = []string{"line_item", "api_key_id"}
	keyed := false
	err := pagesByNext(ctx, c, "organization/costs", costs, func(doc gjson.Result) error {
		return eachBucket(doc, func(day time.Time, r gjson.Result) error {
			amt, ok, err := amountOf(r.Get("amount.value"), 0)
			if err != nil {
				return fmt.Errorf("amount %s: %w", r.Get("amount.value").Raw, err)
			}
			if cur := str(r.Get("amount.currency")); cur != "" && cur != "usd" && cur != "USD" {
				return fmt.Errorf("a cost in %q, not USD", cur)
			}
			key := str(r.Get("api_key_id"))
			keyed = keyed || key != ""
			rep.Costs = append(rep.Costs, Row{Day: day, KeyID: key, LineItem: str(r.Get("line_item")), Cost: amt, HasCost: ok})
			return nil
		})
	})
	if err != nil {
		return rep, wrapShape(c.provider, "costs", err)
	}
	for _, u := range openAIUsageKinds {
		q := cloneValues(base)
		q.Set("limit", "31")
		q["group_by"] = u.groupBy
		kind := u.kind
		err := pagesByNext(ctx, c, "organization/usage/"+kind, q, func(doc gjson.Result) error {
			return eachBucket(doc, func(day time.Time, r gjson.Result) error {
				in, cached := r.Get("input_tokens").Int(), r.Get("input_cached_tokens").Int()
				row := Row{Day: day, KeyID: str(r.Get("api_key_id")), Model: str(r.Get("model")),
					LineItem: kind, Requests: r.Get("num_model_requests").Int(), HasRequests: true,
					InputTokens: max(in-cached, 0), CacheReadTokens: cached, OutputTokens: r.Get("output_tokens").Int(),
					Images: r.Get("images").Int(), Characters: r.Get("characters").Int(), Seconds: r.Get("seconds").Int()}
				if size := str(r.Get("size")); size != "" {
					// The size is part of what was billed: rows of one
					// model in two sizes stay apart.
					row.LineItem += " " + size
				}
				rep.Usage = append(rep.Usage, row)
				return nil
			})
		})
		if err != nil {
			return rep, wrapShape(c.provider, "usage/"+kind, err)
		}
	}
	if keyed {
		rep.Notes = append(rep.Notes, "OpenAI's costs are per day, line item and key: money per key is the provider's own")
	} else if len(rep.Costs) > 0 {
		rep.Notes = append(rep.Notes, "OpenAI's costs came without keys: byok shares each day's cost among the keys in proportion to their usage, priced with its catalog")
	}
	return rep, nil
}

// openAIKeys lists every project's API keys.
func openAIKeys(ctx context.Context, c *client) ([]APIKey, error) {
	var projects []string
	if err := pagesByAfter(ctx, c, "organization/projects", url.Values{"limit": {"100"}}, func(d gjson.Result) {
		projects = append(projects, str(d.Get("id")))
	}); err != nil {
		return nil, err
	}
	var keys []APIKey
	for _, p := range projects {
		if p == "" {
			continue
		}
		err := pagesByAfter(ctx, c, "organization/projects/"+url.PathEscape(p)+"/api_keys", url.Values{"limit": {"100"}}, func(d gjson.Result) {
			keys = append(keys, APIKey{ID: str(d.Get("id")), Name: str(d.Get("name")), Hint: str(d.Get("redacted_value"))})
		})
		if err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// checkOpenAIAdmin asks for one project: the cheapest call only an admin
// key may make.
func checkOpenAIAdmin(ctx context.Context, c *client) error {
	_, err := c.get(ctx, c.url("organization/projects", url.Values{"limit": {"1"}}))
	return explainAdmin(c.provider, err,
		"this is not an OpenAI admin key: create one (sk-admin-…) as an organization owner at platform.openai.com/settings/organization/admin-keys")
}

// pagesByNext follows a report's next_page cursor.
func pagesByNext(ctx context.Context, c *client, path string, q url.Values, page func(gjson.Result) error) error {
	q = cloneValues(q)
	for range maxPages {
		doc, err := c.get(ctx, c.url(path, q))
		if err != nil {
			return err
		}
		if err := page(doc); err != nil {
			return shapeError{err}
		}
		next := str(doc.Get("next_page"))
		if !doc.Get("has_more").Bool() || next == "" {
			return nil
		}
		q.Set("page", next)
	}
	return fmt.Errorf("%s: the report ran past %d pages; ask for fewer days", c.provider, maxPages)
}

// pagesByAfter follows a list's has_more and last_id (after=…), calling
// item for every element of data.
func pagesByAfter(ctx context.Context, c *client, path string, q url.Values, item func(gjson.Result)) error {
	q = cloneValues(q)
	for range maxPages {
		doc, err := c.get(ctx, c.url(path, q))
		if err != nil {
			return err
		}
		data := doc.Get("data").Array()
		for _, d := range data {
			item(d)
		}
		last := str(doc.Get("last_id"))
		if last == "" && len(data) > 0 {
			last = str(data[len(data)-1].Get("id"))
		}
		if !doc.Get("has_more").Bool() || last == "" {
			return nil
		}
		q.Set("after", last)
	}
	return fmt.Errorf("%s: the list ran past %d pages", c.provider, maxPages)
}

// eachBucket calls fn for every result of every daily bucket of a page
// (data[].start_time in Unix seconds, data[].results[]).
func eachBucket(doc gjson.Result, fn func(day time.Time, r gjson.Result) error) error {
	data := doc.Get("data")
	if !data.IsArray() {
		return errors.New("no data array")
	}
	for _, b := range data.Array() {
		st := b.Get("start_time")
		if st.Type != gjson.Number {
			return errors.New("a bucket without start_time")
		}
		day := utcDay(time.Unix(st.Int(), 0))
		for _, r := range b.Get("results").Array() {
			if err := fn(day, r); err != nil {
				return err
			}
		}
	}
	return nil
}

// shapeError marks an error found reading a page, not fetching it.
type shapeError struct{ err error }

func (e shapeError) Error() string { return e.err.Error() }
func (e shapeError) Unwrap() error { return e.err }

func wrapShape(provider, what string, err error) error {
	var se shapeError
	if errors.As(err, &se) {
		return badShape(provider, what, se.err)
	}
	return err
}

func cloneValues(q url.Values) url.Values {
	out := make(url.Values, len(q))
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// explainAdmin turns the refusal of an admin call into advice: a 401 or
// 403 there means the key works for prompts perhaps, but is not an admin
// key.
func explainAdmin(provider string, err error, advice string) error {
	var pe *providers.Error
	if errors.As(err, &pe) && pe.Class == providers.ClassAuth {
		return &providers.Error{Class: providers.ClassAuth, Status: pe.Status, Provider: provider, RequestID: pe.RequestID,
			Message: advice + " (HTTP " + strconv.Itoa(pe.Status) + ")", Cause: err}
	}
	return err
}
