package proxy

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/redact"
)

// shape is the error envelope the calling SDK understands.
type shape int

const (
	shapeOpenAI shape = iota
	shapeAnthropic
	shapeGemini
)

// shapeOfKind is the envelope of a provider's own API.
func shapeOfKind(k providers.Kind) shape {
	switch k {
	case providers.KindAnthropic:
		return shapeAnthropic
	case providers.KindGemini:
		return shapeGemini
	}
	return shapeOpenAI
}

// shapeOfPath guesses the envelope from the route, for refusals that happen
// before the provider is known.
func shapeOfPath(p string) shape {
	switch {
	case strings.HasPrefix(p, "/anthropic/"), p == "/v1/messages", strings.HasPrefix(p, "/v1/messages/"):
		return shapeAnthropic
	case strings.HasPrefix(p, "/gemini/"):
		return shapeGemini
	}
	return shapeOpenAI
}

// writeError answers with the proxy's own error in the caller's envelope:
// OpenAI {"error":{"message","type","param","code"}}, Anthropic
// {"type":"error","error":{"type","message"}}, Gemini
// {"error":{"code","message","status"}}. The message is redacted.
func writeError(w http.ResponseWriter, sh shape, status int, code, msg string) {
	msg = redact.String(msg)
	var body any
	switch sh {
	case shapeAnthropic:
		body = map[string]any{"type": "error", "error": map[string]any{"type": anthropicType(status), "message": msg}}
	case shapeGemini:
		body = map[string]any{"error": map[string]any{"code": status, "message": msg, "status": rpcStatus(status)}}
	default:
		body = map[string]any{"error": map[string]any{"message": msg, "type": openAIType(status), "param": nil, "code": code}}
	}
	b, _ := json.Marshal(body)
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("X-Byok-Error", code)
	w.WriteHeader(status)
	_, _ = w.Write(b) // a client that went away has nothing left to tell
}

func anthropicType(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusMethodNotAllowed:
		return "invalid_request_error"
	case http.StatusUnauthorized:
		return "authentication_error"
	case http.StatusPaymentRequired:
		return "billing_error"
	case http.StatusForbidden:
		return "permission_error"
	case http.StatusNotFound:
		return "not_found_error"
	case http.StatusRequestEntityTooLarge:
		return "request_too_large"
	case http.StatusTooManyRequests:
		return "rate_limit_error"
	case http.StatusServiceUnavailable:
		return "overloaded_error"
	}
	return "api_error"
}

func rpcStatus(status int) string {
	switch status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusMethodNotAllowed:
		return "INVALID_ARGUMENT"
	case http.StatusUnauthorized:
		return "UNAUTHENTICATED"
	case http.StatusPaymentRequired:
		return "FAILED_PRECONDITION"
	case http.StatusForbidden:
		return "PERMISSION_DENIED"
	case http.StatusNotFound:
		return "NOT_FOUND"
	case http.StatusTooManyRequests:
		return "RESOURCE_EXHAUSTED"
	case http.StatusBadGateway, http.StatusServiceUnavailable:
		return "UNAVAILABLE"
	}
	return "INTERNAL"
}

func openAIType(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "authentication_error"
	case http.StatusPaymentRequired:
		return "insufficient_quota"
	case http.StatusForbidden:
		return "permission_error"
	case http.StatusNotFound:
		return "not_found_error"
	}
	if status >= 500 {
		return "server_error"
	}
	return "invalid_request_error"
}

// upstreamError describes a provider's error response for the record. The
// body the client receives is the provider's own (redacted); this only
// decides the class the event is filed under.
func upstreamError(provider string, status int, body []byte) *providers.Error {
	text := strings.ToLower(string(body))
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(text, w) {
				return true
			}
		}
		return false
	}
	var c providers.Class
	switch {
	case status == http.StatusPaymentRequired,
		has("insufficient_quota", "billing_error", "credit balance is too low", "insufficient credits", "insufficient balance", "prepayment credits"):
		c = providers.ClassCredit
	case status == http.StatusUnauthorized, status == http.StatusForbidden, has("api_key_invalid", "invalid_api_key", "authentication_error"):
		c = providers.ClassAuth
	case status == http.StatusTooManyRequests:
		c = providers.ClassRateLimit
	case status == 529, status == http.StatusServiceUnavailable, status == http.StatusBadGateway, has("overloaded_error"):
		c = providers.ClassOverloaded
	case status == http.StatusRequestTimeout, status == http.StatusGatewayTimeout:
		c = providers.ClassTimeout
	case status == http.StatusNotFound:
		c = providers.ClassNotFound
	case status >= 500:
		c = providers.ClassServer
	default:
		c = providers.ClassBadRequest
	}
	msg := "the provider answered HTTP " + strconv.Itoa(status)
	if status == 0 {
		msg = "the provider reported an error mid-reply"
	}
	if d := snippet(body); d != "" {
		msg += ": " + d
	}
	return &providers.Error{Class: c, Status: status, Provider: provider, Message: redact.String(msg)}
}

// snippet is the start of a body on one line, for an error message.
func snippet(b []byte) string {
	const maxLen = 300
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > maxLen {
		cut := maxLen
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "…"
	}
	return redact.String(s)
}
