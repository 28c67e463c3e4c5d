package proxy_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"

	goaudio "github.com/go-audio/audio"
	"github.com/go-audio/wav"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/store"
)

const bflKey = "bfl-test-key-0123456789abcdef0123"

// wavFile writes milliseconds of 8 kHz mono silence with go-audio/wav.
func wavFile(t *testing.T, millis int) []byte {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "*.wav")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	enc := wav.NewEncoder(f, 8000, 16, 1, 1)
	samples := 8 * millis
	if err := enc.Write(&goaudio.IntBuffer{Format: &goaudio.Format{NumChannels: 1, SampleRate: 8000}, Data: make([]int, samples), SourceBitDepth: 16}); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(f.Name())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../providers/audio/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// form builds a multipart/form-data body as the OpenAI SDKs send it.
func form(t *testing.T, fields map[string]string, fileField, fileName string, file []byte) (string, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if fileField != "" {
		fw, err := w.CreateFormFile(fileField, fileName)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(file); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.String(), w.FormDataContentType()
}

type mediaCase struct {
	name        string
	path        string
	body        string
	contentType string
	// reply is the fake provider's answer.
	replyType string
	reply     []byte
	// upstreamModel is the model the provider must receive ("" to skip).
	upstreamModel string
	model         string
	cost          money.USD
	state         pricing.State
	in, out       int64
}

// TestMediaRequestsArePriced sends each media endpoint through the proxy
// to a fake provider answering in the documented shape, and checks the
// recorded cost against the published price worked out by hand.
func TestMediaRequestsArePriced(t *testing.T) {
	img := base64.StdEncoding.EncodeToString([]byte("\x89PNG fake"))
	editBody, editType := form(t, map[string]string{"model": "openai/gpt-image-1", "prompt": "make it blue", "size": "1024x1024", "quality": "low"},
		"image[]", "in.png", []byte("\x89PNG fake input"))
	wavBody, wavType := form(t, map[string]string{"model": "whisper-1", "response_format": "text"}, "file", "note.wav", wavFile(t, 3400))
	mp3Body, mp3Type := form(t, map[string]string{"model": "whisper-1", "response_format": "srt"}, "file", "tone.mp3", fixture(t, "tone.mp3"))
	flacBody, flacType := form(t, map[string]string{"model": "whisper-1", "response_format": "vtt"}, "file", "tone.flac", fixture(t, "tone.flac"))
	oggBody, oggType := form(t, map[string]string{"model": "whisper-1", "response_format": "text"}, "file", "tone.ogg", fixture(t, "tone.opus"))
	verboseBody, verboseType := form(t, map[string]string{"model": "whisper-1", "response_format": "verbose_json"}, "file", "tone.flac", fixture(t, "tone.flac"))
	m4aBody, m4aType := form(t, map[string]string{"model": "whisper-1", "response_format": "text"}, "file", "memo.m4a", fixture(t, "tone-fragmented.m4a"))
	webmBody, webmType := form(t, map[string]string{"model": "whisper-1", "response_format": "srt"}, "file", "memo.webm", fixture(t, "tone-live.webm"))
	// An M4A file cut before its movie box holds no length at all.
	cutBody, cutType := form(t, map[string]string{"model": "whisper-1", "response_format": "text"}, "file", "memo.m4a", fixture(t, "tone.m4a")[:600])
	tokBody, tokType := form(t, map[string]string{"model": "gpt-4o-transcribe"}, "file", "tone.mp3", fixture(t, "tone.mp3"))

	cases := []mediaCase{
		{name: "DALL·E 3 hd 1792x1024", path: "/v1/images/generations",
			body:      `{"model":"dall-e-3","prompt":"a lighthouse","size":"1792x1024","quality":"hd","n":1}`,
			replyType: "application/json", reply: []byte(`{"created":1713833628,"data":[{"url":"https://example.com/a.png","revised_prompt":"a lighthouse at dusk"}]}`),
			model: "dall-e-3", cost: 120_000_000, state: pricing.Computed}, // $0.12
		{name: "DALL·E 2 two default-size images", path: "/v1/images/generations",
			body:      `{"model":"dall-e-2","prompt":"a cat","n":2}`,
			replyType: "application/json", reply: []byte(`{"created":1713833628,"data":[{"b64_json":"` + img + `"},{"b64_json":"` + img + `"}]}`),
			model: "dall-e-2", cost: 40_000_000, state: pricing.Computed}, // 2 × $0.02 at 1024x1024
		{name: "gpt-image-1 by its token usage", path: "/v1/images/generations",
			body:      `{"model":"gpt-image-1","prompt":"a lighthouse","size":"1024x1024","quality":"high"}`,
			replyType: "application/json",
			reply: []byte(`{"created":1713833628,"data":[{"b64_json":"` + img + `"}],"size":"1024x1024","quality":"high","output_format":"png",
				"usage":{"total_tokens":4210,"input_tokens":50,"output_tokens":4160,"input_tokens_details":{"text_tokens":10,"image_tokens":40}}}`),
			model: "gpt-image-1", in: 50, out: 4160,
			cost: 166_850_000, state: pricing.Computed}, // 10 × $5/M + 40 × $10/M + 4160 × $40/M
		{name: "gpt-image-1 edit, multipart, provider-prefixed model", path: "/v1/images/edits",
			body: editBody, contentType: editType, upstreamModel: "gpt-image-1",
			replyType: "application/json",
			reply: []byte(`{"created":1713833628,"data":[{"b64_json":"` + img + `"}],
				"usage":{"total_tokens":600,"input_tokens":340,"output_tokens":272,"input_tokens_details":{"text_tokens":17,"image_tokens":323}}}`),
			model: "gpt-image-1", in: 340, out: 272,
			cost: 14_195_000, state: pricing.Computed}, // 17 × $5/M + 323 × $10/M + 272 × $40/M
		{name: "whisper-1 text reply, WAV upload timed", path: "/v1/audio/transcriptions",
			body: wavBody, contentType: wavType, replyType: "text/plain; charset=utf-8", reply: []byte("hello there\n"),
			model: "whisper-1", cost: 300_000, state: pricing.Computed}, // 3.4 s → 3 s × $0.0001
		{name: "whisper-1 srt reply, MP3 upload timed", path: "/v1/audio/transcriptions",
			body: mp3Body, contentType: mp3Type, replyType: "text/plain", reply: []byte("1\n00:00:00,000 --> 00:00:02,500\nhello\n"),
			model: "whisper-1", cost: 300_000, state: pricing.Computed}, // 2.5 s (+ MP3 padding) → 3 s
		{name: "whisper-1 vtt reply, FLAC upload timed", path: "/v1/audio/transcriptions",
			body: flacBody, contentType: flacType, replyType: "text/vtt", reply: []byte("WEBVTT\n\n00:00.000 --> 00:02.500\nhello\n"),
			model: "whisper-1", cost: 300_000, state: pricing.Computed}, // 2.5 s → 3 s (nearest, half up)
		{name: "whisper-1 text reply, Ogg Opus upload timed", path: "/v1/audio/transcriptions",
			body: oggBody, contentType: oggType, replyType: "text/plain", reply: []byte("hello\n"),
			model: "whisper-1", cost: 300_000, state: pricing.Computed},
		{name: "whisper-1 verbose_json: the reply's duration wins", path: "/v1/audio/transcriptions",
			body: verboseBody, contentType: verboseType, replyType: "application/json",
			reply: []byte(`{"task":"transcribe","language":"english","duration":9.6,"text":"hello","segments":[],"usage":{"type":"duration","seconds":10}}`),
			model: "whisper-1", cost: 1_000_000, state: pricing.Computed}, // 10 s × $0.0001
		{name: "whisper-1 text reply, fragmented M4A upload timed", path: "/v1/audio/transcriptions",
			body: m4aBody, contentType: m4aType, replyType: "text/plain", reply: []byte("hello\n"),
			model: "whisper-1", cost: 300_000, state: pricing.Computed}, // 2.56 s → 3 s
		{name: "whisper-1 srt reply, WebM recorded live timed", path: "/v1/audio/transcriptions",
			body: webmBody, contentType: webmType, replyType: "text/plain", reply: []byte("1\n00:00:00,000 --> 00:00:02,500\nhello\n"),
			model: "whisper-1", cost: 300_000, state: pricing.Computed}, // 2.52 s → 3 s
		{name: "whisper-1 with an upload byok cannot time: unpriced", path: "/v1/audio/transcriptions",
			body: cutBody, contentType: cutType, replyType: "text/plain", reply: []byte("hello\n"),
			model: "whisper-1", cost: 0, state: pricing.Unpriced},
		{name: "gpt-4o-transcribe by its token usage", path: "/v1/audio/transcriptions",
			body: tokBody, contentType: tokType, replyType: "application/json",
			reply: []byte(`{"text":"hello","usage":{"type":"tokens","input_tokens":14,"input_token_details":{"text_tokens":0,"audio_tokens":14},"output_tokens":45,"total_tokens":59}}`),
			model: "gpt-4o-transcribe", in: 14, out: 45, cost: 485_000, state: pricing.Computed}, // 14 × $2.50/M + 45 × $10/M
		{name: "tts-1 per character of the input", path: "/v1/audio/speech",
			body:      `{"model":"tts-1","input":"Hello, world — ça va?","voice":"alloy"}`,
			replyType: "audio/mpeg", reply: fixture(t, "tone.mp3"),
			model: "tts-1", cost: 315_000, state: pricing.Computed}, // 21 characters × $15/M
		{name: "gpt-4o-mini-tts WAV reply: per second, estimated", path: "/v1/audio/speech",
			body:      `{"model":"gpt-4o-mini-tts","input":"Hello","voice":"coral","response_format":"wav"}`,
			replyType: "audio/wav", reply: wavFile(t, 4000),
			model: "gpt-4o-mini-tts", cost: 1_000_000, state: pricing.Estimated}, // 4 s × $0.00025
		{name: "gpt-4o-mini-tts PCM reply: per second, estimated", path: "/v1/audio/speech",
			body:      `{"model":"gpt-4o-mini-tts","input":"Hello","voice":"coral","response_format":"pcm"}`,
			replyType: "application/octet-stream", reply: make([]byte, 48000*6),
			model: "gpt-4o-mini-tts", cost: 1_500_000, state: pricing.Estimated}, // 6 s of 24 kHz 16-bit mono × $0.00025
		{name: "gpt-4o-mini-tts SSE: its token usage", path: "/v1/audio/speech",
			body:      `{"model":"gpt-4o-mini-tts","input":"Hello","voice":"coral","stream_format":"sse"}`,
			replyType: "text/event-stream",
			reply: []byte("data: {\"type\":\"speech.audio.delta\",\"audio\":\"AAAA\"}\n\n" +
				"data: {\"type\":\"speech.audio.done\",\"usage\":{\"input_tokens\":14,\"output_tokens\":101,\"total_tokens\":115}}\n\n"),
			model: "gpt-4o-mini-tts", in: 14, out: 101, cost: 1_220_400, state: pricing.Computed}, // 14 × $0.60/M (OpenAI's page) + 101 × $12/M
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.upstream(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.replyType)
				_, _ = w.Write(tc.reply)
			})
			hdr := []string{}
			if tc.contentType != "" {
				hdr = append(hdr, "Content-Type", tc.contentType)
			}
			resp, body := e.do(e.request("POST", tc.path, tc.body, hdr...))
			if resp.StatusCode != 200 || body != string(tc.reply) {
				t.Fatalf("status %d, body %.200q", resp.StatusCode, body)
			}
			call := e.lastCall()
			if call.Header.Get("Authorization") != "Bearer "+openaiKey {
				t.Errorf("the provider got Authorization %q", call.Header.Get("Authorization"))
			}
			if tc.upstreamModel != "" {
				r, _ := http.NewRequest("POST", "/", strings.NewReader(call.Body))
				r.Header.Set("Content-Type", call.Header.Get("Content-Type"))
				if err := r.ParseMultipartForm(1 << 20); err != nil {
					t.Fatalf("the provider got a form it cannot read: %v", err)
				}
				if got := r.FormValue("model"); got != tc.upstreamModel {
					t.Errorf("the provider got model %q, want %q", got, tc.upstreamModel)
				}
				if f, _, err := r.FormFile("image[]"); err != nil {
					t.Errorf("the provider lost the uploaded image: %v", err)
				} else {
					b, _ := io.ReadAll(f)
					if string(b) != "\x89PNG fake input" {
						t.Errorf("the uploaded image changed on the way: %q", b)
					}
				}
			}
			ev := e.waitEvents(1)[0]
			if ev.Model != tc.model || ev.Cost != tc.cost || ev.CostState != tc.state || ev.Status != store.StatusOK ||
				ev.InputTokens != tc.in || ev.OutputTokens != tc.out {
				t.Errorf("recorded %s %s %s in=%d out=%d %s; want %s %s %s in=%d out=%d",
					ev.Model, ev.Cost, ev.CostState, ev.InputTokens, ev.OutputTokens, ev.Status,
					tc.model, tc.cost, tc.state, tc.in, tc.out)
			}
		})
	}
}

