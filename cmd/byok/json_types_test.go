package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/byokhq/byok/agentlog/agentlogtest"
)

// jsonCommands are every command with --json, run over a demo home (whose
// providers are simulated offline, so prompt works without a network).
var jsonCommands = [][]string{
	{"status", "--json"},
	{"status", "--long", "--json"},
	{"usage", "--json"},
	{"usage", "--by", "model", "--json"},
	{"usage", "--by", "key", "--json"},
	{"usage", "--by", "day", "--json"},
	{"usage", "--by", "source", "--json"},
	{"usage", "--by", "session", "--json"},
	{"log", "--json", "--limit", "200"},
	{"budget", "list", "--json"},
	{"keys", "list", "--json"},
	{"spend", "list", "--json"},
	{"alerts", "--all", "--json"},
	{"providers", "--json"},
	{"models", "openai", "--json"},
	{"pricing", "list", "anthropic", "--json"},
	{"pricing", "show", "openai/gpt-4o-mini", "--json"},
	{"pricing", "show", "anthropic/claude-sonnet-4-5", "--json"},
	{"pricing", "cost", "openai/gpt-4o-mini", "--input", "1000", "--output", "10", "--json"},
	{"pricing", "cost", "openai/gpt-image-1", "--images", "2", "--json"},
	{"pricing", "cost", "openai/no-such-model", "--input", "1000", "--json"},
	{"prompt", "-m", "openai/gpt-4o-mini", "--json", "hello"},
	{"balance", "--json"},
	{"export", "status", "--json"},
	{"pricing", "update", "--from", filepath.Join("..", "..", "app", "testdata", "prices", "litellm-2026-07-30.json"), "--reprice-since", "10d", "--json"},
	// The same file again changes nothing: every list of the report is empty.
	{"pricing", "update", "--from", filepath.Join("..", "..", "app", "testdata", "prices", "litellm-2026-07-30.json"), "--json"},
}

// jsonKind is the JSON type of a decoded value; null says nothing about a
// field's type (an optional value), so it is left out.
func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case float64, json.Number:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return ""
}

// collectJSONTypes records, for every object field name anywhere in v, the
// JSON types it holds and where (for arrays, the type of their elements
// too: "array of number").
func collectJSONTypes(v any, where string, seen map[string]map[string][]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, f := range x {
			if kind := jsonKind(f); kind != "" {
				if arr, ok := f.([]any); ok {
					for _, e := range arr {
						if ek := jsonKind(e); ek != "" {
							kind = "array of " + ek
							break
						}
					}
				}
				if seen[k] == nil {
					seen[k] = map[string][]string{}
				}
				seen[k][kind] = append(seen[k][kind], where)
			}
			collectJSONTypes(f, where, seen)
		}
	case []any:
		for _, e := range x {
			collectJSONTypes(e, where, seen)
		}
	}
}

