// Package agentlog reads the token usage that coding agents (Claude Code,
// Codex, Gemini CLI, opencode) write to their local logs: files in, neutral
// usage records with a stable identity out. It keeps no state of its own:
// how far each file was read is a Cursor that Read returns and the caller
// stores and hands back, so a second read takes only what is new.
package agentlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tidwall/gjson"

	"github.com/byokhq/byok/providers"
)

// Source names a coding agent whose logs byok reads; it is also the source
// of the events imported from it.
type Source string

// Sources.
const (
	ClaudeCode Source = "claude-code"
	Codex      Source = "codex"
	GeminiCLI  Source = "gemini-cli"
	OpenCode   Source = "opencode"
)

// Sources lists every source, in the order `byok import --all` reads them.
func Sources() []Source { return []Source{ClaudeCode, Codex, GeminiCLI, OpenCode} }

// LogsRequestIDs tells whether the source's records carry the provider's
// request id (Record.RequestID). Only Claude Code's do: Codex's token
// counts, Gemini CLI's messages and opencode's rows name no provider
// request.
func (s Source) LogsRequestIDs() bool { return s == ClaudeCode }

// ParseSource reads a source name.
func ParseSource(s string) (Source, error) {
	for _, src := range Sources() {
		if string(src) == s {
			return src, nil
		}
	}
	return "", fmt.Errorf("unknown source %q: use claude-code, codex, gemini-cli or opencode", s)
}

// Record is one model request an agent logged, in byok's disjoint token
// counts (see providers.Usage).
type Record struct {
	Source Source
	// ID is the request's identity within its source: reading the same
	// request again, from the same file or a copy of it, gives the same ID.
	ID string
	// CopyOf, when set, is an ID prefix: the record repeats a request
	// stored under an ID starting with it, if there is one (Claude Code's
	// side conversations replay their parent's messages).
	CopyOf   string
	Time     time.Time
	Session  string
	Provider string // byok's provider id: anthropic, openai, google, or as the log names it
	Model    string
	Usage    providers.Usage
	// RequestID is the provider's own id of the request, when the log
	// names it (Claude Code's requestId: the request-id header Anthropic
	// answered with). byok's proxy records the same id, which is how a
	// request that went through both is told apart from two.
	RequestID string
}

// Cursor is how far one file was read: its size and modification time
// (Unix nanoseconds) at that read, the offset of the first byte not taken
// (the start of a line still being written), a hash of its first HeadLen
// bytes (a file rewritten in place no longer matches it), and the state a
// reader carries from one read to the next (Codex's model and running
// totals).
type Cursor struct {
	Path    string
	Size    int64
	ModTime int64
	Offset  int64
	HeadLen int64
	Head    string
	State   string
}

// unchanged tells whether a file with this size and modification time has
// nothing new since the cursor.
func (c Cursor) unchanged(size, mtime int64) bool {
	return c.Size == size && c.ModTime == mtime && c.Offset == size
}

// Refusal is a line that could not be read.
type Refusal struct {
	Path   string
	Offset int64 // byte offset of the line
	Reason string
}

func (r Refusal) String() string {
	return fmt.Sprintf("%s (byte %d): %s", r.Path, r.Offset, r.Reason)
}

// Result is what one Read found.
type Result struct {
	Records []Record
	// Cursors holds the new cursor of every file that was read.
	Cursors []Cursor
	Files   int // files of the source found
	Read    int // files read: new, grown or rewritten
	Lines   int // complete lines (or messages) read
	// Duplicates counts records dropped because another one in the same
	// read has their ID or is the original they copy.
	Duplicates int
	Refused    []Refusal
}

// Options say where and from which cursors to read.
type Options struct {
	// Roots are folders holding the source's layout (for Claude Code,
	// folders of project folders); empty means DefaultRoots. A root given
	// here must exist (see CheckRoot), where a default one that does not
	// is an agent not used on this machine.
	Roots []string
	// Cursors are the cursors of earlier reads, by path.
	Cursors map[string]Cursor
	// Workers is how many files are read at once; 0 means one per CPU.
	Workers int
	// Env reads environment variables for the default roots; nil means
	// os.Getenv.
	Env func(string) string
}

