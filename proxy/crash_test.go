package proxy_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/byokhq/byok/app"
	"github.com/byokhq/byok/proxy"
	"github.com/byokhq/byok/residency"
	"github.com/byokhq/byok/store"
)

// Environment of the child proxy the crash test starts and kills.
const (
	childHomeEnv  = "BYOK_PROXY_TEST_CHILD_HOME"
	childTokenEnv = "BYOK_PROXY_TEST_CHILD_TOKEN"
	childPass     = "crash-test-passphrase"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(probeEnv); dir != "" {
		startProbe(dir)
	}
	if home := os.Getenv(childHomeEnv); home != "" {
		os.Exit(runChild(home, os.Getenv(childTokenEnv)))
	}
	if to := os.Getenv(bareChildEnv); to != "" {
		os.Exit(runBare(to))
	}
	os.Exit(m.Run())
}

// runChild serves a proxy on the app at home and prints its address; it
// runs until killed.
func runChild(home, token string) int {
	ctx := context.Background()
	a, err := app.Open(ctx, app.Options{Home: home})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: open app:", err)
		return 1
	}
	srv, err := proxy.New(a, proxy.Options{Token: token})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	ln, err := proxy.Listen("127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	fmt.Println(ln.Addr().String())
	// As `byok proxy` does once it listens.
	if _, err := residency.ReleaseStartup(); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	if err := srv.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
	}
	return 1
}

// TestKilledProxyLosesNoAnsweredRequest kills a proxy under load with
// SIGKILL several times: every response a client received in full must be
// in the database, and the database must pass integrity_check.
func TestKilledProxyLosesNoAnsweredRequest(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills child processes")
	}
	var ids atomic.Int64
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req_"+strconv.FormatInt(ids.Add(1), 10))
		writeJSON(w, 200, benchReply)
	}))
	defer up.Close()

	home, env := childHome(t, up.URL)
	ctx := context.Background()
	token := "byok-proxy-crash-test-token-0123456789"

	received := map[string]bool{}
	var mu sync.Mutex
	for round := range 3 {
		cmd, addr := startChild(t, home, token)
		url := "http://" + addr + "/v1/chat/completions"
		stop := make(chan struct{})
		var wg sync.WaitGroup
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 10 * time.Second}
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					if id, ok := send(client, url, token); ok {
						mu.Lock()
						received[id] = true
						mu.Unlock()
					}
				}
			}()
		}
		time.Sleep(time.Duration(600+300*round) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait() // killed: the exit status says so
		close(stop)
		wg.Wait()
		client.CloseIdleConnections()
	}
	if len(received) < 10 {
		t.Fatalf("only %d responses arrived in full: the load did not run", len(received))
	}

	a, err := app.Open(ctx, app.Options{Home: home, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	evs, err := a.Store.Events(ctx, store.Filter{Scope: store.Scope{Source: store.SourceProxy}, Limit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	recorded := map[string]bool{}
	for _, ev := range evs {
		recorded[ev.RequestID] = true
	}
	missing := 0
	for id := range received {
		if !recorded[id] {
			missing++
		}
	}
	if missing > 0 {
		t.Errorf("%d of %d fully received responses are not in the database", missing, len(received))
	}
	t.Logf("%d responses received in full, %d events recorded, %d upstream requests", len(received), len(evs), ids.Load())

	db, err := sql.Open("sqlite", a.Config.Paths.Database)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var check string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check = %q, %v", check, err)
	}
}

// send makes one request; it returns the provider's request id when the
// whole response arrived.
func send(c *http.Client, url, token string) (string, bool) {
	req, err := http.NewRequest("POST", url, strings.NewReader(benchBody))
	if err != nil {
		return "", false
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return "", false
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err != nil || resp.StatusCode != 200 {
		return "", false
	}
	return resp.Header.Get("X-Request-Id"), true
}

// childHome prepares a home for child proxies: a file keyring with an
// OpenAI key, and OpenAI's base URL pointing at upstream. env gives the
// keyring passphrase to apps opened on it.
func childHome(t testing.TB, upstream string) (home string, env func(string) string) {
	t.Helper()
	home = t.TempDir()
	cfg := fmt.Sprintf("keyring = \"file\"\n\n[providers.openai]\nbase_url = %q\n", upstream+"/v1")
	if err := os.WriteFile(filepath.Join(home, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env = func(k string) string {
		if k == "BYOK_PASSPHRASE" {
			return childPass
		}
		return ""
	}
	ctx := context.Background()
	a, err := app.Open(ctx, app.Options{Home: home, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.AddKey(ctx, "openai", "work", openaiKey, false); err != nil {
		t.Fatal(err)
	}
	return home, env
}

// startChild starts a proxy in a child process on home, with env added to
// its environment, and returns it with its address once it listens.
func startChild(t testing.TB, home, token string, env ...string) (*exec.Cmd, string) {
	t.Helper()
	env = append([]string{childHomeEnv + "=" + home, childTokenEnv + "=" + token, "BYOK_PASSPHRASE=" + childPass}, env...)
	return spawn(t, "the child proxy", env...)
}

// spawn runs this test binary as a child server with env added to its
// environment, and returns it with the address it prints once it listens.
// The child is killed when the test ends, if it has not been already.
func spawn(t testing.TB, what string, env ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait() // killed, or waited for already: either way it is gone
	})
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait() // killed: the exit status says so
		t.Fatalf("%s did not start: %v", what, err)
	}
	return cmd, strings.TrimSpace(addr)
}
