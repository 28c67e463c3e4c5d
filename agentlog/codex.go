package agentlog

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/byokhq/byok/providers"
)

// Codex writes each session to sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl
// (moved to archived_sessions/ when archived). Usage comes in event_msg
// lines whose payload.type is "token_count": info.last_token_usage is the
// turn's own usage and info.total_token_usage the session's running total
// (older versions wrote only the total, so the turn is the difference from
// the previous one). input_tokens includes cached_input_tokens, and
// output_tokens includes reasoning_output_tokens. Codex repeats a
// token_count with unchanged totals when only its rate limits changed:
// that is no new request. The model comes from the latest turn_context
// line. A sub-agent's file (its session_meta names a thread_spawn source)
// starts by replaying the parent's token counts, all stamped with the
// second the sub-agent was spawned; those belong to the parent.

var (
	tokenCountKey  = []byte(`"token_count"`)
	turnContextKey = []byte(`"turn_context"`)
	sessionMetaKey = []byte(`"session_meta"`)
)

// codexDefaultModel is the model of sessions logged before Codex wrote
// turn_context lines: it was the only model Codex ran then.
const codexDefaultModel = "gpt-5"

type codexTotals struct {
	Input, Cached, Output, Reasoning, Total int64
}

func totalsOf(v gjson.Result) (codexTotals, bool) {
	if !v.IsObject() {
		return codexTotals{}, false
	}
	t := codexTotals{Input: count(v.Get("input_tokens")), Cached: count(v.Get("cached_input_tokens")),
		Output: count(v.Get("output_tokens")), Reasoning: count(v.Get("reasoning_output_tokens"))}
	if tt := v.Get("total_tokens"); tt.Exists() {
		t.Total = count(tt)
	} else {
		t.Total = t.Input + t.Output
	}
	return t, true
}

// codexState is what a read of a Codex file leaves for the next one.
type codexState struct {
	Model string       `json:"model,omitempty"`
	Prev  *codexTotals `json:"prev,omitempty"`
	// Sub says the file is a sub-agent's; Replay is "" until its first
	// token count, then "skip:<second>" while replayed counts go by, and
	// "done".
	Sub    bool   `json:"sub,omitempty"`
	Replay string `json:"replay,omitempty"`
}

type codexCount struct {
	at    int64
	ts    gjson.Result
	sec   string
	model string
	total *codexTotals
	last  *codexTotals
}

type codexReader struct {
	path    string
	session string
	st      codexState
	recs    []Record
	// pending is a sub-agent's first token count, which the next one
	// decides (a replay when both share its second); saved is the state
	// before it.
	pending *codexCount
	saved   codexState
}

func newCodexReader(path, state string) *codexReader {
	r := &codexReader{path: path, session: codexSession(path)}
	if state != "" {
		_ = json.Unmarshal([]byte(state), &r.st) // a damaged state reads as a fresh one
	}
	return r
}

// codexSession returns a rollout file's session id: the UUID its name ends
// with, which an archived copy keeps.
func codexSession(path string) string {
	stem := strings.TrimSuffix(filepath.Base(path), ".jsonl")
	if len(stem) >= 36 {
		id := stem[len(stem)-36:]
		if strings.Count(id, "-") == 4 {
			return id
		}
	}
	return strings.TrimPrefix(stem, "rollout-")
}

func (r *codexReader) records() []Record { return r.recs }

func (r *codexReader) hold() int64 {
	if r.pending != nil {
		return r.pending.at
	}
	return -1
}

func (r *codexReader) state() string {
	st := r.st
	if r.pending != nil {
		st = r.saved
	}
	b, _ := json.Marshal(st)
	return string(b)
}

