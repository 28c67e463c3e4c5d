package main

// Every new alert is announced once, whichever path raised it: the CLI
// (TestBudgetSetDeliversItsAlerts in attack_test.go), the proxy and
// `byok import` (here). An announcement runs the [alerts] command, whose
// environment holds byok's BYOK_ALERT_* variables and never a passphrase
// or a provider key.

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/byokhq/byok/agentlog/agentlogtest"
)

// alertProbe is an [alerts] section whose command writes one line per run
// ("KIND SCOPE THRESHOLD") and appends its whole environment to a file.
type alertProbe struct {
	t         *testing.T
	ran, envs string
}

func newAlertProbe(t *testing.T) *alertProbe {
	dir := t.TempDir()
	return &alertProbe{t: t, ran: filepath.Join(dir, "ran"), envs: filepath.Join(dir, "env")}
}

func (p *alertProbe) config() string {
	return fmt.Sprintf("[alerts]\ndesktop = false\nbell = false\ncommand = \"printf '%%s %%s %%s\\\\n' \\\"$BYOK_ALERT_KIND\\\" \\\"$BYOK_ALERT_SCOPE\\\" \\\"$BYOK_ALERT_THRESHOLD\\\" >> '%s'; env >> '%s'\"\n", p.ran, p.envs)
}