// TestBlackForestLabs: a FLUX task submitted through /p/bfl is priced per
// image (or at the credits the answer reports), the key goes in x-key,
// and its polls are recorded as free calls. /p/bfl stands for the base
// URL (https://api.bfl.ai/v1), so a client may name the path after it
// (/p/bfl/flux-pro-1.1) or repeat the base URL's /v1 as BFL's own URLs
// do: either reaches /v1/flux-pro-1.1, never /v1/v1/....
func TestBlackForestLabs(t *testing.T) {
	submit := `{"id":"b9b172a8-e39c-47b2-8f1a-cb8925f3532e","polling_url":"https://api.us1.bfl.ai/v1/get_result?id=b9b172a8"}`
	withCost := `{"id":"d5ba37dc","polling_url":"https://api.eu2.bfl.ai/v1/get_result?id=d5ba37dc","cost":6.0,"input_mp":0.0,"output_mp":1.05}`
	poll := `{"id":"b9b172a8","status":"Ready","result":{"sample":"https://delivery.example/x.jpg","prompt":"a fox"}}`
	for _, tc := range []struct {
		name, method, path, body, reply string
		upstreamPath, upstreamQuery     string
		model                           string
		cost                            money.USD
		state                           pricing.State
	}{
		{"submit FLUX1.1 [pro]", "POST", "/p/bfl/flux-pro-1.1", `{"prompt":"a fox","width":1024,"height":768}`, submit,
			"/v1/flux-pro-1.1", "", "flux-pro-1.1", 40_000_000, pricing.Computed}, // $0.04 an image
		{"submit naming the base URL's /v1 too", "POST", "/p/bfl/v1/flux-pro-1.1", `{"prompt":"a fox","width":1024,"height":768}`, submit,
			"/v1/flux-pro-1.1", "", "flux-pro-1.1", 40_000_000, pricing.Computed},
		{"submit with the cost in credits", "POST", "/p/bfl/v1/flux-pro-1.1-ultra", `{"prompt":"a fox","aspect_ratio":"16:9"}`, withCost,
			"/v1/flux-pro-1.1-ultra", "", "flux-pro-1.1-ultra", 60_000_000, pricing.Reported}, // 6 credits × $0.01
		{"poll get_result", "GET", "/p/bfl/get_result?id=b9b172a8", "", poll,
			"/v1/get_result", "id=b9b172a8", "(GET get_result)", 0, pricing.Computed},
		{"poll get_result naming /v1", "GET", "/p/bfl/v1/get_result?id=b9b172a8", "", poll,
			"/v1/get_result", "id=b9b172a8", "(GET get_result)", 0, pricing.Computed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			spec, _ := e.app.Registry.Get("bfl")
			spec.BaseURL = e.up.URL + "/v1"
			e.app.Registry.Add(spec)
			if _, err := e.app.AddKey(context.Background(), "bfl", "work", bflKey, false); err != nil {
				t.Fatal(err)
			}
			e.upstream(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, tc.reply) })
			resp, body := e.do(e.request(tc.method, tc.path, tc.body, "Authorization", "", "X-Key", e.token))
			if resp.StatusCode != 200 || body != tc.reply {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			call := e.lastCall()
			if call.Method != tc.method || call.Path != tc.upstreamPath || call.Query != tc.upstreamQuery {
				t.Errorf("the provider got %s %s?%s, want %s %s?%s", call.Method, call.Path, call.Query, tc.method, tc.upstreamPath, tc.upstreamQuery)
			}
			if call.Header.Get("X-Key") != bflKey || call.Header.Get("Authorization") != "" {
				t.Errorf("the provider got x-key %q and Authorization %q", call.Header.Get("X-Key"), call.Header.Get("Authorization"))
			}
			ev := e.waitEvents(1)[0]
			if ev.Provider != "bfl" || ev.Model != tc.model || ev.Cost != tc.cost || ev.CostState != tc.state || ev.Status != store.StatusOK {
				t.Errorf("recorded %s/%s %s %s %s; want bfl/%s %s %s", ev.Provider, ev.Model, ev.Cost, ev.CostState, ev.Status, tc.model, tc.cost, tc.state)
			}
		})
	}
}

// TestBFLKeyCheck checks a key with BFL's credits endpoint: x-key, and an
// empty account is told apart.
func TestBFLKeyCheck(t *testing.T) {
	e := newEnv(t)
	spec, _ := e.app.Registry.Get("bfl")
	spec.BaseURL = e.up.URL + "/v1"
	for _, tc := range []struct {
		reply string
		class providers.Class
	}{
		{`{"credits": 1250.5}`, ""},
		{`{"credits": 0}`, providers.ClassCredit},
	} {
		e.upstream(func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, tc.reply) })
		err := providers.CheckKey(context.Background(), spec, bflKey, providers.Options{})
		call := e.lastCall()
		if call.Path != "/v1/credits" || call.Header.Get("X-Key") != bflKey {
			t.Errorf("key check asked %s with x-key %q", call.Path, call.Header.Get("X-Key"))
		}
		var pe *providers.Error
		switch {
		case tc.class == "" && err != nil:
			t.Errorf("%s: %v", tc.reply, err)
		case tc.class != "" && (!errors.As(err, &pe) || pe.Class != tc.class):
			t.Errorf("%s: got %v, want class %s", tc.reply, err, tc.class)
		}
	}
}
