package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/store"
)

// liteLLMPricesURL is where LiteLLM publishes its price file: the raw file
// on its main branch, the one the embedded catalog was generated from.
const liteLLMPricesURL = "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"

// updateSetting keeps the validators of the last LiteLLM download (ETag,
// Last-Modified), so the next update asks only for a changed file.
const updateSetting = "pricing.update.litellm"

// maxPriceFile bounds a downloaded price file (LiteLLM's is under 2 MB).
const maxPriceFile = 64 << 20

// fetchTimeout bounds one download of a price file or model list.
const fetchTimeout = 2 * time.Minute

// ErrOffline marks an update that could not reach the network; the
// catalog in use stays.
var ErrOffline = errors.New("no connection")

// UpdateOptions say where `byok pricing update` reads prices from.
type UpdateOptions struct {
	// From is a URL or a file in LiteLLM's format; empty means
	// liteLLMPricesURL.
	From string
	// RepriceSince, when set, prices the metered events since then again
	// with the new catalog.
	RepriceSince time.Time
}

// OpenRouterUpdate says what OpenRouter's public model list gave.
type OpenRouterUpdate struct {
	URL string `json:"url"`
	// Models is how many models the list priced; Added how many of them
	// the catalog lacked and now takes from it.
	Models int `json:"models"`
	Added  int `json:"models_added"`
	// Error says why the list could not be used (the earlier OpenRouter
	// prices then stay); empty when it was.
	Error string `json:"error,omitempty"`
}

// UpdateReport says what an update did.
type UpdateReport struct {
	Source string `json:"source"`
	// NotModified is true when the server said the file had not changed
	// since the last download, which was then used again.
	NotModified bool `json:"not_modified"`
	// Previous and Date are the dates of the catalog before and after.
	Previous string `json:"previous"`
	Date     string `json:"date"`
	// Snapshot is the file the new catalog was saved to; empty when no
	// price changed and nothing was written.
	Snapshot   string              `json:"snapshot,omitempty"`
	Diff       pricing.CatalogDiff `json:"diff"`
	Retired    []pricing.Price     `json:"retired"`
	Ignored    int                 `json:"ignored"`
	OpenRouter OpenRouterUpdate    `json:"openrouter"`
	// Repriced is the change per provider when the update re-priced events
	// (UpdateOptions.RepriceSince), empty when it did not or no cost
	// changed. Every list is empty rather than nil: in JSON, [] not null.
	Repriced []store.RepriceDiff `json:"repriced"`
}

// Changed reports whether the update changed any price.
func (r UpdateReport) Changed() bool {
	return len(r.Diff.Added)+len(r.Diff.Changed)+len(r.Diff.Removed) > 0
}

// pricesDir holds the catalog snapshots and the last downloaded file, next
// to the database.
func (a *App) pricesDir() string {
	return filepath.Join(filepath.Dir(a.Config.Paths.Database), "prices")
}

// CatalogNote says why the catalog in use is not the one expected (a
// snapshot that cannot be read), or "".
func (a *App) CatalogNote() string {
	a.Catalog()
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.baseNote
}

// baseCatalogLocked returns the catalog prices start from: the newest
// snapshot `byok pricing update` wrote, unless the embedded catalog is
// newer (a later byok). a.mu is held.
func (a *App) baseCatalogLocked() *pricing.Catalog {
	if a.base != nil {
		return a.base
	}
	a.base = pricing.Default()
	snap, path, err := latestSnapshot(a.pricesDir())
	switch {
	case err != nil:
		a.baseNote = fmt.Sprintf("the price snapshot %s cannot be read (%v); using the embedded catalog of %s. Run `byok pricing update` to write a new one", path, err, a.base.Date())
		a.Log.Warn("price snapshot", "path", path, "err", err)
	case snap != nil && snap.Date() >= a.base.Date():
		a.base = snap
	}
	return a.base
}