func (r *codexReader) line(b []byte, at int64) string {
	tc := bytes.Contains(b, tokenCountKey)
	ctx := !tc && bytes.Contains(b, turnContextKey)
	meta := !tc && !ctx && bytes.Contains(b, sessionMetaKey)
	if !tc && !ctx && !meta {
		if b[0] != '{' || b[len(b)-1] != '}' {
			return "not a JSON object"
		}
		return ""
	}
	if !gjson.ValidBytes(b) {
		return "not valid JSON"
	}
	doc := gjson.ParseBytes(b)
	typ := doc.Get("type").Str
	payload := doc.Get("payload")
	switch {
	case typ == "session_meta":
		if payload.Get("source.subagent.thread_spawn").Exists() {
			r.st.Sub = true
		}
		return ""
	case typ == "turn_context":
		if m := payload.Get("model").Str; m != "" {
			r.st.Model = m
		}
		return ""
	case typ != "event_msg" || payload.Get("type").Str != "token_count":
		return ""
	}
	info := payload.Get("info")
	if !info.IsObject() {
		return "" // rate limits alone
	}
	c := codexCount{at: at, ts: doc.Get("timestamp")}
	if t, ok := totalsOf(info.Get("total_token_usage")); ok {
		c.total = &t
	}
	if t, ok := totalsOf(info.Get("last_token_usage")); ok {
		c.last = &t
	}
	if c.total == nil && c.last == nil {
		return ""
	}
	if _, ok := timeOf(c.ts); !ok {
		return "a token count without a valid timestamp"
	}
	c.sec = c.ts.Str[:min(len(c.ts.Str), 19)]
	c.model = payload.Get("model").Str
	if c.model == "" {
		c.model = info.Get("model").Str
	}
	if !r.st.Sub || r.st.Replay == "done" {
		r.count(c)
		return ""
	}
	switch {
	case r.st.Replay == "" && r.pending == nil:
		r.saved = r.st
		r.saved.Prev = clonePrev(r.st.Prev)
		r.pending = &c
	case r.pending != nil && r.pending.sec == c.sec:
		// Two counts in the spawn's second: the parent's history replayed.
		r.skip(*r.pending)
		r.pending = nil
		r.st.Replay = "skip:" + c.sec
		r.skip(c)
	case r.pending != nil:
		p := *r.pending
		r.pending = nil
		r.st.Replay = "done"
		r.count(p)
		r.count(c)
	case r.st.Replay == "skip:"+c.sec:
		r.skip(c)
	default:
		r.st.Replay = "done"
		r.count(c)
	}
	return ""
}

func clonePrev(p *codexTotals) *codexTotals {
	if p == nil {
		return nil
	}
	c := *p
	return &c
}

// skip passes over a replayed count, keeping its running total.
func (r *codexReader) skip(c codexCount) {
	if c.total != nil {
		r.st.Prev = c.total
	}
}

// count records one token count as a request.
func (r *codexReader) count(c codexCount) {
	if c.total != nil && r.st.Prev != nil && *c.total == *r.st.Prev {
		return // the same totals again: a rate-limit update, no new request
	}
	var raw codexTotals
	switch {
	case c.last != nil:
		raw = *c.last
	default:
		raw = *c.total
		if p := r.st.Prev; p != nil {
			raw = codexTotals{Input: max(raw.Input-p.Input, 0), Cached: max(raw.Cached-p.Cached, 0),
				Output: max(raw.Output-p.Output, 0), Reasoning: max(raw.Reasoning-p.Reasoning, 0), Total: max(raw.Total-p.Total, 0)}
		}
	}
	if c.total != nil {
		r.st.Prev = c.total
	}
	if raw.Input == 0 && raw.Cached == 0 && raw.Output == 0 {
		return
	}
	model := c.model
	if model == "" {
		model = r.st.Model
	}
	if model == "" {
		model = codexDefaultModel
	}
	cached := min(raw.Cached, raw.Input)
	u := providers.Usage{Input: raw.Input - cached, CacheRead: cached, Output: raw.Output, Reasoning: min(raw.Reasoning, raw.Output)}
	t, _ := timeOf(c.ts)
	id := r.session + ":"
	if c.total != nil {
		id += strconv.FormatInt(c.total.Total, 10)
	} else {
		id += "@" + strconv.FormatInt(c.at, 10)
	}
	r.recs = append(r.recs, Record{Source: Codex, ID: id, Time: t, Session: r.session, Model: model,
		Provider: ProviderOf(model, "openai"), Usage: u})
}