// One JSON type per field name across the whole CLI: a script reading
// `percent` or `cost_usd` from one command can read it the same way from
// every other (docs/json.md lists them).
func TestJSONTypesAgreeAcrossCommands(t *testing.T) {
	c := newCLI(t, "")
	c.ok("", "--home", c.home, "demo", "--events", "400", "--days", "5", "--no-tui")
	// An import and a configured export give their summaries something to say.
	logs := agentlogtest.Copy(t, "claude")
	f, err := os.OpenFile(filepath.Join(c.home, "config.toml"), os.O_APPEND|os.O_WRONLY, 0)
	checkErr(t, err)
	_, err = f.WriteString("\n[export.otlp]\nendpoint = \"http://127.0.0.1:1\"\n")
	checkErr(t, err)
	checkErr(t, f.Close())
	commands := append(jsonCommands[:len(jsonCommands):len(jsonCommands)],
		[]string{"import", "claude-code", "--path", filepath.Join(logs, "projects"), "--json"})

	seen := map[string]map[string][]string{}
	nulls := map[string][]string{}
	for _, args := range commands {
		r := c.run("", args...)
		name := strings.Join(args, " ")
		if r.code != 0 {
			t.Errorf("byok %s: exit %d: %s", name, r.code, r.err)
			continue
		}
		var v any
		if err := json.Unmarshal([]byte(r.out), &v); err != nil {
			t.Errorf("byok %s printed no JSON: %v\n%s", name, err, r.out)
			continue
		}
		collectJSONTypes(v, commandName(args), seen)
		collectNulls(v, commandName(args), nulls)
	}
	for k, kinds := range jsonTagTypes(t) {
		for kind, where := range kinds {
			if seen[k] == nil {
				seen[k] = map[string][]string{}
			}
			seen[k][kind] = append(seen[k][kind], where...)
		}
	}
	// An empty array fits any array type.
	for _, kinds := range seen {
		if where, ok := kinds["array"]; ok {
			for kind := range kinds {
				if strings.HasPrefix(kind, "array of ") {
					kinds[kind] = append(kinds[kind], where...)
					delete(kinds, "array")
					break
				}
			}
		}
	}
	names := make([]string, 0, len(seen))
	for k := range seen {
		names = append(names, k)
	}
	sort.Strings(names)
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "json.md"))
	checkErr(t, err)
	if os.Getenv("BYOK_JSON_DOC") != "" {
		// The table's rows as they are now, for docs/json.md.
		for _, k := range names {
			for kind, where := range seen[k] {
				var cmds []string
				for _, w := range dedupe(where) {
					if !strings.Contains(w, ".go") {
						cmds = append(cmds, "`"+w+"`")
					}
				}
				fmt.Printf("| `%s` | %s | %s |\n", k, kind, strings.Join(cmds, ", "))
			}
		}
	}
	// A list with nothing in it is [], never null: a script iterates
	// over it without first asking whether it is there. A list is a field
	// seen as one or one docs/json.md calls one, since a list that is only
	// ever empty in these runs may be only ever null.
	for k, where := range nulls {
		list := strings.Contains(string(doc), "| `"+k+"` | array")
		for kind := range seen[k] {
			list = list || strings.HasPrefix(kind, "array")
		}
		if list {
			t.Errorf("field %q, a list, is null in %s", k, strings.Join(dedupe(where), ", "))
		}
	}
	for _, k := range names {
		kinds := seen[k]
		if len(kinds) > 1 {
			var parts []string
			for kind, where := range kinds {
				parts = append(parts, fmt.Sprintf("%s in %s", kind, strings.Join(dedupe(where), ", ")))
			}
			sort.Strings(parts)
			t.Errorf("field %q has %d JSON types: %s", k, len(kinds), strings.Join(parts, "; "))
			continue
		}
		for kind := range kinds {
			row := "| `" + k + "` | " + kind + " |"
			if kind == "array" {
				// Only ever seen empty: the table names its elements.
				row = "| `" + k + "` | array"
			}
			if !strings.Contains(string(doc), row) {
				t.Errorf("docs/json.md has no row %q", row)
			}
		}
	}
}

// collectNulls records, for every object field name anywhere in v, where
// it is null.
func collectNulls(v any, where string, nulls map[string][]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, f := range x {
			if f == nil {
				nulls[k] = append(nulls[k], where)
			}
			collectNulls(f, where, nulls)
		}
	case []any:
		for _, e := range x {
			collectNulls(e, where, nulls)
		}
	}
}

// commandName is the command of a command line, without its arguments
// and flags: "pricing show", "usage".
func commandName(args []string) string {
	switch args[0] {
	case "pricing", "budget", "keys", "spend", "export":
		return args[0] + " " + args[1]
	}
	return args[0]
}

func dedupe(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// jsonTagTypes reads the JSON field names and Go types of every struct the
// CLI prints (cmd/byok's json tags), so that outputs the demo cannot
// produce — reconcile, balances, images — are held to the same rule.
func jsonTagTypes(t *testing.T) map[string]map[string][]string {
	t.Helper()
	fset := token.NewFileSet()
	files, err := filepath.Glob("*.go")
	checkErr(t, err)
	out := map[string]map[string][]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		checkErr(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			field, ok := n.(*ast.Field)
			if !ok || field.Tag == nil || len(field.Names) == 0 {
				return true
			}
			tag, err := strconv.Unquote(field.Tag.Value)
			if err != nil {
				return true
			}
			jname, _, _ := strings.Cut(reflect.StructTag(tag).Get("json"), ",")
			if jname == "" || jname == "-" {
				return true
			}
			kind := goJSONKind(field.Type)
			if kind == "" {
				return true
			}
			if out[jname] == nil {
				out[jname] = map[string][]string{}
			}
			out[jname][kind] = append(out[jname][kind], fmt.Sprintf("%s (%s.%s)", name, fset.Position(field.Pos()).String(), field.Names[0].Name))
			return true
		})
	}
	return out
}

// goJSONKind is the JSON type encoding/json gives a Go type, for the types
// the CLI's JSON structs use; "" when it cannot tell (any, a named type
// from elsewhere).
func goJSONKind(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return goJSONKind(x.X)
	case *ast.ArrayType:
		if el := goJSONKind(x.Elt); el != "" {
			return "array of " + el
		}
		return "array"
	case *ast.MapType:
		return "object"
	case *ast.StructType:
		return "object"
	case *ast.Ident:
		switch x.Name {
		case "string":
			return "string"
		case "bool":
			return "boolean"
		case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
			return "number"
		}
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok && id.Name == "time" && x.Sel.Name == "Time" {
			return "string"
		}
	}
	return ""
}
