package proxy

import (
	"bytes"
	"io"
	"net/http"
	"runtime"
	"testing"
	"testing/iotest"
	"weak"
)

// The request a reply keeps for as long as it streams must not keep the
// prompt's bytes once they are sent: neither the body the transport read
// to its end nor GetBody, which can send them again until the reply began.
func TestSentBodyIsLetGo(t *testing.T) {
	body := bytes.Repeat([]byte(`{"messages":[]}`), 64<<10)
	want := string(body)
	sent := weak.Make(&body[0])
	req, err := http.NewRequest("POST", "http://127.0.0.1/v1/chat/completions", http.NoBody)
	if err != nil {
		t.Fatal(err)
	}
	ob := setBody(req, body)
	body = nil
	if req.ContentLength != int64(len(want)) {
		t.Errorf("ContentLength %d, want %d", req.ContentLength, len(want))
	}
	for _, read := range []func() (io.ReadCloser, error){
		func() (io.ReadCloser, error) { return req.Body, nil },
		req.GetBody, // a retry on a fresh connection
	} {
		rc, err := read()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		if err != nil || string(got) != want {
			t.Fatalf("read %d bytes (%v), want the %d sent", len(got), err, len(want))
		}
	}
	ob.release()
	runtime.GC()
	if sent.Value() != nil {
		t.Error("the request still holds its body after the reply began")
	}
	if _, err := req.GetBody(); err == nil {
		t.Error("GetBody gave the body again after it was released")
	}
	runtime.KeepAlive(req)
}

// A body is read into a buffer of its declared length, but one declared
// large and sent short holds no more than maxPrealloc, and one larger than
// that still arrives whole, read in pieces.
func TestReadAllFollowsTheBytes(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), (3<<20+17)/16)
	tests := []struct {
		name    string
		sent    []byte
		length  int64
		wantCap int // the most the buffer may hold
	}{
		{"a prompt, sized once", []byte(`{"model":"gpt-4o-mini"}`), 23, 24},
		{"declared 64 MB, sent 3 bytes", []byte("abc"), 64 << 20, maxPrealloc + 1},
		{"3 MB, past the first buffer", big, int64(len(big)), 2 * (len(big) + 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAll(iotest.HalfReader(bytes.NewReader(tt.sent)), tt.length)
			if err != nil || !bytes.Equal(got, tt.sent) {
				t.Fatalf("read %d bytes (%v), want the %d sent", len(got), err, len(tt.sent))
			}
			if cap(got) > tt.wantCap {
				t.Errorf("the buffer holds %d bytes for %d read, want at most %d", cap(got), len(got), tt.wantCap)
			}
		})
	}
}
