package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/byokhq/byok/store"
)

type alertsOptions struct {
	all    bool
	output outputOptions
}

func newAlertsCmd(f *Factory) *cobra.Command {
	var o alertsOptions
	cmd := &cobra.Command{
		Use:   "alerts",
		Short: "Budget, forecast, anomaly and key-rotation alerts",
		Example: `  byok alerts
  byok alerts --all --json
  byok alerts ack 12`,
		Args: cobra.NoArgs,
		RunE: runWith(f, &o, runAlerts),
	}
	cmd.Flags().BoolVar(&o.all, "all", false, "include acknowledged alerts")
	o.output.addFlags(cmd, false)
	cmd.AddCommand(newAlertsAckCmd(f))
	return cmd
}

type alertRow struct {
	ID        int64  `json:"id"`
	Time      any    `json:"time"`
	Kind      string `json:"kind"`
	Scope     string `json:"scope"`
	Threshold *int   `json:"threshold"`
	Period    string `json:"period"`
	Message   string `json:"message"`
	Acked     bool   `json:"acked"`
}

// toAlertRow gives a threshold alert its threshold; other kinds have none
// (null), where 0 would read as a threshold of 0 %.
func toAlertRow(al store.Alert) alertRow {
	r := alertRow{ID: al.ID, Time: timeJSON(al.Time), Kind: string(al.Kind), Scope: al.Scope, Period: al.PeriodKey, Message: al.Message, Acked: al.Acked}
	if al.Kind == "threshold" {
		th := al.Threshold
		r.Threshold = &th
	}
	return r
}

func runAlerts(ctx context.Context, f *Factory, o alertsOptions) error {
	a, err := f.ReaderApp(ctx)
	if err != nil {
		return err
	}
	as, err := a.Alerts(ctx, o.all)
	if err != nil {
		return err
	}
	empty := "No unacknowledged alerts. (`byok alerts --all` shows acknowledged ones.)"
	if o.all {
		empty = "No alerts yet."
	}
	return listing[store.Alert, alertRow]{
		row:   toAlertRow,
		empty: empty,
		table: func() error { return printAlerts(f.IO.Out, a.Location(), as) },
	}.print(f.IO.Out, o.output, as)
}

// printAlerts writes the alerts' table.
func printAlerts(w io.Writer, loc *time.Location, as []store.Alert) error {
	header := []string{"ID", "TIME", "KIND", "SCOPE", "MESSAGE"}
	// With acknowledged alerts listed too (--all), a STATE column tells
	// them from the new ones; without, every alert is new.
	state := slices.ContainsFunc(as, func(al store.Alert) bool { return al.Acked })
	if state {
		header = append(header, "STATE")
	}
	t := newTable(w, header...)
	for _, al := range as {
		cells := []string{itoa(al.ID), al.Time.In(loc).Format("2006-01-02 15:04"), string(al.Kind), al.Scope, al.Message}
		switch {
		case state && al.Acked:
			cells = append(cells, "acked")
		case state:
			cells = append(cells, "new")
		}
		t.row(cells...)
	}
	return t.flush()
}

type alertsAckOptions struct {
	ids []int64
}

func newAlertsAckCmd(f *Factory) *cobra.Command {
	var o alertsAckOptions
	return &cobra.Command{
		Use:   "ack ID…",
		Short: "Acknowledge alerts",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			for _, s := range args {
				id, err := strconv.ParseInt(s, 10, 64)
				if err != nil || id <= 0 {
					return usageErrorf("alert id %q: use the number shown by `byok alerts`", s)
				}
				o.ids = append(o.ids, id)
			}
			return runAlertsAck(cmd.Context(), f, o)
		},
	}
}

func runAlertsAck(ctx context.Context, f *Factory, o alertsAckOptions) error {
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	if err := a.AckAlerts(ctx, o.ids...); err != nil {
		return err
	}
	if len(o.ids) == 1 {
		fmt.Fprintf(f.IO.Out, "Acknowledged alert %d.\n", o.ids[0])
	} else {
		fmt.Fprintf(f.IO.Out, "Acknowledged %d alerts.\n", len(o.ids))
	}
	return nil
}
