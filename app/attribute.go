package app

import (
	"fmt"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/providers"
	"github.com/byokhq/byok/store"
)

// Money per key. A provider whose cost report groups money by key (OpenAI's
// costs with group_by=api_key_id) says what each key cost: byok takes that
// as it is, and what the report leaves without a key stays without one.
// A provider whose cost report does not (Anthropic's cost report, OpenAI's
// before it grouped by key) still counts each key's usage per day and
// model; byok then shares the day's billed cost among the keys in
// proportion to that usage priced with its own catalog, so that the
// shares always add up to exactly what the provider billed that day and
// only their proportions come from byok's prices. A day without priced
// usage keeps all its cost under no key.

// noKey is the attribution of money the report gives to no key.
const noKey = ""

// attribute returns, per UTC day of the report rows, the billed cost per
// provider key reference (noKey for the rest); the amounts of a day add up
// to the day's cost rows exactly.
func (a *App) attribute(provider string, rows []store.ReportRow) map[time.Time]map[string]money.USD {
	type day struct {
		total   money.USD
		keyed   map[string]money.USD
		hasKey  bool
		weights map[string]*big.Int
	}
	days := map[time.Time]*day{}
	get := func(t time.Time) *day {
		t = t.UTC()
		d := days[t]
		if d == nil {
			d = &day{keyed: map[string]money.USD{}, weights: map[string]*big.Int{}}
			days[t] = d
		}
		return d
	}
	cat := a.Catalog()
	for _, r := range rows {
		d := get(r.Day)
		switch r.Kind {
		case store.ReportCost:
			d.total += r.Cost
			d.keyed[r.KeyID] += r.Cost
			d.hasKey = d.hasKey || r.KeyID != noKey
		case store.ReportUsage:
			w := usageWeight(cat, provider, r)
			if w <= 0 {
				continue
			}
			if d.weights[r.KeyID] == nil {
				d.weights[r.KeyID] = new(big.Int)
			}
			d.weights[r.KeyID].Add(d.weights[r.KeyID], big.NewInt(int64(w)))
		}
	}
	out := make(map[time.Time]map[string]money.USD, len(days))
	for t, d := range days {
		if d.hasKey || len(d.weights) == 0 {
			// The provider's own attribution, or none to make.
			m := map[string]money.USD{}
			for ref, v := range d.keyed {
				if v != 0 {
					m[ref] = v
				}
			}
			out[t] = m
			continue
		}
		out[t] = shareByWeight(d.total, d.weights)
	}
	return out
}

// usageWeight prices one usage row with byok's catalog (no markup: only
// the proportions between keys matter). A row sums a day of requests, and
// long-context prices apply to one request's prompt, so the row is priced
// as that many average requests (or, where the report counts none, as
// requests of at most weightPrompt prompt tokens). Anthropic's report
// gives 5-minute and 1-hour cache writes as one sum here, priced as
// 5-minute writes.
func usageWeight(cat *pricing.Catalog, provider string, r store.ReportRow) money.USD {
	if r.InputTokens == 0 && r.CacheReadTokens == 0 && r.CacheWriteTokens == 0 && r.OutputTokens == 0 &&
		r.Images == 0 && r.Characters == 0 && r.Seconds == 0 {
		return 0
	}
	n := r.Requests
	if prompt := r.InputTokens + r.CacheReadTokens + r.CacheWriteTokens; n <= 0 {
		n = (prompt + weightPrompt - 1) / weightPrompt
	}
	n = max(n, 1)
	u := providers.Usage{Input: r.InputTokens / n, CacheRead: r.CacheReadTokens / n, CacheWrite5m: r.CacheWriteTokens / n,
		Output: r.OutputTokens / n, Images: r.Images / n, Characters: r.Characters / n, AudioMillis: r.Seconds * 1000 / n}
	if r.Images > 0 {
		if _, size, ok := strings.Cut(r.LineItem, " "); ok {
			u.ImageSize = size
		}
	}
	b := cat.Price(provider, r.Model, u, 0)
	w := b.Total
	if b.State == pricing.Unpriced {
		w = b.Fallback
	}
	return money.USD(min(int64(w), int64(money.MaxAmount)/n) * n)
}

// weightPrompt is the prompt of the average request a usage row without a
// request count is priced as: below every long-context threshold.
const weightPrompt = 100_000

// shareByWeight splits total in proportion to weights, exactly: each share
// is rounded down and the nano-dollars left over go one each to the largest
// remainders (ties to the lower reference), so the shares add up to total.
func shareByWeight(total money.USD, weights map[string]*big.Int) map[string]money.USD {
	refs := make([]string, 0, len(weights))
	sum := new(big.Int)
	for ref, w := range weights {
		refs = append(refs, ref)
		sum.Add(sum, w)
	}
	sort.Strings(refs)
	out := make(map[string]money.USD, len(refs))
	if sum.Sign() == 0 || total == 0 {
		if total != 0 {
			out[noKey] = total
		}
		return out
	}
	type rem struct {
		ref string
		r   *big.Int
	}
	rems := make([]rem, 0, len(refs))
	given := money.USD(0)
	t := big.NewInt(int64(total))
	for _, ref := range refs {
		q, r := new(big.Int).QuoRem(new(big.Int).Mul(t, weights[ref]), sum, new(big.Int))
		out[ref] = money.USD(q.Int64())
		given += out[ref]
		rems = append(rems, rem{ref, r})
	}
	sort.SliceStable(rems, func(i, j int) bool { return rems[i].r.Cmp(rems[j].r) > 0 })
	for i := 0; given < total; i = (i + 1) % len(rems) {
		out[rems[i].ref]++
		given++
	}
	return out
}

// shareGaps splits a day's reconciled spend among byok's keys (and no key)
// in proportion to each one's own gap: what the provider billed it beyond
// what byok recorded for it. The gaps add up to at least the day's
// difference, so no share exceeds its gap; the shares add up to spend.
func shareGaps(spend money.USD, gaps map[int64]money.USD) map[int64]money.USD {
	ws := map[string]*big.Int{}
	ids := map[string]int64{}
	for id, g := range gaps {
		if g <= 0 {
			continue
		}
		ref := keyRef(id)
		ws[ref] = big.NewInt(int64(g))
		ids[ref] = id
	}
	out := map[int64]money.USD{}
	for ref, v := range shareByWeight(spend, ws) {
		if v != 0 {
			out[ids[ref]] = v // noKey maps to key 0
		}
	}
	return out
}

// keyRef names a byok key id for shareByWeight: zero-padded so that the
// references sort as the ids do.
func keyRef(id int64) string {
	if id == 0 {
		return noKey
	}
	return fmt.Sprintf("%019d", id)
}
