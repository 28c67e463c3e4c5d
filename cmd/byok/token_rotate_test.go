package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestProxyTokenRotateReachesRunningServers runs `byok proxy` and `byok
// serve`, then `byok proxy token --rotate` as another command on the same
// home: within seconds both servers refuse the old token and accept the
// new one, as `proxy token --help` promises, without a restart.
func TestProxyTokenRotateReachesRunningServers(t *testing.T) {
	c := newCLI(t, "keyring = \"file\"\n")
	t.Setenv("BYOK_PASSPHRASE", "rotate test passphrase")
	old := strings.TrimSpace(c.ok("", "proxy", "token"))

	ctx, cancel := context.WithCancel(context.Background())
	type exit struct {
		cmd string
		res result
	}
	exits := make(chan exit, 2)
	var urls []string
	for _, cmd := range []string{"proxy", "serve"} {
		addr := freeAddr(t)
		urls = append(urls, "http://"+addr+"/metrics")
		go func() {
			var out, errb syncBuffer
			code := run(ctx, []string{cmd, "--addr", addr}, &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: &out, Err: &errb}})
			exits <- exit{cmd, result{code, out.String(), errb.String()}}
		}()
	}
	t.Cleanup(func() {
		cancel()
		for range 2 {
			if e := <-exits; e.res.code != 0 {
				t.Errorf("byok %s: exit %d: %s", e.cmd, e.res.code, e.res.err)
			}
		}
	})
	expect := func(want map[string]int) time.Duration {
		t.Helper()
		start := time.Now()
		for deadline := start.Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			var wrong []string
			for _, u := range urls {
				for token, status := range want {
					if got := metricsStatus(u, token); got != status {
						wrong = append(wrong, u+" with the token ending "+token[len(token)-4:]+": "+http.StatusText(got)+", want "+http.StatusText(status))
					}
				}
			}
			if len(wrong) == 0 {
				return time.Since(start)
			}
			if time.Now().After(deadline) {
				t.Fatalf("after 10s:\n%s", strings.Join(wrong, "\n"))
			}
		}
	}
	expect(map[string]int{old: 200})

	r := c.run("", "proxy", "token", "--rotate")
	rotated := strings.TrimSpace(r.out)
	if r.code != 0 || rotated == old || !strings.HasPrefix(rotated, "byok-proxy-") || !strings.Contains(r.err, "The proxy token was replaced") {
		t.Fatalf("proxy token --rotate: exit %d, a new token %v; stderr %s", r.code, rotated != old, r.err)
	}
	took := expect(map[string]int{old: 401, rotated: 200})
	t.Logf("both servers took the rotation in %s", took.Round(10*time.Millisecond))
}

// metricsStatus is the status a GET of url with token as a bearer token
// answers; 0 while nothing listens there yet.
func metricsStatus(url, token string) int {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return 0
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}
