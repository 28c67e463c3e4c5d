package proxy_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The load benchmark asks its child proxies what their Go runtime holds
// while every stream is open: the parent sends SIGUSR1, the child writes
// runtime/metrics figures (and, for a profiling run, a heap and a
// goroutine profile) into the directory probeEnv names and then an empty
// "done" file. Only the test binary's child entry points read probeEnv.
const (
	probeEnv = "BYOK_PROXY_TEST_PROBE"
	// profileEnv is the parent's: a directory to keep each child's
	// profiles in, one sub-directory per benchmark.
	profileEnv = "BYOK_BENCH_PROFILE"
	// probeProfileEnv tells a child to sample allocations finely and
	// write profiles too.
	probeProfileEnv = "BYOK_PROXY_TEST_PROBE_PROFILE"
)

// probeMetrics are the runtime/metrics the child reports.
var probeMetrics = []string{
	"/sched/goroutines:goroutines",
	"/gc/heap/live:bytes",
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/unused:bytes",
	"/memory/classes/heap/free:bytes",
	"/memory/classes/heap/stacks:bytes",
	"/memory/classes/os-stacks:bytes",
	"/memory/classes/metadata/other:bytes",
	"/memory/classes/metadata/mspan/inuse:bytes",
	"/memory/classes/metadata/mcache/inuse:bytes",
	"/memory/classes/profiling/buckets:bytes",
	"/memory/classes/other:bytes",
	"/memory/classes/total:bytes",
	"/memory/classes/heap/released:bytes",
}

// startProbe, in a child, answers SIGUSR1 by writing its figures into dir.
// It is registered before the child prints its address, so no signal can
// come first.
func startProbe(dir string) {
	profile := os.Getenv(probeProfileEnv) != ""
	if profile {
		// One sample per 4 KB, where the default is one per 512 KB: the
		// per-stream allocations are a few KB each.
		runtime.MemProfileRate = 4 << 10
	}
	sig := make(chan os.Signal, 1)
	notifyProbe(sig)
	go func() {
		for range sig {
			if err := writeProbe(dir, profile); err != nil {
				fmt.Fprintln(os.Stderr, "child probe:", err)
			}
		}
	}()
}

func writeProbe(dir string, profile bool) error {
	// The figures are read before the profiles are written, which
	// allocate.
	samples := make([]metrics.Sample, len(probeMetrics))
	for i, name := range probeMetrics {
		samples[i].Name = name
	}
	metrics.Read(samples)
	var sb strings.Builder
	for _, s := range samples {
		switch s.Value.Kind() {
		case metrics.KindUint64:
			fmt.Fprintf(&sb, "%s %d\n", s.Name, s.Value.Uint64())
		default:
			fmt.Fprintf(&sb, "%s unsupported\n", s.Name)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "metrics.txt"), []byte(sb.String()), 0o600); err != nil {
		return err
	}
	if profile {
		// The heap profile for pprof, of what is live now (a profile
		// shows the heap as of the last collection); the goroutines as
		// text, one entry per distinct stack with how many goroutines
		// share it.
		runtime.GC()
		if err := writeProfile(filepath.Join(dir, "heap.pprof"), "heap", 0); err != nil {
			return err
		}
		if err := writeProfile(filepath.Join(dir, "goroutine.txt"), "goroutine", 1); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, "done"), nil, 0o600)
}

func writeProfile(path, name string, debug int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = pprof.Lookup(name).WriteTo(f, debug)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// probeDir is the directory a benchmark's child writes its figures into,
// and the environment that tells the child so: under profileEnv when the
// run keeps profiles, a temporary directory otherwise.
func probeDir(b *testing.B) (string, []string) {
	dir := b.TempDir()
	env := []string{probeEnv + "=" + dir}
	if keep := os.Getenv(profileEnv); keep != "" {
		dir = filepath.Join(keep, strings.ReplaceAll(b.Name(), "/", "_"))
		if err := os.MkdirAll(dir, 0o700); err != nil {
			b.Fatal(err)
		}
		env = []string{probeEnv + "=" + dir, probeProfileEnv + "=1"}
	}
	return dir, env
}

// probe has the child at pid write its figures into dir and returns them,
// by name.
func probe(b *testing.B, pid int, dir string) map[string]uint64 {
	done := filepath.Join(dir, "done")
	_ = os.Remove(done)
	if err := signalProbe(pid); err != nil {
		b.Skipf("cannot ask the child for its runtime figures here: %v", err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(done); err == nil {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("the child wrote no runtime figures within 30 s")
		}
	}
	f, err := os.Open(filepath.Join(dir, "metrics.txt"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	out := map[string]uint64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, v, _ := strings.Cut(sc.Text(), " ")
		if n, err := strconv.ParseUint(v, 10, 64); err == nil {
			out[name] = n
		}
	}
	if err := sc.Err(); err != nil {
		b.Fatal(err)
	}
	return out
}
