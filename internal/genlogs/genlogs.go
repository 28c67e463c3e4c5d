// Package genlogs writes coding-agent logs in the agents' real formats, as
// many as a benchmark asks for: Claude Code sessions with their multi-line
// replies, tool results and side conversations. The content is random
// words; the structure and the usage fields are what the agents write.
package genlogs

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// Options say how much to write.
type Options struct {
	Bytes    int64     // about this many bytes in all
	Sessions int       // spread over this many sessions
	Projects int       // in this many project folders
	Start    time.Time // the first session starts here
	Days     int       // and the last within this many days
	Seed     uint64
}

// Stats say what was written.
type Stats struct {
	Files, Lines, Requests int
	Bytes                  int64
}

var words = []string{"the", "fetcher", "retries", "usage", "tokens", "budget", "cache", "request", "reply",
	"function", "returns", "error", "context", "model", "stream", "file", "test", "fails", "because", "of",
	"timeout", "config", "value", "handler", "client", "server", "read", "write", "line", "offset",
	"package", "import", "struct", "field", "method", "interface", "slice", "map", "string", "number"}

var models = []string{"claude-sonnet-4-5-20250929", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5-20250929",
	"claude-opus-4-1-20250805", "claude-haiku-4-5-20251001"}

type gen struct {
	rng *rand.Rand
	w   *bufio.Writer
	st  *Stats
	n   uint64
}

func (g *gen) id(n int) string {
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alnum[g.rng.IntN(len(alnum))]
	}
	return string(b)
}

func (g *gen) uuid() string {
	g.n++
	return fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", g.rng.Uint32(), g.rng.IntN(1<<16), g.rng.IntN(1<<12), g.rng.IntN(1<<12), g.n)
}

// text writes about n bytes of words, with escaped newlines, as JSON
// string content.
func (g *gen) text(n int) string {
	b := make([]byte, 0, n+16)
	for len(b) < n {
		b = append(b, words[g.rng.IntN(len(words))]...)
		if g.rng.IntN(12) == 0 {
			b = append(b, `\n`...)
		} else {
			b = append(b, ' ')
		}
	}
	return string(b)
}

func (g *gen) line(s string) {
	// A bufio.Writer keeps its first error; close reports it from Flush.
	_, _ = g.w.WriteString(s)
	_ = g.w.WriteByte('\n')
	g.st.Lines++
	g.st.Bytes += int64(len(s) + 1)
}

// ClaudeCode writes Claude Code sessions under dir/projects.
func ClaudeCode(dir string, o Options) (Stats, error) {
	if o.Sessions <= 0 {
		o.Sessions = 1
	}
	if o.Projects <= 0 {
		o.Projects = 1
	}
	if o.Days <= 0 {
		o.Days = 1
	}
	st := &Stats{}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	per := o.Bytes / int64(o.Sessions)
	for s := range o.Sessions {
		proj := filepath.Join(dir, "projects", "-home-dev-src-project"+strconv.Itoa(s%o.Projects))
		if err := os.MkdirAll(proj, 0o755); err != nil {
			return *st, err
		}
		g := &gen{rng: rng, st: st}
		sid := g.uuid()
		start := o.Start.Add(time.Duration(rng.Int64N(int64(o.Days) * int64(24*time.Hour))))
		replayed, err := g.session(filepath.Join(proj, sid+".jsonl"), sid, proj, start, per)
		if err != nil {
			return *st, err
		}
		if s%10 == 3 && replayed != "" {
			side := filepath.Join(proj, sid, "subagents")
			if err := os.MkdirAll(side, 0o755); err != nil {
				return *st, err
			}
			if err := g.sidechain(filepath.Join(side, "agent-"+g.id(8)+".jsonl"), sid, proj, start.Add(10*time.Minute), replayed); err != nil {
				return *st, err
			}
		}
	}
	return *st, nil
}

func (g *gen) open(path string) (*os.File, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	g.w = bufio.NewWriterSize(f, 1<<20)
	g.st.Files++
	return f, nil
}

