package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/budget"
	"github.com/byokhq/byok/store"
	"github.com/byokhq/byok/store/keychain"
)

// ServeHTTP checks the request — Host, Origin, token, size — places it,
// passes the budget check, forwards it and records it. A refused request
// never reaches a provider.
//
// A stream can stay open for minutes with this goroutine waiting on the
// provider, so the work before and after the relay happens in calls that
// have returned by then: the frames left waiting stay small enough for
// the runtime to halve the goroutine's stack, 8 KB a stream saved.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t, run := s.admit(w, r)
	if run == nil {
		return
	}
	rl := s.send(r.Context(), w, r, t, run)
	if rl == nil {
		return
	}
	defer rl.resp.Body.Close()
	// Cancel ends a write to a client that stopped reading too, so that a
	// proxy stopped at once is not held by it.
	defer context.AfterFunc(s.base, func() { _ = rl.rc.SetWriteDeadline(time.Now()) })()
	s.settle(rl, rl.copy())
}

// admit checks and places the request and begins it in the app. A refused
// request is answered here and gets a nil run.
func (s *Server) admit(w http.ResponseWriter, r *http.Request) (*target, *app.Run) {
	sh := shapeOfPath(r.URL.Path)
	if err := checkBrowserHeaders(r.Host, r.Header, s.listenPort()); err != nil {
		writeError(w, sh, http.StatusForbidden, "byok_forbidden", err.Error())
		return nil, nil
	}
	family, rest := routeFamily(r.URL.Path)
	if !s.token.accepts(tokenCandidates(r, family == "gemini" || family == "pass")) {
		writeError(w, sh, http.StatusUnauthorized, "byok_invalid_token",
			"missing or wrong proxy token: use the token `byok proxy token` prints as your API key")
		return nil, nil
	}
	if s.serveMetrics(w, r) {
		return nil, nil
	}
	if hasDotSegment(r.URL.Path) {
		// /p/openai/../../admin would reach the provider's host outside
		// its base path, with the real key attached.
		writeError(w, sh, http.StatusBadRequest, "byok_bad_path",
			"the path holds a '.' or '..' segment; the proxy forwards only paths below the provider's base URL")
		return nil, nil
	}
	if family == "" {
		writeError(w, sh, http.StatusNotFound, "byok_no_route",
			fmt.Sprintf("the proxy does not serve %s: use /v1/... (OpenAI), /anthropic/v1/messages, /gemini/v1beta/... or /p/PROVIDER/...", r.URL.Path))
		return nil, nil
	}
	if r.Method == http.MethodOptions {
		writeError(w, sh, http.StatusMethodNotAllowed, "byok_method", "the proxy does not answer OPTIONS: it serves local tools, not web pages")
		return nil, nil
	}
	body, err := s.readBody(w, r)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			writeError(w, sh, http.StatusRequestEntityTooLarge, "byok_body_too_large",
				fmt.Sprintf("the request body is over the proxy's limit of %s: raise [proxy] max_body_mb in config.toml", sizeText(s.maxBody)))
			return nil, nil
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			writeError(w, sh, http.StatusRequestTimeout, "byok_body_timeout",
				fmt.Sprintf("the request body did not arrive within %s", s.bodyWait))
			return nil, nil
		}
		writeError(w, sh, http.StatusBadRequest, "byok_bad_body", "could not read the request body: "+err.Error())
		return nil, nil
	}
	if s.app.Config.OfflineDemo {
		writeError(w, sh, http.StatusServiceUnavailable, "byok_offline_demo",
			"this is an offline demo home: its providers are simulated on this machine and cannot be reached through the proxy; run `byok proxy` in a home of your own")
		return nil, nil
	}
	t, err := s.resolve(r, family, rest, body)
	if err != nil {
		var re *routeError
		if errors.As(err, &re) {
			writeError(w, sh, re.status, re.code, re.msg)
		} else {
			writeError(w, sh, http.StatusBadRequest, "byok_bad_request", err.Error())
		}
		return nil, nil
	}
	call := app.Call{
		Provider: t.spec.ID, Model: t.model, KeyLabel: strings.TrimSpace(r.Header.Get(headerKey)),
		Source: store.SourceProxy, Client: clientName(r.UserAgent()),
		PromptText: promptText(t.body),
		Request:    requestOf(t),
		Free:       t.free,
	}
	if t.unreadable {
		call.Unreadable = "byok could not read the request body (it is not JSON): its model and prompt are unknown"
	}
	run, err := s.app.Begin(r.Context(), call)
	if err != nil {
		status, code := beginStatus(err)
		msg := err.Error()
		// The app words a key that cannot send for the CLI's --key flag,
		// which a proxy client does not have: the answer names the header.
		if uk := (*app.UnusableKeyError)(nil); errors.As(err, &uk) {
			msg = uk.Explain(fmt.Sprintf("name another of %s's keys in the x-byok-key header, or leave the header out for its default key (see `byok keys list`)", uk.Provider))
		}
		writeError(w, t.shape, status, code, msg)
		return nil, nil
	}
	// The reply ends once the request is recorded; its alerts follow.
	run.DeferAlerts = true
	return t, run
}

