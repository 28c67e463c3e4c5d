package tui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/byokhq/byok/app"
)

// col is one column of a table: a header, a width (0 = takes what is
// left), and whether figures are right-aligned.
type col struct {
	title string
	width int
	right bool
}

// fit pads or cuts s (which may hold styles) to exactly w cells.
func fit(s string, w int, right bool) string {
	if w <= 0 {
		return ""
	}
	if lipgloss.Width(s) > w {
		s = ansi.Truncate(s, w, "…")
	}
	pad := w - lipgloss.Width(s)
	if right {
		return strings.Repeat(" ", pad) + s
	}
	return s + strings.Repeat(" ", pad)
}

// colWidths is how table lays out cols in width cells: each column as
// wide as it asks, a right-aligned one widened to its widest value, and
// the first flexible column (width 0) as wide as its widest value or
// header, within what is left. A wide terminal leaves the rest of the line
// empty rather than stretching a name column across it.
func colWidths(cols []col, rows [][]string, width int) []int {
	widths := make([]int, len(cols))
	fixed := -1 // n columns have n-1 gaps
	flex := -1
	for i, c := range cols {
		widths[i] = c.width
		if c.right && c.width > 0 {
			// Figures are never cut: a right-aligned column widens to
			// its widest value (a sub-cent spend has four significant
			// digits), at the flexible column's expense.
			widths[i] = max(widths[i], widest(rows, i))
		}
		if c.width == 0 && flex < 0 {
			flex = i
		}
		fixed += widths[i] + 1
	}
	if flex >= 0 {
		// The header keeps room for a sort arrow, so that sorting does
		// not shift the columns.
		title := strings.TrimSuffix(strings.TrimSuffix(cols[flex].title, " ▲"), " ▼")
		want := max(ansi.StringWidth(title)+2, widest(rows, flex))
		widths[flex] = max(4, min(want, width-fixed))
	}
	return widths
}

// spare is how many cells of width a table of cols and rows leaves
// empty at the end of its lines, for a view to give to a bar or a chart.
func spare(cols []col, rows [][]string, width int) int {
	used := -1
	for _, w := range colWidths(cols, rows, width) {
		used += w + 1
	}
	return max(width-used, 0)
}

// widest is the width of column i's widest value.
func widest(rows [][]string, i int) int {
	n := 0
	for _, r := range rows {
		if i < len(r) {
			n = max(n, ansi.StringWidth(r[i]))
		}
	}
	return n
}

// table lays rows out under headers in width cells. Rows from offset are
// drawn, at most height of them (header included); the row at cursor is
// highlighted (cursor < 0 highlights none).
func (s *styles) table(cols []col, rows [][]string, width, height, cursor, offset int) string {
	widths := colWidths(cols, rows, width)
	line := func(cells []string, st *lipgloss.Style) string {
		parts := make([]string, len(cols))
		for i := range cols {
			v := ""
			if i < len(cells) {
				v = cells[i]
			}
			if st != nil {
				v = ansi.Strip(v)
			}
			parts[i] = fit(v, widths[i], cols[i].right)
		}
		out := fit(strings.Join(parts, " "), width, false)
		if st != nil {
			out = st.Render(out)
		}
		return out
	}
	heads := make([]string, len(cols))
	for i, c := range cols {
		heads[i] = c.title
	}
	hs := s.Header
	out := []string{line(heads, &hs)}
	for i := offset; i < len(rows) && len(out) < height; i++ {
		if i == cursor {
			sel := s.Selected
			out = append(out, line(rows[i], &sel))
			continue
		}
		out = append(out, line(rows[i], nil))
	}
	return strings.Join(out, "\n")
}

// scroll keeps cursor inside a window of n rows starting at offset.
func scroll(cursor, offset, n int) int {
	if n < 1 {
		n = 1
	}
	if cursor < offset {
		return cursor
	}
	if cursor >= offset+n {
		return cursor - n + 1
	}
	return offset
}

