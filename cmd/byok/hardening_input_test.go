package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInputEverywhere feeds malformed flags, amounts, dates, scopes,
// model names, huge and binary prompts to the CLI: each is a usage error
// (exit 2) whose message names what is wrong, and no table gains a row.
func TestBadInputEverywhere(t *testing.T) {
	c := newCLI(t, "timezone = \"UTC\"\n")
	// Some history first, so "nothing written" is checked against a
	// database that has rows in every table a command could touch.
	c.ok("", "spend", "add", "openai", "3")
	c.ok("", "budget", "set", "provider:openai", "10")
	c.ok("", "pricing", "set", "openai/gpt-4o", "--input", "1", "--output", "2")
	home := c.home
	huge := strings.Repeat("a", 8<<20+1)
	cases := []struct {
		name  string
		stdin string
		args  []string
		want  string // in stderr, case-insensitive
	}{
		// Flags.
		{"flag without value", "", []string{"usage", "--since"}, "flag needs an argument"},
		{"unknown flag", "", []string{"log", "--limt", "3"}, "unknown flag"},
		{"non-numeric limit", "", []string{"log", "--limit", "many"}, `--limit takes a whole number, not "many"`},
		{"negative max tokens", "", []string{"prompt", "-m", "openai/gpt-4o", "--max-tokens", "-3", "hi"}, "positive"},
		{"unknown effort", "", []string{"prompt", "-m", "openai/gpt-4o", "--reasoning-effort", "max", "hi"}, "low, medium or high"},
		{"too many args", "", []string{"spend", "add", "openai", "3", "4"}, "usage: byok spend add PROVIDER AMOUNT (received 3 arguments)"},
		{"home is a file", "", []string{"--home", filepath.Join(home, "config.toml"), "log"}, "is a file"},
		// Amounts.
		{"exponent amount", "", []string{"spend", "add", "openai", "1e5"}, "write dollars"},
		{"negative zero", "", []string{"spend", "add", "openai", "-0"}, "positive"},
		{"bare dollar sign", "", []string{"spend", "add", "openai", "$"}, "write dollars"},
		{"two decimal points", "", []string{"spend", "add", "openai", "12.3.4"}, "write dollars"},
		{"NaN amount", "", []string{"spend", "add", "openai", "NaN"}, "write dollars"},
		{"NaN budget", "", []string{"budget", "set", "all", "NaN"}, "nan"},
		{"NaN price", "", []string{"pricing", "set", "openai/gpt-4o", "--input", "NaN", "--output", "1"}, "nan"},
		{"negative token count", "", []string{"pricing", "cost", "openai/gpt-4o", "--input", "-5"}, "-5"},
		// Dates.
		{"impossible date", "", []string{"spend", "add", "openai", "3", "--date", "2026-13-45"}, "2026-13-45"},
		{"february 30", "", []string{"usage", "--since", "2026-02-30"}, "2026-02-30"},
		{"until before since", "", []string{"usage", "--since", "2026-03-01", "--until", "2026-02-01"}, "before"},
		// Scopes.
		{"empty key scope", "", []string{"budget", "set", "key:", "10"}, "key:"},
		{"empty provider scope", "", []string{"budget", "set", "provider:", "10"}, "provider:"},
		{"model scope without provider", "", []string{"budget", "set", "model:gpt-4o", "10"}, "model:gpt-4o"},
		{"unknown scope kind", "", []string{"budget", "rm", "team:ml"}, "team:ml"},
		// Model names.
		{"model without name", "", []string{"prompt", "-m", "openai/", "hi"}, "provider/model"},
		{"model without provider", "", []string{"prompt", "-m", "/gpt", "hi"}, "provider/model"},
		{"unknown provider", "", []string{"prompt", "-m", "openia/gpt-4o", "hi"}, "unknown provider"},
		{"price of a nameless model", "", []string{"pricing", "cost", "openai/", "--input", "1"}, "provider/model"},
		{"compare with a nameless model", "", []string{"compare", "-m", "openai/", "-m", "/gpt", "hi"}, "provider/model"},
		// Stdin.
		{"prompt over 8 MB", huge, []string{"prompt", "-m", "openai/gpt-4o", "-"}, "larger than 8 MB"},
		{"binary prompt", "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", []string{"prompt", "-m", "openai/gpt-4o", "-"}, "not text"},
		{"invalid UTF-8 prompt", "caf\xe9 au lait", []string{"prompt", "-m", "openai/gpt-4o", "-"}, "not text"},
		{"empty prompt", "  \n", []string{"prompt", "-m", "openai/gpt-4o", "-"}, "no prompt"},
		{"empty key on stdin", "\n", []string{"keys", "add", "openai", "--no-validate"}, "no key on stdin"},
	}
	before := rowCounts(t, c.db())
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.run(tc.stdin, tc.args...)
			if r.code != exitUsage {
				t.Errorf("exit %d, want %d; stderr %q", r.code, exitUsage, r.err)
			}
			if !strings.Contains(strings.ToLower(r.err), strings.ToLower(tc.want)) {
				t.Errorf("stderr %.300q does not say %q", r.err, tc.want)
			}
			if r.out != "" {
				t.Errorf("stdout %.200q, want nothing", r.out)
			}
			if after := rowCounts(t, c.db()); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("rows before %v\nrows after  %v", before, after)
			}
		})
	}
}

