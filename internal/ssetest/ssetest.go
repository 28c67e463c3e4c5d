// Package ssetest writes server-sent events the way the providers stream
// them, for the fake providers of byok's tests.
package ssetest

import (
	"fmt"
	"net/http"
	"strings"
)

// Write answers 200 with events as a text/event-stream, flushing after each
// event. An event is its data, or "name\x00data" for a named event
// (Anthropic's and the Responses API's event: lines).
func Write(w http.ResponseWriter, events ...string) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	fl, _ := w.(http.Flusher)
	for _, e := range events {
		if name, data, ok := strings.Cut(e, "\x00"); ok {
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, data)
		} else {
			fmt.Fprintf(w, "data: %s\n\n", e)
		}
		if fl != nil {
			fl.Flush()
		}
	}
}
