package reports

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/providers"
)

var errNoData = errors.New("no data")

func errBadDate(raw string) error { return fmt.Errorf("date %s", raw) }

// Balance is what a provider says is left to spend.
type Balance struct {
	Provider string
	// What names the figure: "credits", "key limit", "prepaid balance",
	// "balance".
	What string
	// Currency is "USD" or the provider's currency ("CNY"); amounts are in
	// nano-units of it.
	Currency string
	// Remaining is what is left, when HasRemaining.
	Remaining    money.USD
	HasRemaining bool
	// Total and Used, where the provider tells them.
	Total, Used money.USD
	HasTotal    bool
	// Available is false when the provider says the account cannot spend.
	Unavailable bool
	Note        string
}

// Format writes an amount of the balance's currency: dollars as "$1.23",
// another currency after the figure ("70.00 CNY").
func (b Balance) Format(v money.USD) string {
	s := v.String()
	if b.Currency == "" || b.Currency == "USD" {
		return s
	}
	return strings.Replace(s, "$", "", 1) + " " + b.Currency
}

// XAISecret is the credential of xAI's Management API: a management key
// and the team it bills.
type XAISecret struct {
	ManagementKey string `json:"management_key"`
	TeamID        string `json:"team_id"`
}

// xaiManagementBase is xAI's Management API.
const xaiManagementBase = "https://management-api.x.ai"

// ParseXAISecret reads an xAI management credential.
func ParseXAISecret(s string) (XAISecret, error) {
	var x XAISecret
	if err := json.Unmarshal([]byte(s), &x); err != nil || x.ManagementKey == "" || x.TeamID == "" {
		return XAISecret{}, errors.New(`xAI's Management API takes a management key and a team id as one JSON value: {"management_key": "…", "team_id": "…"}`)
	}
	return x, nil
}

// FetchBalance asks a provider what is left: DeepSeek's balance (ordinary
// key), OpenRouter's credits (management key, admin true) or key limit
// (ordinary key), xAI's prepaid balance (management key and team id).
func FetchBalance(ctx context.Context, spec providers.Spec, secret string, admin bool, opt Options) (Balance, error) {
	switch spec.ID {
	case "deepseek":
		c := bearerClient(spec, secret, opt)
		target := c.url("../user/balance", nil)
		if u, err := url.Parse(target); err == nil {
			target = u.ResolveReference(&url.URL{Path: u.Path}).String()
		}
		doc, err := c.get(ctx, target)
		if err != nil {
			return Balance{}, err
		}
		b := Balance{Provider: spec.ID, What: "balance", Unavailable: !doc.Get("is_available").Bool()}
		infos := doc.Get("balance_infos").Array()
		if len(infos) == 0 {
			return Balance{}, badShape(spec.ID, "balance", errNoData)
		}
		pick := infos[0]
		for _, i := range infos {
			if strings.EqualFold(str(i.Get("currency")), "USD") {
				pick = i
			}
		}
		b.Currency = strings.ToUpper(str(pick.Get("currency")))
		var ok bool
		var err2 error
		if b.Remaining, ok, err2 = amountOf(pick.Get("total_balance"), 0); err2 != nil || !ok {
			return Balance{}, badShape(spec.ID, "balance", errNoData)
		}
		b.HasRemaining = true
		if b.Unavailable {
			b.Note = "DeepSeek says the account cannot make requests"
		}
		return b, nil
	case "openrouter":
		c := bearerClient(spec, secret, opt)
		if admin {
			b, err := openRouterCredits(ctx, c)
			b.HasRemaining = err == nil
			return b, err
		}
		return openRouterKey(ctx, c)
	case "xai":
		x, err := ParseXAISecret(secret)
		if err != nil {
			return Balance{}, err
		}
		c := newClient(spec, xaiBase(spec), opt, bearer(x.ManagementKey))
		doc, err := c.get(ctx, c.url("v1/billing/teams/"+url.PathEscape(x.TeamID)+"/prepaid/balance", nil))
		if err != nil {
			return Balance{}, explainAdmin(spec.ID, err, "xAI refused the management key: create one under Settings → Management Keys with billing read access, and check the team id")
		}
		// The prepaid ledger is kept in cents with the sign inverted: a
		// $10 top-up reads "-1000".
		v, ok, err := amountOf(doc.Get("total.val"), 2)
		if err != nil || !ok {
			return Balance{}, badShape(spec.ID, "prepaid balance", errNoData)
		}
		return Balance{Provider: spec.ID, What: "prepaid balance", Currency: "USD", Remaining: -v, HasRemaining: true,
			Note: "the posted prepaid ledger; spend of the current billing cycle may not be posted yet"}, nil
	}
	return Balance{}, fmt.Errorf("%s: %w", spec.Name, ErrUnsupported)
}