// hasDotSegment reports whether a (decoded) path has a "." or ".."
// segment, which an upstream server would resolve against the provider's
// base path. A backslash counts as a separator, as some servers take it.
func hasDotSegment(p string) bool {
	for seg := range strings.FieldsFuncSeq(p, func(r rune) bool { return r == '/' || r == '\\' }) {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// sizeText writes a byte count in whole MB, or KB below a megabyte.
func sizeText(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d KB", n>>10)
}

// readBody reads the whole request body within the size limit.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > s.maxBody {
		return nil, &http.MaxBytesError{Limit: s.maxBody}
	}
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	// The server bounds the time to read headers; the body gets its own
	// bound, lifted once it is in so that a long streamed reply is not cut.
	rc := http.NewResponseController(w)
	bounded := rc.SetReadDeadline(time.Now().Add(s.bodyWait)) == nil
	body, err := readAll(http.MaxBytesReader(w, r.Body, s.maxBody), r.ContentLength)
	if err != nil {
		// The deadline stays: the server reads what is left of a body
		// before it answers, and that must not wait without bound either.
		// The connection closes after the answer.
		w.Header().Set("Connection", "close")
		return nil, err
	}
	if bounded {
		if err := rc.SetReadDeadline(time.Time{}); err != nil {
			return nil, fmt.Errorf("lift the body's read deadline: %w", err)
		}
	}
	return body, nil
}

// maxPrealloc bounds the buffer readAll gives a body before its bytes
// arrive: a client that declares a large body and sends nothing holds no
// more than this for as long as the body may take.
const maxPrealloc = 1 << 20

// readAll reads rd to its end into a buffer sized for the length the
// request declares (at most the limit, which the caller checked), where
// io.ReadAll would start at 512 bytes and grow and copy its way up to a
// large prompt. Past maxPrealloc the buffer doubles as the bytes come,
// up to the declared length.
func readAll(rd io.Reader, length int64) ([]byte, error) {
	if length <= 0 {
		return io.ReadAll(rd)
	}
	// One byte more than declared, so that the read that finds the end
	// has room.
	b := make([]byte, 0, min(length, maxPrealloc)+1)
	for {
		if len(b) == cap(b) {
			b = slices.Grow(b, max(512, min(len(b), int(length)+1-len(b))))
		}
		n, err := rd.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
}

// beginStatus maps a failed Begin to the status the client sees: 402 for a
// hard budget, 503 for a keyring that cannot answer, 400 otherwise (no key,
// unknown model).
func beginStatus(err error) (int, string) {
	switch {
	case errors.Is(err, budget.ErrBudgetExceeded):
		return http.StatusPaymentRequired, "byok_budget_exceeded"
	case errors.Is(err, keychain.ErrUnavailable), errors.Is(err, keychain.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, "byok_keyring_unavailable"
	case errors.Is(err, keychain.ErrNotFound), errors.Is(err, store.ErrNotFound), errors.As(err, new(*app.UnusableKeyError)):
		return http.StatusBadRequest, "byok_no_key"
	case errors.Is(err, app.ErrInput):
		return http.StatusBadRequest, "byok_bad_request"
	}
	return http.StatusBadRequest, "byok_cannot_send"
}

// clientName is the calling tool's name: the first product token of its
// User-Agent without the version ("OpenAI/Go 3.1" → "OpenAI/Go",
// "curl/8.5.0" → "curl"), at most 64 printable characters.
func clientName(ua string) string {
	tok, _, _ := strings.Cut(strings.TrimSpace(ua), " ")
	if i := strings.LastIndexByte(tok, '/'); i > 0 && i+1 < len(tok) && unicode.IsDigit(rune(tok[i+1])) {
		tok = tok[:i]
	}
	tok = strings.Map(func(r rune) rune {
		if r < 0x21 || r > 0x7e {
			return -1
		}
		return r
	}, tok)
	if len(tok) > 64 {
		tok = tok[:64]
	}
	return tok
}
