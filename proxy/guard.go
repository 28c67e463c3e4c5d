package proxy

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/byokhq/byok/config"
)

// errForbidden is wrapped by every browser-safety refusal.
var errForbidden = errors.New("forbidden")

// checkBrowser guards against requests a web page makes on the user's
// behalf: the Host header must be a loopback name with the proxy's port
// (a rebound DNS name such as evil.example:8787 is refused), and a
// cross-site Origin or Sec-Fetch-Site is refused. port is the port the
// proxy listens on.
func checkBrowser(host, origin, fetchSite, port string) error {
	if err := checkHost(host, port); err != nil {
		return err
	}
	if origin != "" {
		if err := checkOrigin(origin); err != nil {
			return err
		}
	}
	if strings.EqualFold(strings.TrimSpace(fetchSite), "cross-site") {
		return fmt.Errorf("%w: a cross-site request (Sec-Fetch-Site: cross-site); the proxy serves local tools, not web pages", errForbidden)
	}
	return nil
}

// checkBrowserHeaders is checkBrowser over every Origin and Sec-Fetch-Site
// value a request carries: a header sent twice must not hide a cross-site
// value behind a harmless first one.
func checkBrowserHeaders(host string, h http.Header, port string) error {
	origins, sites := h.Values("Origin"), h.Values("Sec-Fetch-Site")
	if err := checkBrowser(host, "", "", port); err != nil {
		return err
	}
	for _, o := range origins {
		if err := checkBrowser(host, o, "", port); err != nil {
			return err
		}
		if o == "" {
			return fmt.Errorf("%w: an empty Origin header beside others; the proxy serves local tools, not web pages", errForbidden)
		}
	}
	for _, s := range sites {
		if err := checkBrowser(host, "", s, port); err != nil {
			return err
		}
	}
	return nil
}

func checkHost(host, port string) error {
	if host == "" {
		return fmt.Errorf("%w: the request has no Host header", errForbidden)
	}
	h, p, err := net.SplitHostPort(host)
	if err != nil {
		// A Host without a port only names the default port.
		if port != "80" {
			return fmt.Errorf("%w: Host %q is not this proxy (want 127.0.0.1:%s or localhost:%s)", errForbidden, host, port, port)
		}
		h, p = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"), port
	}
	if p != port || port == "" || !config.IsLoopbackName(h) {
		return fmt.Errorf("%w: Host %q is not this proxy (want 127.0.0.1:%s or localhost:%s)", errForbidden, host, port, port)
	}
	return nil
}

// checkOrigin accepts only pages served from the loopback interface itself.
// "null" (sandboxed frames, file: pages) and every other origin are refused.
func checkOrigin(origin string) error {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return fmt.Errorf("%w: Origin %q is not a local page; the proxy serves local tools, not web pages", errForbidden, origin)
	}
	if !config.IsLoopbackName(u.Hostname()) {
		return fmt.Errorf("%w: Origin %q is a cross-site page; the proxy serves local tools, not web pages", errForbidden, origin)
	}
	return nil
}

// authHeaders are the request headers SDKs put their API key in; all are
// removed before a request is forwarded.
var authHeaders = []string{"Authorization", "X-Api-Key", "X-Goog-Api-Key", "Api-Key", "X-Key"}

// tokenCandidates returns every credential the request carries.
func tokenCandidates(r *http.Request, queryKey bool) []string {
	var out []string
	for _, v := range r.Header.Values("Authorization") {
		scheme, rest, ok := strings.Cut(strings.TrimSpace(v), " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			out = append(out, strings.TrimSpace(rest))
		}
	}
	for _, h := range authHeaders[1:] {
		for _, v := range r.Header.Values(h) {
			out = append(out, strings.TrimSpace(v))
		}
	}
	if queryKey {
		out = append(out, r.URL.Query()["key"]...)
	}
	return out
}

// validToken compares every credential the request carries with the
// proxy token in constant time.
func validToken(candidates []string, token string) bool {
	ok := 0
	for _, c := range candidates {
		ok |= subtle.ConstantTimeCompare([]byte(c), []byte(token))
	}
	return ok == 1
}
