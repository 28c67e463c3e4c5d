// Package reports reads the providers' own accounts of what a key spent:
// daily usage and cost reports (OpenAI's and Anthropic's admin APIs,
// OpenRouter's activity) and balances (DeepSeek, OpenRouter, xAI). It speaks
// each documented wire format and hands back neutral daily rows and
// balances; storing them and comparing them with byok's own records is the
// app's work, so this package never touches the store.
//
// Amounts are converted to nano-dollars from the JSON text itself, never
// through float64: OpenAI's amount.value is a JSON number read as its
// digits, Anthropic's cost is a decimal string of cents.
package reports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/providers"
)

// Row is one line of a provider's daily report: what it billed (or
// counted) on one UTC day, for one key, model and line item where it says.
type Row struct {
	// Day is midnight UTC of the provider's daily bucket.
	Day time.Time
	// KeyID is the provider's id of the API key ("key_…", "apikey_…"), or
	// empty when the report does not attribute the row to a key.
	KeyID    string
	Model    string
	LineItem string
	// Cost is what the provider billed, when HasCost.
	Cost    money.USD
	HasCost bool
	// Requests is the provider's request count, when HasRequests.
	Requests    int64
	HasRequests bool
	// Token counts, where the report gives them (disjoint as in byok's
	// events: input is uncached).
	InputTokens, CacheReadTokens, CacheWriteTokens, OutputTokens int64
	// Images (of the size the line item names, where the report groups
	// by it), Characters spoken and Seconds transcribed, from the image and
	// audio usage reports.
	Images, Characters, Seconds int64
}

// APIKey is one of the provider's API keys as its admin API lists it, for
// attributing report rows to the keys byok holds.
type APIKey struct {
	ID   string
	Name string
	// Hint is the end of the key as the provider shows it ("…abcd"): the
	// last characters, never the whole key.
	Hint string
}

// Last4 returns the last four characters of the hint, to compare with a
// key's stored last 4.
func (k APIKey) Last4() string {
	h := strings.TrimSpace(k.Hint)
	if len(h) < 4 {
		return ""
	}
	return h[len(h)-4:]
}

// Report is what one provider reported for a range of days.
type Report struct {
	Provider string
	From, To time.Time // the UTC days asked for, [From, To)
	// Costs are the billed amounts per day (and line item or model).
	Costs []Row
	// Usage are the per-key counts (requests, tokens) per day and model;
	// they carry a cost only where the provider attributes money to keys.
	Usage []Row
	// Keys are the provider's API keys, for attribution.
	Keys []APIKey
	// Notes say what the report could not tell (no per-key money, …).
	Notes []string
}

// Options configure the report clients.
type Options struct {
	// HTTPClient sends every request; nil means the default.
	HTTPClient *http.Client
	// UserAgent is sent with every request.
	UserAgent string
	// Timeout bounds each request; zero means 30 seconds.
	Timeout time.Duration
	// Retries is how many times a rate-limited or failed (5xx) request is
	// sent again; zero means 4, negative none.
	Retries int
	// MaxWait caps one wait before a retry; zero means a minute.
	MaxWait time.Duration
	// Sleep waits between retries; nil means a timer that ctx cancels.
	// Tests use it to see the waits without waiting.
	Sleep func(ctx context.Context, d time.Duration) error
}

func (o Options) retries() int {
	switch {
	case o.Retries < 0:
		return 0
	case o.Retries == 0:
		return 4
	}
	return o.Retries
}

