package providers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tidwall/gjson"

	"github.com/byokhq/byok/redact"
)

// failure is everything known about one failed exchange, gathered from the
// HTTP response (status, headers, body) or from an error that arrived inside
// a 200 stream.
type failure struct {
	provider string
	status   int
	header   http.Header
	body     []byte // the provider's error body or error event data
	cause    error
	// code is a provider error code known without a body (Bedrock's
	// exception names).
	code string
	// streamed is true when the error arrived after the reply started.
	streamed bool
	// model is the model the request named; empty for calls that name
	// none (key checks, model lists, the usage and cost reports), where a
	// 404 can only mean a wrong base URL.
	model string
}

// providerError is what byok reads from an error body, whatever envelope the
// provider uses (docs/wire-formats.md §3).
type providerError struct {
	message    string
	typ        string // OpenAI error.type, Anthropic error.type
	code       string // OpenAI/OpenRouter error.code (string or number)
	status     string // Gemini error.status (RPC status)
	reasons    []string
	quotaFail  bool // Gemini QuotaFailure detail present
	retryDelay time.Duration
	requestID  string
	limitSrc   string // OpenRouter metadata.limit_source
	httpCode   int    // a numeric error.code
}

func parseProviderError(body []byte) providerError {
	var pe providerError
	doc, ok := parseJSON(body)
	if !ok {
		pe.message = strings.TrimSpace(string(body))
		return pe
	}
	e := doc.Get("error")
	switch {
	case e.IsObject():
	case e.Type == gjson.String:
		pe.message = e.Str
		e = doc
	case doc.Get("response.error").IsObject(): // Responses API response.failed
		e = doc.Get("response.error")
	default:
		e = doc // bare {"message": …} or a Responses "error" event
	}
	if pe.message == "" {
		pe.message = text(e.Get("message"))
	}
	if pe.message == "" {
		pe.message = text(doc.Get("message"))
	}
	if pe.message == "" {
		pe.message = text(doc.Get("detail")) // FastAPI-style servers
	}
	pe.typ = text(e.Get("type"))
	if pe.typ == "error" { // Anthropic's outer type leaked through
		pe.typ = ""
	}
	switch c := e.Get("code"); c.Type {
	case gjson.String:
		pe.code = c.Str
		if n, err := strconv.Atoi(c.Str); err == nil {
			pe.httpCode = n
		}
	case gjson.Number:
		pe.code = c.Raw
		pe.httpCode = int(c.Int())
	}
	pe.status = text(e.Get("status"))
	pe.limitSrc = text(e.Get("metadata.limit_source"))
	pe.requestID = text(doc.Get("request_id"))
	// Some providers name the error in a "reason" field (Novita).
	for _, r := range []gjson.Result{e.Get("reason"), doc.Get("reason")} {
		if t := text(r); t != "" {
			pe.reasons = append(pe.reasons, t)
		}
	}
	for _, d := range e.Get("details").Array() {
		t := text(d.Get("@type"))
		switch {
		case strings.HasSuffix(t, "ErrorInfo"):
			pe.reasons = append(pe.reasons, text(d.Get("reason")))
		case strings.HasSuffix(t, "QuotaFailure"):
			pe.quotaFail = true
		case strings.HasSuffix(t, "RetryInfo"):
			if d, err := time.ParseDuration(text(d.Get("retryDelay"))); err == nil && d > 0 {
				pe.retryDelay = d
			}
		}
	}
	if pe.message == "" && pe.typ == "" && pe.code == "" && !doc.Get("choices").Exists() {
		// An unknown JSON shape: its text is still the best hint. A chat
		// chunk that merely ended in error has nothing worth quoting.
		pe.message = strings.TrimSpace(string(body))
	}
	return pe
}

