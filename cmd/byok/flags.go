package main

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/store"
)

// outputOptions are a listing's output flags: --json everywhere, --csv
// where the listing is a table a spreadsheet can take.
type outputOptions struct {
	json, csv bool
}

// addFlags adds --json, and --csv when withCSV.
func (o *outputOptions) addFlags(cmd *cobra.Command, withCSV bool) {
	cmd.Flags().BoolVar(&o.json, "json", false, "print JSON")
	if withCSV {
		cmd.Flags().BoolVar(&o.csv, "csv", false, "print CSV")
	}
}

// check refuses both formats at once.
func (o outputOptions) check() error {
	if o.json && o.csv {
		return usageErrorf("choose one of --json and --csv")
	}
	return nil
}

// rangeOptions are the --since and --until flags of a command that reads a
// span of history.
type rangeOptions struct {
	since, until string
}

// addFlags adds --since and --until; sinceDefault says what an unset
// --since means for this command.
func (o *rangeOptions) addFlags(cmd *cobra.Command, sinceDefault string) {
	cmd.Flags().StringVar(&o.since, "since", "", "from this time: a date, RFC 3339 time, today, or an age like 7d (default: "+sinceDefault+")")
	cmd.Flags().StringVar(&o.until, "until", "", "before this time, same forms as --since (default: now)")
}

// times reads the flags; an unset flag gives the zero time.
func (o rangeOptions) times(a *app.App) (from, to time.Time, err error) {
	if o.since != "" {
		if from, err = a.ParseTime(o.since); err != nil {
			return from, to, usageError{err}
		}
	}
	if o.until != "" {
		if to, err = a.ParseTime(o.until); err != nil {
			return from, to, usageError{err}
		}
	}
	if !from.IsZero() && !to.IsZero() && !from.Before(to) {
		return from, to, usageErrorf("--since (%s) must be before --until (%s)", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	return from, to, nil
}

// reportSpan is monthToDate for a report of sc's requests, but for an
// --until alone: that reads from the first request before it, as log does,
// since this month's start would usually come after it.
func (o rangeOptions) reportSpan(ctx context.Context, a *app.App, sc store.Scope) (time.Time, time.Time, error) {
	if o.since != "" || o.until == "" {
		return o.monthToDate(a)
	}
	_, to, err := o.times(a)
	if err != nil {
		return to, to, err
	}
	first, err := a.Store.Events(ctx, store.Filter{Scope: sc, Until: to, Limit: 1, Order: store.EventOrder{Asc: true}})
	if err != nil || len(first) == 0 {
		return to, to, err
	}
	return first[0].Time, to, nil
}

// monthToDate reads the flags with this month's start and now in place of
// the unset ones.
func (o rangeOptions) monthToDate(a *app.App) (time.Time, time.Time, error) {
	from, to, err := o.times(a)
	if err != nil {
		return from, to, err
	}
	if from.IsZero() {
		from, _, _ = a.PeriodRange("month")
	}
	if to.IsZero() {
		to = a.Now()
	}
	if !from.Before(to) {
		return from, to, usageErrorf("--since (%s) must be before --until (%s)", from.Format(time.RFC3339), to.Format(time.RFC3339))
	}
	return from, to, nil
}