func (o Options) sleep(ctx context.Context, d time.Duration) error {
	if o.Sleep != nil {
		return o.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ErrUnsupported says a provider publishes no such report or balance.
var ErrUnsupported = errors.New("the provider publishes no such report")

// Capability says what byok can read from a provider and with which key.
type Capability struct {
	// Reports: daily usage and cost reports (reconcile).
	Reports bool
	// ReportKey names the credential reports need.
	ReportKey string
	// Balance: credits, prepaid balance or key limit.
	Balance bool
	// BalanceKey names the credential a balance needs.
	BalanceKey string
	// Admin says the provider has admin or management keys byok can store.
	Admin bool
	// None explains, for a provider with no such API, where to look instead.
	None string
}

// NoSpendAPI is what byok says of a provider that publishes neither usage
// reports nor a balance for API keys.
const NoSpendAPI = "no usage or balance API for keys: see the provider's console"

// Capabilities returns what a provider offers by id.
func Capabilities(provider string) Capability {
	switch provider {
	case "openai":
		return Capability{Reports: true, ReportKey: "admin key (sk-admin-…)", Admin: true}
	case "anthropic":
		return Capability{Reports: true, ReportKey: "Admin API key (sk-ant-admin…); organizations only", Admin: true}
	case "openrouter":
		return Capability{Reports: true, ReportKey: "management key", Balance: true, BalanceKey: "the ordinary key (key limit) or a management key (credits)", Admin: true}
	case "deepseek":
		return Capability{Balance: true, BalanceKey: "the ordinary key"}
	case "xai":
		return Capability{Balance: true, BalanceKey: `management key and team id, as {"management_key": "…", "team_id": "…"}`, Admin: true}
	case "groq", "mistral", "together", "google":
		return Capability{None: NoSpendAPI}
	case "fireworks":
		// Fireworks documents per-key usage (GET /v1/accounts/{id}/billingUsage,
		// https://docs.fireworks.ai/api-reference/get-billing-usage) and, in its
		// usage export guide, a rated-spend summary
		// (https://docs.fireworks.ai/accounts/exporting-usage-and-costs), but no
		// credit balance or prepaid amount left (checked December 2026).
		return Capability{None: "no balance API: Fireworks documents usage and spend per account, not the credit left; see app.fireworks.ai/account/billing"}
	}
	return Capability{None: "no usage or balance API known to byok"}
}

// client sends the GETs of one provider's report API.
type client struct {
	provider string
	base     string
	opt      Options
	http     *http.Client
	auth     func(h http.Header)
}

func newClient(spec providers.Spec, base string, opt Options, auth func(h http.Header)) *client {
	return &client{provider: spec.ID, base: strings.TrimRight(base, "/"), opt: opt, auth: auth,
		http: providers.HTTPClient(providers.Options{HTTPClient: opt.HTTPClient, UserAgent: opt.UserAgent})}
}

// url joins a path and query to the base.
func (c *client) url(path string, q url.Values) string {
	u := c.base + "/" + strings.TrimLeft(path, "/")
	if len(q) > 0 {
		u += "?" + encode(q)
	}
	return u
}

// encode is url.Values.Encode that keeps "[]" in names readable: some
// report APIs document array parameters as group_by[]=….
func encode(q url.Values) string {
	return strings.ReplaceAll(q.Encode(), "%5B%5D=", "[]=")
}

// maxBody bounds one report page.
const maxBody = 32 << 20

// get sends a GET and returns the body of a 2xx answer. A 429 or a server
// error is retried after the provider's Retry-After (or a growing pause),
// up to Options.Retries times; anything else becomes a *providers.Error.
func (c *client) get(ctx context.Context, target string) (gjson.Result, error) {
	timeout := c.opt.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	maxWait := c.opt.MaxWait
	if maxWait <= 0 {
		maxWait = time.Minute
	}
	backoff := time.Second
	for attempt := 0; ; attempt++ {
		body, err := c.once(ctx, target, timeout)
		if err == nil {
			if !gjson.ValidBytes(body) {
				return gjson.Result{}, &providers.Error{Class: providers.ClassServer, Status: http.StatusOK, Provider: c.provider,
					Message: "the report is not JSON: check the provider's base URL in config.toml"}
			}
			return gjson.ParseBytes(body), nil
		}
		var pe *providers.Error
		if !errors.As(err, &pe) || attempt >= c.opt.retries() ||
			(pe.Class != providers.ClassRateLimit && pe.Class != providers.ClassServer && pe.Class != providers.ClassOverloaded) {
			return gjson.Result{}, err
		}
		wait := pe.RetryAfter
		if wait <= 0 {
			wait = backoff
			backoff *= 2
		}
		if wait > maxWait {
			return gjson.Result{}, fmt.Errorf("%w (the provider asks to wait %s; try again later)", err, wait.Round(time.Second))
		}
		if err := c.opt.sleep(ctx, wait); err != nil {
			return gjson.Result{}, providers.TransportError(ctx, c.provider, err)
		}
	}
}

func (c *client) once(ctx context.Context, target string, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: build request: %w", c.provider, err)
	}
	req.Header.Set("Accept", "application/json")
	c.auth(req.Header)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, providers.TransportError(ctx, c.provider, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, providers.TransportError(ctx, c.provider, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, providers.ResponseError(c.provider, resp.StatusCode, resp.Header, body)
	}
	return body, nil
}

// maxPages bounds how many pages one report follows.
const maxPages = 200

// amountOf reads a JSON value (number or string) as an amount in units of
// 10^-scale dollars. A missing or null value is zero and not present.
func amountOf(v gjson.Result, scale int) (money.USD, bool, error) {
	switch v.Type {
	case gjson.Number:
		d, err := money.ParseDecimal(v.Raw, scale)
		return d, err == nil, err
	case gjson.String:
		d, err := money.ParseDecimal(v.Str, scale)
		return d, err == nil, err
	case gjson.Null:
		return 0, false, nil
	}
	if !v.Exists() {
		return 0, false, nil
	}
	return 0, false, fmt.Errorf("%s: %w", v.Raw, money.ErrBadAmount)
}

// utcDay returns midnight UTC of t's UTC day.
func utcDay(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// str returns a JSON string value, or "" for null or anything else.
func str(v gjson.Result) string {
	if v.Type == gjson.String {
		return v.Str
	}
	return ""
}

// badShape is the error of a report whose JSON is not the documented shape.
func badShape(provider, what string, err error) error {
	return &providers.Error{Class: providers.ClassServer, Status: http.StatusOK, Provider: provider,
		Message: fmt.Sprintf("the %s report has an unexpected shape (%v): byok may need an update", what, err)}
}
