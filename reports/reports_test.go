package reports

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/providers"
)

// Obviously fake credentials.
const (
	fakeAdmin = "sk-admin-FAKE0000000000000000test"
	fakeAnt   = "sk-ant-admin01-FAKE00000000000000test"
)

// fetch reads the reports of the UTC days [from, to) and the key list,
// as a reconcile of those days does.
func fetch(ctx context.Context, spec providers.Spec, secret string, from, to time.Time, opt Options) (Report, error) {
	rep, err := FetchDays(ctx, spec, secret, from, to, opt)
	if err != nil {
		return rep, err
	}
	rep.Keys, err = FetchKeys(ctx, spec, secret, opt)
	return rep, err
}

// fakeServer serves handlers by path and records what was asked.
type fakeServer struct {
	*httptest.Server
	mu    sync.Mutex
	asked []*url.URL
}

func newFake(t *testing.T, routes map[string]http.HandlerFunc) *fakeServer {
	f := &fakeServer{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.asked = append(f.asked, r.URL)
		f.mu.Unlock()
		h, ok := routes[r.URL.Path]
		if !ok {
			http.Error(w, `{"error":{"message":"no route","type":"invalid_request_error"}}`, http.StatusNotFound)
			return
		}
		h(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeServer) count(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, u := range f.asked {
		if u.Path == path {
			n++
		}
	}
	return n
}

func noWait(waits *[]time.Duration) Options {
	var mu sync.Mutex
	return Options{Sleep: func(_ context.Context, d time.Duration) error {
		mu.Lock()
		*waits = append(*waits, d)
		mu.Unlock()
		return nil
	}}
}

// arrayParam reads an array query parameter written either as repeated
// name=… or as name[]=…, both seen in clients of these APIs.
func arrayParam(q url.Values, name string) []string {
	return append(append([]string{}, q[name]...), q[name+"[]"]...)
}

func jsonReply(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprint(w, body)
}

var (
	dec1 = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	dec2 = dec1.AddDate(0, 0, 1)
	dec3 = dec1.AddDate(0, 0, 2)
)

// openAIRoutes speaks OpenAI's documented Administration API: the costs
// report in two pages (the second reached by next_page) with an empty
// bucket, usage grouped by key and model with a null api_key_id, and one
// project with one key.
func openAIRoutes(t *testing.T, usageGroups *[]string) map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"/v1/organization/costs": func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+fakeAdmin {
				w.WriteHeader(http.StatusUnauthorized)
				jsonReply(w, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`)
				return
			}
			q := r.URL.Query()
			if q.Get("bucket_width") != "1d" || q.Get("start_time") != fmt.Sprint(dec1.Unix()) || q.Get("end_time") != fmt.Sprint(dec3.Unix()) {
				t.Errorf("costs asked %s", r.URL.RawQuery)
			}
			if g := strings.Join(arrayParam(q, "group_by"), ","); g != "line_item,api_key_id" {
				t.Errorf("costs grouped by %s, want line_item and api_key_id (money per key)", g)
			}
			if q.Get("page") == "" {
				jsonReply(w, fmt.Sprintf(`{"object":"page","data":[{"object":"bucket","start_time":%d,"end_time":%d,"results":[
					{"object":"organization.costs.result","amount":{"value":0.1234567891,"currency":"usd"},"line_item":"gpt-4o-mini, input","project_id":null,"api_key_id":"key_abc"},
					{"object":"organization.costs.result","amount":{"value":1.5e-05,"currency":"usd"},"line_item":"gpt-4o-mini, output","project_id":null,"api_key_id":null}]}],
					"has_more":true,"next_page":"page_AAA"}`, dec1.Unix(), dec2.Unix()))
				return
			}
			if q.Get("page") != "page_AAA" {
				t.Errorf("second page asked with %q", q.Get("page"))
			}
			jsonReply(w, fmt.Sprintf(`{"object":"page","data":[{"object":"bucket","start_time":%d,"end_time":%d,"results":[]}],"has_more":false,"next_page":null}`, dec2.Unix(), dec3.Unix()))
		},
		"/v1/organization/usage/completions": func(w http.ResponseWriter, r *http.Request) {
			*usageGroups = arrayParam(r.URL.Query(), "group_by")
			jsonReply(w, fmt.Sprintf(`{"object":"page","data":[{"object":"bucket","start_time":%d,"end_time":%d,"results":[
				{"object":"organization.usage.completions.result","input_tokens":1000,"input_cached_tokens":200,"output_tokens":50,"input_audio_tokens":0,"output_audio_tokens":0,"num_model_requests":7,"project_id":null,"user_id":null,"api_key_id":"key_abc","model":"gpt-4o-mini-2024-07-18","batch":null},
				{"object":"organization.usage.completions.result","input_tokens":10,"input_cached_tokens":0,"output_tokens":5,"num_model_requests":1,"api_key_id":null,"model":"gpt-4o-mini-2024-07-18"}]},
				{"object":"bucket","start_time":%d,"end_time":%d,"results":[]}],"has_more":false,"next_page":null}`, dec1.Unix(), dec2.Unix(), dec2.Unix(), dec3.Unix()))
		},
		"/v1/organization/usage/embeddings": func(w http.ResponseWriter, r *http.Request) {
			jsonReply(w, `{"object":"page","data":[],"has_more":false,"next_page":null}`)
		},
		"/v1/organization/usage/images": func(w http.ResponseWriter, r *http.Request) {
			if g := strings.Join(arrayParam(r.URL.Query(), "group_by"), ","); g != "api_key_id,model,size" {
				t.Errorf("images usage grouped by %s", g)
			}
			jsonReply(w, fmt.Sprintf(`{"object":"page","data":[{"object":"bucket","start_time":%d,"end_time":%d,"results":[
				{"object":"organization.usage.images.result","images":3,"num_model_requests":2,"size":"1024x1024","source":null,"project_id":null,"user_id":null,"api_key_id":"key_abc","model":"dall-e-3"}]}],"has_more":false,"next_page":null}`, dec1.Unix(), dec2.Unix()))
		},
		"/v1/organization/usage/audio_speeches": func(w http.ResponseWriter, r *http.Request) {
			jsonReply(w, fmt.Sprintf(`{"object":"page","data":[{"object":"bucket","start_time":%d,"end_time":%d,"results":[
				{"object":"organization.usage.audio_speeches.result","characters":1200,"num_model_requests":4,"project_id":null,"user_id":null,"api_key_id":"key_abc","model":"tts-1"}]}],"has_more":false,"next_page":null}`, dec1.Unix(), dec2.Unix()))
		},
		"/v1/organization/usage/audio_transcriptions": func(w http.ResponseWriter, r *http.Request) {
			jsonReply(w, fmt.Sprintf(`{"object":"page","data":[{"object":"bucket","start_time":%d,"end_time":%d,"results":[
				{"object":"organization.usage.audio_transcriptions.result","seconds":95,"num_model_requests":1,"project_id":null,"user_id":null,"api_key_id":null,"model":"whisper-1"}]}],"has_more":false,"next_page":null}`, dec2.Unix(), dec3.Unix()))
		},
		"/v1/organization/projects": func(w http.ResponseWriter, r *http.Request) {
			jsonReply(w, `{"object":"list","data":[{"id":"proj_1","object":"organization.project","name":"Default project","status":"active"}],"first_id":"proj_1","last_id":"proj_1","has_more":false}`)
		},
		"/v1/organization/projects/proj_1/api_keys": func(w http.ResponseWriter, r *http.Request) {
			jsonReply(w, `{"object":"list","data":[{"object":"organization.project.api_key","redacted_value":"sk-abc...wxyz","name":"work","created_at":1730000000,"id":"key_abc"}],"first_id":"key_abc","last_id":"key_abc","has_more":false}`)
		},
	}
}

func TestOpenAIReport(t *testing.T) {
	var groups []string
	srv := newFake(t, openAIRoutes(t, &groups))
	spec := providers.Spec{ID: "openai", Name: "OpenAI", BaseURL: srv.URL + "/v1"}
	rep, err := fetch(context.Background(), spec, fakeAdmin, dec1, dec3, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if srv.count("/v1/organization/costs") != 2 {
		t.Fatalf("costs pages asked %d times, want 2 (next_page followed)", srv.count("/v1/organization/costs"))
	}
	if strings.Join(groups, ",") != "api_key_id,model" {
		t.Fatalf("usage grouped by %v", groups)
	}
	var total money.USD
	for _, r := range rep.Costs {
		if !r.Day.Equal(dec1) {
			t.Errorf("cost row on %s", r.Day)
		}
		total += r.Cost
	}
	if want := money.USD(123_456_789 + 15_000); total != want {
		t.Fatalf("costs sum to %d nano-dollars, want %d", total, want)
	}
	if rep.Costs[0].KeyID != "key_abc" || rep.Costs[1].KeyID != "" {
		t.Fatalf("cost rows by key: %q and %q, want key_abc and none (null)", rep.Costs[0].KeyID, rep.Costs[1].KeyID)
	}
	if len(rep.Usage) != 5 || rep.Usage[0].KeyID != "key_abc" || rep.Usage[0].Requests != 7 || rep.Usage[0].InputTokens != 800 || rep.Usage[0].CacheReadTokens != 200 {
		t.Fatalf("usage rows %+v", rep.Usage)
	}
	if rep.Usage[1].KeyID != "" || rep.Usage[1].Requests != 1 {
		t.Fatalf("a null api_key_id row reads %+v", rep.Usage[1])
	}
	img, speech, tr := rep.Usage[2], rep.Usage[3], rep.Usage[4]
	if img.LineItem != "images 1024x1024" || img.Images != 3 || img.Requests != 2 || img.KeyID != "key_abc" || img.Model != "dall-e-3" {
		t.Fatalf("images usage reads %+v", img)
	}
	if speech.LineItem != "audio_speeches" || speech.Characters != 1200 || speech.Requests != 4 || speech.Model != "tts-1" {
		t.Fatalf("speech usage reads %+v", speech)
	}
	if tr.LineItem != "audio_transcriptions" || tr.Seconds != 95 || tr.KeyID != "" || !tr.Day.Equal(dec2) {
		t.Fatalf("transcription usage reads %+v", tr)
	}
	if len(rep.Keys) != 1 || rep.Keys[0].ID != "key_abc" || rep.Keys[0].Last4() != "wxyz" {
		t.Fatalf("keys %+v", rep.Keys)
	}
}

func TestOpenAIRefusesAnOrdinaryKey(t *testing.T) {
	var groups []string
	routes := openAIRoutes(t, &groups)
	routes["/v1/organization/projects"] = func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		jsonReply(w, `{"error":{"message":"You have insufficient permissions for this operation. Missing scopes: api.management.read.","type":"invalid_request_error","param":null,"code":null}}`)
	}
	srv := newFake(t, routes)
	spec := providers.Spec{ID: "openai", Name: "OpenAI", BaseURL: srv.URL + "/v1"}
	err := CheckAdmin(context.Background(), spec, "sk-proj-FAKE000000000000000test", Options{})
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Class != providers.ClassAuth || pe.Status != http.StatusForbidden {
		t.Fatalf("CheckAdmin with a project key: %v", err)
	}
	if !strings.Contains(err.Error(), "not an OpenAI admin key") || strings.Contains(err.Error(), "FAKE000000000000000test") {
		t.Fatalf("the refusal reads %q", err)
	}
	if _, err := fetch(context.Background(), spec, "sk-proj-FAKE000000000000000test", dec1, dec3, Options{}); !errors.As(err, &pe) || pe.Status != http.StatusUnauthorized {
		t.Fatalf("fetch with a wrong key: %v", err)
	}
}

func TestRateLimitWaitsForRetryAfter(t *testing.T) {
	var groups []string
	routes := openAIRoutes(t, &groups)
	var mu sync.Mutex
	limited := 2
	costs := routes["/v1/organization/costs"]
	routes["/v1/organization/costs"] = func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if limited > 0 {
			limited--
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			jsonReply(w, `{"error":{"message":"Rate limit reached for organization","type":"requests","code":"rate_limit_exceeded"}}`)
			return
		}
		costs(w, r)
	}
	srv := newFake(t, routes)
	var waits []time.Duration
	spec := providers.Spec{ID: "openai", Name: "OpenAI", BaseURL: srv.URL + "/v1"}
	if _, err := fetch(context.Background(), spec, fakeAdmin, dec1, dec3, noWait(&waits)); err != nil {
		t.Fatal(err)
	}
	if len(waits) != 2 || waits[0] != 7*time.Second || waits[1] != 7*time.Second {
		t.Fatalf("waited %v, want 7s twice (Retry-After)", waits)
	}
	// A limit that never lifts gives up after the retries, as a rate limit.
	limited = 100
	waits = nil
	opt := noWait(&waits)
	opt.Retries = 2
	_, err := fetch(context.Background(), spec, fakeAdmin, dec1, dec3, opt)
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Class != providers.ClassRateLimit || len(waits) != 2 {
		t.Fatalf("a lasting limit: %v after %d waits", err, len(waits))
	}
}

func anthropicRoutes(t *testing.T) map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"/v1/organizations/cost_report": func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("x-api-key") != fakeAnt || r.Header.Get("anthropic-version") == "" {
				w.WriteHeader(http.StatusUnauthorized)
				jsonReply(w, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`)
				return
			}
			q := r.URL.Query()
			if q.Get("starting_at") != "2026-12-01T00:00:00Z" || q.Get("ending_at") != "2026-12-03T00:00:00Z" {
				t.Errorf("cost_report asked %s", r.URL.RawQuery)
			}
			if q.Get("page") == "" {
				jsonReply(w, `{"data":[{"starting_at":"2026-12-01T00:00:00Z","ending_at":"2026-12-02T00:00:00Z","results":[
					{"currency":"USD","amount":"123.45","workspace_id":null,"description":"Claude Haiku 4.5 Usage - Input Tokens","cost_type":"tokens","context_window":"0-200k","model":"claude-haiku-4-5","service_tier":"standard","token_type":"uncached_input_tokens"},
					{"currency":"USD","amount":"0.0042","workspace_id":null,"description":"Claude Haiku 4.5 Usage - Output Tokens","cost_type":"tokens","context_window":"0-200k","model":"claude-haiku-4-5","service_tier":"standard","token_type":"output_tokens"}]}],
					"has_more":true,"next_page":"page_MjAyNi0xMi0wMlQwMDowMDowMFo="}`)
				return
			}
			jsonReply(w, `{"data":[{"starting_at":"2026-12-02T00:00:00Z","ending_at":"2026-12-03T00:00:00Z","results":[]}],"has_more":false,"next_page":null}`)
		},
		"/v1/organizations/usage_report/messages": func(w http.ResponseWriter, r *http.Request) {
			if g := strings.Join(arrayParam(r.URL.Query(), "group_by"), ","); g != "api_key_id,model" {
				t.Errorf("usage grouped by %q", g)
			}
			jsonReply(w, `{"data":[{"starting_at":"2026-12-01T00:00:00Z","ending_at":"2026-12-02T00:00:00Z","results":[
				{"uncached_input_tokens":1500,"cache_creation":{"ephemeral_1h_input_tokens":1000,"ephemeral_5m_input_tokens":500},"cache_read_input_tokens":200,"output_tokens":500,"server_tool_use":{"web_search_requests":0},"api_key_id":"apikey_01Rj","workspace_id":null,"model":"claude-haiku-4-5","service_tier":null,"context_window":null}]}],"has_more":false,"next_page":null}`)
		},
		"/v1/organizations/api_keys": func(w http.ResponseWriter, r *http.Request) {
			jsonReply(w, `{"data":[{"id":"apikey_01Rj","type":"api_key","name":"work","partial_key_hint":"sk-ant-api03-R2D...igAA","status":"active","workspace_id":null}],"has_more":false,"first_id":"apikey_01Rj","last_id":"apikey_01Rj"}`)
		},
	}
}

