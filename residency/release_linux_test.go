package residency

import (
	"crypto/sha256"
	_ "embed"
	"os"
	"strconv"
	"strings"
	"testing"
)

const sampleSmaps = `00400000-01eb6000 r-xp 00000000 fd:01 42 /opt/byok
Size:              27352 kB
Rss:               17060 kB
Anonymous:             0 kB
VmFlags: rd ex mr mw me
01eb6000-0491c000 r--p 01ab6000 fd:01 42 /opt/byok
Rss:               11720 kB
Anonymous:             0 kB
0491c000-04abb000 r--p 0451c000 fd:01 42 /opt/byok
Rss:                  40 kB
Anonymous:             8 kB
04abb000-04d3a000 rw-p 0469b000 fd:01 42 /opt/byok
Anonymous:             0 kB
04d3a000-04e00000 r--p 0471a000 fd:01 42 /opt/byok
Anonymous:             0 kB
Swap:                  4 kB
05000000-05001000 r--s 00000000 fd:01 42 /opt/byok
Anonymous:             0 kB
06000000-06100000 r--p 00000000 fd:01 43 /opt/byok-old
Anonymous:             0 kB
7f0000000000-7f0000100000 rw-p 00000000 00:00 0 
Anonymous:          1024 kB
7f0000200000-7f0000300000 r-xp 00000000 fd:01 44 /usr/lib/libc.so.6
Anonymous:             0 kB
`

// Only private, read-only mappings of the executable the process never
// wrote to are released: a relocated read-only segment (Anonymous pages,
// or Swap ones), the writable data, a shared mapping and other files are
// left alone.
func TestCleanSpans(t *testing.T) {
	got, err := cleanSpans(strings.NewReader(sampleSmaps), "/opt/byok")
	if err != nil {
		t.Fatal(err)
	}
	want := []span{{0x400000, 0x1eb6000}, {0x1eb6000, 0x491c000}}
	if len(got) != len(want) {
		t.Fatalf("spans = %x, want %x", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("spans = %x, want %x", got, want)
		}
	}
}

// executableRSS sums the resident size of the process's mappings of its
// own executable, in KiB.
func executableRSS(t *testing.T) int {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps here: %v", err)
	}
	total, ours := 0, false
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if _, ok := addressRange(f[0]); ok {
			ours = len(f) == 6 && f[5] == exe
			continue
		}
		if ours && f[0] == "Rss:" && len(f) > 1 {
			n, _ := strconv.Atoi(f[1])
			total += n
		}
	}
	return total
}

// reference is read-only data of this test binary (embedded bytes live in
// the executable's read-only segment); its digest must not change when its
// pages are released and read back.
//
//go:embed release_linux.go
var reference string

func TestReleaseStartupGivesPagesBack(t *testing.T) {
	before := sha256.Sum256([]byte(reference))
	rssBefore := executableRSS(t)
	r, err := ReleaseStartup()
	if err != nil {
		t.Fatal(err)
	}
	rssAfter := executableRSS(t)
	if r.Mappings == 0 || r.Bytes == 0 {
		t.Fatalf("released nothing: %+v", r)
	}
	if rssAfter >= rssBefore {
		t.Fatalf("executable resident %d KiB before, %d KiB after: nothing was given back", rssBefore, rssAfter)
	}
	if after := sha256.Sum256([]byte(reference)); after != before {
		t.Fatal("read-only data changed after its pages were released")
	}
	t.Logf("released %d mappings (%d MiB); executable resident %d KiB before, %d KiB after", r.Mappings, r.Bytes>>20, rssBefore, rssAfter)
}
