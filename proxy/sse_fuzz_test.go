package proxy

import (
	"bytes"
	"testing"
	"testing/iotest"
)

// scanAll splits a stream into events with the given reader.
func scanAll(sc sseScanner) [][]byte {
	var out [][]byte
	for {
		ev, err := sc.next()
		if len(ev) > 0 {
			out = append(out, append([]byte(nil), ev...))
		}
		if err != nil {
			return out
		}
	}
}

// FuzzSSEScanner: the same events come out whether the stream arrives whole
// or a byte at a time, and together they are exactly the stream's bytes.
func FuzzSSEScanner(f *testing.F) {
	for _, seed := range []string{
		"data: a\n\ndata: b\n\n",
		"event: x\r\ndata: a\r\n\r\n",
		"data: {\"a\":\ndata: 1}\n\n: ping\n\ndata: [DONE]\n\n",
		"data: unfinished",
		"\n\n\r\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, stream []byte) {
		whole := scanAll(sseScanner{r: bytes.NewReader(stream)})
		bytewise := scanAll(sseScanner{r: iotest.OneByteReader(bytes.NewReader(stream))})
		if len(whole) != len(bytewise) {
			t.Fatalf("%d events read whole, %d byte by byte", len(whole), len(bytewise))
		}
		var joined []byte
		for i := range whole {
			if !bytes.Equal(whole[i], bytewise[i]) {
				t.Fatalf("event %d differs: %q vs %q", i, whole[i], bytewise[i])
			}
			joined = append(joined, whole[i]...)
		}
		if !bytes.Equal(joined, stream) {
			t.Fatalf("the events do not add up to the stream")
		}
	})
}
