package app

import (
	"fmt"
	"strings"

	"github.com/byokhq/byok/agentlog"
	"github.com/byokhq/byok/store"
)

// EventSources lists every source a request can have: byok's own front
// ends, spend entered by hand or found by a reconcile, and the coding agents
// whose logs byok imports. Every filter by source (log and usage --source,
// History's source:) takes exactly these, so that a request one of them
// lists can be found with the others.
func EventSources() []store.Source {
	out := []store.Source{store.SourceTUI, store.SourceCLI, store.SourceProxy, store.SourceManual, store.SourceReconciled}
	for _, s := range agentlog.Sources() {
		out = append(out, store.Source(s))
	}
	return out
}

// ParseEventSource reads a source name; its error lists the names there are.
func ParseEventSource(s string) (store.Source, error) {
	srcs := EventSources()
	names := make([]string, 0, len(srcs))
	for _, src := range srcs {
		if string(src) == s {
			return src, nil
		}
		names = append(names, string(src))
	}
	return "", fmt.Errorf("source %q: use %s or %s", s, strings.Join(names[:len(names)-1], ", "), names[len(names)-1])
}
