package providers

import (
	"context"
	"net/http"
)

// These exports let other clients of a provider's HTTP API (the usage, cost
// and balance reports) send requests and read errors exactly as the adapters
// do, without a second copy of the error classification.

// HTTPClient returns the client byok sends provider calls with: the
// caller's client (or a default one) with the User-Agent it sets. The
// caller's client is never changed.
func HTTPClient(opt Options) *http.Client { return httpClient(opt) }

// ResponseError turns a provider's answer that is not a 2xx into the one
// *Error type: class, status, retry-after and a redacted message that says
// what to do next.
func ResponseError(provider string, status int, header http.Header, body []byte) *Error {
	return newError(failure{provider: provider, status: status, header: header, body: body})
}

// TransportError turns a request that got no answer (cancelled, timed out,
// refused) into an *Error.
func TransportError(ctx context.Context, provider string, err error) *Error {
	return transportError(provider, ctx, err, false)
}