// Read reads every file of src under the roots that changed since its
// cursor and returns the records found, deduplicated within this read, and
// the new cursors. Files are read in parallel; records come back in the
// order of their files' paths and, within a file, of their lines.
func Read(ctx context.Context, src Source, opt Options) (Result, error) {
	var recs []Record
	var cursors []Cursor
	res, err := Stream(ctx, src, opt, func(r Result) error {
		recs = append(recs, r.Records...)
		cursors = append(cursors, r.Cursors...)
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	var dup int
	res.Records, dup = dedupe(recs)
	res.Duplicates += dup
	res.Cursors = cursors
	return res, nil
}

// Stream reads like Read but hands the records over file by file, in the
// order of their paths, while later files are still being read: fn gets
// one file's records (deduplicated within the file), its new cursor, lines
// and refusals. Stream returns the totals, without records or cursors. An
// error from fn stops the reading and is returned.
func Stream(ctx context.Context, src Source, opt Options, fn func(Result) error) (Result, error) {
	roots := opt.Roots
	if len(roots) == 0 {
		env := opt.Env
		if env == nil {
			env = os.Getenv
		}
		roots = DefaultRoots(src, env)
	} else {
		for _, root := range roots {
			if err := CheckRoot(src, root); err != nil {
				return Result{}, err
			}
		}
	}
	files, err := discover(src, roots)
	if err != nil {
		return Result{}, err
	}
	res := Result{Files: len(files)}
	var todo []found
	for _, f := range files {
		if c, ok := opt.Cursors[f.path]; ok && c.unchanged(f.size, f.mtime) {
			continue
		}
		todo = append(todo, f)
	}
	res.Read = len(todo)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	outs := make([]fileResult, len(todo))
	done := make([]chan struct{}, len(todo))
	for i := range done {
		done[i] = make(chan struct{})
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(todo))
	var next sync.Mutex
	i := 0
	var wg sync.WaitGroup
	defer wg.Wait()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				next.Lock()
				n := i
				i++
				next.Unlock()
				if n >= len(todo) {
					return
				}
				outs[n] = readFile(src, todo[n], opt.Cursors[todo[n].path])
				close(done[n])
			}
		}()
	}
	for n := range todo {
		select {
		case <-done[n]:
		case <-ctx.Done():
			return Result{}, ctx.Err()
		}
		o := outs[n]
		outs[n] = fileResult{}
		one := Result{Files: 1, Read: 1}
		if o.err != nil {
			one.Refused = []Refusal{{Path: todo[n].path, Reason: o.err.Error()}}
		} else {
			one.Records, one.Duplicates = dedupe(o.records)
			one.Lines, one.Refused = o.lines, o.refused
			if o.keep {
				one.Cursors = []Cursor{o.cursor}
			}
		}
		res.Lines += one.Lines
		res.Duplicates += one.Duplicates
		res.Refused = append(res.Refused, one.Refused...)
		if err := fn(one); err != nil {
			return Result{}, err
		}
	}
	return res, nil
}

// dedupe drops records another record of the same read stands for: the
// same ID (keeping the copy with the most tokens, as an agent that logs a
// reply while it streams writes growing copies), or the original a copy
// repeats.
func dedupe(rs []Record) ([]Record, int) {
	byID := make(map[string]int, len(rs))
	out := make([]Record, 0, len(rs))
	dropped := 0
	for _, r := range rs {
		if i, ok := byID[r.ID]; ok {
			if total(r.Usage) > total(out[i].Usage) {
				r.Time = out[i].Time
				out[i] = r
			}
			dropped++
			continue
		}
		byID[r.ID] = len(out)
		out = append(out, r)
	}
	// A copy whose original is in the same read goes; the original is
	// kept whichever was read first.
	originals := map[string]bool{}
	for _, r := range out {
		if r.CopyOf == "" {
			if p, _, ok := strings.Cut(r.ID, ":"); ok {
				originals[p+":"] = true
			}
		}
	}
	if len(originals) == 0 {
		return out, dropped
	}
	kept := out[:0]
	for _, r := range out {
		if r.CopyOf != "" && originals[r.CopyOf] {
			dropped++
			continue
		}
		kept = append(kept, r)
	}
	return kept, dropped
}

