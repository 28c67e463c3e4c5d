package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// slowStream is how long the fake provider's stream lasts: 60 chunks,
// one every half second. The test only ever waits a fraction of it.
const (
	slowChunks = 60
	slowEvery  = 500 * time.Millisecond
)

// TestProxySecondCtrlCStopsAtOnce runs the built byok binary as `byok
// proxy`, with its own signal handling, against a provider that streams
// slowly. The first SIGINT lets the stream go on; the second cuts it: the
// process exits long before the provider's stream would have ended, and
// the request is in the database as cancelled.
func TestProxySecondCtrlCStopsAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds byok and runs it as a child process")
	}
	var sent atomic.Int64
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range slowChunks {
			fmt.Fprintf(w, "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word%d \"}}]}\n\n", i)
			w.(http.Flusher).Flush()
			sent.Add(1)
			select {
			case <-r.Context().Done():
				return
			case <-time.After(slowEvery):
			}
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	defer up.Close()

	dir := t.TempDir()
	bin := filepath.Join(dir, "byok")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build byok: %v\n%s", err, out)
	}
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(home, "config.toml"), fmt.Appendf(nil,
		"keyring = \"file\"\n\n[providers.slowai]\nkind = \"openai\"\nbase_url = %q\nno_key = true\n", up.URL+"/v1"))
	env := append(os.Environ(), "BYOK_HOME="+home, "BYOK_PASSPHRASE=second-ctrl-c passphrase")
	byok := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("byok %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	token := strings.TrimSpace(byok("proxy", "token"))

	proxyCmd := exec.Command(bin, "proxy", "--addr", "127.0.0.1:0")
	proxyCmd.Env = env
	var stderr syncBuffer
	proxyCmd.Stderr = &stderr
	stdout, err := proxyCmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := proxyCmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	t.Cleanup(func() {
		_ = proxyCmd.Process.Kill() // only if a failed test left it running
		if err := <-exited; err != nil {
			t.Logf("byok proxy: %v", err)
		}
	})
	listening := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)
	base := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				base <- m[1]
			}
		}
		exited <- proxyCmd.Wait()
	}()
	var url string
	select {
	case url = <-base:
	case <-time.After(30 * time.Second):
		t.Fatalf("the proxy did not start: %s", stderr.String())
	}

	req, err := http.NewRequest("POST", url+"/v1/chat/completions",
		strings.NewReader(`{"model":"slowai/gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"SLOW"}]}`))
	checkErr(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	checkErr(t, err)
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("the proxy answered %d", resp.StatusCode)
	}
	events := make(chan struct{}, slowChunks+2)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data:") {
				events <- struct{}{}
			}
		}
		close(events)
	}()
	next := func(what string) {
		t.Helper()
		select {
		case _, ok := <-events:
			if !ok {
				t.Fatalf("the stream ended %s; proxy said: %s", what, stderr.String())
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no event arrived %s", what)
		}
	}
	next("before any signal")
	start := time.Now()

	checkErr(t, proxyCmd.Process.Signal(syscall.SIGINT))
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(stderr.String(), "Stopping:"); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the first Ctrl-C said nothing: %s", stderr.String())
		}
	}
	// The first Ctrl-C lets the request in flight go on.
	next("after the first Ctrl-C")
	next("after the first Ctrl-C")

	checkErr(t, proxyCmd.Process.Signal(syscall.SIGINT))
	// The provider's stream has most of its 30 seconds to go: the proxy
	// must be gone well before.
	left := slowChunks*slowEvery - time.Since(start)
	second := time.Now()
	select {
	case err := <-exited:
		exited <- err // for the cleanup
		t.Logf("byok proxy exited %s after the second Ctrl-C, %d of the stream's %d chunks sent", time.Since(second).Round(time.Millisecond), sent.Load(), slowChunks)
		if err != nil {
			t.Fatalf("byok proxy exited with %v after the second Ctrl-C: %s", err, stderr.String())
		}
	case <-time.After(left / 2):
		t.Fatalf("byok proxy still runs %s after the second Ctrl-C, %d of the stream's %d chunks sent: %s",
			left/2, sent.Load(), slowChunks, stderr.String())
	}
	if got := stderr.String(); !strings.Contains(got, "Stopping now") || !strings.Contains(got, "Proxy stopped.") {
		t.Errorf("the proxy's messages: %s", got)
	}
	for range events {
		// The client sees its stream end with the proxy.
	}

	var logged []struct {
		Source, Provider, Status string
	}
	if err := json.Unmarshal([]byte(byok("log", "--json", "--limit", "5")), &logged); err != nil {
		t.Fatal(err)
	}
	if len(logged) != 1 || logged[0].Source != "proxy" || logged[0].Provider != "slowai" || logged[0].Status != "cancelled" {
		t.Fatalf("recorded %+v; want the one proxied request, cancelled", logged)
	}
}
