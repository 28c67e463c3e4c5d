// Package agentlogtest holds the coding-agent logs that agentlog, app and the
// CLI are tested against: Claude Code, Codex and Gemini CLI sessions in the
// agents' real formats. They are embedded so that every package's tests read
// the same lines, wherever the test runs from.
package agentlogtest

import (
	"embed"
	"io/fs"
	"os"
	"path"
	"testing"
)

//go:embed all:testdata
var fixtures embed.FS

// Copy writes the fixture folder name ("claude", "codex", "gemini"), or all
// of them when name is empty, into a temporary folder and returns it. The
// copy is the test's own: it may append to and rewrite the logs.
func Copy(t testing.TB, name string) string {
	t.Helper()
	src, err := fs.Sub(fixtures, path.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	if err := os.CopyFS(dst, src); err != nil {
		t.Fatal(err)
	}
	return dst
}

// Append adds text to the end of the log at path, as an agent writing its
// session does; text may finish a line the log left unfinished.
func Append(t testing.TB, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}
