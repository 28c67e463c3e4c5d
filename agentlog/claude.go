package agentlog

import (
	"bytes"

	"github.com/tidwall/gjson"

	"github.com/byokhq/byok/providers"
)

// Claude Code writes one JSON line per event of a session to
// projects/<project>/<session>.jsonl (side conversations and sub-agents in
// files of their own below the session's folder). An assistant reply is
// written as one line per content block, each repeating the message's id,
// the request id and the same message.usage: one request is one
// (message.id, requestId). Its usage is the Messages API's: input_tokens
// is the uncached input already, cache_creation_input_tokens the cache
// writes (split into 5-minute and 1-hour in cache_creation), and
// cache_read_input_tokens the cache reads. Lines of the model
// "<synthetic>" (written by Claude Code itself) and API error lines carry
// no spend. Older versions also wrote the cost, costUSD.

var usageKey = []byte(`"usage"`)

type claudeReader struct {
	path string
	recs []Record
}

func newClaudeReader(path string) *claudeReader { return &claudeReader{path: path} }

func (r *claudeReader) hold() int64       { return -1 }
func (r *claudeReader) records() []Record { return r.recs }
func (r *claudeReader) state() string     { return "" }

func (r *claudeReader) line(b []byte, at int64) string {
	// Most lines (user turns, tool results, summaries) carry no usage;
	// finding that out costs one scan for a short key.
	if !bytes.Contains(b, usageKey) {
		if b[0] != '{' || b[len(b)-1] != '}' {
			return "not a JSON object"
		}
		return ""
	}
	// Whole-line validation would cost a fifth of the reading; a line cut
	// short or damaged misses its closing brace or the fields below.
	if b[0] != '{' || b[len(b)-1] != '}' {
		return "not valid JSON"
	}
	var (
		ts, sessionID, requestID, uuid, cost gjson.Result
		msgID, model, usage                  gjson.Result
		sidechain, apiError                  bool
	)
	gjson.ParseBytes(b).ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "timestamp":
			ts = v
		case "sessionId":
			sessionID = v
		case "requestId":
			requestID = v
		case "uuid":
			uuid = v
		case "costUSD":
			cost = v
		case "isSidechain":
			sidechain = v.Type == gjson.True
		case "isApiErrorMessage":
			apiError = v.Type == gjson.True
		case "message":
			v.ForEach(func(k, v gjson.Result) bool {
				switch k.Str {
				case "id":
					msgID = v
				case "model":
					model = v
				case "usage":
					usage = v
				}
				return true
			})
		}
		return true
	})
	if !usage.IsObject() {
		return "" // a "usage" somewhere in the text of a line without one
	}
	if apiError || model.Str == "<synthetic>" {
		return ""
	}
	t, ok := timeOf(ts)
	if !ok {
		return "an assistant line without a valid timestamp"
	}
	if model.Str == "" {
		return "an assistant line without a model"
	}
	var u providers.Usage
	var written, w5, w1 int64
	var split bool
	usage.ForEach(func(k, v gjson.Result) bool {
		switch k.Str {
		case "input_tokens":
			u.Input = count(v)
		case "cache_read_input_tokens":
			u.CacheRead = count(v)
		case "cache_creation_input_tokens":
			written = count(v)
		case "output_tokens":
			u.Output = count(v)
		case "cache_creation":
			split = v.IsObject()
			w5 = count(v.Get("ephemeral_5m_input_tokens"))
			w1 = count(v.Get("ephemeral_1h_input_tokens"))
		case "service_tier":
			if u.ServiceTier == "" {
				u.ServiceTier = v.Str
			}
		case "speed":
			if v.Str == "fast" {
				u.ServiceTier = "fast"
			}
		case "server_tool_use":
			u.WebSearches = count(v.Get("web_search_requests"))
		case "inference_geo":
			u.Geo = v.Str
		}
		return true
	})
	// The total is what was billed; the split says how much of it was the
	// dearer 1-hour write.
	u.CacheWrite5m = written
	if split {
		w1 = min(w1, max(written, w5+w1))
		if written == 0 {
			written = w5 + w1
		}
		u.CacheWrite5m, u.CacheWrite1h = written-w1, w1
	}
	if c, ok := providers.USDOf(cost); ok {
		u.ReportedCost, u.CostReported = c, true
	}
	rec := Record{Source: ClaudeCode, Time: t, Session: sessionID.Str, Model: model.Str, Usage: u,
		Provider: ProviderOf(model.Str, "anthropic"), RequestID: requestID.Str}
	switch {
	case msgID.Str != "":
		rec.ID = msgID.Str + ":" + requestID.Str
		if sidechain {
			rec.CopyOf = msgID.Str + ":"
		}
	case requestID.Str != "":
		rec.ID = "request:" + requestID.Str
	case uuid.Str != "":
		rec.ID = "line:" + uuid.Str
	default:
		return "an assistant line without a message id, request id or uuid"
	}
	r.recs = append(r.recs, rec)
	return ""
}
