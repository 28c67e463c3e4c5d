package budget

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/gen2brain/beeep"

	"github.com/byokhq/byok/redact"
	"github.com/byokhq/byok/store"
)

// DefaultCommandTimeout bounds one run of the alert command.
const DefaultCommandTimeout = 10 * time.Second

// Delivery sends alerts beyond the store. Everything is optional and
// nothing is fatal: the alert is already stored and listed.
type Delivery struct {
	Desktop bool   // show a desktop notification
	Command string // run with `sh -c` once per alert, empty for none
	// Timeout bounds each command run; zero means DefaultCommandTimeout.
	Timeout time.Duration
}

// notify shows a desktop notification; a variable so tests never pop one up.
var notify = func(title, message string) error { return beeep.Notify(title, message, "") }

// Deliver sends every alert in turn: a desktop notification when d.Desktop,
// and d.Command with the alert in its environment:
//
//	BYOK_ALERT_ID         store id
//	BYOK_ALERT_KIND       threshold, forecast, anomaly or rotation
//	BYOK_ALERT_SCOPE      e.g. provider:openai
//	BYOK_ALERT_THRESHOLD  percent, threshold alerts only (else empty)
//	BYOK_ALERT_MESSAGE    the alert's text
//	BYOK_ALERT_TIME       RFC 3339
//
// Every failure is collected and returned joined, for the caller to log;
// one failing alert does not stop the others.
func (d Delivery) Deliver(ctx context.Context, alerts []store.Alert) error {
	var errs []error
	for _, a := range alerts {
		if d.Desktop {
			if err := notify("byok: "+string(a.Kind)+" alert", a.Message); err != nil {
				errs = append(errs, fmt.Errorf("desktop notification for alert %d: %w", a.ID, err))
			}
		}
		if strings.TrimSpace(d.Command) != "" {
			if err := d.run(ctx, a); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// run runs the alert command for one alert.
func (d Delivery) run(ctx context.Context, a store.Alert) error {
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = DefaultCommandTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", d.Command)
	threshold := ""
	if a.Kind == store.AlertThreshold {
		threshold = strconv.Itoa(a.Threshold)
	}
	cmd.Env = append(alertEnv(os.Environ()),
		"BYOK_ALERT_ID="+strconv.FormatInt(a.ID, 10),
		"BYOK_ALERT_KIND="+string(a.Kind),
		"BYOK_ALERT_SCOPE="+a.Scope,
		"BYOK_ALERT_THRESHOLD="+threshold,
		"BYOK_ALERT_MESSAGE="+a.Message,
		"BYOK_ALERT_TIME="+a.Time.Format(time.RFC3339),
	)
	// Output goes to a file, not a pipe: a command that leaves a child
	// running in the background (a notifier, say) must not keep byok
	// waiting for the pipe to close.
	out, err := os.CreateTemp("", "byok-alert-*.log")
	if err != nil {
		return fmt.Errorf("alert command for alert %d: %w", a.ID, err)
	}
	defer os.Remove(out.Name())
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	killGroup(cmd)
	err = cmd.Run()
	if err == nil {
		return nil
	}
	if ctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("timed out after %s", timeout)
	}
	msg := fmt.Sprintf("alert command for alert %d failed: %v", a.ID, err)
	if text := strings.TrimSpace(tail(out, 500)); text != "" {
		msg += ": " + text
	}
	return errors.New(redact.String(msg + " (check alert_command in the config)"))
}

// tail returns up to the last n bytes written to f.
func tail(f *os.File, n int64) string {
	info, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(info.Size()-n, 0)
	buf := make([]byte, info.Size()-off)
	k, _ := f.ReadAt(buf, off)
	return strings.ToValidUTF8(string(buf[:k]), "")
}

// alertEnvAllowed are the variables the alert command inherits from byok:
// what a shell, a notifier or a mail client needs to find its programs,
// the user's files, the language and the desktop session. Nothing else
// passes: byok's environment may hold BYOK_PASSPHRASE (which opens every
// key in the file keyring) and provider keys such as OPENAI_API_KEY.
var alertEnvAllowed = map[string]bool{
	"PATH": true, "HOME": true, "USER": true, "LOGNAME": true, "SHELL": true,
	"LANG": true, "LANGUAGE": true, "TZ": true, "TMPDIR": true, "TERM": true,
	"DISPLAY": true, "WAYLAND_DISPLAY": true, "DBUS_SESSION_BUS_ADDRESS": true,
	"XDG_RUNTIME_DIR": true, "XDG_CONFIG_HOME": true, "XDG_DATA_HOME": true,
	"XDG_CACHE_HOME": true, "XDG_SESSION_TYPE": true, "XDG_CURRENT_DESKTOP": true,
	"SYSTEMROOT": true, "COMSPEC": true, "PATHEXT": true, "USERPROFILE": true, "APPDATA": true, "LOCALAPPDATA": true, "TEMP": true, "TMP": true,
}

// alertEnv keeps the allowed variables of env (and the LC_* locale ones).
func alertEnv(env []string) []string {
	var out []string
	for _, kv := range env {
		name, _, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		if alertEnvAllowed[strings.ToUpper(name)] || strings.HasPrefix(name, "LC_") {
			out = append(out, kv)
		}
	}
	return out
}
