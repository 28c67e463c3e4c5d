package providers

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

const testBFLKey = "bfl-test-key-0123456789abcdef0123"

// fakeBFL serves Black Forest Labs' task API as documented: submit answers
// {id, polling_url, cost}, get_result answers Pending once and then final
// (with BASE replaced by the server's address), and the signed sample URL
// serves the image without a key. pollBase, when set, is put in the
// polling URL instead of the server's own address.
func fakeBFL(t *testing.T, final, pollBase string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var polls atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/v1/flux-pro-1.1":
			if r.Header.Get("x-key") != testBFLKey {
				w.WriteHeader(http.StatusForbidden)
				_, _ = io.WriteString(w, `{"detail":"Not authenticated - Invalid Authentication"}`)
				return
			}
			var body map[string]any
			_ = json.NewDecoder(r.Body).Decode(&body)
			if body["prompt"] != "a fox" || body["width"] != float64(1024) || body["height"] != float64(768) {
				w.WriteHeader(http.StatusUnprocessableEntity)
				_, _ = io.WriteString(w, `{"detail":[{"msg":"bad body"}]}`)
				return
			}
			pb := pollBase
			if pb == "" {
				pb = srv.URL
			}
			_, _ = io.WriteString(w, `{"id":"b9b172a8","polling_url":"`+pb+`/v1/get_result?id=b9b172a8","cost":4.0,"input_mp":0.0,"output_mp":0.79}`)
		case r.Method == http.MethodGet && r.URL.Path == "/v1/get_result":
			if r.Header.Get("x-key") != testBFLKey || r.URL.Query().Get("id") != "b9b172a8" {
				w.WriteHeader(http.StatusNotFound)
				_, _ = io.WriteString(w, `{"detail":"Task not found"}`)
				return
			}
			if polls.Add(1) < 2 {
				_, _ = io.WriteString(w, `{"id":"b9b172a8","status":"Pending","result":null,"progress":0.4}`)
				return
			}
			_, _ = io.WriteString(w, strings.ReplaceAll(final, "BASE", srv.URL))
		case r.URL.Path == "/sample.jpg":
			if r.Header.Get("x-key") != "" {
				t.Error("the key was sent to the signed delivery URL")
			}
			_, _ = w.Write([]byte("\xff\xd8\xff fake jpeg"))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &polls
}

// TestBFLImage: submit, poll until Ready, fetch the sample; the task is
// billed at the credits its answer states, whatever happens after.
func TestBFLImage(t *testing.T) {
	ready := `{"id":"b9b172a8","status":"Ready","result":{"sample":"BASE/sample.jpg","prompt":"a fox","seed":1,"start_time":1,"end_time":2,"duration":1}}`
	billed := Usage{Images: 1, ReportedCost: 40_000_000, CostReported: true} // 4 credits × $0.01
	req := ImageRequest{Model: "flux-pro-1.1", Prompt: "a fox", Size: "1024x768"}
	spec := func(srv *httptest.Server) Spec {
		return Spec{ID: "bfl", Name: "Black Forest Labs", Kind: KindBFL, BaseURL: srv.URL + "/v1"}
	}

	srv, polls := fakeBFL(t, ready, "")
	var seen []Poll
	withPolls := req
	withPolls.Poll = func(p Poll) { seen = append(seen, p) }
	imgs, res, err := GenerateImages(context.Background(), spec(srv), testBFLKey, Options{}, withPolls)
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 {
		t.Fatalf("told of %d polls, want 2", len(seen))
	}
	for _, p := range seen {
		if p.Name != "GET v1/get_result" || p.Err != nil || p.Result.Status != http.StatusOK || !p.Result.HasUsage || p.Result.Usage != (Usage{}) || p.Result.Latency <= 0 {
			t.Errorf("poll %+v", p)
		}
	}
	if len(imgs) != 1 || string(imgs[0].Data) != "\xff\xd8\xff fake jpeg" {
		t.Fatalf("images %+v", imgs)
	}
	if !res.HasUsage || res.Usage != billed || polls.Load() != 2 {
		t.Errorf("usage %+v (has %v) after %d polls; want %+v after 2", res.Usage, res.HasUsage, polls.Load(), billed)
	}

	srv, _ = fakeBFL(t, `{"id":"b9b172a8","status":"Content Moderated","result":null}`, "")
	_, res, err = GenerateImages(context.Background(), spec(srv), testBFLKey, Options{}, req)
	var pe *Error
	if !errors.As(err, &pe) || pe.Class != ClassBadRequest || !strings.Contains(pe.Message, "moderation") {
		t.Errorf("moderated: %v", err)
	}
	if res.Usage != billed {
		t.Errorf("a moderated task is still billed: usage %+v", res.Usage)
	}

	srv, polls = fakeBFL(t, ready, "https://collector.example.com")
	_, _, err = GenerateImages(context.Background(), spec(srv), testBFLKey, Options{}, req)
	if err == nil || !strings.Contains(err.Error(), "collector.example.com") || polls.Load() != 0 {
		t.Errorf("a polling URL off BFL: %v after %d polls", err, polls.Load())
	}

	srv, _ = fakeBFL(t, ready, "")
	_, _, err = GenerateImages(context.Background(), spec(srv), "bfl-wrong-key-000000000000000000", Options{}, req)
	if !errors.As(err, &pe) || pe.Class != ClassAuth || strings.Contains(err.Error(), "bfl-wrong-key") {
		t.Errorf("wrong key: %v", err)
	}
}

// TestNoBaseURL: a provider whose base URL is blank is refused before any
// request with the config key to set, by every adapter that takes its
// address from the spec, Black Forest Labs' image tasks included.
func TestNoBaseURL(t *testing.T) {
	const want = "has no base URL: set one in the config ([providers.%s] base_url)"
	for _, id := range []string{"openai", "groq", "anthropic", "google"} {
		spec := specAt(t, id, " / ")
		_, err := New(spec, testOpenAIKey, Options{})
		if err == nil || !strings.Contains(err.Error(), strings.ReplaceAll(want, "%s", id)) {
			t.Errorf("%s (%s API): %v", id, spec.Kind, err)
		}
	}
	req := ImageRequest{Model: "flux-pro-1.1", Prompt: "a fox"}
	for _, spec := range []Spec{
		{ID: "bfl", Name: "Black Forest Labs", Kind: KindBFL},
		{ID: "openai", Name: "OpenAI", Kind: KindOpenAI},
	} {
		_, _, err := GenerateImages(context.Background(), spec, testBFLKey, Options{}, req)
		if err == nil || !strings.Contains(err.Error(), strings.ReplaceAll(want, "%s", spec.ID)) {
			t.Errorf("%s images: %v", spec.ID, err)
		}
	}
}