func total(u providers.Usage) int64 { return u.Prompt() + u.Output }

// found is a file of a source and what stat said of it.
type found struct {
	path  string
	size  int64
	mtime int64
}

// CheckRoot tells whether root, a folder named to read src's logs from,
// is one: a path that does not exist is most likely mistyped, and reading
// it would only find no logs.
func CheckRoot(src Source, root string) error {
	info, err := os.Stat(root)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no such folder: %s; point --path at the folder holding the %s logs", root, src)
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", root, err)
	}
	if !info.IsDir() {
		return fmt.Errorf("%s is not a folder: point --path at the folder holding the %s logs", root, src)
	}
	return nil
}

// discover lists a source's files under roots, sorted by path, each once.
func discover(src Source, roots []string) ([]found, error) {
	if src == OpenCode {
		return discoverOpenCode(roots)
	}
	seen := map[string]bool{}
	var out []found
	for _, root := range roots {
		info, err := os.Stat(root)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", root, err)
		}
		if !info.IsDir() {
			return nil, fmt.Errorf("%s is not a folder: point --path at the folder holding the %s logs", root, src)
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if p != root && errors.Is(err, fs.ErrPermission) {
					return nil // a folder byok may not read holds nothing of ours
				}
				return err
			}
			if d.IsDir() || !wanted(src, p) || seen[p] {
				return nil
			}
			info, err := d.Info()
			if err != nil {
				return nil // gone since the folder was listed
			}
			seen[p] = true
			out = append(out, found{path: p, size: info.Size(), mtime: info.ModTime().UnixNano()})
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("list %s: %w", root, err)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out, nil
}

