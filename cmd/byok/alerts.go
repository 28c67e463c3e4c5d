package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"
)

func newAlertsCmd(f *Factory) *cobra.Command {
	var all, asJSON bool
	cmd := &cobra.Command{
		Use:   "alerts",
		Short: "Budget, forecast, anomaly and key-rotation alerts",
		Example: `  byok alerts
  byok alerts --all --json
  byok alerts ack 12`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runAlerts(cmd.Context(), f, all, asJSON) },
	}
	cmd.Flags().BoolVar(&all, "all", false, "include acknowledged alerts")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	ack := &cobra.Command{
		Use:   "ack ID",
		Short: "Acknowledge an alert",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return usageErrorf("alert id %q: use the number shown by `byok alerts`", args[0])
			}
			a, err := f.App(cmd.Context())
			if err != nil {
				return err
			}
			if err := a.Store.AckAlert(cmd.Context(), id); err != nil {
				return err
			}
			fmt.Fprintf(f.IO.Out, "Acknowledged alert %d.\n", id)
			return nil
		},
	}
	cmd.AddCommand(ack)
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

func runAlerts(ctx context.Context, f *Factory, all, asJSON bool) error {
	a, err := f.App(ctx)
	if err != nil {
		return err
	}
	if _, err := a.Budget.RotationAlerts(ctx, a.Config.RotateAfterDays); err != nil {
		a.Log.Warn("rotation alerts", "err", err)
	}
	as, err := a.Store.Alerts(ctx, all)
	if err != nil {
		return err
	}
	if asJSON {
		rows := make([]alertRow, len(as))
		for i, al := range as {
			rows[i] = alertRow{ID: al.ID, Time: timeJSON(al.Time), Kind: string(al.Kind), Scope: al.Scope, Period: al.PeriodKey, Message: al.Message, Acked: al.Acked}
			if al.Kind == "threshold" {
				th := al.Threshold
				rows[i].Threshold = &th
			}
		}
		return writeJSON(f.IO.Out, rows)
	}
	if len(as) == 0 {
		if all {
			fmt.Fprintln(f.IO.Out, "No alerts yet.")
		} else {
			fmt.Fprintln(f.IO.Out, "No unacknowledged alerts. (`byok alerts --all` shows acknowledged ones.)")
		}
		return nil
	}
	t := newTable(f.IO.Out, "ID", "TIME", "KIND", "SCOPE", "MESSAGE", "")
	for _, al := range as {
		acked := ""
		if al.Acked {
			acked = "acked"
		}
		t.row(itoa(al.ID), al.Time.In(a.Location()).Format("2006-01-02 15:04"), string(al.Kind), al.Scope, al.Message, acked)
	}
	return t.flush()
}
