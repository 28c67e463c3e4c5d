package providers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/tidwall/gjson"

	"github.com/byokhq/byok/redact"
)

// maxListBody bounds a model list or key-check body (OpenRouter's model
// list is over a megabyte).
const maxListBody = 32 << 20

// maxPages bounds how many pages ListModels follows.
const maxPages = 50

// CheckKey validates secret against spec with the provider's cheapest call
// (docs/wire-formats.md §4): GET models for most, OpenRouter's /key, DeepSeek's
// /user/balance, Bedrock's foundation-model list. It returns nil or an
// *Error: auth for a rejected key, credit when the answer shows the account
// cannot spend, network when the provider could not be reached.
func CheckKey(ctx context.Context, spec Spec, secret string, opt Options) error {
	if spec.Kind == KindDemo {
		return checkDemoKey(spec, secret)
	}
	ctx, cancel := withTimeout(ctx, opt.Timeout, DefaultCheckTimeout)
	defer cancel()
	c, err := newCaller(spec, secret, opt)
	if err != nil {
		return err
	}
	target, err := c.checkURL()
	if err != nil {
		return err
	}
	body, err := c.get(ctx, target)
	if err != nil {
		return err
	}
	doc, _ := parseJSON(body)
	// DeepSeek's balance and OpenRouter's key limit tell whether the key can
	// spend; the other checks only prove the key is known.
	if v := doc.Get("is_available"); v.Type == gjson.False {
		return &Error{Class: ClassCredit, Status: http.StatusOK, Provider: spec.ID,
			Message: "the key is valid but the account has no usable balance: add credit at the provider, then retry"}
	}
	if v := doc.Get("credits"); spec.Kind == KindBFL && v.Type == gjson.Number && v.Float() <= 0 {
		return &Error{Class: ClassCredit, Status: http.StatusOK, Provider: spec.ID,
			Message: "the key is valid but the account has no credits left: buy credits at the provider, then retry"}
	}
	if v := doc.Get("data.limit_remaining"); v.Type == gjson.Number && v.Float() <= 0 {
		return &Error{Class: ClassCredit, Status: http.StatusOK, Provider: spec.ID,
			Message: "the key is valid but has reached its spending limit: raise the key's limit at the provider or use another key"}
	}
	return nil
}