// latestSnapshot reads the newest catalog-YYYY-MM-DD.json in dir; nil
// when there is none.
func latestSnapshot(dir string) (*pricing.Catalog, string, error) {
	names, err := filepath.Glob(filepath.Join(dir, "catalog-*.json"))
	if err != nil || len(names) == 0 {
		return nil, "", err
	}
	sort.Strings(names)
	path := names[len(names)-1]
	f, err := os.Open(path)
	if err != nil {
		return nil, path, err
	}
	defer f.Close()
	cat, err := pricing.ReadCatalog(f)
	return cat, path, err
}

// UpdatePrices reads LiteLLM's price file (and OpenRouter's model list for
// the OpenRouter models the file lacks), builds a new catalog, saves it as
// a dated snapshot and makes it the catalog in use. Prices that did not
// change keep their date; models the file no longer lists keep their last
// price, so past requests of a retired model can still be priced. Events
// keep the price they were charged at unless RepriceSince is set. On any
// error the catalog in use stays as it was.
func (a *App) UpdatePrices(ctx context.Context, o UpdateOptions) (UpdateReport, error) {
	a.mu.Lock()
	cur := a.baseCatalogLocked()
	a.mu.Unlock()
	rep := UpdateReport{Source: o.From, Previous: cur.Date(), Retired: []pricing.Price{}, Repriced: []store.RepriceDiff{}}
	if rep.Source == "" {
		rep.Source = liteLLMPricesURL
	}
	today := a.now().In(a.Location()).Format(time.DateOnly)
	rep.Date = today

	body, validators, notModified, err := a.readLiteLLM(ctx, rep.Source)
	if err != nil {
		return rep, fmt.Errorf("%w; the catalog of %s stays", err, cur.Date())
	}
	rep.NotModified = notModified
	imp, err := pricing.ParseLiteLLM(bytes.NewReader(body))
	if err != nil {
		return rep, fmt.Errorf("%s is not a LiteLLM price file: %w; the catalog of %s stays", rep.Source, err, cur.Date())
	}
	known := map[string]bool{}
	for _, s := range a.Registry.All() {
		if !s.Local {
			known[s.ID] = true
		}
	}
	var fresh []pricing.Price
	for _, p := range imp.Prices {
		if known[p.Provider] {
			fresh = append(fresh, p)
		}
	}
	rep.Ignored = len(imp.Skipped) + len(imp.Prices) - len(fresh)
	if len(fresh) == 0 {
		return rep, fmt.Errorf("%s has no prices for a provider byok knows (is it LiteLLM's model_prices_and_context_window.json?); the catalog of %s stays", rep.Source, cur.Date())
	}
	// The embedded catalog's corrections apply to a fresh file too, or an
	// update would bring LiteLLM's figure back.
	pricing.Correct(fresh)

	// OpenRouter's list is a second source: when it cannot be read, the
	// update goes on and the OpenRouter prices of the current catalog stay.
	var router []pricing.Price
	rep.OpenRouter, router = a.readOpenRouter(ctx)

	// Fresh LiteLLM prices first, then OpenRouter's for the slugs they
	// lack under any spelling, then every model of the current catalog the
	// new one has no price of that exact name for: catwalk's models,
	// retired models, OpenRouter prices kept from before.
	var carried []pricing.Price
	freshNames := map[string]bool{}
	for _, p := range fresh {
		freshNames[p.Name()] = true
	}
	for _, prov := range cur.Providers() {
		for _, p := range cur.Models(prov) {
			carried = append(carried, p)
			if strings.HasPrefix(p.Origin, "litellm:") && !freshNames[p.Name()] {
				rep.Retired = append(rep.Retired, p)
			}
		}
	}
	for i := range fresh {
		fresh[i].Source, fresh[i].Date, fresh[i].Ref = "", "", ""
	}
	routerNames := map[string]bool{}
	for i := range router {
		router[i].Source, router[i].Date, router[i].Ref = "", "", ""
		routerNames[router[i].Name()] = true
	}
	for i := range carried {
		carried[i].Source, carried[i].Ref = "", ""
	}
	info := pricing.CatalogInfo{
		Date: today, Generated: today, Local: cur.Info().Local,
		Source: fmt.Sprintf("LiteLLM model_prices_and_context_window.json (BerriAI/litellm, MIT) from %s, taken %s", rep.Source, today),
	}
	if rep.OpenRouter.Error == "" && rep.OpenRouter.URL != "" {
		info.Source += "; OpenRouter's model list for the models LiteLLM lacks"
	}
	info.Source += "; models carried over from the catalog of " + cur.Date()
	merged := pricing.Merge(info, fresh, router)

	// A price that did not change keeps the day it was taken, so its
	// reference (and every event priced with it) stays the same. What the
	// current catalog has under a name the new one lacks comes last: the
	// catalog keeps the first of two prices of one name.
	var prices []pricing.Price
	for _, prov := range merged.Providers() {
		prices = append(prices, merged.Models(prov)...)
	}
	prices = append(prices, carried...)
	for i := range prices {
		p := &prices[i]
		p.Source, p.Ref = "", ""
		if old, ok := cur.Lookup(p.Provider, p.Model); ok && old.Name() == p.Name() && pricing.SamePrice(old, *p) {
			p.Date = old.Date
		}
		if i < merged.Len() && routerNames[p.Name()] && strings.HasPrefix(p.Origin, "openrouter:") {
			rep.OpenRouter.Added++
		}
	}
	next := pricing.NewCatalog(info, prices)
	rep.Diff = pricing.Diff(cur, next)
	if !rep.Changed() {
		rep.Date = cur.Date()
	} else {
		path, err := a.writeSnapshot(next, today)
		if err != nil {
			return rep, fmt.Errorf("%w; the catalog of %s stays", err, cur.Date())
		}
		rep.Snapshot = path
		a.mu.Lock()
		a.base = next
		a.baseNote = ""
		a.catalog = nil
		a.mu.Unlock()
	}
	if validators != nil {
		a.saveLiteLLM(ctx, body, *validators)
	}
	a.audit(ctx, "price.update", rep.Source, fmt.Sprintf("catalog %s: %d added, %d changed, %d removed, %d unchanged; %d no longer listed upstream",
		rep.Date, len(rep.Diff.Added), len(rep.Diff.Changed), len(rep.Diff.Removed), rep.Diff.Unchanged, len(rep.Retired)))
	if !o.RepriceSince.IsZero() {
		repriced, err := a.Reprice(ctx, o.RepriceSince, true)
		if err != nil {
			return rep, fmt.Errorf("the catalog of %s is saved, but re-pricing failed: %w", rep.Date, err)
		}
		rep.Repriced = append(rep.Repriced, repriced...)
	}
	return rep, nil
}