// has reports whether any of words occurs in s, ignoring case.
func has(s string, words ...string) bool {
	s = strings.ToLower(s)
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// classify decides the error class from status and body together: the same
// status can mean different things (429 is a rate limit or an empty
// account; Anthropic's no-credit is a 400; Gemini's bad key is a 400).
func classify(status int, pe providerError, code string) Class {
	id := strings.ToLower(strings.Join([]string{pe.typ, pe.code, pe.status, code, strings.Join(pe.reasons, " ")}, " "))
	msg := strings.ToLower(pe.message)
	switch {
	case status == http.StatusPaymentRequired,
		has(id, "insufficient_quota", "billing_error", "not_enough_balance", "insufficient_balance"),
		has(msg, "credit balance is too low", "insufficient credits", "insufficient balance",
			"prepayment credits", "credits are depleted", "out of credits", "credit is not enough", "exceeded your current quota") && !pe.quotaFail:
		return ClassCredit
	case status == http.StatusUnauthorized,
		has(id, "api_key_invalid", "invalid_api_key", "authentication_error", "unrecognizedclient",
			"invalidsignature", "expiredtoken", "incomplete_signature", "missingauthentication"),
		has(msg, "api key not valid", "api key not found", "invalid api key", "incorrect api key",
			"invalid x-api-key", "security token included in the request is invalid"):
		return ClassAuth
	case status == http.StatusForbidden && has(msg+" "+id, "moderation", "flagged"):
		return ClassBadRequest
	case status == http.StatusForbidden, has(id, "permission_error", "permission_denied", "accessdenied"):
		return ClassAuth
	case has(id, "context_length_exceeded", "string_above_max_length"),
		has(msg, "maximum context length", "context length", "context window", "prompt is too long",
			"input is too long", "too many input tokens", "exceeds the maximum number of tokens"):
		return ClassContextLength
	case status == http.StatusTooManyRequests,
		has(id, "rate_limit", "resource_exhausted", "throttling", "toomanyrequests", "servicequotaexceeded"):
		return ClassRateLimit
	case status == 529, has(id, "overloaded", "serviceunavailable", "modelnotready"),
		status == http.StatusServiceUnavailable, status == http.StatusBadGateway:
		return ClassOverloaded
	case status == http.StatusRequestTimeout, status == http.StatusGatewayTimeout,
		has(id, "timeout_error", "deadline_exceeded", "modeltimeout"):
		return ClassTimeout
	case status == http.StatusNotFound, has(id, "not_found", "model_not_found", "resourcenotfound"):
		return ClassNotFound
	case status >= 500, has(id, "api_error", "server_error", "internal", "modelstreamerror"):
		return ClassServer
	case status >= 400, has(id, "invalid_request", "invalid_argument", "validation"):
		return ClassBadRequest
	}
	return ClassServer
}

// tryAgainIn finds OpenAI's "Please try again in 644ms" / "in 1.5s".
var tryAgainIn = regexp.MustCompile(`(?i)try again in ([0-9]+(?:\.[0-9]+)?(?:ms|s|m))`)

// retryAfter reads the wait a provider asks for: retry-after-ms, then
// retry-after (seconds or an HTTP date), then Gemini's RetryInfo, then
// OpenAI's wording in the message.
func retryAfter(h http.Header, pe providerError, now time.Time) time.Duration {
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 && ms < 1e9 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 && s < 1e6 {
			return time.Duration(s * float64(time.Second))
		}
		if t, err := http.ParseTime(v); err == nil && t.After(now) {
			return t.Sub(now)
		}
	}
	if pe.retryDelay > 0 {
		return pe.retryDelay
	}
	if m := tryAgainIn.FindStringSubmatch(pe.message); m != nil {
		if d, err := time.ParseDuration(m[1]); err == nil {
			return d
		}
	}
	return 0
}

