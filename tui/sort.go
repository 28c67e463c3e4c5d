package tui

import (
	"cmp"
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// sortKeys are the keys every sortable table shares: s sorts by the next
// column, S reverses.
type sortKeys struct {
	Sort, Reverse key.Binding
}

func newSortKeys() sortKeys {
	return sortKeys{Sort: bind("s", "sort by next column"), Reverse: bind("S", "reverse sort")}
}

// sortCol is a column a table can be sorted by: the header it marks and
// how two items compare on it (nil when the query that reads the items
// sorts them). Figures start from the largest (desc), as
// the most expensive or slowest is what one sorts to find.
type sortCol[T any] struct {
	title string
	alias string // the header's narrow spelling, if it has one
	cmp   func(a, b T) int
	desc  bool
}

// sorter holds a table's sort: a column (by < 0 keeps the order the data
// came in) and its direction.
type sorter[T any] struct {
	cols []sortCol[T]
	by   int
	desc bool
}

func newSorter[T any](cols ...sortCol[T]) sorter[T] { return sorter[T]{cols: cols, by: -1} }

// key applies s or S, reporting whether msg was one of them. s moves to
// the next column, and after the last back to the data's own order.
func (s *sorter[T]) key(msg tea.KeyPressMsg, k sortKeys) bool {
	switch {
	case key.Matches(msg, k.Sort):
		s.by++
		if s.by >= len(s.cols) {
			s.by = -1
		} else {
			s.desc = s.cols[s.by].desc
		}
		return true
	case key.Matches(msg, k.Reverse):
		if s.by < 0 {
			s.by = 0
			s.desc = s.cols[0].desc
		}
		s.desc = !s.desc
		return true
	}
	return false
}

// order returns the indexes of items in sorted order. The sort is stable:
// rows that compare equal keep the data's order.
func (s *sorter[T]) order(items []T) []int {
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	if s.by < 0 || s.by >= len(s.cols) || s.cols[s.by].cmp == nil {
		// No column, or one the data's source sorts by already.
		return idx
	}
	c := s.cols[s.by].cmp
	slices.SortStableFunc(idx, func(a, b int) int {
		r := c(items[a], items[b])
		if s.desc {
			r = -r
		}
		return r
	})
	return idx
}

// mark returns cols with ▲ or ▼ after the sorted column's header,
// widening the column when the header would not fit.
func (s *sorter[T]) mark(cols []col) []col {
	if s.by < 0 || s.by >= len(s.cols) {
		return cols
	}
	sc := s.cols[s.by]
	arrow := " ▲"
	if s.desc {
		arrow = " ▼"
	}
	out := slices.Clone(cols)
	for i, c := range out {
		if c.title == "" || (c.title != sc.title && c.title != sc.alias) {
			continue
		}
		out[i].title = c.title + arrow
		if c.width > 0 {
			out[i].width = max(c.width, len([]rune(out[i].title)))
		}
	}
	return out
}

// byText and byNumber build comparisons for sortCol.
func byText[T any](f func(T) string) func(a, b T) int {
	return func(a, b T) int { return cmp.Compare(f(a), f(b)) }
}

func byNumber[T any, N cmp.Ordered](f func(T) N) func(a, b T) int {
	return func(a, b T) int { return cmp.Compare(f(a), f(b)) }
}
