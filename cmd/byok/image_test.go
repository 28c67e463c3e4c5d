package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/store"
)

// TestPromptImage makes images with byok prompt --image against a fake
// OpenAI Images API: DALL·E 3 is priced per image by size and quality,
// gpt-image-1 by the tokens its reply reports; the images are written as
// files and the request is in the log with its cost.
func TestPromptImage(t *testing.T) {
	png := append([]byte("\x89PNG\r\n\x1a\n"), []byte("fake image body")...)
	b64 := base64.StdEncoding.EncodeToString(png)
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		got = nil
		_ = json.Unmarshal(body, &got)
		if r.URL.Path != "/v1/images/generations" || r.Header.Get("Authorization") != "Bearer sk-fake-images-key-000011112222" {
			http.Error(w, `{"error":{"message":"wrong path or key","type":"invalid_request_error"}}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch got["model"] {
		case "dall-e-3":
			fmt.Fprintf(w, `{"created":1713833628,"data":[{"b64_json":%q,"revised_prompt":"a lighthouse at dusk, oil"}]}`, b64)
		default:
			fmt.Fprintf(w, `{"created":1713833628,"data":[{"b64_json":%q}],"size":"1024x1024","quality":"low","output_format":"png",
				"usage":{"total_tokens":322,"input_tokens":50,"output_tokens":272,"input_tokens_details":{"text_tokens":50,"image_tokens":0}}}`, b64)
		}
	}))
	t.Cleanup(srv.Close)
	c := newCLI(t, fmt.Sprintf("[providers.openai]\nbase_url = %q\n", srv.URL+"/v1"))
	t.Setenv("OPENAI_API_KEY", "sk-fake-images-key-000011112222")
	dir := t.TempDir()

	r := c.run("", "prompt", "-m", "openai/dall-e-3", "--image", "--size", "1792x1024", "--quality", "hd", "--out", dir, "a lighthouse")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.err)
	}
	if got["response_format"] != "b64_json" || got["size"] != "1792x1024" || got["quality"] != "hd" {
		t.Errorf("the provider got %v", got)
	}
	file := strings.TrimSpace(r.out)
	if b, err := os.ReadFile(file); err != nil || string(b) != string(png) || !strings.HasSuffix(file, ".png") {
		t.Errorf("the image file %q: %v", file, err)
	}
	if !strings.Contains(r.err, "1 image 1792x1024 hd") || !strings.Contains(r.err, "$0.12 computed") || !strings.Contains(r.err, "up to $0.12") {
		t.Errorf("the summary: %q", r.err)
	}

	var j struct {
		Files     []string `json:"files"`
		CostUSD   string   `json:"cost_usd"`
		CostState string   `json:"cost_state"`
		Input     int64    `json:"input_tokens"`
		Output    int64    `json:"output_tokens"`
	}
	out := c.ok("", "prompt", "-m", "openai/gpt-image-1", "--image", "--quality", "low", "--out", dir, "--json", "a lighthouse")
	if err := json.Unmarshal([]byte(out), &j); err != nil {
		t.Fatal(err)
	}
	// 50 text tokens × $5/M + 272 image tokens × $40/M
	if j.CostUSD != "0.01113" || j.CostState != "computed" || j.Input != 50 || j.Output != 272 || len(j.Files) != 1 {
		t.Errorf("gpt-image-1: %+v", j)
	}
	if _, has := got["response_format"]; has {
		t.Errorf("gpt-image-1 was sent response_format, which it refuses: %v", got)
	}

	var rows []map[string]any
	if err := json.Unmarshal([]byte(c.ok("", "log", "--json")), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[1]["model"] != "dall-e-3" || rows[1]["cost_usd"] != "0.12" {
		t.Errorf("log: %v", rows)
	}
	for _, bad := range [][]string{
		{"prompt", "-m", "openai/dall-e-3", "--image", "--images", "0", "x"},
		{"prompt", "-m", "openai/dall-e-3", "--image", "--system", "s", "x"},
		{"prompt", "-m", "openai/dall-e-3", "--image", "--out", "/no/such/dir", "x"},
	} {
		if r := c.run("", bad...); r.code != exitUsage {
			t.Errorf("%v: exit %d, want %d", bad, r.code, exitUsage)
		}
	}
}

// TestPromptImageBFLPolls makes a FLUX image with byok prompt --image
// against a fake Black Forest Labs task API (submit, get_result Pending,
// then Ready, the signed sample): the task is recorded at the credits its
// submit answer states, and each poll as a free call on the same key, the
// name the proxy gives a poll it relays.
func TestPromptImageBFLPolls(t *testing.T) {
	const key = "bfl-fake-prompt-key-00001111222233"
	jpeg := []byte("\xff\xd8\xff fake jpeg")
	var polls atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/sample.jpg" && r.Header.Get("x-key") != key {
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `{"detail":"Not authenticated - Invalid Authentication"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v1/flux-pro-1.1":
			fmt.Fprintf(w, `{"id":"b9b172a8","polling_url":"%s/v1/get_result?id=b9b172a8","cost":4.0,"input_mp":0.0,"output_mp":0.79}`, srv.URL)
		case r.Method == http.MethodGet && r.URL.Path == "/v1/get_result":
			w.Header().Set("X-Request-Id", fmt.Sprintf("poll-%d", polls.Add(1)))
			if polls.Load() < 2 {
				_, _ = io.WriteString(w, `{"id":"b9b172a8","status":"Pending","result":null,"progress":0.4}`)
				return
			}
			fmt.Fprintf(w, `{"id":"b9b172a8","status":"Ready","result":{"sample":"%s/sample.jpg","prompt":"a fox"}}`, srv.URL)
		case r.URL.Path == "/sample.jpg":
			w.Header().Set("Content-Type", "image/jpeg")
			_, _ = w.Write(jpeg)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	c := newCLI(t, fmt.Sprintf("[providers.bfl]\nbase_url = %q\n", srv.URL+"/v1"))
	t.Setenv("BFL_API_KEY", key)
	dir := t.TempDir()
	r := c.run("", "prompt", "-m", "bfl/flux-pro-1.1", "--image", "--size", "1024x768", "--out", dir, "a fox")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.err)
	}
	if b, err := os.ReadFile(strings.TrimSpace(r.out)); err != nil || string(b) != string(jpeg) {
		t.Errorf("the image file %q: %v", r.out, err)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(c.ok("", "log", "--json")), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("log has %d requests, want the task and its 2 polls: %v", len(rows), rows)
	}
	var task map[string]any
	var polled []map[string]any
	for _, row := range rows {
		if row["model"] == "flux-pro-1.1" {
			task = row
		} else {
			polled = append(polled, row)
		}
	}
	if task == nil || task["cost_usd"] != "0.04" || task["cost_state"] != "reported" {
		t.Fatalf("the task (4 credits): %v", task)
	}
	for _, p := range polled {
		if p["model"] != "(GET v1/get_result)" || p["cost_usd"] != "0" || p["cost_state"] != "computed" ||
			p["status"] != "ok" || p["http_status"] != float64(200) || p["key"] != task["key"] {
			t.Errorf("a poll: %v", p)
		}
	}
}

// TestProxyLineNamesMedia: the proxy's request line says what a media
// request used instead of "0→0 tokens".
func TestProxyLineNamesMedia(t *testing.T) {
	at := time.Date(2026, 12, 6, 12, 8, 57, 0, time.UTC)
	for _, tc := range []struct {
		e    store.Event
		want string
	}{
		{store.Event{Time: at, Provider: "openai", Model: "whisper-1", Status: store.StatusOK, Cost: 700_000, CostState: pricing.Computed,
			Units: store.Units{AudioMillis: 7300}}, "openai/whisper-1 ok 7.3 s of audio $0.0007 (computed)"},
		{store.Event{Time: at, Provider: "openai", Model: "dall-e-3", Status: store.StatusOK, Cost: 120_000_000, CostState: pricing.Computed,
			Units: store.Units{Images: 1, ImageSize: "1024x1792", ImageQuality: "hd"}}, "openai/dall-e-3 ok 1 image 1024x1792 hd $0.12 (computed)"},
		{store.Event{Time: at, Provider: "openai", Model: "gpt-image-1", Status: store.StatusOK, InputTokens: 50, OutputTokens: 272, Cost: 11_130_000, CostState: pricing.Computed,
			Units: store.Units{Images: 2, OutputImage: 272}}, "2 images, 50→272 tokens $0.01113"},
		{store.Event{Time: at, Provider: "openai", Model: "tts-1", Status: store.StatusOK, Cost: 300_000, CostState: pricing.Computed,
			Units: store.Units{Characters: 20, AudioMillis: 2560}}, "2.56 s of audio, 20 characters $0.0003"},
		{store.Event{Time: at, Provider: "openai", Model: "gpt-4o", Status: store.StatusOK, InputTokens: 19, OutputTokens: 10, Cost: 1000, CostState: pricing.Computed},
			"openai/gpt-4o ok 19→10 tokens"},
	} {
		if got := proxyLogLine(tc.e, time.UTC); !strings.Contains(got, tc.want) {
			t.Errorf("got %q, want it to contain %q", got, tc.want)
		}
	}
}
