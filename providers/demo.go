package providers

import (
	"context"
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// DemoRevokedPrefix starts the secret of a demo key that the simulated
// provider refuses, so a demo home can show what a rejected key looks like.
const DemoRevokedPrefix = "demo-revoked-"

// demoStreamer stands in for a provider in an offline demo home: it makes a
// reply up on this machine and streams it at a model-like pace, reports the
// usage a real provider would (so the reply is priced at the provider's real
// price), and now and then fails as providers do — rate limited before any
// output, or cut mid-reply. Nothing leaves the machine.
type demoStreamer struct {
	spec   Spec
	secret string
	opt    Options
}

var _ Streamer = (*demoStreamer)(nil)

// demoCalls numbers the requests of this process, so that the same prompt
// sent twice need not meet the same fate.
var demoCalls atomic.Uint64

// demoPace is how a model of the demo answers: time to the first token,
// time per output token, and whether it reasons first.
type demoPace struct {
	first, perToken time.Duration
	reasons         bool
}

// paceOf guesses a model's pace from its name: small models answer fast,
// reasoning models think before they answer.
func paceOf(model string) demoPace {
	m := strings.ToLower(model)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(m, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("mini", "flash", "haiku", "lite", "8b", "instant", "small", "nano"):
		return demoPace{first: 180 * time.Millisecond, perToken: 8 * time.Millisecond}
	case has("o1", "o3", "o4", "opus", "reasoner", "r1", "gpt-5", "pro", "grok-4", "thinking"):
		return demoPace{first: 700 * time.Millisecond, perToken: 18 * time.Millisecond, reasons: true}
	}
	return demoPace{first: 350 * time.Millisecond, perToken: 14 * time.Millisecond}
}

// demoRevokedMessage is the simulated provider's refusal of a revoked
// stand-in. It offers another key, not a rotation: a demo home takes no new
// secrets.
const demoRevokedMessage = "the key was rejected: this demo key stands for a revoked one and is refused on purpose; use another of the demo's keys (every other one works)"

// checkDemoKey is CheckKey for a simulated provider: every key is good but
// the revoked stand-ins.
func checkDemoKey(spec Spec, secret string) error {
	switch {
	case secret == "":
		return missingKey(spec)
	case strings.HasPrefix(secret, DemoRevokedPrefix):
		return &Error{Class: ClassAuth, Status: http.StatusUnauthorized, Provider: spec.ID,
			Message: demoRevokedMessage}
	}
	return nil
}

func newDemo(spec Spec, secret string, opt Options) *demoStreamer {
	return &demoStreamer{spec: spec, secret: secret, opt: opt}
}

// Stream implements Streamer.
func (s *demoStreamer) Stream(ctx context.Context, req Request, emit func(Event)) (Result, error) {
	r, cancel := startRun(ctx, s.spec, s.opt, req, emit)
	defer cancel()
	if strings.HasPrefix(s.secret, DemoRevokedPrefix) {
		return r.result(), &Error{Class: ClassAuth, Status: http.StatusUnauthorized, Provider: s.spec.ID,
			Message: demoRevokedMessage}
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%s\x00%s\x00%d", s.spec.ID, req.Model, lastUserText(req), demoCalls.Add(1))
	seed := h.Sum64()
	pace := paceOf(req.Model)
	r.requestID = fmt.Sprintf("demo_%016x", seed)

	// One request in thirty is turned away before any output, as a busy
	// provider does; one in forty is cut mid-reply.
	fate := seed % 120
	if fate < 4 {
		if err := demoWait(r.ctx, pace.first/2); err != nil {
			return r.done(err)
		}
		return r.result(), &Error{Class: ClassRateLimit, Status: http.StatusTooManyRequests, Provider: s.spec.ID,
			RetryAfter: time.Second, RequestID: r.requestID,
			Message: "rate limited (429), as the offline demo sometimes is: wait a moment and send again"}
	}
	cut := fate >= 4 && fate < 7

	if err := demoWait(r.ctx, pace.first); err != nil {
		return r.done(err)
	}
	if pace.reasons {
		for _, w := range demoWords("Working out what is asked, which facts matter and how to lay the answer out before writing it.") {
			r.reasoningDelta(w)
		}
	}
	words := demoWords(demoReply(s.spec, req, seed))
	limit := len(words)
	if req.MaxTokens > 0 {
		// A word is about a token and a third; stop where the cap would.
		limit = min(limit, req.MaxTokens*3/4+1)
	}
	if cut {
		limit = limit / 2
	}
	for i, w := range words[:limit] {
		if i > 0 && !req.NoStream {
			if err := demoWait(r.ctx, pace.perToken*4/3); err != nil {
				r.estimateOutput()
				return r.done(err)
			}
		}
		r.textDelta(w)
	}
	if cut {
		r.estimateOutput()
		return r.result(), &Error{Class: ClassNetwork, Provider: s.spec.ID, RequestID: r.requestID,
			Message: "the connection was cut mid-reply (simulated by the offline demo): send again"}
	}

	u := Usage{Input: estimateRequest(req), Output: EstimateTokens(r.text.String())}
	if pace.reasons {
		u.Reasoning = EstimateTokens(r.reasoning.String()) + int64(seed%400)
		u.Output += u.Reasoning
	}
	// A conversation's earlier turns come from the provider's prompt cache,
	// as they would from a real one once the prompt is long enough.
	if len(req.Messages) > 1 {
		earlier := req
		earlier.Messages = req.Messages[:len(req.Messages)-1]
		if cached := estimateRequest(earlier); cached >= 1024 && cached < u.Input {
			u.CacheRead, u.Input = cached, u.Input-cached
		}
	}
	r.setUsage(u)
	res := r.result()
	res.Status = http.StatusOK
	return res, nil
}

// demoWait sleeps d or until ctx ends.
func demoWait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// demoWords splits text into stream deltas, a word (with the space before
// it) at a time.
func demoWords(text string) []string {
	var out []string
	start := 0
	for i := 1; i < len(text); i++ {
		if text[i] == ' ' || text[i] == '\n' {
			out = append(out, text[start:i])
			start = i
		}
	}
	return append(out, text[start:])
}

func lastUserText(req Request) string {
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if req.Messages[i].Role == RoleUser {
			return req.Messages[i].Content
		}
	}
	return ""
}

// demoTopics are the bodies of the demo's replies, picked by the prompt.
var demoTopics = []string{
	"Budgets in byok follow the calendar of your time zone: a daily budget resets at midnight, a weekly one on Monday, a monthly one on the first. Each threshold you set (50, 80 and 100 percent by default) raises one alert per period.",
	"Every request is priced from the tokens the provider reports: uncached input, cache reads, cache writes, output and the reasoning inside it. Where the provider says what it charged, that figure wins and is marked reported.",
	"A key lives in the keychain; byok keeps only its last four characters and a short fingerprint, so a key replaced behind its back is noticed before it is spent.",
	"The local proxy lets other tools spend through the same keys: point their base URL at it, give them the proxy's token, and each request they make is recorded with its cost.",
}

// demoReply is the made-up answer to req: a short markdown reply that says
// plainly it was made offline.
func demoReply(spec Spec, req Request, seed uint64) string {
	ask := strings.Join(strings.Fields(lastUserText(req)), " ")
	if r := []rune(ask); len(r) > 80 {
		ask = string(r[:79]) + "…"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "This is an **offline demo** reply from %s/%s: nothing left this machine, but the usage and cost are recorded as for a real request.", spec.ID, req.Model)
	if ask != "" {
		fmt.Fprintf(&b, "\n\nYou asked: “%s”.", ask)
	}
	b.WriteString("\n\n")
	b.WriteString(demoTopics[seed%uint64(len(demoTopics))])
	b.WriteString("\n\n- Try another model with the picker and compare the cost line.\n- Open History to see this request with its tokens and price.\n- Add a real key with `byok keys add` in a home of your own.")
	return b.String()
}
