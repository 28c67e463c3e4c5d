package residency

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ReleaseStartup drops the resident pages of the read-only mappings of the
// running executable. Call it once start-up work is done.
//
// Only mappings that can hold nothing but the file's own bytes are
// released: private, not writable, and without a single page the process
// changed, in memory or swapped out (a position-independent executable's
// relocated read-only segment has some; dropping it would bring back the
// unrelocated bytes). A page of such a mapping dropped this way is read
// back from the page cache unchanged.
func ReleaseStartup() (Released, error) {
	exe, err := os.Executable()
	if err != nil {
		return Released{}, fmt.Errorf("find the executable: %w", err)
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return Released{}, err
	}
	defer f.Close()
	spans, err := cleanSpans(f, exe)
	if err != nil {
		return Released{}, fmt.Errorf("read /proc/self/smaps: %w", err)
	}
	var r Released
	for _, s := range spans {
		// The range is not Go memory, so it is passed as numbers rather
		// than as a slice.
		if _, _, errno := unix.Syscall(unix.SYS_MADVISE, s.start, s.end-s.start, unix.MADV_DONTNEED); errno != 0 {
			return r, fmt.Errorf("release %#x-%#x: %w", s.start, s.end, errno)
		}
		r.Mappings++
		r.Bytes += int64(s.end - s.start)
	}
	return r, nil
}

// span is one mapping's address range.
type span struct{ start, end uintptr }

// cleanSpans reads smaps and returns the mappings of path that are private,
// not writable and hold no page of the process's own (Anonymous and Swap
// both 0 kB).
func cleanSpans(r io.Reader, path string) ([]span, error) {
	var (
		out     []span
		cur     span
		ours    bool
		changed bool
	)
	flush := func() {
		if ours && !changed {
			out = append(out, cur)
		}
		ours, changed = false, false
	}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if rng, ok := addressRange(fields[0]); ok {
			flush()
			cur = rng
			ours = len(fields) == 6 && fields[5] == path && len(fields[1]) == 4 &&
				fields[1][1] != 'w' && fields[1][3] == 'p'
			continue
		}
		// Anonymous counts the pages the process changed that are in
		// memory, Swap those swapped out.
		if ours && (fields[0] == "Anonymous:" || fields[0] == "Swap:") && (len(fields) < 2 || fields[1] != "0") {
			changed = true
		}
	}
	flush()
	return out, sc.Err()
}

// addressRange parses the "start-end" that opens a mapping's entry.
func addressRange(s string) (span, bool) {
	lo, hi, ok := strings.Cut(s, "-")
	if !ok {
		return span{}, false
	}
	a, err := strconv.ParseUint(lo, 16, 64)
	if err != nil {
		return span{}, false
	}
	b, err := strconv.ParseUint(hi, 16, 64)
	if err != nil || b <= a {
		return span{}, false
	}
	return span{uintptr(a), uintptr(b)}, true
}
