package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// BenchmarkStartToDashboard measures what a user waits for: from starting
// the byok binary on a terminal to the dashboard drawn with its data (the
// PROVIDER column heading). BYOK_BENCH_HOME points it at a home (make a big
// one with `byok demo --events 1000000 --no-tui --home DIR`); without it a
// home with 20,000 sample requests is made. It reports p50 and p90 in ms
// and the peak resident memory of the last run, in MB.
func BenchmarkStartToDashboard(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "byok")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build byok: %v\n%s", err, out)
	}
	home := os.Getenv("BYOK_BENCH_HOME")
	if home == "" {
		home = filepath.Join(dir, "home")
		if out, err := exec.Command(bin, "demo", "--home", home, "--events", "20000", "--no-tui").CombinedOutput(); err != nil {
			b.Fatalf("make a demo home: %v\n%s", err, out)
		}
	}
	var took []time.Duration
	var peak, visited int64
	b.ResetTimer()
	for i := range b.N {
		d, hwm, all := startOnce(b, bin, home, i == b.N-1)
		took = append(took, d)
		peak, visited = hwm, all
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*9/10].Microseconds())/1000, "p90-ms")
	b.ReportMetric(float64(peak)/1024, "peak-rss-MB")
	b.ReportMetric(float64(visited)/1024, "peak-rss-all-views-MB")
}

// startOnce runs byok on a new 120×40 terminal until the dashboard shows
// its data, and returns how long that took and the process's peak RSS in
// KiB then. With visit, it then tabs through every view, giving each half
// a second to load, and also returns the peak RSS after that.
func startOnce(b *testing.B, bin, home string, visit bool) (took time.Duration, hwm, visited int64) {
	master, slave, err := openPTY(120, 40)
	if err != nil {
		b.Skipf("no pseudo-terminal here: %v", err)
	}
	defer master.Close()
	cmd := exec.Command(bin, "--home", home)
	cmd.Env = append(os.Environ(), "TERM=xterm-256color")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	slave.Close()
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait() // killed: the exit status says so
	}()
	found := make(chan time.Duration, 1)
	go func() {
		var seen []byte
		buf := make([]byte, 64<<10)
		for {
			n, err := master.Read(buf)
			seen = append(seen, buf[:n]...)
			if bytes.Contains(seen, []byte("PROVIDER")) {
				found <- time.Since(start)
				return
			}
			if err != nil {
				close(found)
				return
			}
		}
	}()
	select {
	case d, ok := <-found:
		if !ok {
			b.Fatal("byok ended before it drew the dashboard")
		}
		took, hwm = d, peakRSS(cmd.Process.Pid)
	case <-time.After(10 * time.Second):
		b.Fatal("no dashboard after 10 s")
	}
	if visit {
		b.StopTimer()
		go func() { _, _ = io.Copy(io.Discard, master) }() // keep the terminal drained
		for range 7 {                                      // the seven other views, in tab order
			if _, err := master.WriteString("\t"); err != nil {
				b.Fatal(err)
			}
			time.Sleep(500 * time.Millisecond)
		}
		visited = peakRSS(cmd.Process.Pid)
		b.ReportMetric(float64(procStatus(cmd.Process.Pid, "VmRSS:"))/1024, "rss-after-views-MB")
		b.StartTimer()
	}
	return took, hwm, visited
}

// peakRSS reads a process's peak resident memory (VmHWM) in KiB, or 0.
func peakRSS(pid int) int64 { return procStatus(pid, "VmHWM:") }

// procStatus reads a field in KiB of a process's /proc status, or 0.
func procStatus(pid int, field string) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, field); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n
		}
	}
	return 0
}

// openPTY opens a pseudo-terminal pair of the given size.
func openPTY(cols, rows uint16) (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		return nil, nil, err
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	if err := unix.IoctlSetWinsize(int(slave.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols}); err != nil {
		master.Close()
		slave.Close()
		return nil, nil, err
	}
	return master, slave, nil
}