func (g *gen) close(f *os.File) error {
	if err := g.w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

const head = `{"parentUuid":"%s","isSidechain":%t,"userType":"external","cwd":"%s","sessionId":"%s","version":"2.0.14","gitBranch":"main",`

// session writes one session of about size bytes and returns an assistant
// line of it for a side conversation to replay.
func (g *gen) session(path, sid, cwd string, at time.Time, size int64) (string, error) {
	f, err := g.open(path)
	if err != nil {
		return "", err
	}
	startBytes := g.st.Bytes
	parent := g.uuid()
	var replay string
	model := models[g.rng.IntN(len(models))]
	cacheRead := int64(12000)
	for g.st.Bytes-startBytes < size {
		// A prompt, then a few requests: each reply in one to three lines
		// (thinking, text, tool use) that repeat its usage, then the tool's
		// result.
		u := g.uuid()
		g.line(fmt.Sprintf(head+`"type":"user","message":{"role":"user","content":"%s"},"uuid":"%s","timestamp":"%s"}`,
			parent, false, cwd, sid, g.text(80+g.rng.IntN(600)), u, ts(at)))
		parent = u
		for range 1 + g.rng.IntN(6) {
			at = at.Add(time.Duration(2+g.rng.IntN(40)) * time.Second)
			msg, req := "msg_01"+g.id(22), "req_011"+g.id(21)
			in, written := int64(1+g.rng.IntN(30)), int64(g.rng.IntN(4000))
			out := int64(20 + g.rng.IntN(1500))
			blocks := 1 + g.rng.IntN(3)
			for b := range blocks {
				var content string
				switch {
				case b == blocks-1 && blocks > 1:
					content = fmt.Sprintf(`[{"type":"tool_use","id":"toolu_01%s","name":"Read","input":{"file_path":"%s/internal/%s.go"}}]`, g.id(22), cwd, g.id(6))
				case b == 0 && blocks == 3:
					content = fmt.Sprintf(`[{"type":"thinking","thinking":"%s","signature":"%s"}]`, g.text(200+g.rng.IntN(800)), g.id(120))
				default:
					content = fmt.Sprintf(`[{"type":"text","text":"%s"}]`, g.text(60+g.rng.IntN(500)))
				}
				u = g.uuid()
				line := fmt.Sprintf(head+`"message":{"id":"%s","type":"message","role":"assistant","model":"%s","content":%s,"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":%d,"cache_creation_input_tokens":%d,"cache_read_input_tokens":%d,"cache_creation":{"ephemeral_5m_input_tokens":%d,"ephemeral_1h_input_tokens":0},"output_tokens":%d,"service_tier":"standard"}},"requestId":"%s","type":"assistant","uuid":"%s","timestamp":"%s"}`,
					parent, false, cwd, sid, msg, model, content, in, written, cacheRead, written, out, req, u, ts(at))
				g.line(line)
				if replay == "" {
					replay = line
				}
				parent = u
			}
			g.st.Requests++
			cacheRead += written
			// The tool's result, often the largest line of all.
			u = g.uuid()
			g.line(fmt.Sprintf(head+`"type":"user","message":{"role":"user","content":[{"tool_use_id":"toolu_01%s","type":"tool_result","content":"%s"}]},"uuid":"%s","timestamp":"%s","toolUseResult":{"type":"text","file":{"filePath":"%s/internal/x.go","numLines":%d}}}`,
				parent, false, cwd, sid, g.id(22), g.text(400+g.rng.IntN(9000)), u, ts(at.Add(time.Second)), cwd, 10+g.rng.IntN(400)))
			parent = u
		}
		at = at.Add(time.Duration(30+g.rng.IntN(600)) * time.Second)
	}
	return replay, g.close(f)
}

// sidechain writes a side conversation that replays one parent line under
// a new request id, then replies of its own.
func (g *gen) sidechain(path, sid, cwd string, at time.Time, replay string) error {
	f, err := g.open(path)
	if err != nil {
		return err
	}
	// The replayed copy: the same message, a new request id, a side chain.
	g.line(sidechainCopy(replay, "req_011"+g.id(21)))
	parent := g.uuid()
	for range 3 {
		at = at.Add(5 * time.Second)
		u := g.uuid()
		g.line(fmt.Sprintf(head+`"agentId":"%s","message":{"id":"msg_01%s","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001","content":[{"type":"text","text":"%s"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":%d,"cache_creation_input_tokens":0,"cache_read_input_tokens":%d,"output_tokens":%d,"service_tier":"standard"}},"requestId":"req_011%s","type":"assistant","uuid":"%s","timestamp":"%s"}`,
			parent, true, cwd, sid, g.id(8), g.id(22), g.text(300), 200+g.rng.IntN(500), 2000, 30+g.rng.IntN(200), g.id(21), u, ts(at)))
		g.st.Requests++
		parent = u
	}
	return g.close(f)
}

// sidechainCopy turns a parent's assistant line into a side conversation's
// replay of it under another request id.
func sidechainCopy(line, req string) string {
	out := []byte(line)
	out = replaceOnce(out, `"isSidechain":false`, `"isSidechain":true`)
	if i := indexOf(out, `"requestId":"`); i >= 0 {
		j := i + len(`"requestId":"`)
		k := j
		for k < len(out) && out[k] != '"' {
			k++
		}
		out = append(append(append([]byte{}, out[:j]...), req...), out[k:]...)
	}
	return string(out)
}

func indexOf(b []byte, s string) int { return bytes.Index(b, []byte(s)) }

func replaceOnce(b []byte, old, new string) []byte {
	i := indexOf(b, old)
	if i < 0 {
		return b
	}
	return append(append(append([]byte{}, b[:i]...), new...), b[i+len(old):]...)
}

func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