// bar draws a horizontal bar of w cells filled to frac (0..1, more is
// clipped) in the colour of a budget state; "" state draws a muted bar.
func (s *styles) bar(frac float64, w int, state string) string {
	if w <= 0 {
		return ""
	}
	n := cellsOf(frac, w)
	filled := lipgloss.NewStyle().Foreground(s.stateColor(state)).Render(strings.Repeat("█", n))
	rest := lipgloss.NewStyle().Foreground(s.track).Render(strings.Repeat("░", w-n))
	return filled + rest
}

// cellsOf is how many of w cells a part frac (0..1, more is clipped) of a
// whole fills: at least one for any part above zero, so that it shows.
func cellsOf(frac float64, w int) int {
	if math.IsNaN(frac) || frac < 0 {
		frac = 0
	}
	n := int(math.Round(math.Min(frac, 1) * float64(w)))
	if frac > 0 && n == 0 {
		n = 1
	}
	return n
}

// shareLine draws a part of a whole (0..1) as a thin muted line of up to
// w cells with no track, padded to w: it must not pass for a budget bar.
func (s *styles) shareLine(frac float64, w int) string {
	if w <= 0 {
		return ""
	}
	n := cellsOf(frac, w)
	return s.Muted.Render(strings.Repeat("━", n)) + strings.Repeat(" ", w-n)
}

// count formats a whole number with thousands separators.
func count(n int64) string {
	s := fmt.Sprintf("%d", n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// tokens formats a token count compactly: 950, 12.3k, 4.1M.
func tokens(n int64) string {
	switch {
	case n >= 10_000_000:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1_000_000:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 10_000:
		return fmt.Sprintf("%dk", n/1000)
	case n >= 1000:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprintf("%d", n)
}

// millis formats a duration for latency columns.
func millis(d time.Duration) string {
	if d <= 0 {
		return "–"
	}
	if d >= 10*time.Second {
		return fmt.Sprintf("%.0fs", d.Seconds())
	}
	if d >= time.Second {
		return fmt.Sprintf("%.1fs", d.Seconds())
	}
	return fmt.Sprintf("%dms", d.Milliseconds())
}

// age formats how long ago t was, relative to now.
func age(now, t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	a := app.Ago(now.Sub(t))
	if a == "just now" {
		return a
	}
	return a + " ago"
}

// until formats how far away t is, relative to now.
func until(now, t time.Time) string {
	d := t.Sub(now)
	switch {
	case d <= 0:
		return "now"
	case d < time.Hour:
		return fmt.Sprintf("in %dm", int(d.Minutes())+1)
	case d < 48*time.Hour:
		return fmt.Sprintf("in %dh", int(d.Hours()))
	}
	return fmt.Sprintf("in %dd", int(d.Hours()/24))
}

// percent formats a display-only percentage.
func percent(p float64) string {
	if p >= 1000 {
		return ">999%"
	}
	return fmt.Sprintf("%.0f%%", p)
}

// block is s cut to w×h cells, padded so layouts do not shift.
func block(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		lines[i] = fit(l, w, false)
	}
	for len(lines) < h {
		lines = append(lines, strings.Repeat(" ", w))
	}
	return strings.Join(lines, "\n")
}

// wrap breaks plain text to width w.
func wrap(s string, w int) string {
	if w < 8 {
		w = 8
	}
	return ansi.Wrap(s, w, " ")
}

// stripANSI removes styles from s.
func stripANSI(s string) string { return ansi.Strip(s) }

func joinLines(ls []string) string { return strings.Join(ls, "\n") }

// lineCount counts the screen lines of parts that may hold several each.
func lineCount(parts []string) int {
	n := 0
	for _, p := range parts {
		n += strings.Count(p, "\n") + 1
	}
	return n
}

// rowAt returns the list index under a clicked body line, for a table whose
// first row is on line top and which is scrolled by offset; ok is false
// outside the rows.
func rowAt(line, top, offset, n int) (int, bool) {
	i := offset + line - top
	if line < top || i < 0 || i >= n {
		return 0, false
	}
	return i, true
}