func TestAnthropicReport(t *testing.T) {
	srv := newFake(t, anthropicRoutes(t))
	spec := providers.Spec{ID: "anthropic", Name: "Anthropic", BaseURL: srv.URL}
	rep, err := fetch(context.Background(), spec, fakeAnt, dec1, dec3, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var total money.USD
	for _, r := range rep.Costs {
		total += r.Cost
	}
	// "123.45" cents is $1.2345; "0.0042" cents is $0.000042.
	if want := money.USD(1_234_500_000 + 42_000); total != want {
		t.Fatalf("costs sum to %d, want %d", total, want)
	}
	if len(rep.Usage) != 1 || rep.Usage[0].KeyID != "apikey_01Rj" || rep.Usage[0].CacheWriteTokens != 1500 || rep.Usage[0].HasRequests {
		t.Fatalf("usage %+v", rep.Usage)
	}
	if len(rep.Keys) != 1 || rep.Keys[0].Last4() != "igAA" {
		t.Fatalf("keys %+v", rep.Keys)
	}
}

func TestAnthropicIndividualAccount(t *testing.T) {
	refuse := func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusForbidden)
		jsonReply(w, `{"type":"error","error":{"type":"permission_error","message":"The Admin API is unavailable for individual accounts. To use it, set up your organization in Console."}}`)
	}
	srv := newFake(t, map[string]http.HandlerFunc{"/v1/organizations/cost_report": refuse, "/v1/organizations/api_keys": refuse})
	spec := providers.Spec{ID: "anthropic", Name: "Anthropic", BaseURL: srv.URL}
	for name, err := range map[string]error{
		"fetch": func() error { _, err := fetch(context.Background(), spec, fakeAnt, dec1, dec3, Options{}); return err }(),
		"check": CheckAdmin(context.Background(), spec, fakeAnt, Options{}),
	} {
		if err == nil || !strings.Contains(err.Error(), "not available to individual accounts") || !strings.Contains(err.Error(), "set up an organization") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestOpenRouterActivityAndBalances(t *testing.T) {
	srv := newFake(t, map[string]http.HandlerFunc{
		"/api/v1/activity": func(w http.ResponseWriter, r *http.Request) {
			jsonReply(w, `{"data":[
				{"date":"2026-11-30","model":"openai/gpt-4.1","model_permaslug":"openai/gpt-4.1-2025-04-14","endpoint_id":"e1","provider_name":"OpenAI","usage":9,"byok_usage_inference":0,"requests":1,"prompt_tokens":1,"completion_tokens":1,"reasoning_tokens":0},
				{"date":"2026-12-01","model":"openai/gpt-4.1","model_permaslug":"openai/gpt-4.1-2025-04-14","endpoint_id":"e1","provider_name":"OpenAI","usage":0.015,"byok_usage_inference":0.012,"requests":5,"prompt_tokens":50,"completion_tokens":125,"reasoning_tokens":25}]}`)
		},
		"/api/v1/credits": func(w http.ResponseWriter, r *http.Request) {
			jsonReply(w, `{"data":{"total_credits":100.5,"total_usage":25.75}}`)
		},
		"/api/v1/key": func(w http.ResponseWriter, r *http.Request) {
			jsonReply(w, `{"data":{"label":"sk-or-v1-au7...890","limit":100,"limit_remaining":74.5,"limit_reset":"monthly","usage":25.5,"usage_daily":1,"usage_weekly":2,"usage_monthly":3,"is_free_tier":false,"include_byok_in_limit":false,"expires_at":null}}`)
		},
		"/user/balance": func(w http.ResponseWriter, r *http.Request) {
			jsonReply(w, `{"is_available":true,"balance_infos":[{"currency":"CNY","total_balance":"70.00","granted_balance":"0.00","topped_up_balance":"70.00"},{"currency":"USD","total_balance":"110.00","granted_balance":"10.00","topped_up_balance":"100.00"}]}`)
		},
		"/v1/billing/teams/team-1/prepaid/balance": func(w http.ResponseWriter, r *http.Request) {
			jsonReply(w, `{"changes":[],"total":{"val":"-1234"}}`)
		},
	})
	or := providers.Spec{ID: "openrouter", Name: "OpenRouter", BaseURL: srv.URL + "/api/v1"}
	rep, err := fetch(context.Background(), or, "sk-or-v1-FAKEmanagement000test", dec1, dec3, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Costs) != 1 || rep.Costs[0].Cost != 15_000_000 || rep.Costs[0].Requests != 5 {
		t.Fatalf("activity rows %+v (the day before the range must be left out)", rep.Costs)
	}
	ctx := context.Background()
	tests := []struct {
		name  string
		spec  providers.Spec
		admin bool
		key   string
		want  Balance
	}{
		{"openrouter credits", or, true, "sk-or-v1-FAKE", Balance{What: "credits", Currency: "USD", Remaining: 74_750_000_000}},
		{"openrouter key limit", or, false, "sk-or-v1-FAKE", Balance{What: "key limit", Currency: "USD", Remaining: 74_500_000_000}},
		{"deepseek", providers.Spec{ID: "deepseek", Name: "DeepSeek", BaseURL: srv.URL + "/v1"}, false, "sk-FAKE", Balance{What: "balance", Currency: "USD", Remaining: 110 * money.Dollar}},
		{"xai", providers.Spec{ID: "xai", Name: "xAI", BaseURL: srv.URL}, true, `{"management_key":"xai-FAKE","team_id":"team-1"}`, Balance{What: "prepaid balance", Currency: "USD", Remaining: 12_340_000_000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := FetchBalance(ctx, tt.spec, tt.key, tt.admin, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if b.What != tt.want.What || b.Currency != tt.want.Currency || b.Remaining != tt.want.Remaining || !b.HasRemaining {
				t.Fatalf("balance %+v, want %+v", b, tt.want)
			}
		})
	}
	if _, err := FetchBalance(ctx, providers.Spec{ID: "groq", Name: "Groq"}, "gsk_FAKE", false, Options{}); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("groq balance: %v", err)
	}
}

// TestFetchGenerationBYOK: a BYOK generation's bill is OpenRouter's fee
// (total_cost) plus what the user's own provider key was charged
// (upstream_inference_cost), as a response's inline usage counts it.
func TestFetchGenerationBYOK(t *testing.T) {
	srv := newFake(t, map[string]http.HandlerFunc{
		"/api/v1/generation": func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Get("id") != "gen-42" {
				t.Errorf("asked for %q", r.URL.Query().Get("id"))
			}
			jsonReply(w, `{"data":{"id":"gen-42","total_cost":0.0001,"upstream_inference_cost":0.002,"is_byok":true,"model":"openai/gpt-4o","provider_name":"OpenAI"}}`)
		},
	})
	spec := providers.Spec{ID: "openrouter", Name: "OpenRouter", BaseURL: srv.URL + "/api/v1"}
	g, err := FetchGeneration(context.Background(), spec, "sk-or-v1-FAKE00000000test", "gen-42", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if g.Cost != 2100*money.Micro || !g.BYOK || g.Provider != "OpenAI" {
		t.Fatalf("generation %+v, want $0.0021 billed on the user's own key", g)
	}
}
