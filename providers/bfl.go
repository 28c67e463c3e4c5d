package providers

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"

	"github.com/byokhq/byok/redact"
)

// Black Forest Labs' image API is asynchronous: a task is submitted to
// /v1/<model>, which answers with its id and a polling URL; the URL is
// polled until the task is Ready, and the image is fetched from the signed
// URL the result names (valid for ten minutes).
const (
	bflPollEvery = 500 * time.Millisecond
	bflMaxWait   = 5 * time.Minute
	// maxImageBody bounds a fetched image.
	maxImageBody = 64 << 20
)

// generateBFL makes one image with Black Forest Labs. The task is billed
// once it is submitted: its usage (one image, and the credits when the
// answer states them) is set before polling, so a task that fails later
// is still recorded as billed.
func generateBFL(ctx context.Context, spec Spec, secret string, opt Options, req ImageRequest) ([]Image, Result, error) {
	redact.Register(secret)
	base, r, cancel, err := startImageRun(ctx, spec, opt, req)
	if err != nil {
		return nil, Result{}, err
	}
	defer cancel()
	client := httpClient(opt)
	payload := map[string]any{"prompt": req.Prompt}
	if w, h, ok := strings.Cut(strings.ToLower(req.Size), "x"); ok {
		wi, err1 := strconv.Atoi(w)
		hi, err2 := strconv.Atoi(h)
		if err1 != nil || err2 != nil {
			return nil, Result{}, fmt.Errorf("size %q: give WIDTHxHEIGHT in pixels, e.g. 1024x768", req.Size)
		}
		payload["width"], payload["height"] = wi, hi
	}
	body, _ := json.Marshal(payload)
	answer, _, err := bflDo(r, client, http.MethodPost, base+"/"+url.PathEscape(req.Model), secret, body)
	if err != nil {
		res, err := r.done(err)
		return nil, res, err
	}
	u, ok := BFLSubmit(answer)
	if !ok {
		res, err := r.done(fmt.Errorf("the task was not accepted: the answer names no task id"))
		return nil, res, err
	}
	r.setUsage(u)
	doc := gjson.ParseBytes(answer)
	poll := doc.Get("polling_url").Str
	if poll == "" {
		poll = base + "/get_result?id=" + url.QueryEscape(doc.Get("id").Str)
	}
	if err := bflSameService(base, poll); err != nil {
		res, _ := r.done(nil)
		return nil, res, err
	}
	pollName := http.MethodGet + " get_result"
	if pu, err := url.Parse(poll); err == nil {
		pollName = http.MethodGet + " " + strings.TrimPrefix(pu.Path, "/")
	}
	deadline := time.Now().Add(bflMaxWait)
	var sample string
	for sample == "" {
		select {
		case <-r.ctx.Done():
			res, err := r.done(r.ctx.Err())
			return nil, res, err
		case <-time.After(bflPollEvery):
		}
		sent := time.Now()
		got, meta, err := bflDo(r, client, http.MethodGet, poll, secret, nil)
		if req.Poll != nil {
			// A poll carries no usage: it is a free call, answered or not.
			req.Poll(Poll{Name: pollName, Err: err,
				Result: Result{Status: meta.status, RequestID: meta.requestID, Latency: time.Since(sent), HasUsage: true}})
		}
		if err != nil {
			res, err := r.done(err)
			return nil, res, err
		}
		res := gjson.ParseBytes(got)
		switch status := res.Get("status").Str; status {
		case "Ready":
			sample = res.Get("result.sample").Str
			if sample == "" {
				out, _ := r.done(nil)
				return nil, out, &Error{Class: ClassServer, Status: http.StatusOK, Provider: spec.ID, Message: "the task is ready but names no image to fetch"}
			}
		case "Pending", "Queued", "Processing", "":
			if time.Now().After(deadline) {
				out, _ := r.done(nil)
				return nil, out, &Error{Class: ClassTimeout, Provider: spec.ID,
					Message: fmt.Sprintf("the task was still %s after %s; it was billed: fetch it later from %s", strings.ToLower(cmp.Or(status, "pending")), bflMaxWait, redact.String(poll))}
			}
		case "Content Moderated", "Request Moderated":
			out, _ := r.done(nil)
			return nil, out, &Error{Class: ClassBadRequest, Status: http.StatusOK, Provider: spec.ID,
				Message: "the provider's moderation refused the image (" + status + "); reword the prompt"}
		default:
			out, _ := r.done(nil)
			return nil, out, &Error{Class: ClassServer, Status: http.StatusOK, Provider: spec.ID,
				Message: "the task ended with status " + strconv.Quote(status) + ": retry, or check the prompt"}
		}
	}
	// The signed URL carries its own authorisation: the key stays home.
	img, _, err := bflDo(r, client, http.MethodGet, sample, "", nil)
	if err != nil {
		res, err := r.done(err)
		return nil, res, err
	}
	r.mark()
	res, err := r.done(nil)
	return []Image{{Data: img, URL: sample}}, res, err
}

// bflMeta is what an answer of a task's request says about itself.
type bflMeta struct {
	status    int
	requestID string
}

// bflDo sends one request of a task and returns the body of a 2xx answer,
// and the answer's status and request id whatever it was.
func bflDo(r *run, client *http.Client, method, target, key string, body []byte) ([]byte, bflMeta, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(r.ctx, method, target, rd)
	if err != nil {
		return nil, bflMeta{}, fmt.Errorf("provider %s: build request: %w", r.spec.ID, redactedError(err))
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("x-key", key)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, bflMeta{}, transportError(r.spec.ID, r.ctx, err, r.started())
	}
	defer resp.Body.Close()
	meta := bflMeta{status: resp.StatusCode, requestID: requestIDOf(resp.Header, providerError{})}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxImageBody))
	if err != nil {
		return nil, meta, transportError(r.spec.ID, r.ctx, err, r.started())
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := newError(failure{provider: r.spec.ID, status: resp.StatusCode, header: resp.Header, body: b, model: r.req.Model})
		meta.requestID = cmp.Or(meta.requestID, e.RequestID)
		return nil, meta, e
	}
	return b, meta, nil
}

// bflSameService refuses a polling URL outside Black Forest Labs (or the
// configured base URL's host): the key goes with every poll.
func bflSameService(base, poll string) error {
	b, err1 := url.Parse(base)
	p, err2 := url.Parse(poll)
	if err1 != nil || err2 != nil || p.Host == "" {
		return fmt.Errorf("the task's polling URL %q is not a URL", redact.String(poll))
	}
	host := strings.ToLower(p.Hostname())
	if host == strings.ToLower(b.Hostname()) || (p.Scheme == "https" && strings.HasSuffix(host, ".bfl.ai")) {
		return nil
	}
	return fmt.Errorf("the task's polling URL is on %s, not on Black Forest Labs: byok does not send your key there", host)
}
