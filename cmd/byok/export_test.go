package main

import (
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/store"
)

// TestExportOTLPWithTheCollectorDown: a send that fails says that the events
// wait and what to check, and they are still waiting after it.
func TestExportOTLPWithTheCollectorDown(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	checkErr(t, err)
	endpoint := "http://" + l.Addr().String()
	checkErr(t, l.Close()) // nothing listens there now
	c := newCLI(t, fmt.Sprintf("[export.otlp]\nendpoint = %q\n", endpoint))
	c.ok("", "spend", "add", "openai", "2.50")

	r := c.run("", "export", "otlp")
	if r.code == 0 || !strings.Contains(r.err, "The events wait in the outbox and go out once "+endpoint+" answers") {
		t.Fatalf("export otlp with the collector down: exit %d, %q", r.code, r.err)
	}
	var st exportStatusRow
	decode(t, c.ok("", "export", "status", "--json"), &st)
	if st.Pending != 1 || st.Failures == 0 {
		t.Errorf("after the failed send: %+v, want 1 event waiting and the failure counted", st)
	}
}

// TestExportOTLPWhileAnotherSends: when another process holds the outbox,
// the error says to wait for it, not to check a collector that is not at
// fault.
func TestExportOTLPWhileAnotherSends(t *testing.T) {
	c := newCLI(t, "[export.otlp]\nendpoint = \"http://127.0.0.1:9\"\n")
	c.ok("", "spend", "add", "openai", "2.50")
	st, err := store.Open(t.Context(), filepath.Join(c.home, "byok.db"), store.Options{})
	checkErr(t, err)
	_, err = st.ClaimExport(t.Context(), app.SinkOTLP, "another-process", time.Hour)
	checkErr(t, err)
	checkErr(t, st.Close())

	r := c.run("", "export", "otlp")
	if r.code == 0 || !strings.Contains(r.err, "sends this outbox already") || strings.Contains(r.err, "check that the collector runs") {
		t.Fatalf("export otlp while another process sends: exit %d, %q", r.code, r.err)
	}
}
