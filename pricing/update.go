package pricing

import (
	"encoding/json"
	"sort"
	"strings"
)

// Merge builds a catalog from primary and then, set by set, adds each
// price of extras whose model the catalog built so far does not know under
// any spelling Lookup accepts. The generator merges LiteLLM's prices with
// catwalk's model lists this way, and `byok pricing update` a fresh
// LiteLLM file with OpenRouter's model list.
func Merge(info CatalogInfo, primary []Price, extras ...[]Price) *Catalog {
	kept := append([]Price(nil), primary...)
	for _, set := range extras {
		base := NewCatalog(CatalogInfo{Date: info.Date}, kept)
		for _, p := range set {
			if _, ok := base.Lookup(p.Provider, p.Model); ok {
				continue
			}
			kept = append(kept, p)
		}
	}
	return NewCatalog(info, kept)
}

// Change is one field of a price that differs between two catalogs, with
// both values as the catalog's JSON format writes them (dollars, per
// million tokens for rates); "" means the price has no such field.
type Change struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// ModelChange is one model whose price differs, field by field.
type ModelChange struct {
	Name    string   `json:"model"`
	Changes []Change `json:"changes"`
}

// CatalogDiff says what a new catalog changes: models added, models whose
// price changed, and models the new one no longer lists, each sorted by
// name.
type CatalogDiff struct {
	Added     []Price       `json:"added"`
	Changed   []ModelChange `json:"changed"`
	Removed   []Price       `json:"removed"`
	Unchanged int           `json:"unchanged"`
}

// Diff compares the catalog's own prices (overrides left out) of old and
// new. Only what a price says counts: its source, date, reference and
// origin do not.
func Diff(old, new *Catalog) CatalogDiff {
	// Empty lists, not nil ones: the diff is printed as JSON, where a list
	// with nothing in it is [] (docs/json.md).
	d := CatalogDiff{Added: []Price{}, Changed: []ModelChange{}, Removed: []Price{}}
	oldBy := map[string]Price{}
	for _, p := range old.prices {
		if p.Source == "catalog" {
			oldBy[p.Name()] = p
		}
	}
	seen := map[string]bool{}
	for _, p := range new.prices {
		if p.Source != "catalog" {
			continue
		}
		seen[p.Name()] = true
		o, ok := oldBy[p.Name()]
		if !ok {
			d.Added = append(d.Added, p)
			continue
		}
		if cs := priceChanges(o, p); len(cs) > 0 {
			d.Changed = append(d.Changed, ModelChange{Name: p.Name(), Changes: cs})
		} else {
			d.Unchanged++
		}
	}
	for _, p := range old.prices {
		if p.Source == "catalog" && !seen[p.Name()] {
			d.Removed = append(d.Removed, p)
		}
	}
	return d
}

// SamePrice reports whether a and b charge the same for everything.
func SamePrice(a, b Price) bool { return len(priceChanges(a, b)) == 0 }

// priceChanges lists the fields in which b's price differs from a's,
// sorted by field name. Fields are compared as the catalog's JSON format
// writes them, so a field added to Price is compared without naming it
// here.
func priceChanges(a, b Price) []Change {
	fa, fb := priceFields(a), priceFields(b)
	var out []Change
	for k, va := range fa {
		if vb := fb[k]; vb != va {
			out = append(out, Change{Field: k, Old: va, New: vb})
		}
	}
	for k, vb := range fb {
		if _, ok := fa[k]; !ok {
			out = append(out, Change{Field: k, New: vb})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// priceFields flattens what a price charges into field → value, using the
// names of the catalog's JSON format ("input", "tiers.200000.output",
// "service_tiers.priority.input", "per_image").
func priceFields(p Price) map[string]string {
	p.Source, p.Date, p.Ref, p.Origin = "", "", "", ""
	p.MaxInput, p.MaxOutput = 0, 0
	b, err := json.Marshal(p)
	if err != nil {
		return map[string]string{"error": err.Error()}
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return map[string]string{"error": err.Error()}
	}
	delete(m, "provider")
	delete(m, "model")
	out := map[string]string{}
	flatten(out, "", m)
	return out
}

func flatten(out map[string]string, prefix string, v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			flatten(out, join(prefix, k), e)
		}
	case []any:
		// Tiers are named by their threshold (and service tier), so that
		// a new tier reads as added fields rather than as every tier
		// after it shifting.
		for i, e := range x {
			key := tierName(e)
			if key == "" {
				key = jsonIndex(i)
			}
			flatten(out, join(prefix, key), e)
		}
	case nil:
	default:
		b, _ := json.Marshal(x)
		out[prefix] = strings.Trim(string(b), `"`)
	}
}

func tierName(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	above, _ := json.Marshal(m["above"])
	name := "above_" + string(above)
	if s, ok := m["service"].(string); ok && s != "" {
		name += "_" + s
	}
	delete(m, "above")
	delete(m, "service")
	return name
}

func jsonIndex(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}
