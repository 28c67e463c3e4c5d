// Package byok_test holds the repository-wide checks that keep the package
// layout honest: dependency arrows point one way (docs/design.md §1).
package byok_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/byokhq/byok/app"
)

const module = "github.com/byokhq/byok"

// uiLibraries are the Charm UI modules only the tui and cmd layers may use.
var uiLibraries = []string{
	"charm.land/bubbletea",
	"charm.land/bubbles",
	"charm.land/lipgloss",
	"charm.land/huh",
	"charm.land/glamour",
	"github.com/charmbracelet/bubbletea",
	"github.com/charmbracelet/lipgloss",
}

// rule says which packages of ours (by path below the module) a package may
// import, and whether it may reach the UI libraries.
type rule struct {
	mayImport []string // our packages allowed, as prefixes below the module
	ui        bool
	// viaApp says the package writes and decides only through app: it may
	// use the store's types and read through app.Reader, but never hold a
	// store, an engine or a keyring of its own (see writers).
	viaApp bool
}

// rules names every package of ours that has a place in the layout. A package
// not listed here fails the test, so a new package gets a decided place.
var rules = map[string]rule{
	"money":               {},
	"redact":              {},
	"residency":           {},
	"filelock":            {},
	"safetext":            {},
	"config":              {mayImport: []string{"money"}},
	"providers":           {mayImport: []string{"money", "redact"}},
	"pricing":             {mayImport: []string{"money", "providers"}},
	"agentlog":            {mayImport: []string{"money", "providers"}},
	"internal/genlogs":    {}, // benchmark logs in the agents' formats
	"internal/tmuxtest":   {}, // tests drive byok in a tmux pane
	"internal/ssetest":    {}, // fake providers stream server-sent events
	"store":               {mayImport: []string{"money", "providers", "pricing", "reports", "redact", "filelock"}},
	"store/keychain":      {mayImport: []string{"redact", "filelock"}},
	"budget":              {mayImport: []string{"money", "providers", "pricing", "store", "redact", "safetext"}},
	"export":              {mayImport: []string{"money", "store"}},
	"reports":             {mayImport: []string{"money", "providers"}},
	"reports/reportstest": {}, // a fake DeepSeek and OpenRouter tell balances
	"app":                 {mayImport: []string{"money", "providers", "pricing", "store", "budget", "config", "redact", "reports", "agentlog", "safetext", "export"}},
	"proxy":               {mayImport: []string{"money", "providers", "pricing", "store", "budget", "config", "redact", "app", "safetext"}},
	"tui":                 {mayImport: []string{"money", "providers", "pricing", "store", "budget", "config", "redact", "app", "safetext"}, ui: true, viaApp: true},
	"cmd/byok":            {mayImport: []string{""}, ui: true, viaApp: true},
}

type listedPackage struct {
	ImportPath string
	Dir        string
	GoFiles    []string // the package's own files, tests excluded
	Imports    []string // direct imports: the arrows of the layout
	Deps       []string // everything reached: no UI library may hide here
}

// writers are the names through which a package could write the database,
// alerts or the keyring without app: opening a store or a keyring, or
// building a budget engine (whose Evaluate stores alerts). Packages marked
// viaApp may not name them.
var writers = map[string][]string{
	"store":          {"Open", "Store"},
	"store/keychain": {"Open"},
	"budget":         {"NewEngine", "Engine"},
}

// writeVerbs begin the names of the store's writing methods; app.Reader,
// the store as the CLI and the TUI see it, has none of them.
var writeVerbs = []string{"Put", "Set", "Delete", "Add", "Ack", "Record", "Reprice", "Audit", "Close", "Claim", "Mark", "Replace", "Import", "Upsert", "Insert", "Update", "Prune", "Vacuum"}

// ruleFor finds the rule of a package: its own entry, or that of the nearest
// listed parent (sub-packages such as tui/dashboard or
// store/keychain/keychaintest share their parent's place), ignoring
// generators under internal/.
func ruleFor(rel string) (string, rule, bool) {
	for p := rel; p != ""; {
		if r, ok := rules[p]; ok {
			return p, r, true
		}
		i := strings.LastIndex(p, "/")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return "", rule{}, false
}

func TestDependencyArrows(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps=false", "-json=ImportPath,Dir,GoFiles,Imports,Deps", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := 0
	for {
		var p listedPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		if rel == "" {
			continue // this test's own package
		}
		if strings.Contains(rel, "/internal/") {
			continue // code generators and tools, not shipped
		}
		owner, r, ok := ruleFor(rel)
		if !ok {
			t.Errorf("package %s has no place in the layout rules (layout_test.go); decide where it sits", rel)
			continue
		}
		seen++
		if r.viaApp {
			checkViaApp(t, rel, p)
		}
		for _, dep := range p.Deps {
			if r.ui {
				break
			}
			for _, ui := range uiLibraries {
				if strings.HasPrefix(dep, ui) {
					t.Errorf("%s depends on %s: only tui and cmd may use UI libraries", rel, dep)
				}
			}
		}
		for _, dep := range p.Imports {
			if !strings.HasPrefix(dep, module+"/") {
				continue
			}
			d := strings.TrimPrefix(dep, module+"/")
			if d == owner || strings.HasPrefix(d, owner+"/") {
				continue // a package's own sub-tree
			}
			allowed := false
			for _, a := range r.mayImport {
				if a == "" || d == a || strings.HasPrefix(d, a+"/") {
					allowed = true
					break
				}
			}
			if !allowed {
				t.Errorf("%s depends on %s: the arrow points the wrong way (see docs/design.md §1)", rel, d)
			}
		}
	}
	if seen == 0 {
		t.Fatal("go list found none of our packages")
	}
}

// checkViaApp fails for every use, in p's own (non-test) files, of a name
// that would let it write around app.
func checkViaApp(t *testing.T, rel string, p listedPackage) {
	t.Helper()
	fset := token.NewFileSet()
	for _, name := range p.GoFiles {
		path := filepath.Join(p.Dir, name)
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parse %s: %v", path, err)
		}
		// The local name of each watched import in this file.
		local := map[string]string{}
		for _, im := range f.Imports {
			ip, _ := strconv.Unquote(im.Path.Value)
			pkg, ok := strings.CutPrefix(ip, module+"/")
			if _, watched := writers[pkg]; !ok || !watched {
				continue
			}
			n := pkg[strings.LastIndex(pkg, "/")+1:]
			if im.Name != nil {
				n = im.Name.Name
			}
			local[n] = pkg
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			id, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			pkg, ok := local[id.Name]
			if !ok {
				return true
			}
			for _, w := range writers[pkg] {
				if sel.Sel.Name == w {
					t.Errorf("%s: %s uses %s.%s: %s writes and decides through app only (docs/design.md §1); give app the use case",
						fset.Position(sel.Pos()), rel, pkg, w, rel)
				}
			}
			return true
		})
	}
}

// TestReaderOnlyReads keeps app.Reader, the store the CLI and the TUI see,
// free of writing methods.
func TestReaderOnlyReads(t *testing.T) {
	rt := reflect.TypeFor[app.Reader]()
	if rt.NumMethod() == 0 {
		t.Fatal("app.Reader has no methods")
	}
	for i := range rt.NumMethod() {
		m := rt.Method(i).Name
		for _, v := range writeVerbs {
			if strings.HasPrefix(m, v) {
				t.Errorf("app.Reader.%s writes (it begins with %q): give app a use case for it instead", m, v)
			}
		}
	}
}