// ListModels returns the model ids the provider offers to this key, sorted.
// Azure answers with the secret's deployment, the only model its requests
// reach.
func ListModels(ctx context.Context, spec Spec, secret string, opt Options) ([]string, error) {
	if spec.Kind == KindDemo {
		return nil, &Error{Class: ClassBadRequest, Provider: spec.ID,
			Message: "an offline demo home lists no live models: `byok models` shows the catalog's"}
	}
	ctx, cancel := withTimeout(ctx, opt.Timeout, DefaultCheckTimeout)
	defer cancel()
	c, err := newCaller(spec, secret, opt)
	if err != nil {
		return nil, err
	}
	if c.azure != nil {
		return []string{c.azure.Deployment}, nil
	}
	if c.kind == KindBFL {
		return nil, &Error{Class: ClassNotFound, Provider: spec.ID,
			Message: spec.Name + " publishes no model list: `byok models " + spec.ID + "` shows the catalog's models and prices"}
	}
	var ids []string
	next := ""
	for page := 0; page < maxPages; page++ {
		target, err := c.listURL(next)
		if err != nil {
			return nil, err
		}
		body, err := c.get(ctx, target)
		if err != nil {
			return nil, err
		}
		doc, ok := parseJSON(body)
		if !ok {
			return nil, &Error{Class: ClassServer, Status: http.StatusOK, Provider: spec.ID,
				Message: "the provider's model list is not JSON: check the base URL points at the right API"}
		}
		var more string
		ids, more = c.readList(doc, ids)
		if more == "" {
			break
		}
		next = more
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// caller makes the plain HTTP calls of CheckKey and ListModels.
type caller struct {
	spec    Spec
	kind    Kind
	base    string
	key     string
	client  *http.Client
	azure   *AzureSecret
	bedrock *BedrockSecret
}

func newCaller(spec Spec, secret string, opt Options) (*caller, error) {
	c := &caller{spec: spec, kind: spec.Kind, base: trimBase(spec.BaseURL), key: secret, client: httpClient(opt)}
	switch {
	case spec.isAzure():
		s, err := ParseAzureSecret(secret)
		if err != nil {
			return nil, &Error{Class: ClassAuth, Provider: spec.ID, Message: err.Error()}
		}
		redact.Register(s.APIKey)
		c.kind, c.azure, c.key = KindAzure, &s, s.APIKey
	case spec.Kind == KindBedrock:
		s, err := ParseBedrockSecret(secret)
		if err != nil {
			return nil, &Error{Class: ClassAuth, Provider: spec.ID, Message: err.Error()}
		}
		redact.Register(s.SecretAccessKey)
		c.bedrock = &s
		if strings.Contains(spec.BaseURL, "{region}") {
			// The model list lives on the control-plane host, not the
			// runtime one.
			c.base = "https://bedrock." + s.Region + ".amazonaws.com"
		} else {
			c.base = bedrockBase(spec, s)
		}
	default:
		if secret == "" && !spec.NoKey {
			return nil, missingKey(spec)
		}
		redact.Register(secret)
		if c.base == "" {
			return nil, errNoBaseURL(spec)
		}
	}
	return c, nil
}

// resolve joins a path (which may climb out of the version path) to base.
func (c *caller) resolve(p string) (string, error) {
	b, err := url.Parse(c.base + "/")
	if err != nil {
		return "", fmt.Errorf("provider %s: the base URL %q is not a URL: %w", c.spec.ID, c.base, err)
	}
	ref, err := url.Parse(p)
	if err != nil {
		return "", fmt.Errorf("provider %s: bad key-check path %q: %w", c.spec.ID, p, err)
	}
	return b.ResolveReference(ref).String(), nil
}

func (c *caller) azureModels() string {
	if c.azure.v1() {
		return c.azure.Endpoint + "/openai/v1/models"
	}
	return c.azure.Endpoint + "/openai/models?api-version=" + url.QueryEscape(c.azure.APIVersion)
}

func (c *caller) checkURL() (string, error) {
	switch c.kind {
	case KindAzure:
		return c.azureModels(), nil
	case KindOpenAI, KindResponses, KindBFL:
		if c.spec.KeyCheckPath != "" {
			return c.resolve(c.spec.KeyCheckPath)
		}
		return c.resolve("models")
	}
	return c.listURL("")
}

// listURL is the model list's URL; next is the previous page's cursor.
func (c *caller) listURL(next string) (string, error) {
	switch c.kind {
	case KindAnthropic:
		q := url.Values{"limit": {"1000"}}
		if next != "" {
			q.Set("after_id", next)
		}
		return c.resolve("v1/models?" + q.Encode())
	case KindGemini:
		q := url.Values{"pageSize": {"1000"}}
		if next != "" {
			q.Set("pageToken", next)
		}
		return c.resolve("v1beta/models?" + q.Encode())
	case KindBedrock:
		return c.resolve("foundation-models")
	case KindAzure:
		return c.azureModels(), nil
	}
	return c.resolve("models")
}

// readList appends the ids of one page and returns the next page's cursor.
func (c *caller) readList(doc gjson.Result, ids []string) ([]string, string) {
	switch c.kind {
	case KindAnthropic:
		for _, m := range doc.Get("data").Array() {
			ids = append(ids, text(m.Get("id")))
		}
		if doc.Get("has_more").Bool() {
			return ids, text(doc.Get("last_id"))
		}
		return ids, ""
	case KindGemini:
		for _, m := range doc.Get("models").Array() {
			ids = append(ids, strings.TrimPrefix(text(m.Get("name")), "models/"))
		}
		return ids, text(doc.Get("nextPageToken"))
	case KindBedrock:
		for _, m := range doc.Get("modelSummaries").Array() {
			ids = append(ids, text(m.Get("modelId")))
		}
		return ids, ""
	}
	for _, m := range doc.Get("data").Array() {
		ids = append(ids, text(m.Get("id")))
	}
	return slices.DeleteFunc(ids, func(s string) bool { return s == "" }), ""
}

// get sends an authenticated GET and returns the body of a 2xx answer; any
// other answer or failure becomes an *Error.
func (c *caller) get(ctx context.Context, target string) ([]byte, error) {
	ctx, x := withExchange(ctx)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, fmt.Errorf("provider %s: build request: %w", c.spec.ID, redactedError(err))
	}
	req.Header.Set("Accept", "application/json")
	if err := c.authorize(ctx, req); err != nil {
		return nil, err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, transportError(c.spec.ID, ctx, err, false)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxListBody))
	if err != nil {
		return nil, transportError(c.spec.ID, ctx, err, false)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		status, header, _ := x.snapshot()
		code := ""
		if c.kind == KindBedrock {
			code = strings.SplitN(header.Get("X-Amzn-Errortype"), ":", 2)[0]
		}
		return nil, newError(failure{provider: c.spec.ID, status: status, header: header, body: body, code: code})
	}
	return body, nil
}

// authorize puts the key where the provider expects it: never in the URL.
func (c *caller) authorize(ctx context.Context, req *http.Request) error {
	switch c.kind {
	case KindAnthropic:
		req.Header.Set("x-api-key", c.key)
		req.Header.Set("anthropic-version", anthropicVersion)
	case KindGemini:
		req.Header.Set("x-goog-api-key", c.key)
	case KindAzure:
		req.Header.Set("api-key", c.key)
	case KindBFL:
		req.Header.Set("x-key", c.key)
	case KindBedrock:
		s := c.bedrock
		empty := sha256.Sum256(nil)
		creds := aws.Credentials{AccessKeyID: s.AccessKeyID, SecretAccessKey: s.SecretAccessKey, SessionToken: s.SessionToken}
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(empty[:]), "bedrock", s.Region, time.Now()); err != nil {
			return &Error{Class: ClassAuth, Provider: c.spec.ID, Cause: redactedError(err),
				Message: "could not sign the request with the stored AWS credentials: check them with `byok keys test`"}
		}
	default:
		if c.key != "" {
			req.Header.Set("Authorization", "Bearer "+c.key)
		}
	}
	return nil
}