// TestBadConfigValues writes one bad line at a time into config.toml:
// every command refuses to run with a usage error naming the file, the line
// and what was expected, and nothing is written.
func TestBadConfigValues(t *testing.T) {
	cases := []struct {
		name, config string
		line         int
		want         string
	}{
		{"unknown time zone", "store_text = false\ntimezone = \"Mars/Olympus\"\n", 2, "time zone"},
		{"plain-text keyring", "keyring = \"plaintext\"\n", 1, `"keychain"`},
		{"empty keyring service", "\nkeyring_service = \"\"\n", 2, "must not be empty"},
		{"negative rotation", "rotate_after_days = -1\n", 1, "rotate_after_days"},
		{"default model without provider", "default_model = \"gpt-4o\"\n", 1, "provider/model"},
		{"proxy on every interface", "[proxy]\naddr = \"0.0.0.0:8787\"\n", 2, "loopback"},
		{"proxy without port", "[proxy]\naddr = \"127.0.0.1\"\n", 2, "127.0.0.1:PORT"},
		{"proxy port out of range", "[proxy]\naddr = \"127.0.0.1:99999\"\n", 2, "1 to 65535"},
		{"proxy port a name", "[proxy]\naddr = \"127.0.0.1:http\"\n", 2, "1 to 65535"},
		{"body limit zero", "[proxy]\nmax_body_mb = 0\n", 2, "max_body_mb"},
		{"custom kind gemini", "[providers.mine]\nkind = \"gemini\"\nbase_url = \"http://127.0.0.1:1/v1\"\n", 2, "kind"},
		{"custom without base url", "[providers.mine]\nkind = \"openai\"\n", 1, "base_url"},
		{"base url without scheme", "[providers.openai]\nbase_url = \"api.example.com/v1\"\n", 2, "http://"},
		{"markup above 100", "[providers.openrouter]\nmarkup_percent = 250\n", 2, "markup_percent"},
		{"upper-case provider id", "[providers.MyAI]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:1/v1\"\n", 1, "lower-case"},
		{"wrong type", "store_text = \"yes\"\n", 1, "store_text"},
		{"unknown setting", "timezone = \"UTC\"\nbudget_limit = 5\n", 2, "unknown setting"},
		{"broken TOML", "timezone = \"UTC\n", 1, "config.toml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLI(t, "")
			c.ok("", "spend", "add", "openai", "3") // a database with a row
			before := rowCounts(t, c.db())
			checkErr(t, os.WriteFile(filepath.Join(c.home, "config.toml"), []byte(tc.config), 0o600))
			for _, args := range [][]string{{"spend", "add", "openai", "4"}, {"log"}, {"budget", "set", "all", "5"}} {
				r := c.run("", args...)
				if r.code != exitUsage {
					t.Errorf("byok %s: exit %d, want %d; stderr %q", strings.Join(args, " "), r.code, exitUsage, r.err)
				}
				where := fmt.Sprintf("config.toml:%d", tc.line)
				if !strings.Contains(r.err, where) || !strings.Contains(strings.ToLower(r.err), strings.ToLower(tc.want)) {
					t.Errorf("byok %s: stderr %q does not name %s and %q", strings.Join(args, " "), r.err, where, tc.want)
				}
			}
			if after := rowCounts(t, c.db()); fmt.Sprint(after) != fmt.Sprint(before) {
				t.Errorf("rows before %v\nrows after  %v", before, after)
			}
			if b, err := os.ReadFile(filepath.Join(c.home, "config.toml")); err != nil || !bytes.Equal(b, []byte(tc.config)) {
				t.Errorf("config.toml was changed: %q %v", b, err)
			}
		})
	}
}