// requestIDOf finds the provider's request id in headers or body.
func requestIDOf(h http.Header, pe providerError) string {
	for _, k := range []string{"X-Request-Id", "Request-Id", "X-Amzn-Requestid", "X-Amz-Request-Id", "X-Goog-Request-Id", "Cf-Ray"} {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	return pe.requestID
}

// newError turns a failure into the one *Error type, with a message that
// says what to do next. Every provider text in it is redacted.
func newError(f failure) *Error {
	if f.header == nil {
		f.header = http.Header{}
	}
	pe := parseProviderError(f.body)
	status := f.status
	if status == 0 || (f.streamed && status == http.StatusOK) {
		// An error inside a 200 stream: the envelope's own code is the
		// real status when it carries one (OpenRouter).
		status = 0
		if pe.httpCode >= 400 && pe.httpCode < 600 {
			status = pe.httpCode
		}
	}
	class := classify(status, pe, f.code)
	e := &Error{
		Class:      class,
		Status:     status,
		RetryAfter: retryAfter(f.header, pe, time.Now()),
		RequestID:  requestIDOf(f.header, pe),
		Provider:   f.provider,
		Cause:      redactedError(f.cause),
	}
	e.Said = redact.String(shorten(pe.message))
	e.Message = advice(class, f, status, e.RetryAfter, pe.limitSrc)
	if e.Said != "" {
		e.Message += " — provider said: " + e.Said
	}
	e.Message = redact.String(e.Message)
	return e
}

// shorten is a provider's message on one line and at most 300 bytes.
func shorten(msg string) string {
	msg = strings.Join(strings.Fields(msg), " ")
	const maxLen = 300
	if len(msg) > maxLen {
		cut := maxLen
		for cut > 0 && msg[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
			cut--
		}
		msg = msg[:cut] + "…"
	}
	return msg
}

// advice is the first, actionable part of an error message for failure f,
// classified c with the given status and wait.
func advice(c Class, f failure, status int, wait time.Duration, limitSource string) string {
	st := ""
	if status != 0 {
		st = fmt.Sprintf(" (%d)", status)
	}
	mid := ""
	if f.streamed {
		mid = " mid-reply"
	}
	switch c {
	case ClassAuth:
		return fmt.Sprintf("the key was rejected%s: check it with `byok keys test`, or replace it with `byok keys rotate`", st)
	case ClassCredit:
		if limitSource == "openrouter_key_limit" {
			return fmt.Sprintf("this key reached its spending limit%s: nothing was charged; raise the key's limit at the provider or use another key", st)
		}
		return fmt.Sprintf("the account is out of credit%s: nothing was charged; add credit or check billing at the provider, then retry", st)
	case ClassRateLimit:
		if wait > 0 {
			return fmt.Sprintf("rate limited%s: retry in %s", st, roundWait(wait))
		}
		return fmt.Sprintf("rate limited%s: wait a little and retry, or lower the request rate", st)
	case ClassOverloaded:
		if wait > 0 {
			return fmt.Sprintf("the provider is overloaded%s%s: retry in %s", st, mid, roundWait(wait))
		}
		return fmt.Sprintf("the provider is overloaded%s%s: retry in a little while or pick another model", st, mid)
	case ClassContextLength:
		return fmt.Sprintf("the prompt is too long for this model%s: shorten it or pick a model with a larger context window", st)
	case ClassNotFound:
		if f.model == "" {
			return fmt.Sprintf("not found%s: check the provider's base URL (`byok providers` shows it; set base_url under [providers.%s] in config.toml)", st, f.provider)
		}
		return fmt.Sprintf("not found%s: check the model name (`byok models %s --live`) and the provider's base URL", st, f.provider)
	case ClassTimeout:
		return fmt.Sprintf("the request timed out%s%s: retry, or raise the timeout", st, mid)
	case ClassBadRequest:
		return fmt.Sprintf("the provider rejected the request%s: check the model and parameters", st)
	case ClassCancelled:
		return "the request was cancelled"
	case ClassNetwork:
		return "network error" + mid + ": check the connection and the provider's base URL"
	default:
		return fmt.Sprintf("the provider failed%s%s: retry later", st, mid)
	}
}

func roundWait(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(time.Second)
	}
	return d.Round(time.Millisecond)
}

// transportError classifies an error that came with no provider response:
// cancellation, deadline, refused or dropped connections.
func transportError(provider string, ctx context.Context, err error, streamed bool) *Error {
	e := &Error{Provider: provider, Cause: redactedError(err)}
	mid := ""
	if streamed {
		mid = " mid-reply"
	}
	var ne net.Error
	var stall *stallError
	switch {
	case errors.As(err, &stall):
		e.Class = ClassNetwork
		e.Message = stall.Error() + mid + " and byok stopped waiting: "
		if streamed {
			e.Message += "the partial reply was kept; retry"
		} else {
			e.Message += "retry, or pick another model if it keeps happening"
		}
	case errors.Is(err, context.Canceled) || (ctx != nil && errors.Is(ctx.Err(), context.Canceled)):
		e.Class = ClassCancelled
		e.Message = "the request was cancelled" + mid
	case errors.Is(err, context.DeadlineExceeded) || (ctx != nil && errors.Is(ctx.Err(), context.DeadlineExceeded)) ||
		(errors.As(err, &ne) && ne.Timeout()):
		e.Class = ClassTimeout
		e.Message = "the request timed out" + mid + ": retry, or raise the timeout"
	default:
		e.Class = ClassNetwork
		e.Message = networkAdvice(err, streamed)
	}
	e.Message = redact.String(e.Message)
	return e
}

func networkAdvice(err error, streamed bool) string {
	host := ""
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			host = u.Host
		}
	}
	switch {
	case streamed || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET):
		return "the connection dropped mid-reply: the partial reply was kept; retry"
	case errors.Is(err, syscall.ECONNREFUSED):
		if host != "" {
			return "could not connect to " + host + ": is the server running, and is the base URL right?"
		}
		return "the connection was refused: is the server running, and is the base URL right?"
	case host != "":
		return "could not reach " + host + ": check the connection and the provider's base URL"
	}
	return "network error: check the connection and the provider's base URL"
}

// redactedError keeps an error's chain for errors.Is/As while making sure
// its text carries no secret.
func redactedError(err error) error {
	if err == nil {
		return nil
	}
	return &scrubbed{err: err}
}

type scrubbed struct{ err error }

func (s *scrubbed) Error() string { return redact.String(s.err.Error()) }
func (s *scrubbed) Unwrap() error { return s.err }
