package proxy

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestSSEScanner(t *testing.T) {
	long := strings.Repeat("x", 10<<10) // far over the scanner's first buffer
	tests := []struct {
		name   string
		stream string
		want   []string // raw events, each with its blank line
		data   []string // their data, "-" for none
	}{
		{"LF events", "data: a\n\ndata: b\n\n",
			[]string{"data: a\n\n", "data: b\n\n"}, []string{"a", "b"}},
		{"CRLF events", "event: x\r\ndata: a\r\n\r\ndata: b\r\n\r\n",
			[]string{"event: x\r\ndata: a\r\n\r\n", "data: b\r\n\r\n"}, []string{"a", "b"}},
		{"line longer than the buffer", "data: " + long + "\n\n",
			[]string{"data: " + long + "\n\n"}, []string{long}},
		{"multi-line data", "data: {\"a\":\ndata: 1}\n\n",
			[]string{"data: {\"a\":\ndata: 1}\n\n"}, []string{"{\"a\":\n1}"}},
		{"comment only", ": ping\n\n", []string{": ping\n\n"}, []string{"-"}},
		{"data without a space", "data:a\n\n", []string{"data:a\n\n"}, []string{"a"}},
		{"unfinished last event", "data: a\n\ndata: b", []string{"data: a\n\n", "data: b"}, []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One byte per read: events must not depend on how the bytes arrive.
			sc := sseScanner{r: iotest.OneByteReader(strings.NewReader(tt.stream))}
			var got, data []string
			for {
				ev, err := sc.next()
				if len(ev) > 0 {
					got = append(got, string(ev))
					d, ok := sseData(ev)
					if !ok {
						data = append(data, "-")
					} else {
						data = append(data, string(d))
					}
				}
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("events %q, want %q", got, tt.want)
			}
			if strings.Join(data, "|") != strings.Join(tt.data, "|") {
				t.Errorf("data %q, want %q", data, tt.data)
			}
		})
	}
}

func TestPromptText(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"chat", `{"model":"m","messages":[{"role":"system","content":"Be brief"},{"role":"user","content":"Hi"}]}`, "Be brief\nHi"},
		{"chat parts", `{"messages":[{"role":"user","content":[{"type":"text","text":"Look"},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}}]}]}`, "Look"},
		{"anthropic system", `{"system":"Be brief","messages":[{"role":"user","content":"Hi"}]}`, "Be brief\nHi"},
		{"gemini", `{"contents":[{"role":"user","parts":[{"text":"Hi"}]}],"systemInstruction":{"parts":[{"text":"Be brief"}]}}`, "Hi\nBe brief"},
		{"responses", `{"instructions":"Be brief","input":"Hi"}`, "Be brief\nHi"},
		{"embeddings list", `{"input":["one","two"]}`, "one\ntwo"},
		{"not JSON", `hello`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := promptText([]byte(tt.body)); got != tt.want {
				t.Errorf("promptText = %q, want %q", got, tt.want)
			}
		})
	}
}
