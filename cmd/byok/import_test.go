package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// copyAgentLogs copies agentlog's fixtures (Claude Code and Codex logs in
// their real formats) into a temporary folder.
func copyAgentLogs(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	src := filepath.Join("..", "..", "agentlog", "testdata")
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestImportCommand(t *testing.T) {
	c := newCLI(t, "timezone = \"UTC\"\n")
	logs := copyAgentLogs(t)
	claude := filepath.Join(logs, "claude", "projects")

	var sum struct {
		Source     string   `json:"source"`
		Files      int      `json:"files"`
		FilesRead  int      `json:"files_read"`
		Lines      int      `json:"lines"`
		Added      int      `json:"events_added"`
		Duplicates int      `json:"duplicates_skipped"`
		Refused    int      `json:"lines_refused"`
		Reasons    []string `json:"refused_reasons"`
		CostUSD    string   `json:"cost_usd"`
	}
	decode(t, c.ok("", "import", "claude-code", "--path", claude, "--json"), &sum)
	if sum.Source != "claude-code" || sum.Files != 2 || sum.Lines != 10 || sum.Added != 3 || sum.Duplicates != 3 || sum.Refused != 0 || sum.CostUSD == "0" {
		t.Fatalf("first import %+v", sum)
	}
	decode(t, c.ok("", "import", "claude-code", "--path", claude, "--json"), &sum)
	if sum.Added != 0 || sum.Lines != 0 {
		t.Fatalf("second import %+v, want nothing new", sum)
	}
	out := c.ok("", "import", "codex", "--path", filepath.Join(logs, "codex"))
	if !strings.Contains(out, "codex: 3 files (3 new or changed), 18 lines read") || !strings.Contains(out, "5 requests added") {
		t.Fatalf("codex import said:\n%s", out)
	}

	var rows []struct {
		Group    string `json:"group"`
		Requests int64  `json:"requests"`
		Input    int64  `json:"input_tokens"`
		Cached   int64  `json:"cache_read_tokens"`
		Written  int64  `json:"cache_write_tokens"`
		Output   int64  `json:"output_tokens"`
		Reason   int64  `json:"reasoning_tokens"`
		CostUSD  string `json:"cost_usd"`
	}
	decode(t, c.ok("", "usage", "--since", "2026-11-01", "--until", "2026-12-01", "--by", "day", "--source", "codex", "--json"), &rows)
	var day *struct {
		Group    string `json:"group"`
		Requests int64  `json:"requests"`
		Input    int64  `json:"input_tokens"`
		Cached   int64  `json:"cache_read_tokens"`
		Written  int64  `json:"cache_write_tokens"`
		Output   int64  `json:"output_tokens"`
		Reason   int64  `json:"reasoning_tokens"`
		CostUSD  string `json:"cost_usd"`
	}
	for i := range rows {
		if rows[i].Group == "2026-11-20" {
			day = &rows[i]
		} else if rows[i].Requests != 0 {
			t.Errorf("codex requests on %s: %+v", rows[i].Group, rows[i])
		}
	}
	if day == nil || day.Requests != 5 || day.Input != 5000+1200+9000+1000+1500 || day.Cached != 4800+3000+17000+500 || day.Output != 300+400+500+400+120 || day.Reason != 100+150+200+100+40 {
		t.Fatalf("codex on 2026-11-20: %+v", day)
	}
	decode(t, c.ok("", "usage", "--since", "2026-11-01", "--until", "2026-12-01", "--by", "session", "--source", "claude-code", "--json"), &rows)
	if len(rows) != 1 || rows[0].Group != "5b1e2c3d-0000-4000-8000-000000000001" || rows[0].Requests != 3 || rows[0].Written != 1200 {
		t.Fatalf("claude-code by session: %+v", rows)
	}
	// Without --source, byok's own events group apart.
	c.ok("", "spend", "add", "openai", "2", "--date", "2026-11-20")
	decode(t, c.ok("", "usage", "--since", "2026-11-01", "--until", "2026-12-01", "--by", "session", "--json"), &rows)
	if len(rows) != 5 || rows[0].Group != "(no session)" {
		t.Fatalf("by session: %+v", rows)
	}
}
