package budget

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/store"
)

func testAlerts() []store.Alert {
	at := time.Date(2026, 11, 22, 13, 45, 0, 0, time.UTC)
	return []store.Alert{
		{ID: 7, Time: at, Kind: store.AlertThreshold, Scope: "provider:openai", Threshold: 80, PeriodKey: "2026-11",
			Message: "80% of the monthly budget provider:openai reached: $16.00 spent of $20.00; resets 2026-12-01 00:00 UTC"},
		{ID: 8, Time: at, Kind: store.AlertAnomaly, Scope: "key:openai/work", PeriodKey: "2026-11-22",
			Message: "it's a 'quoted' $message with \"double\" quotes"},
	}
}

// fakeNotify replaces the desktop notifier for one test.
func fakeNotify(t *testing.T, fn func(title, message string) error) {
	t.Helper()
	old := notify
	notify = fn
	t.Cleanup(func() { notify = old })
}

func TestDeliverCommandEnvironment(t *testing.T) {
	fakeNotify(t, func(string, string) error { t.Error("desktop notification sent while Desktop is false"); return nil })
	dir := t.TempDir()
	cmd := `for v in ID KIND SCOPE THRESHOLD MESSAGE TIME; do eval "printf '%s=%s\n' $v \"\$BYOK_ALERT_$v\""; done > '` + dir + `'"/alert-$BYOK_ALERT_ID.env"`
	d := Delivery{Command: cmd}
	if err := d.Deliver(context.Background(), testAlerts()); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	tests := []struct {
		name string
		file string
		want string
	}{
		{"threshold alert", "alert-7.env", "ID=7\nKIND=threshold\nSCOPE=provider:openai\nTHRESHOLD=80\n" +
			"MESSAGE=80% of the monthly budget provider:openai reached: $16.00 spent of $20.00; resets 2026-12-01 00:00 UTC\n" +
			"TIME=2026-11-22T13:45:00Z\n"},
		{"anomaly alert has no threshold, message passes verbatim", "alert-8.env", "ID=8\nKIND=anomaly\nSCOPE=key:openai/work\nTHRESHOLD=\n" +
			"MESSAGE=it's a 'quoted' $message with \"double\" quotes\nTIME=2026-11-22T13:45:00Z\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatalf("the command did not run: %v", err)
			}
			if string(got) != tt.want {
				t.Fatalf("environment\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// The alert command gets byok's BYOK_ALERT_* variables and what a shell and
// a notifier need, never the file keyring's passphrase or a provider key.
func TestAlertCommandEnvironmentIsScrubbed(t *testing.T) {
	fakeNotify(t, func(string, string) error { return nil })
	t.Setenv("BYOK_PASSPHRASE", "alert env passphrase")
	t.Setenv("OPENAI_API_KEY", "sk-fake-alert-env-0123456789")
	t.Setenv("ANTHROPIC_API_KEY", "sk-ant-fake-alert-env-0123456789")
	t.Setenv("SOME_TOKEN", "fake-token-alert-env")
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/tmp/fake-bus")
	t.Setenv("LC_ALL", "C.UTF-8")
	out := filepath.Join(t.TempDir(), "env")
	d := Delivery{Command: "env > '" + out + "'"}
	if err := d.Deliver(context.Background(), testAlerts()[:1]); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("the command did not run: %v", err)
	}
	env := string(got)
	for _, leak := range []string{"alert env passphrase", "sk-fake-alert-env", "sk-ant-fake-alert-env", "fake-token-alert-env", "BYOK_PASSPHRASE", "OPENAI_API_KEY"} {
		if strings.Contains(env, leak) {
			t.Errorf("the alert command's environment holds %q:\n%s", leak, env)
		}
	}
	for _, want := range []string{"PATH=", "BYOK_ALERT_ID=7", "BYOK_ALERT_SCOPE=provider:openai", "DBUS_SESSION_BUS_ADDRESS=unix:path=/tmp/fake-bus", "LC_ALL=C.UTF-8"} {
		if !strings.Contains(env, want) {
			t.Errorf("the alert command's environment lacks %q:\n%s", want, env)
		}
	}
}

func TestDeliverFailures(t *testing.T) {
	tests := []struct {
		name     string
		d        Delivery
		notifyFn func(title, message string) error
		want     []string // parts of the error; nil for success
		absent   string   // must not appear in the error
		maxTime  time.Duration
	}{
		{
			name: "failing command",
			d:    Delivery{Command: "echo 'mail server said no' >&2; exit 3"},
			want: []string{"alert command for alert 7 failed: exit status 3: mail server said no", "alert 8 failed", "check alert_command"},
		},
		{
			name:   "secrets in the command's output are redacted",
			d:      Delivery{Command: "echo token sk-proj-abcdefghijklmnopqrstuvwxyz0123456789 rejected; exit 1"},
			want:   []string{"REDACTED"},
			absent: "sk-proj-abcdefghijklmnopqrstuvwxyz",
		},
		{
			name:    "hanging command is stopped at the timeout",
			d:       Delivery{Command: "sleep 30", Timeout: 200 * time.Millisecond},
			want:    []string{"timed out after 200ms"},
			maxTime: time.Second,
		},
		{
			name:    "command leaving a child behind does not hold byok",
			d:       Delivery{Command: "sleep 3 & exit 0", Timeout: 2 * time.Second},
			maxTime: time.Second,
		},
		{
			name:     "desktop failure does not stop the command",
			d:        Delivery{Desktop: true, Command: "true"},
			notifyFn: func(string, string) error { return errors.New("no notification daemon") },
			want:     []string{"desktop notification for alert 7: no notification daemon", "alert 8"},
		},
		{
			name:     "desktop only",
			d:        Delivery{Desktop: true},
			notifyFn: func(title, message string) error { return nil },
		},
		{name: "nothing configured", d: Delivery{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var notified int
			fakeNotify(t, func(title, message string) error {
				notified++
				if !strings.HasPrefix(title, "byok: ") || message == "" {
					t.Errorf("notification %q: %q", title, message)
				}
				if tt.notifyFn == nil {
					t.Error("desktop notification sent while Desktop is false")
					return nil
				}
				return tt.notifyFn(title, message)
			})
			start := time.Now()
			err := tt.d.Deliver(context.Background(), testAlerts())
			if tt.maxTime > 0 && time.Since(start) > tt.maxTime {
				t.Fatalf("Deliver took %s", time.Since(start))
			}
			if tt.d.Desktop && notified != 2 {
				t.Errorf("%d notifications, want one per alert", notified)
			}
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Deliver: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Deliver succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if tt.absent != "" && strings.Contains(err.Error(), tt.absent) {
				t.Errorf("error %q contains %q", err, tt.absent)
			}
		})
	}
}

func TestDeliverCancelledContext(t *testing.T) {
	fakeNotify(t, func(string, string) error { return nil })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Delivery{Command: "true"}.Deliver(ctx, testAlerts())
	if err == nil {
		t.Fatal("Deliver with a cancelled context succeeded")
	}
}
