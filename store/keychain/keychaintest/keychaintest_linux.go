//go:build linux

package keychaintest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// readyWithin bounds how long Start waits for the daemons.
const readyWithin = 15 * time.Second

// skipMessage explains how to make skipped keychain tests run.
const skipMessage = "install gnome-keyring and dbus (apt-get install gnome-keyring dbus-x11) to run keychain tests"

// Start starts a private, unlocked Secret Service for the rest of the test
// and points DBUS_SESSION_BUS_ADDRESS at it. Everything is stopped and
// removed when the test ends.
func Start(t testing.TB) {
	t.Helper()
	s := setup(t, false)
	s.startKeyring(t, true)
	s.waitReady(t, true)
}

// StartLocked starts a private Secret Service whose login keyring exists but
// is locked: the daemon runs without --unlock, and the unlock prompt it
// raises is never answered (a stand-in prompter takes the prompt and
// shows nothing), so keychain calls block as they do on a locked desktop.
func StartLocked(t testing.TB) {
	t.Helper()
	s := setup(t, true)
	// Create the login keyring with a password, then restart the daemon
	// without unlocking it.
	s.startKeyring(t, true)
	s.waitReady(t, true)
	s.stopKeyring()
	s.startKeyring(t, false)
	s.waitReady(t, false)
}

// StartBusOnly starts a private session bus with no Secret Service on it,
// as on a headless machine that has D-Bus but no keyring daemon.
func StartBusOnly(t testing.TB) {
	t.Helper()
	s := setup(t, false)
	if err := s.checkBus(); err != nil {
		t.Fatalf("keychaintest: %v", err)
	}
}

// NoBus points the process at a D-Bus socket that does not exist, for tests
// of the "no keychain at all" path, and drops any cached bus connection so
// the next keychain call really tries that socket.
func NoBus(t testing.TB) {
	t.Helper()
	dir := shortTempDir(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(dir, "no-bus"))
	t.Setenv("XDG_RUNTIME_DIR", dir)
	dropCachedBus()
}

// session is one private bus with its keyring daemon.
type session struct {
	dir     string
	address string
	bus     *exec.Cmd
	keyring *exec.Cmd
	logs    *syncBuffer
}

// setup checks the binaries, isolates the environment and starts the bus.
func setup(t testing.TB, locked bool) *session {
	t.Helper()
	for _, bin := range []string{"dbus-daemon", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("keychain tests need %s, which is not installed: %s", bin, skipMessage)
		}
	}
	s := &session{dir: shortTempDir(t), logs: &syncBuffer{}}
	home := filepath.Join(s.dir, "home")
	run := filepath.Join(s.dir, "run")
	for _, d := range []string{home, run, filepath.Join(s.dir, "services")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatalf("keychaintest: %v", err)
		}
	}
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, ".local", "share"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
	t.Setenv("XDG_CACHE_HOME", filepath.Join(home, ".cache"))
	t.Setenv("XDG_RUNTIME_DIR", run)
	// No prompt may reach a real display.
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	// Until our bus is up, nothing may find the user's.
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(s.dir, "not-yet"))
	dropCachedBus()

	if locked {
		if err := s.writePrompters(); err != nil {
			t.Fatalf("keychaintest: %v", err)
		}
	}
	conf := filepath.Join(s.dir, "bus.conf")
	if err := os.WriteFile(conf, []byte(busConfig(s.dir)), 0o600); err != nil {
		t.Fatalf("keychaintest: %v", err)
	}
	s.bus = exec.Command("dbus-daemon", "--config-file="+conf, "--nofork", "--print-address=1")
	s.bus.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	s.bus.Stderr = s.logs
	out, err := s.bus.StdoutPipe()
	if err != nil {
		t.Fatalf("keychaintest: %v", err)
	}
	if err := s.bus.Start(); err != nil {
		t.Fatalf("keychaintest: start dbus-daemon: %v", err)
	}
	t.Cleanup(s.stop)

	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(out).ReadString('\n')
		line <- strings.TrimSpace(l)
	}()
	select {
	case s.address = <-line:
	case <-time.After(readyWithin):
	}
	if s.address == "" {
		t.Fatalf("keychaintest: dbus-daemon printed no address within %s; its output:\n%s", readyWithin, s.logs)
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", s.address)
	return s
}

// busConfig is a session bus that listens in dir, activates only the
// services in dir/services and lets the test user do anything.
func busConfig(dir string) string {
	return `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=` + filepath.Join(dir, "bus") + `</listen>
  <auth>EXTERNAL</auth>
  <servicedir>` + filepath.Join(dir, "services") + `</servicedir>
  <limit name="service_start_timeout">120000</limit>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`
}

