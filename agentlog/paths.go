package agentlog

import (
	"path/filepath"
	"strings"
)

// DefaultRoots returns where each agent keeps its logs by its own
// settings, whether or not they exist: Claude Code's projects folders
// (CLAUDE_CONFIG_DIR, which may list several folders separated by commas,
// or ~/.config/claude and ~/.claude), Codex's sessions and
// archived_sessions under CODEX_HOME (~/.codex), Gemini CLI's ~/.gemini/tmp
// (whose project folders hold chats/), and opencode's data folder
// (OPENCODE_DATA_DIR, or $XDG_DATA_HOME/opencode).
func DefaultRoots(src Source, env func(string) string) []string {
	home := env("HOME")
	under := func(parts ...string) string { return filepath.Join(append([]string{home}, parts...)...) }
	switch src {
	case ClaudeCode:
		if dirs := env("CLAUDE_CONFIG_DIR"); strings.TrimSpace(dirs) != "" {
			var out []string
			for _, d := range strings.Split(dirs, ",") {
				if d = strings.TrimSpace(d); d != "" {
					out = append(out, filepath.Join(d, "projects"))
				}
			}
			return out
		}
		cfg := env("XDG_CONFIG_HOME")
		if cfg == "" {
			cfg = under(".config")
		}
		return []string{filepath.Join(cfg, "claude", "projects"), under(".claude", "projects")}
	case Codex:
		ch := env("CODEX_HOME")
		if ch == "" {
			ch = under(".codex")
		}
		return []string{filepath.Join(ch, "sessions"), filepath.Join(ch, "archived_sessions")}
	case GeminiCLI:
		return []string{under(".gemini", "tmp")}
	case OpenCode:
		if d := env("OPENCODE_DATA_DIR"); d != "" {
			return []string{d}
		}
		data := env("XDG_DATA_HOME")
		if data == "" {
			data = under(".local", "share")
		}
		return []string{filepath.Join(data, "opencode")}
	}
	return nil
}