// discoverOpenCode finds opencode's databases in its data folders:
// opencode.db, and opencode-<channel>.db of other release channels.
func discoverOpenCode(roots []string) ([]found, error) {
	var out []found
	for _, root := range roots {
		names, err := filepath.Glob(filepath.Join(root, "opencode*.db"))
		if err != nil {
			return nil, err
		}
		for _, p := range names {
			if !wanted(OpenCode, p) {
				continue
			}
			info, err := os.Stat(p)
			if err != nil || !info.Mode().IsRegular() {
				continue
			}
			f := found{path: p, size: info.Size(), mtime: info.ModTime().UnixNano()}
			withWAL(&f)
			out = append(out, f)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out, nil
}

// wanted tells whether a file found under a root is one of the source's logs.
func wanted(src Source, p string) bool {
	base := filepath.Base(p)
	switch src {
	case ClaudeCode:
		return strings.HasSuffix(base, ".jsonl")
	case Codex:
		return strings.HasPrefix(base, "rollout-") && strings.HasSuffix(base, ".jsonl")
	case GeminiCLI:
		return filepath.Base(filepath.Dir(p)) == "chats" && (strings.HasSuffix(base, ".json") || strings.HasSuffix(base, ".jsonl"))
	case OpenCode:
		return base == "opencode.db" || strings.HasPrefix(base, "opencode-") && strings.HasSuffix(base, ".db")
	}
	return false
}

// fileResult is what reading one file gave.
type fileResult struct {
	records []Record
	refused []Refusal
	lines   int
	cursor  Cursor
	keep    bool // the cursor is worth storing
	err     error
}

// headMax is how many leading bytes of a file its cursor hashes.
const headMax = 4096

// readFile reads one file from its cursor.
func readFile(src Source, f found, cur Cursor) fileResult {
	switch src {
	case OpenCode:
		return readOpenCode(f, cur)
	case GeminiCLI:
		if strings.HasSuffix(f.path, ".json") {
			return readGeminiJSON(f, cur)
		}
	}
	fh, err := os.Open(f.path)
	if err != nil {
		return fileResult{err: err}
	}
	defer fh.Close()
	// Size and time again from the open file: what is read below is at
	// least this much, and the cursor must not claim a later state.
	if info, err := fh.Stat(); err == nil {
		f.size, f.mtime = info.Size(), info.ModTime().UnixNano()
	}
	start, state := cur.Offset, cur.State
	if cur.Path == "" || f.size < cur.Offset || !sameHead(fh, cur) {
		start, state = 0, "" // new, or rewritten: read it all again
	}
	buf := make([]byte, f.size-start)
	n, err := fh.ReadAt(buf, start)
	if err != nil && !errors.Is(err, io.EOF) {
		return fileResult{err: err}
	}
	buf = buf[:n]
	var lr lineReader
	switch src {
	case ClaudeCode:
		lr = newClaudeReader(f.path)
	case Codex:
		lr = newCodexReader(f.path, state)
	case GeminiCLI:
		lr = newGeminiLines(f.path, state)
	}
	out := fileResult{}
	consumed := int64(0)
	for len(buf) > 0 {
		line := buf
		nl := indexNL(buf)
		complete := nl >= 0
		if complete {
			line = buf[:nl]
		} else if !gjson.ValidBytes(trimSpace(line)) {
			// The last line is still being written: it is read once the
			// agent has finished it.
			break
		}
		step := int64(len(line))
		if complete {
			step++
		}
		at := start + consumed
		if t := trimSpace(line); len(t) > 0 {
			out.lines++
			if reason := lr.line(t, at); reason != "" {
				out.refused = append(out.refused, Refusal{Path: f.path, Offset: at, Reason: reason})
			}
		}
		consumed += step
		buf = buf[step:]
	}
	end := start + consumed
	if h := lr.hold(); h >= 0 {
		end = h // a line whose meaning the next ones decide is read again
	}
	out.records = lr.records()
	out.cursor = Cursor{Path: f.path, Size: f.size, ModTime: f.mtime, Offset: end, State: lr.state()}
	out.cursor.HeadLen, out.cursor.Head = headOf(fh, end)
	out.keep = true
	return out
}

// lineReader reads a source's lines one by one.
type lineReader interface {
	// line reads one complete, non-blank line at byte offset at and
	// returns why it was refused, if it was.
	line(b []byte, at int64) string
	// hold returns the offset of the first line whose meaning is not yet
	// decided (the next read starts there), or -1.
	hold() int64
	records() []Record
	// state is what the next read of the file needs (see Cursor.State).
	state() string
}

func indexNL(b []byte) int { return bytes.IndexByte(b, '\n') }

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// headOf hashes the first min(end, headMax) bytes of a file.
func headOf(r io.ReaderAt, end int64) (int64, string) {
	n := min(end, headMax)
	b := make([]byte, n)
	if _, err := r.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		return 0, ""
	}
	h := fnv.New64a()
	h.Write(b)
	return n, strconv.FormatUint(h.Sum64(), 16)
}

// sameHead tells whether a file still starts as it did when its cursor
// was taken.
func sameHead(r io.ReaderAt, c Cursor) bool {
	n, h := headOf(r, c.HeadLen)
	return n == c.HeadLen && h == c.Head
}

// timeOf reads an RFC 3339 time.
func timeOf(r gjson.Result) (time.Time, bool) {
	if r.Type != gjson.String {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, r.Str)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// count reads a token count: a whole, non-negative number.
func count(r gjson.Result) int64 {
	if r.Type != gjson.Number {
		return 0
	}
	return max(r.Int(), 0)
}

// ProviderOf returns byok's provider for a model an agent names, or def
// when the name says nothing.
func ProviderOf(model, def string) string {
	m := strings.ToLower(model)
	if i := strings.LastIndexByte(m, '/'); i >= 0 {
		m = m[i+1:]
	}
	switch {
	case strings.HasPrefix(m, "claude"):
		return "anthropic"
	case strings.HasPrefix(m, "gpt-"), strings.HasPrefix(m, "o1"), strings.HasPrefix(m, "o3"),
		strings.HasPrefix(m, "o4"), strings.HasPrefix(m, "codex"):
		return "openai"
	case strings.HasPrefix(m, "gemini"):
		return "google"
	}
	return def
}
