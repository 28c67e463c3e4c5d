package tui

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// styles are every colour and text style the views use, by meaning. Views
// never name a colour; they ask for Over, Warn, Muted and so on. The set is
// rebuilt when the terminal reports its background, so light and dark
// terminals both read well. NO_COLOR and dumb terminals are handled by the
// renderer, which downsamples whatever is drawn here.
type styles struct {
	dark bool

	Title    lipgloss.Style // view headings
	Tab      lipgloss.Style // an inactive tab
	TabOn    lipgloss.Style // the active tab
	Muted    lipgloss.Style // secondary text
	Strong   lipgloss.Style // figures that matter
	Money    lipgloss.Style // dollar amounts
	OK       lipgloss.Style // state ok
	Warn     lipgloss.Style // state warn, things to look at
	Over     lipgloss.Style // state over, errors, refusals
	Selected lipgloss.Style // the row under the cursor
	Header   lipgloss.Style // table headers
	Banner   lipgloss.Style // the unacknowledged-alert banner
	Box      lipgloss.Style // panes and dialogs
	Key      lipgloss.Style // a key name in prose

	mutedColor, track color.Color
}

func newStyles(dark bool) *styles {
	ld := lipgloss.LightDark(dark)
	accent := ld(lipgloss.Color("#5A3FC0"), lipgloss.Color("#B4A2FF"))
	fg := ld(lipgloss.Color("#1C1C1C"), lipgloss.Color("#EDEDED"))
	muted := ld(lipgloss.Color("#6B6B6B"), lipgloss.Color("#8A8A8A"))
	ok := ld(lipgloss.Color("#1E7F3C"), lipgloss.Color("#5FD38D"))
	warn := ld(lipgloss.Color("#9A6500"), lipgloss.Color("#F2C14E"))
	over := ld(lipgloss.Color("#B3261E"), lipgloss.Color("#FF6B6B"))
	selBg := ld(lipgloss.Color("#E4DEFF"), lipgloss.Color("#3A3155"))
	track := ld(lipgloss.Color("#D0D0D0"), lipgloss.Color("#3A3A3A"))

	s := &styles{dark: dark, mutedColor: muted, track: track}
	s.Title = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Tab = lipgloss.NewStyle().Foreground(muted)
	s.TabOn = lipgloss.NewStyle().Bold(true).Foreground(accent).Underline(true)
	s.Muted = lipgloss.NewStyle().Foreground(muted)
	s.Strong = lipgloss.NewStyle().Bold(true).Foreground(fg)
	s.Money = lipgloss.NewStyle().Foreground(fg)
	s.OK = lipgloss.NewStyle().Foreground(ok)
	s.Warn = lipgloss.NewStyle().Foreground(warn)
	s.Over = lipgloss.NewStyle().Foreground(over).Bold(true)
	s.Selected = lipgloss.NewStyle().Background(selBg).Bold(true)
	s.Header = lipgloss.NewStyle().Foreground(muted).Bold(true)
	s.Banner = lipgloss.NewStyle().Foreground(warn).Bold(true)
	s.Box = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(accent).Padding(0, 1)
	s.Key = lipgloss.NewStyle().Foreground(accent).Bold(true)
	return s
}

// state styles a budget state ("ok", "warn", "over").
func (s *styles) state(state string) lipgloss.Style {
	switch state {
	case "over":
		return s.Over
	case "warn":
		return s.Warn
	}
	return s.OK
}

// stateColor is the bar colour of a budget state: the colour its text is
// drawn in, so bar and figure always agree; "" means no budget.
func (s *styles) stateColor(state string) color.Color {
	if state == "" {
		return s.mutedColor
	}
	return s.state(state).GetForeground()
}
