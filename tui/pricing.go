package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
)

// pricingPage browses the price catalog with the user's overrides, and
// sets or removes overrides.
// Its list is the whole catalog; the cursor moves over the models the
// search shows.
type pricingPage struct {
	loader[pricing.Price]
	c      *common
	keys   pricingKeys
	search textinput.Model
	names  []string // "provider/model" of list, for fuzzy search
	shown  []int    // indexes into list
	date   string
}

func newPricing(c *common) *pricingPage {
	in := newInput("/ ", "search models, e.g. sonnet or openai/gpt-4o")
	p := &pricingPage{loader: newLoader[pricing.Price](pagePricing).withDialogWrites(), c: c, keys: newPricingKeys(), search: in}
	// A model without a cache price sorts as the cheapest.
	cacheRead := func(pr pricing.Price) int64 {
		if !pr.HasCacheRead {
			return -1
		}
		return int64(pr.CacheRead)
	}
	p.sort = newSorter(
		sortCol[pricing.Price]{title: "MODEL", cmp: byText(func(pr pricing.Price) string { return pr.Provider + "/" + pr.Model })},
		sortCol[pricing.Price]{title: "INPUT", cmp: byNumber(func(pr pricing.Price) int64 { return int64(pr.Input) }), desc: true},
		sortCol[pricing.Price]{title: "OUTPUT", cmp: byNumber(func(pr pricing.Price) int64 { return int64(pr.Output) }), desc: true},
		sortCol[pricing.Price]{title: "CACHE RD", cmp: byNumber(cacheRead), desc: true},
		sortCol[pricing.Price]{title: "SOURCE", cmp: byText(func(pr pricing.Price) string { return pr.Source })},
	)
	return p
}

func (p *pricingPage) Keys() help.KeyMap {
	if p.Editing() {
		return filterTyping
	}
	return p.keys
}
func (p *pricingPage) Editing() bool { return p.search.Focused() }

func (p *pricingPage) Load() tea.Cmd {
	// The catalog is in memory: its date is read here, its models in the
	// command like any list's.
	cat := p.c.app.Catalog()
	p.date = cat.Date()
	return p.load(p.c, func() ([]pricing.Price, error) {
		var ps []pricing.Price
		for _, prov := range cat.Providers() {
			ps = append(ps, cat.Models(prov)...)
		}
		return ps, nil
	})
}

// index names the models of list, in its order, for the search.
func (p *pricingPage) index() {
	p.names = make([]string, len(p.list))
	for i, pr := range p.list {
		p.names[i] = pr.Provider + "/" + pr.Model
	}
	p.filter()
}

func (p *pricingPage) filter() {
	q := strings.TrimSpace(p.search.Value())
	p.shown = p.shown[:0]
	if q == "" {
		for i := range p.list {
			p.shown = append(p.shown, i)
		}
	} else {
		for _, m := range findModels(q, p.names, nil) {
			p.shown = append(p.shown, m.Index)
		}
		if p.sort.by >= 0 {
			// Sorted, the matches follow the list's order rather than
			// how well they match.
			slices.Sort(p.shown)
		}
	}
	p.cursor, p.offset = min(p.cursor, max(len(p.shown)-1, 0)), 0
}

// selected returns the shown model under the cursor.
func (p *pricingPage) selected() (pricing.Price, bool) {
	if p.cursor < len(p.shown) {
		return p.list[p.shown[p.cursor]], true
	}
	return pricing.Price{}, false
}

func (p *pricingPage) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case loadedMsg[pricing.Price]:
		if !p.loaded(msg) {
			return nil
		}
		p.index()
		return nil
	case doneMsg:
		// The page does not reload on dataChangedMsg: the database
		// changes with every recorded request, and reading the catalog
		// again each time would move the list under the user.
		return p.finish(msg, p.Load)
	}
	return toField(&p.search, msg)
}

func (p *pricingPage) key(msg tea.KeyPressMsg) tea.Cmd {
	k := p.keys
	if p.search.Focused() {
		cmd, changed := typeFilter(&p.search, msg)
		if changed {
			p.filter()
		}
		return cmd
	}
	switch {
	case key.Matches(msg, k.Filter):
		return p.search.Focus()
	case key.Matches(msg, k.Clear):
		p.search.SetValue("")
		p.filter()
	case p.sort.key(msg, k.sortKeys):
		// The cursor stays on its model.
		sel, ok := p.selected()
		p.arrange(false)
		p.index()
		if ok {
			for i, j := range p.shown {
				if p.list[j].Provider == sel.Provider && p.list[j].Model == sel.Model {
					p.cursor = i
				}
			}
		}
	case key.Matches(msg, k.Set):
		if pr, ok := p.selected(); ok {
			return openDialog(p.form(pr))
		}
	case key.Matches(msg, k.Remove):
		pr, ok := p.selected()
		if !ok {
			return nil
		}
		if pr.Source != "override" && !strings.HasPrefix(pr.Source, "import:") {
			return failure(fmt.Errorf("%s/%s has the catalog price; only overrides can be removed", pr.Provider, pr.Model))
		}
		ctx, a := p.c.ctx, p.c.app
		return openDialog(newConfirm(p.c, fmt.Sprintf("Remove your price for %s/%s and go back to the catalog's?", pr.Provider, pr.Model), func() tea.Cmd {
			return p.work(p.c, func() (noticeMsg, error) {
				return noticeMsg{text: "Removed the override for " + pr.Provider + "/" + pr.Model}, a.RemovePrice(ctx, pr.Provider, pr.Model)
			})
		}))
	case key.Matches(msg, k.PageUp), key.Matches(msg, k.PageDown):
		p.cursor = k.page(msg, p.cursor, len(p.shown), p.c.height-4)
	default:
		p.cursor, _ = k.move(msg, p.cursor, len(p.shown))
	}
	return nil
}