// writeSnapshot saves cat as prices/catalog-DATE.json, through a temporary
// file so that a crash never leaves half a catalog.
func (a *App) writeSnapshot(cat *pricing.Catalog, date string) (string, error) {
	dir := a.pricesDir()
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("save the price snapshot: %w", err)
	}
	path := filepath.Join(dir, "catalog-"+date+".json")
	var buf bytes.Buffer
	if err := cat.WriteJSON(&buf); err != nil {
		return "", err
	}
	if err := writeFileAtomic(path, buf.Bytes()); err != nil {
		return "", fmt.Errorf("save the price snapshot: %w", err)
	}
	return path, nil
}

func writeFileAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// liteLLMValidators are what the server said about the last download.
type liteLLMValidators struct {
	URL          string `json:"url"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// readLiteLLM reads the price file from a file or a URL. For a URL it
// sends the validators of the last download and, when the server answers
// 304 Not Modified, reads that download again. validators is set when a
// new download should be remembered.
func (a *App) readLiteLLM(ctx context.Context, src string) (body []byte, validators *liteLLMValidators, notModified bool, err error) {
	if !strings.HasPrefix(src, "http://") && !strings.HasPrefix(src, "https://") {
		body, err = os.ReadFile(src)
		if err != nil {
			return nil, nil, false, fmt.Errorf("cannot read %s: %w", src, err)
		}
		return body, nil, false, nil
	}
	cache := filepath.Join(a.pricesDir(), "litellm.json")
	var last liteLLMValidators
	if v, err := a.db.Setting(ctx, updateSetting); err == nil {
		_ = json.Unmarshal([]byte(v), &last)
	}
	if _, err := os.Stat(cache); err != nil || last.URL != src {
		last = liteLLMValidators{}
	}
	resp, err := a.get(ctx, src, func(h http.Header) {
		if last.ETag != "" {
			h.Set("If-None-Match", last.ETag)
		}
		if last.LastModified != "" {
			h.Set("If-Modified-Since", last.LastModified)
		}
	})
	if err != nil {
		return nil, nil, false, fmt.Errorf("cannot fetch LiteLLM's price file: %w; check the connection, or pass a downloaded file with --from FILE", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		body, err = os.ReadFile(cache)
		if err != nil {
			return nil, nil, false, fmt.Errorf("%s has not changed, but the copy of the last download is gone (%v): run the update again", src, err)
		}
		return body, nil, true, nil
	case http.StatusOK:
	default:
		return nil, nil, false, fmt.Errorf("%s answered HTTP %d %s, not the price file", src, resp.StatusCode, http.StatusText(resp.StatusCode))
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, maxPriceFile+1))
	if err != nil {
		return nil, nil, false, fmt.Errorf("download %s: %w (the connection broke; try again)", src, err)
	}
	if len(body) > maxPriceFile {
		return nil, nil, false, fmt.Errorf("%s is larger than %d MB, which no price file is", src, maxPriceFile>>20)
	}
	return body, &liteLLMValidators{URL: src, ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}, false, nil
}

// saveLiteLLM keeps the downloaded file and its validators for the next
// conditional request. Failing to keep them only costs a full download
// next time, so it is logged, not returned.
func (a *App) saveLiteLLM(ctx context.Context, body []byte, v liteLLMValidators) {
	if err := os.MkdirAll(a.pricesDir(), 0o700); err == nil {
		err = writeFileAtomic(filepath.Join(a.pricesDir(), "litellm.json"), body)
		if err != nil {
			a.Log.Warn("keep the LiteLLM download", "err", err)
			return
		}
	}
	b, _ := json.Marshal(v)
	if err := a.db.SetSetting(ctx, updateSetting, string(b)); err != nil {
		a.Log.Warn("keep the LiteLLM validators", "err", err)
	}
}

// readOpenRouter fetches OpenRouter's public model list from the
// provider's base URL (GET {base}/models, no key).
func (a *App) readOpenRouter(ctx context.Context) (OpenRouterUpdate, []pricing.Price) {
	spec, ok := a.Registry.Get("openrouter")
	if !ok {
		return OpenRouterUpdate{}, nil
	}
	u := OpenRouterUpdate{URL: strings.TrimSuffix(spec.BaseURL, "/") + "/models"}
	resp, err := a.get(ctx, u.URL, nil)
	if err != nil {
		u.Error = err.Error()
		return u, nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		u.Error = fmt.Sprintf("HTTP %d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
		return u, nil
	}
	imp, err := pricing.ParseOpenRouterModels(io.LimitReader(resp.Body, maxPriceFile))
	if err != nil {
		u.Error = err.Error()
		return u, nil
	}
	u.Models = len(imp.Prices)
	return u, imp.Prices
}

// get sends a GET with byok's user agent; a failure to connect is
// ErrOffline, with the cause.
func (a *App) get(ctx context.Context, target string, header func(http.Header)) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("%s: %w", target, err)
	}
	req.Header.Set("User-Agent", "byok")
	if header != nil {
		header(req.Header)
	}
	client := a.httpClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		timedOut := errors.Is(ctx.Err(), context.DeadlineExceeded)
		cancel()
		if timedOut {
			return nil, fmt.Errorf("%s did not answer within %s: %w", req.URL.Host, fetchTimeout, ErrOffline)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("cannot reach %s: %w (%v)", req.URL.Host, ErrOffline, err)
	}
	resp.Body = cancelOnClose{resp.Body, cancel}
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}