// xaiBase is the Management API's base URL: a configured base_url that is
// not xAI's inference API (a test server) stands in for it.
func xaiBase(spec providers.Spec) string {
	if spec.BaseURL != "" && !strings.Contains(spec.BaseURL, "api.x.ai") {
		return spec.BaseURL
	}
	return xaiManagementBase
}

func bearer(secret string) func(http.Header) {
	return func(h http.Header) { h.Set("Authorization", "Bearer "+secret) }
}

// bearerClient is a client of spec's API that sends the key as a bearer
// token, as OpenAI, OpenRouter and DeepSeek take it.
func bearerClient(spec providers.Spec, secret string, opt Options) *client {
	return newClient(spec, spec.BaseURL, opt, bearer(secret))
}

// FetchDays reads a provider's daily cost and usage reports for the UTC
// days [from, to), without its key list: a reconcile asks for a long range
// in pieces (each stored once complete) and for the keys once.
func FetchDays(ctx context.Context, spec providers.Spec, secret string, from, to time.Time, opt Options) (Report, error) {
	from, to = utcDay(from), utcDay(to)
	if !from.Before(to) {
		return Report{}, fmt.Errorf("the range %s to %s holds no whole UTC day", from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	switch spec.ID {
	case "openai":
		return fetchOpenAI(ctx, bearerClient(spec, secret, opt), from, to)
	case "anthropic":
		return fetchAnthropic(ctx, anthropicClient(spec, secret, opt), from, to)
	case "openrouter":
		return fetchOpenRouter(ctx, bearerClient(spec, secret, opt), from, to)
	}
	return Report{}, fmt.Errorf("%s: %w", spec.Name, ErrUnsupported)
}

// FetchKeys lists a provider's API keys as its admin API shows them, for
// attributing report rows; a provider whose reports name no keys has none.
func FetchKeys(ctx context.Context, spec providers.Spec, secret string, opt Options) ([]APIKey, error) {
	switch spec.ID {
	case "openai":
		return openAIKeys(ctx, bearerClient(spec, secret, opt))
	case "anthropic":
		keys, err := anthropicKeys(ctx, anthropicClient(spec, secret, opt))
		return keys, anthropicRefusal(err)
	}
	return nil, nil
}

// CheckAdmin validates an admin or management credential with the
// cheapest call only such a key may make; a 401 or 403 becomes advice on
// which key the provider wants.
func CheckAdmin(ctx context.Context, spec providers.Spec, secret string, opt Options) error {
	switch spec.ID {
	case "openai":
		return checkOpenAIAdmin(ctx, bearerClient(spec, secret, opt))
	case "anthropic":
		return checkAnthropicAdmin(ctx, anthropicClient(spec, secret, opt))
	case "openrouter":
		return checkOpenRouterAdmin(ctx, bearerClient(spec, secret, opt))
	case "xai":
		_, err := FetchBalance(ctx, spec, secret, true, opt)
		return err
	}
	return fmt.Errorf("%s has no admin or management API byok can use: %w", spec.Name, ErrUnsupported)
}