// form sets an override for the selected model (or another one typed in).
func (p *pricingPage) form(pr pricing.Price) dialog {
	v := &struct{ model, input, output, cacheRead string }{
		model: pr.Provider + "/" + pr.Model, input: pr.Input.String(), output: pr.Output.String(),
	}
	if pr.HasCacheRead {
		v.cacheRead = pr.CacheRead.String()
	}
	rate := func(s string) error {
		if strings.TrimSpace(s) == "" {
			return nil
		}
		_, err := money.ParsePerMillion(strings.TrimPrefix(strings.TrimSpace(s), "$"))
		return err
	}
	form := huh.NewForm(huh.NewGroup(
		huh.NewInput().Title("Model").Description("provider/model").Value(&v.model).Validate(func(s string) error {
			if pv, m, ok := strings.Cut(s, "/"); !ok || pv == "" || m == "" {
				return fmt.Errorf("write it as provider/model")
			}
			return nil
		}),
		huh.NewInput().Title("Input, $ per 1M tokens").Value(&v.input).Validate(rate),
		huh.NewInput().Title("Output, $ per 1M tokens").Value(&v.output).Validate(rate),
		huh.NewInput().Title("Cache read, $ per 1M tokens").Description("empty when the model has no cache price").Value(&v.cacheRead).Validate(rate),
	))
	return newFormDialog(p.c, "Set a price", form, "Saving…", func() tea.Cmd {
		in := *v
		ctx, a := p.c.ctx, p.c.app
		return p.work(p.c, func() (noticeMsg, error) {
			prov, model, _ := strings.Cut(in.model, "/")
			np := pricing.Price{Provider: prov, Model: model}
			var err error
			parse := func(s string) money.PerMillion {
				s = strings.TrimPrefix(strings.TrimSpace(s), "$")
				if s == "" || err != nil {
					return 0
				}
				var r money.PerMillion
				r, err = money.ParsePerMillion(s)
				return r
			}
			np.Input, np.Output = parse(in.input), parse(in.output)
			if strings.TrimSpace(in.cacheRead) != "" {
				np.CacheRead, np.HasCacheRead = parse(in.cacheRead), true
			}
			if err != nil {
				return noticeMsg{}, err
			}
			saved, err := a.SetPrice(ctx, np)
			if err != nil {
				return noticeMsg{}, err
			}
			return noticeMsg{text: fmt.Sprintf("%s/%s now costs %s in, %s out per 1M tokens", saved.Provider, saved.Model, saved.Input.Dollars(), saved.Output.Dollars())}, nil
		})
	})
}

func (p *pricingPage) View() string {
	st := p.c.st
	w, h := p.c.width, p.c.height
	head := p.search.View()
	if !p.search.Focused() {
		head = st.Title.Render("Prices") + st.Muted.Render(fmt.Sprintf("  catalog of %s · %s models · per 1M tokens · / to search", p.date, count(int64(len(p.list)))))
		if q := p.search.Value(); q != "" {
			head = st.Title.Render("Prices") + "  " + st.Key.Render("search ") + q + st.Muted.Render(fmt.Sprintf("  %d found · esc clears", len(p.shown)))
		}
	}
	out := []string{fit(head, w, false), ""}
	cols := []col{{"MODEL", 0, false}, {"INPUT", 10, true}, {"OUTPUT", 10, true}, {"CACHE RD", 10, true}, {"SOURCE", 9, false}}
	if w >= 110 {
		cols = append(cols[:4], col{"CACHE WR", 10, true}, col{"CONTEXT+", 9, true}, cols[4])
	}
	th := h - len(out)
	p.offset = scroll(p.cursor, p.offset, th-1)
	var rows [][]string
	for i := 0; i < len(p.shown); i++ {
		if i < p.offset || i >= p.offset+th {
			rows = append(rows, nil)
			continue
		}
		pr := p.list[p.shown[i]]
		cr := st.Muted.Render("–")
		if pr.HasCacheRead {
			cr = pr.CacheRead.Dollars()
		}
		src := pr.Source
		if src == "override" || strings.HasPrefix(src, "import:") {
			src = st.Warn.Render(src)
		}
		r := []string{pr.Provider + "/" + pr.Model, pr.Input.Dollars(), pr.Output.Dollars(), cr, src}
		if w >= 110 {
			cw := st.Muted.Render("–")
			if pr.HasCacheWrite5m {
				cw = pr.CacheWrite5m.Dollars()
			}
			tier := st.Muted.Render("–")
			if len(pr.Tiers) > 0 {
				tier = ">" + tokens(pr.Tiers[0].Above)
			}
			r = append(r[:4], cw, tier, r[4])
		}
		rows = append(rows, r)
	}
	if len(rows) == 0 && !p.loading {
		out = append(out, st.Muted.Render("No model matches."))
		return strings.Join(out, "\n")
	}
	p.rowsTop = len(out) + 1 // below the header
	out = append(out, st.table(p.sort.mark(cols), rows, w, th, p.cursor, p.offset))
	return strings.Join(out, "\n")
}

// restyle follows the terminal's background.
func (p *pricingPage) restyle(dark bool) { restyleInput(&p.search, dark) }

// click selects the clicked row.
func (p *pricingPage) click(line, _ int) tea.Cmd {
	if i, ok := rowAt(line, p.rowsTop, p.offset, len(p.shown)); ok {
		p.cursor = i
	}
	return nil
}
