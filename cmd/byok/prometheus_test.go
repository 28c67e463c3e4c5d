package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// promQuery asks Prometheus's HTTP API for an instant vector and returns
// its samples by the value of label (or "" for a single unlabelled one).
func promQuery(t *testing.T, api, q, label string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(api + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Data   struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("query %s: %v", q, err)
	}
	if body.Status != "success" {
		t.Fatalf("query %s: %s", q, body.Error)
	}
	out := map[string]float64{}
	for _, r := range body.Data.Result {
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("query %s: value %v", q, r.Value)
		}
		out[r.Metric[label]] = v
	}
	return out
}

// TestPrometheusScrapesServe runs a real Prometheus (Debian's package)
// against byok serve, with the proxy token as its bearer token, and
// compares what its HTTP API answers with byok usage --json and byok
// budget list --json.
func TestPrometheusScrapesServe(t *testing.T) {
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		t.Skip("prometheus is not installed (apt-get install prometheus; CI installs it): skipping the scrape test")
	}
	up := newFakeOpenAI(t, "sk-fake-good-key-0123456789abcd")
	c := newCLI(t, fakeConfig(up.srv.URL))
	t.Setenv("BYOK_PASSPHRASE", "correct horse battery staple")
	c.ok("", "pricing", "set", "fakeai/gpt-4o-mini", "--input", "0.15", "--output", "0.6", "--cache-read", "0.075")
	c.ok("sk-fake-good-key-0123456789abcd\n", "keys", "add", "fakeai", "--label", "work")
	for range 3 {
		c.ok("", "prompt", "-m", "fakeai/gpt-4o-mini", "say hello")
	}
	c.ok("", "spend", "add", "openai", "2.50", "--note", "playground")
	c.ok("", "budget", "set", "all", "10")
	c.ok("", "budget", "set", "provider:fakeai", "0.001", "--hard")
	token := strings.TrimSpace(c.ok("", "proxy", "token"))

	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan result, 1)
	go func() {
		var out, errb strings.Builder
		code := run(ctx, []string{"serve", "--addr", addr}, &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: &out, Err: &errb}})
		served <- result{code, out.String(), errb.String()}
	}()
	t.Cleanup(func() {
		cancel()
		if r := <-served; r.code != 0 {
			t.Errorf("byok serve: exit %d: %s", r.code, r.err)
		}
	})
	// The endpoint refuses a scrape without the token.
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("/metrics without the token: %s, want 401", resp.Status)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("byok serve did not listen: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(token), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
scrape_configs:
  - job_name: byok
    authorization:
      type: Bearer
      credentials_file: %s
    static_configs:
      - targets: ["%s"]
`, tokenFile, addr)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	web := freeAddr(t)
	log, err := os.Create(filepath.Join(dir, "prometheus.log"))
	if err != nil {
		t.Fatal(err)
	}
	prom := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+web)
	prom.Stdout, prom.Stderr = log, log
	if err := prom.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = prom.Process.Kill(); _ = prom.Wait() })
	api := "http://" + web

	// Wait for a successful scrape of every series.
	deadline = time.Now().Add(60 * time.Second)
	for {
		upv := map[string]float64{}
		if resp, err := http.Get(api + "/-/ready"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				upv = promQuery(t, api, `up{job="byok"}`, "job")
			}
		}
		if upv["byok"] == 1 && len(promQuery(t, api, `byok_budget_used_ratio`, "scope")) == 2 {
			break
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "prometheus.log"))
			t.Fatalf("Prometheus did not scrape byok serve (up=%v): %s", upv, b)
		}
		time.Sleep(200 * time.Millisecond)
	}

	var usage []usageRow
	if err := json.Unmarshal([]byte(c.ok("", "usage", "--json", "--by", "provider")), &usage); err != nil {
		t.Fatal(err)
	}
	cost := promQuery(t, api, `sum by (provider) (byok_cost_usd_total)`, "provider")
	reqs := promQuery(t, api, `sum by (provider) (byok_requests_total)`, "provider")
	input := promQuery(t, api, `sum by (provider) (byok_tokens_total{type="input"})`, "provider")
	cached := promQuery(t, api, `sum by (provider) (byok_tokens_total{type="cache_read"})`, "provider")
	output := promQuery(t, api, `sum by (provider) (byok_tokens_total{type="output"})`, "provider")
	if len(usage) != 2 || len(cost) != 2 {
		t.Fatalf("usage %+v, Prometheus cost %v: want fakeai and openai in both", usage, cost)
	}
	for _, u := range usage {
		want, err := strconv.ParseFloat(u.CostUSD, 64)
		if err != nil {
			t.Fatal(err)
		}
		if want == 0 || math.Abs(cost[u.Group]-want) > 1e-9 {
			t.Errorf("%s: Prometheus says $%v, byok usage says $%s", u.Group, cost[u.Group], u.CostUSD)
		}
		if reqs[u.Group] != float64(u.Requests) || input[u.Group] != float64(u.InputTokens) ||
			cached[u.Group] != float64(u.CacheReadTokens) || output[u.Group] != float64(u.OutputTokens) {
			t.Errorf("%s: Prometheus requests %v input %v cached %v output %v; byok usage %+v", u.Group,
				reqs[u.Group], input[u.Group], cached[u.Group], output[u.Group], u)
		}
	}
	byKey := promQuery(t, api, `sum by (key) (byok_requests_total{provider="fakeai"})`, "key")
	if byKey["fakeai/work"] != 3 {
		t.Errorf("requests by key: %v, want 3 for fakeai/work", byKey)
	}

	var budgets []struct {
		Scope    string `json:"scope"`
		LimitUSD string `json:"limit_usd"`
		SpentUSD string `json:"spent_usd"`
	}
	if err := json.Unmarshal([]byte(c.ok("", "budget", "list", "--json")), &budgets); err != nil {
		t.Fatal(err)
	}
	limit := promQuery(t, api, `byok_budget_limit_usd`, "scope")
	spent := promQuery(t, api, `byok_budget_spent_usd`, "scope")
	ratio := promQuery(t, api, `byok_budget_used_ratio`, "scope")
	for _, b := range budgets {
		l, _ := strconv.ParseFloat(b.LimitUSD, 64)
		s, _ := strconv.ParseFloat(b.SpentUSD, 64)
		if limit[b.Scope] != l || math.Abs(spent[b.Scope]-s) > 1e-9 || math.Abs(ratio[b.Scope]-s/l) > 1e-9 {
			t.Errorf("budget %s: Prometheus limit %v spent %v ratio %v; byok budget list %+v", b.Scope, limit[b.Scope], spent[b.Scope], ratio[b.Scope], b)
		}
	}
	if ratio["provider:fakeai"] <= 1 {
		t.Errorf("the fakeai budget is over its limit, ratio %v", ratio["provider:fakeai"])
	}
	alerts := promQuery(t, api, `sum(byok_alerts_total{kind="threshold"})`, "")
	if alerts[""] < 1 {
		t.Errorf("alerts raised: %v, want the fakeai budget's thresholds", alerts)
	}
}
