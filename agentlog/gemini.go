package agentlog

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/tidwall/gjson"

	"github.com/byokhq/byok/providers"
)

// Gemini CLI records each chat in ~/.gemini/tmp/<project hash>/chats/ as
// one JSON document, rewritten whole as the chat goes on: sessionId and a
// list of messages, whose "gemini" ones carry the model and tokens — the
// Gemini API's usage metadata under short names: input (promptTokenCount,
// cached tokens included), cached (cachedContentTokenCount), output
// (candidatesTokenCount, thoughts excluded), thoughts (thoughtsTokenCount),
// tool (toolUsePromptTokenCount) and total. Newer versions write the same
// records as JSON lines, a message again when it is updated.

// geminiUsage converts Gemini CLI's token summary to byok's counts.
func geminiUsage(t gjson.Result) (providers.Usage, bool) {
	if !t.IsObject() {
		return providers.Usage{}, false
	}
	in, cached, out := count(t.Get("input")), count(t.Get("cached")), count(t.Get("output"))
	thoughts, tool := count(t.Get("thoughts")), count(t.Get("tool"))
	uncached := in - min(cached, in)
	if tt := t.Get("total"); tt.Exists() && cached > 0 && count(tt) == in+cached+out+thoughts+tool {
		// Early versions counted the prompt without its cached part: the
		// total then holds both.
		uncached = in
	}
	u := providers.Usage{Input: uncached + tool, CacheRead: cached, Output: out + thoughts, Reasoning: thoughts}
	return u, u.Prompt()+u.Output > 0
}

// geminiMessage turns one message into a record, if it is a model reply
// with tokens.
func geminiMessage(m gjson.Result, session, model string) (Record, string, bool) {
	if m.Get("type").Str != "gemini" {
		return Record{}, "", false
	}
	u, ok := geminiUsage(m.Get("tokens"))
	if !ok {
		return Record{}, "", false
	}
	t, ok := timeOf(m.Get("timestamp"))
	if !ok {
		return Record{}, "a reply without a valid timestamp", false
	}
	if mm := m.Get("model").Str; mm != "" {
		model = mm
	}
	if model == "" {
		return Record{}, "a reply without a model", false
	}
	id := m.Get("id").Str
	if id == "" {
		id = m.Get("timestamp").Str
	}
	return Record{Source: GeminiCLI, ID: session + ":" + id, Time: t, Session: session, Model: model,
		Provider: ProviderOf(model, "google"), Usage: u}, "", true
}

func geminiSessionOf(doc gjson.Result, path string) string {
	if s := doc.Get("sessionId").Str; s != "" {
		return s
	}
	return strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
}

// readGeminiJSON reads a whole chat file again whenever it changed; the
// records' identities keep what was read before from counting twice.
func readGeminiJSON(f found, cur Cursor) fileResult {
	b, err := os.ReadFile(f.path)
	if err != nil {
		return fileResult{err: err}
	}
	if !gjson.ValidBytes(b) {
		// Caught while being written, or damaged: read again when it
		// changes.
		return fileResult{refused: []Refusal{{Path: f.path, Reason: "not valid JSON (read again when it changes)"}}}
	}
	doc := gjson.ParseBytes(b)
	session := geminiSessionOf(doc, f.path)
	out := fileResult{keep: true}
	doc.Get("messages").ForEach(func(_, m gjson.Result) bool {
		out.lines++
		rec, reason, ok := geminiMessage(m, session, "")
		if reason != "" {
			out.refused = append(out.refused, Refusal{Path: f.path, Reason: reason})
		}
		if ok {
			out.records = append(out.records, rec)
		}
		return true
	})
	out.cursor = Cursor{Path: f.path, Size: int64(len(b)), ModTime: f.mtime, Offset: int64(len(b))}
	if info, err := os.Stat(f.path); err == nil && info.Size() == int64(len(b)) {
		out.cursor.ModTime = info.ModTime().UnixNano()
	}
	return out
}

// geminiLines reads the JSON-lines form of a chat.
type geminiLines struct {
	path string
	st   struct {
		Session string `json:"session,omitempty"`
		Model   string `json:"model,omitempty"`
	}
	recs []Record
}

func newGeminiLines(path, state string) *geminiLines {
	r := &geminiLines{path: path}
	if state != "" {
		_ = json.Unmarshal([]byte(state), &r.st)
	}
	if r.st.Session == "" {
		r.st.Session = strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	}
	return r
}

func (r *geminiLines) hold() int64       { return -1 }
func (r *geminiLines) records() []Record { return r.recs }
func (r *geminiLines) state() string {
	b, _ := json.Marshal(r.st)
	return string(b)
}

func (r *geminiLines) line(b []byte, _ int64) string {
	if !gjson.ValidBytes(b) {
		return "not valid JSON"
	}
	doc := gjson.ParseBytes(b)
	if s := doc.Get("sessionId").Str; s != "" {
		r.st.Session = s
	}
	if m := doc.Get("model").Str; m != "" && doc.Get("type").Str != "gemini" {
		r.st.Model = m
	}
	rec, reason, ok := geminiMessage(doc, r.st.Session, r.st.Model)
	if ok {
		r.recs = append(r.recs, rec)
	}
	return reason
}
