// Package byok_test holds the repository-wide checks that keep the package
// layout honest: dependency arrows point one way (DESIGN.md §1).
package byok_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
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
}

// rules names every package of ours that has a place in the layout. A package
// not listed here fails the test, so a new package gets a decided place.
var rules = map[string]rule{
	"money":          {},
	"redact":         {},
	"residency":      {},
	"config":         {mayImport: []string{"money"}},
	"providers":      {mayImport: []string{"money", "redact"}},
	"pricing":        {mayImport: []string{"money", "providers"}},
	"store":          {mayImport: []string{"money", "providers", "pricing", "redact"}},
	"store/keychain": {mayImport: []string{"redact"}},
	"budget":         {mayImport: []string{"money", "providers", "pricing", "store", "redact"}},
	"export":         {mayImport: []string{"money", "store"}},
	"app":            {mayImport: []string{"money", "providers", "pricing", "store", "budget", "config", "redact", "export"}},
	"proxy":          {mayImport: []string{"money", "providers", "pricing", "store", "budget", "config", "redact", "app"}},
	"tui":            {mayImport: []string{"money", "providers", "pricing", "store", "budget", "config", "redact", "app"}, ui: true},
	"cmd/byok":       {mayImport: []string{""}, ui: true},
}

type listedPackage struct {
	ImportPath string
	Imports    []string // direct imports: the arrows of the layout
	Deps       []string // everything reached: no UI library may hide here
}

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
	out, err := exec.Command("go", "list", "-deps=false", "-json=ImportPath,Imports,Deps", "./...").Output()
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
				t.Errorf("%s depends on %s: the arrow points the wrong way (see DESIGN.md §1)", rel, d)
			}
		}
	}
	if seen == 0 {
		t.Fatal("go list found none of our packages")
	}
}
