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
	header(w)
	for _, e := range events {
		Event(w, e)
	}
}

// Start answers 200 as a text/event-stream and sends the headers at once,
// for a fake that sends its events later.
func Start(w http.ResponseWriter) {
	header(w)
	flush(w)
}

func header(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
}

// Event sends one event (as Write takes it) and flushes it.
func Event(w http.ResponseWriter, e string) {
	if name, data, ok := strings.Cut(e, "\x00"); ok {
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, data)
	} else {
		fmt.Fprintf(w, "data: %s\n\n", e)
	}
	flush(w)
}

func flush(w http.ResponseWriter) {
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
}