// writePrompters installs stand-ins for gnome-keyring's prompters that
// start and never take their bus name, so the unlock prompt waits the way
// an unanswered prompt on a desktop does. They run in the bus's process
// group and die with it; sleep bounds them in any case.
func (s *session) writePrompters() error {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		return fmt.Errorf("find sleep: %w", err)
	}
	for _, name := range []string{"org.gnome.keyring.SystemPrompter", "org.gnome.keyring.PrivatePrompter"} {
		body := "[D-BUS Service]\nName=" + name + "\nExec=" + sleep + " 120\n"
		if err := os.WriteFile(filepath.Join(s.dir, "services", name+".service"), []byte(body), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// startKeyring starts gnome-keyring-daemon on the private bus, unlocking
// (and on first start creating) the login keyring when unlock is set.
func (s *session) startKeyring(t testing.TB, unlock bool) {
	t.Helper()
	args := []string{"--foreground", "--components=secrets"}
	if unlock {
		args = append(args, "--unlock")
	}
	s.keyring = exec.Command("gnome-keyring-daemon", args...)
	s.keyring.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if unlock {
		s.keyring.Stdin = strings.NewReader(Password)
	}
	s.keyring.Stdout = s.logs
	s.keyring.Stderr = s.logs
	if err := s.keyring.Start(); err != nil {
		t.Fatalf("keychaintest: start gnome-keyring-daemon: %v", err)
	}
}

// waitReady waits until the Secret Service owns its name on our bus and,
// for an unlocked keyring, until a probe item can be stored, read and
// deleted.
func (s *session) waitReady(t testing.TB, probe bool) {
	t.Helper()
	if err := s.checkBus(); err != nil {
		t.Fatalf("keychaintest: %v", err)
	}
	deadline := time.Now().Add(readyWithin)
	var last error
	for time.Now().Before(deadline) {
		if last = s.ready(probe); last == nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("keychaintest: Secret Service not ready within %s: %v; daemon output:\n%s", readyWithin, last, s.logs)
}

// checkBus makes sure the process's shared session connection, which
// go-keyring uses, is the private bus and not one cached from before: both
// must report the id of the bus reached by dialling its address directly.
func (s *session) checkBus() error {
	want, err := s.busID()
	if err != nil {
		return err
	}
	var id string
	for range 2 {
		conn, err := dbus.SessionBus()
		if err != nil {
			return fmt.Errorf("connect to the private bus: %w", err)
		}
		if id, err = busID(conn); err != nil {
			return err
		}
		if id == want {
			return nil
		}
		_ = conn.Close()
	}
	return fmt.Errorf("the process stays connected to another session bus (id %s, want %s); refusing to touch it", id, want)
}

// busID dials the private bus on a connection of its own and asks its id.
func (s *session) busID() (string, error) {
	conn, err := dbus.Dial(s.address)
	if err != nil {
		return "", fmt.Errorf("dial the private bus: %w", err)
	}
	defer conn.Close()
	if err := conn.Auth(nil); err != nil {
		return "", fmt.Errorf("authenticate on the private bus: %w", err)
	}
	if err := conn.Hello(); err != nil {
		return "", fmt.Errorf("greet the private bus: %w", err)
	}
	return busID(conn)
}

// busID asks the bus behind conn for its unique id.
func busID(conn *dbus.Conn) (string, error) {
	var id string
	if err := conn.BusObject().Call("org.freedesktop.DBus.GetId", 0).Store(&id); err != nil {
		return "", fmt.Errorf("ask the bus for its id: %w", err)
	}
	return id, nil
}

const (
	probeService = "byok-keychaintest"
	probeAccount = "probe/ready"
)

// ready reports whether the keyring answers; with probe it also round-trips
// an item. Each step is bounded, since a keyring still starting can hang.
func (s *session) ready(probe bool) error {
	conn, err := dbus.SessionBus()
	if err != nil {
		return err
	}
	var owned bool
	err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.freedesktop.secrets").Store(&owned)
	if err != nil {
		return err
	}
	if !owned {
		return errors.New("org.freedesktop.secrets has no owner yet")
	}
	if !probe {
		return nil
	}
	return bounded(2*time.Second, func() error {
		if err := keyring.Set(probeService, probeAccount, "probe-value"); err != nil {
			return fmt.Errorf("store probe: %w", err)
		}
		got, err := keyring.Get(probeService, probeAccount)
		if err != nil {
			return fmt.Errorf("read probe: %w", err)
		}
		if got != "probe-value" {
			return fmt.Errorf("read probe: got %d bytes, want the stored value", len(got))
		}
		return keyring.Delete(probeService, probeAccount)
	})
}

// bounded runs fn and gives up waiting after d.
func bounded(d time.Duration, fn func() error) error {
	done := make(chan error, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("keyring client panicked: %v", p)
			}
		}()
		done <- fn()
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		return fmt.Errorf("no answer within %s", d)
	}
}

// stopKeyring stops the keyring daemon and waits for it.
func (s *session) stopKeyring() {
	if s.keyring == nil || s.keyring.Process == nil {
		return
	}
	_ = syscall.Kill(-s.keyring.Process.Pid, syscall.SIGTERM)
	waitOrKill(s.keyring)
	s.keyring = nil
}

// stop ends both daemons (and whatever the bus activated, which shares its
// process group), then closes the cached bus connection so the next test
// connects afresh.
func (s *session) stop() {
	s.stopKeyring()
	if s.bus != nil && s.bus.Process != nil {
		_ = syscall.Kill(-s.bus.Process.Pid, syscall.SIGTERM)
		waitOrKill(s.bus)
	}
	dropCachedBus()
}

// waitOrKill waits for cmd to exit after SIGTERM and kills its group if it
// does not within a few seconds.
func waitOrKill(cmd *exec.Cmd) {
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
}

// dropCachedBus closes the process's shared session bus connection, if one
// is open, so that the next user dials DBUS_SESSION_BUS_ADDRESS again.
// dbus.SessionBus would connect when none is cached; with the address
// pointing nowhere that fails fast and leaves nothing to close.
func dropCachedBus() {
	if conn, err := dbus.SessionBus(); err == nil {
		_ = conn.Close()
	}
}

// shortTempDir makes a temporary directory with a short path (unix socket
// paths are limited to about 100 bytes, and test names can be long) and
// removes it when the test ends.
func shortTempDir(t testing.TB) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "byok-kc-")
	if err != nil {
		t.Fatalf("keychaintest: %v", err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// syncBuffer collects daemon output from several goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