// runs returns the lines the command wrote, one per run.
func (p *alertProbe) runs() []string {
	b, err := os.ReadFile(p.ran)
	if os.IsNotExist(err) {
		return nil
	}
	checkErr(p.t, err)
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// checkScrubbed fails when a run's environment held a passphrase, a
// provider key variable or any of the secrets.
func (p *alertProbe) checkScrubbed(secrets ...string) {
	p.t.Helper()
	b, err := os.ReadFile(p.envs)
	checkErr(p.t, err)
	env := string(b)
	if !strings.Contains(env, "BYOK_ALERT_ID=") {
		p.t.Fatalf("the alert command's environment lacks BYOK_ALERT_ID:\n%s", env)
	}
	if m := regexp.MustCompile(`(?m)^(BYOK_PASSPHRASE|[A-Z_]*API_KEY)=`).FindString(env); m != "" {
		p.t.Errorf("the alert command inherited %s", m)
	}
	for _, s := range secrets {
		if strings.Contains(env, s) {
			p.t.Errorf("the alert command's environment holds a secret ending %s", s[len(s)-4:])
		}
	}
}

// An alert raised by a request through `byok proxy` is announced once: one
// request takes a daily budget past all its thresholds, the command runs
// once for the highest, and the requests after it announce nothing more.
func TestProxyAnnouncesAlertsOnce(t *testing.T) {
	up := newUpstream(t)
	probe := newAlertProbe(t)
	c := newCLI(t, fmt.Sprintf("timezone = \"UTC\"\nkeyring = \"file\"\n\n%s\n[providers.fakeai]\nkind = \"openai\"\nbase_url = %q\nno_key = true\n", probe.config(), up.srv.URL+"/v1"))
	passphrase := "announce-passphrase-" + randomTail(16)
	envKey := "sk-proj-ANNOUNCE" + randomTail(32)
	t.Setenv("BYOK_PASSPHRASE", passphrase)
	t.Setenv("OPENAI_API_KEY", envKey)
	c.ok("", "pricing", "set", "fakeai/gpt-4o-mini", "--input", "0.15", "--output", "0.6", "--cache-read", "0.075")
	// One request costs $0.000345: 115 % of this budget.
	c.ok("", "budget", "set", "all", "0.0003", "--period", "daily", "--alerts", "50,80,100")
	if runs := probe.runs(); len(runs) != 0 {
		t.Fatalf("setting a budget nothing has reached ran the alert command: %q", runs)
	}
	token := strings.TrimSpace(c.ok("", "proxy", "token"))

	ctx, cancel := context.WithCancel(context.Background())
	var out, errb syncBuffer
	done := make(chan int, 1)
	go func() {
		ios := &IOStreams{In: strings.NewReader(""), Out: &out, Err: &errb}
		done <- run(ctx, []string{"proxy", "--addr", "127.0.0.1:0"}, &Factory{IO: ios})
	}()
	listening := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`)
	var base string
	for start := time.Now(); base == ""; time.Sleep(10 * time.Millisecond) {
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
		}
		if time.Since(start) > 15*time.Second {
			cancel()
			t.Fatalf("the proxy did not start: %s %s", out.String(), errb.String())
		}
	}
	body := `{"model":"fakeai/gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"hi"}]}`
	for i := range 3 {
		req, err := http.NewRequest("POST", base+"/v1/chat/completions", strings.NewReader(body))
		checkErr(t, err)
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		checkErr(t, err)
		b := readBody(t, resp)
		if resp.StatusCode != 200 || !strings.Contains(b, "[DONE]") {
			t.Fatalf("request %d through the proxy: %d %.300s", i, resp.StatusCode, b)
		}
		if i == 0 {
			// The proxy announces after answering; wait for it before
			// the next request, so "once" is about the crossing, not a
			// race between evaluations.
			for start := time.Now(); len(probe.runs()) == 0 && time.Since(start) < 15*time.Second; {
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("byok proxy exited %d: %s", code, errb.String())
	}
	if runs := probe.runs(); len(runs) != 1 || runs[0] != "threshold all 100" {
		t.Fatalf("the alert command ran %d times: %q; want once, for the highest threshold crossed (threshold all 100)", len(runs), runs)
	}
	probe.checkScrubbed(passphrase, envKey)
}

// readBody reads and closes a response body.
func readBody(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}

// An alert raised by `byok import` (a coding agent's log) is announced
// once: the import that takes a daily budget past its thresholds runs the
// command once, for the highest, and later imports — of nothing new, or of
// more spend in the same period — announce nothing more.
func TestImportAnnouncesAlertsOnce(t *testing.T) {
	probe := newAlertProbe(t)
	c := newCLI(t, "timezone = \"UTC\"\n\n"+probe.config())
	envKey := "sk-ant-api03-ANNOUNCE" + randomTail(32)
	t.Setenv("ANTHROPIC_API_KEY", envKey)
	t.Setenv("BYOK_PASSPHRASE", "announce-passphrase-"+randomTail(16))
	c.ok("", "budget", "set", "all", "0.40", "--period", "daily", "--alerts", "50,80,100")

	logs := agentlogtest.Copy(t, "claude")
	claude := filepath.Join(logs, "projects")
	session := filepath.Join(claude, "-home-ada-src-app", "5b1e2c3d-0000-4000-8000-000000000001.jsonl")
	now := func() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000Z") }
	// The agent finishes the line it was writing, then answers today at a
	// reported $0.50: past all three thresholds at once.
	agentlogtest.Append(t, session, `ens":0,"output_tokens":60}},"requestId":"req_011CCC","type":"assistant","uuid":"a-0007","timestamp":"`+now()+`"}`+"\n")
	reply := func(n int, cost string) string {
		return fmt.Sprintf(`{"parentUuid":"a-0007","isSidechain":false,"sessionId":"5b1e2c3d-0000-4000-8000-000000000001","version":"1.0.30","message":{"id":"msg_01ANN%d","type":"message","role":"assistant","model":"claude-opus-4-1-20250805","content":[{"type":"text","text":"ok"}],"usage":{"input_tokens":1000,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":100}},"costUSD":%s,"requestId":"req_011ANN%d","type":"assistant","uuid":"a-ann-%d","timestamp":"%s"}`+"\n", n, cost, n, n, now())
	}
	agentlogtest.Append(t, session, reply(1, "0.5"))
	c.ok("", "import", "claude-code", "--path", claude)
	if runs := probe.runs(); len(runs) != 1 || runs[0] != "threshold all 100" {
		t.Fatalf("after the import that crossed the budget the alert command ran %d times: %q; want once (threshold all 100)", len(runs), runs)
	}
	c.ok("", "import", "claude-code", "--path", claude)
	agentlogtest.Append(t, session, reply(2, "0.25"))
	if out := c.ok("", "import", "claude-code", "--path", claude); !strings.Contains(out, "1 request added") {
		t.Fatalf("the third import did not add the new reply: %s", out)
	}
	if runs := probe.runs(); len(runs) != 1 {
		t.Fatalf("later imports announced the alerts again: %q", runs)
	}
	probe.checkScrubbed(envKey)
}
