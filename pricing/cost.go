package pricing

import (
	"fmt"
	"math/bits"
	"strings"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/providers"
)

// Line is one priced part of a request: Units (tokens, searches, requests)
// at Rate (micro-dollars per million units) cost Amount.
type Line struct {
	Name   string
	Units  int64
	Rate   money.PerMillion
	Amount money.USD
}

// Breakdown is the cost of one request. Total is the sum of the lines'
// amounts plus Markup. State says how far the total can be trusted; Ref names
// the price record used. Fallback is set only for unpriced requests: what
// the request would cost at the provider's fallback price (see
// Catalog.Fallback), for budgets to count conservatively. It is never
// added to Total.
//
// A Reported breakdown also carries what byok computed for the same usage
// from the catalog (Computed, markup included, when HasComputed), so the
// drift between the provider's bill and the catalog stays visible.
type Breakdown struct {
	Lines       []Line
	Markup      money.USD
	Total       money.USD
	State       State
	Ref         string
	Fallback    money.USD
	Computed    money.USD
	HasComputed bool
}

// Line names, as shown to users.
const (
	LineInput        = "input"
	LineCacheRead    = "cache read"
	LineCacheWrite5m = "cache write 5m"
	LineCacheWrite1h = "cache write 1h"
	LineOutput       = "output"
	LineReasoning    = "reasoning"
	LineWebSearch    = "web search"
	LineRequest      = "request"
	LineInputImage   = "image input"
	LineInputAudio   = "audio input"
	LineOutputImage  = "image output"
	LineOutputAudio  = "audio output"
	LineImage        = "image"
	LineSecond       = "audio second"
	LineCharacter    = "character"
	LineReported     = "reported by provider"
)

// serviceTier folds the tier names responses use onto the rows a price may
// have; "" means the standard row.
func serviceTier(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "batch", "batches":
		return "batch"
	case "priority", "fast":
		return "priority"
	case "flex":
		return "flex"
	default:
		// "default", "standard", "auto", "on_demand" and unknown names.
		return ""
	}
}

// rowFor picks the rates that price a request with the given prompt size
// and service tier, and a label for the lines ("" for the base row).
//
// A long-context row is chosen when the prompt is larger than its
// threshold (the largest such threshold wins). With a service tier the
// tier's own long-context row is used if it has one; a long prompt in a
// tier without one uses the standard long-context row, the higher of the
// two for every model in the catalog, so such requests are never under-counted.
func rowFor(p Price, prompt int64, tier string) (Rates, string) {
	var long *Tier
	var longSvc *Tier
	for i := range p.Tiers {
		t := &p.Tiers[i]
		if prompt <= t.Above {
			continue
		}
		switch {
		case t.Service == "" && (long == nil || t.Above > long.Above):
			long = t
		case tier != "" && t.Service == tier && (longSvc == nil || t.Above > longSvc.Above):
			longSvc = t
		}
	}
	svc, hasSvc := p.ServiceTiers[tier]
	switch {
	case tier != "" && longSvc != nil:
		return longSvc.Rates, fmt.Sprintf("%s, above %s", tier, tokensLabel(longSvc.Above))
	case long != nil:
		return long.Rates, "above " + tokensLabel(long.Above)
	case tier != "" && hasSvc:
		return svc, tier
	default:
		return p.Rates, ""
	}
}

func tokensLabel(n int64) string {
	if n%1000 == 0 {
		return fmt.Sprintf("%dk", n/1000)
	}
	return fmt.Sprintf("%d", n)
}

// amount returns units × rate / 1000 nano-dollars rounded half up. The
// product is exact (128-bit), so huge counts at high per-unit prices do not
// overflow before the division.
func amount(units int64, rate money.PerMillion) money.USD {
	if units <= 0 || rate <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(units), uint64(rate))
	lo, carry := bits.Add64(lo, 500, 0)
	hi += carry
	if hi >= 1000 {
		// More than ~1.8e19 nano-dollars: beyond any real bill.
		return money.MaxAmount
	}
	q, _ := bits.Div64(hi, lo, 1000)
	if q > uint64(money.MaxAmount) {
		return money.MaxAmount
	}
	return money.USD(q)
}

// perUnit turns a price per unit into a rate per million units.
func perUnit(v money.USD) money.PerMillion { return money.PerMillion(int64(v) * 1000) }

// markup returns total × bp / 10000, rounded half away from zero.
func markup(total money.USD, bp int64) money.USD {
	if bp == 0 || total == 0 {
		return 0
	}
	neg := (total < 0) != (bp < 0)
	t, b := uint64(abs64(int64(total))), uint64(abs64(bp))
	hi, lo := bits.Mul64(t, b)
	lo, carry := bits.Add64(lo, 5000, 0)
	hi += carry
	q := uint64(1<<63 - 1)
	if hi < 10000 {
		q, _ = bits.Div64(hi, lo, 10000)
		q = min(q, 1<<63-1)
	}
	if neg {
		return -money.USD(q)
	}
	return money.USD(q)
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// Cost prices one request's usage at p, line by line, plus a markup of
// markupBP basis points (550 = 5.5 %). The result's State is Computed, or
// Estimated when u.Estimated; Catalog.Price picks Reported and Unpriced.
//
// The rules, all on byok's disjoint counts (providers.Usage):
//   - uncached input at the input price;
//   - cache reads at the cache-read price, or the input price when the
//     source lists none (no discount was announced, so none is assumed);
//   - cache writes at the 5-minute write price; 1-hour writes at the 1-hour
//     price, else the 5-minute one; with no write price at all, the input price;
//   - output at the output price; when the model has its own reasoning
//     price, the reasoning part of the output is billed apart at it;
//   - when the whole prompt (u.Prompt(), cache included) is larger than a
//     long-context threshold, every line uses that tier's rates;
//   - a service tier named by the response ("batch", "priority", "flex")
//     uses its row when the price has one; "default"/"standard" use the base;
//   - web searches × PerWebSearch, and PerRequest once.
//
// Rounding: each line is the exact product units × rate (pico-dollars),
// rounded half up to the nano-dollar once; Total is the sum of the lines
// plus the markup (total × bp / 10000, rounded half up), so the parts
// always add up to the total.
func Cost(p Price, u providers.Usage, markupBP int64) Breakdown {
	tier := serviceTier(u.ServiceTier)
	r, label := rowFor(p, u.Prompt(), tier)
	b := Breakdown{State: Computed, Ref: p.Ref, Lines: make([]Line, 0, 5)}
	if u.Estimated {
		b.State = Estimated
	}
	add := func(name string, units int64, rate money.PerMillion) {
		if units <= 0 {
			return
		}
		if label != "" {
			name += " (" + label + ")"
		}
		b.Lines = append(b.Lines, Line{Name: name, Units: units, Rate: rate, Amount: amount(units, rate)})
	}
	inImage, inAudio := modalParts(u.Input, u.InputImage, u.InputAudio)
	add(LineInput, u.Input-inImage-inAudio, r.Input)
	add(LineInputImage, inImage, orRate(p.HasInputImage, p.InputImage, r.Input))
	add(LineInputAudio, inAudio, orRate(p.HasInputAudio, p.InputAudio, r.Input))
	readRate := r.Input
	if r.HasCacheRead {
		readRate = r.CacheRead
	}
	add(LineCacheRead, u.CacheRead, readRate)
	write5m := r.Input
	if r.HasCacheWrite5m {
		write5m = r.CacheWrite5m
	}
	write1h := write5m
	if r.HasCacheWrite1h {
		write1h = r.CacheWrite1h
	}
	add(LineCacheWrite5m, u.CacheWrite5m, write5m)
	add(LineCacheWrite1h, u.CacheWrite1h, write1h)
	outImage, outAudio := modalParts(u.Output, u.OutputImage, u.OutputAudio)
	outText := u.Output - outImage - outAudio
	reasoning := min(max(u.Reasoning, 0), max(outText, 0))
	if r.HasReasoning && reasoning > 0 {
		add(LineOutput, outText-reasoning, r.Output)
		add(LineReasoning, reasoning, r.Reasoning)
	} else {
		add(LineOutput, outText, r.Output)
	}
	add(LineOutputImage, outImage, orRate(p.HasOutputImage, p.OutputImage, r.Output))
	add(LineOutputAudio, outAudio, orRate(p.HasOutputAudio, p.OutputAudio, r.Output))
	label = ""
	if p.PerWebSearch > 0 {
		add(LineWebSearch, u.WebSearches, perUnit(p.PerWebSearch))
	}
	if !tokenBilled(p, u) && u.HasUnits() {
		// Images, seconds and characters are billed only when no tokens
		// are: GPT Image and the gpt-4o audio models report the tokens
		// their images and audio were billed as, and those win. A model
		// billed by the token whose tokens went unreported is priced by
		// its per-unit price as an estimate.
		if u.Images > 0 {
			if each, ok := p.ImageFor(u.ImageSize, u.ImageQuality); ok {
				add(LineImage, u.Images, perUnit(each))
			}
		}
		if p.PerSecond > 0 {
			add(LineSecond, Seconds(u.AudioMillis), perUnit(p.PerSecond))
		}
		if p.PerCharacter > 0 {
			add(LineCharacter, u.Characters, perUnit(p.PerCharacter))
		}
		if tokenPriced(p) {
			b.State = Estimated
		}
	}
	if p.PerRequest > 0 {
		add(LineRequest, 1, perUnit(p.PerRequest))
	}
	if len(b.Lines) == 0 {
		b.Lines = nil
	}
	var sum money.USD
	for _, l := range b.Lines {
		sum += l.Amount
	}
	// No request costs more than money.MaxAmount: a reply claiming a
	// billion tokens at the dearest price must not break every later sum.
	sum = min(sum, money.MaxAmount)
	b.Markup = min(markup(sum, markupBP), money.MaxAmount-sum)
	b.Total = sum + b.Markup
	return b
}

// modalParts caps the image and audio parts of a token count so that
// together they never exceed it.
func modalParts(total, image, audio int64) (int64, int64) {
	total = max(total, 0)
	image = min(max(image, 0), total)
	audio = min(max(audio, 0), total-image)
	return image, audio
}

func orRate(has bool, v, otherwise money.PerMillion) money.PerMillion {
	if has {
		return v
	}
	return otherwise
}

// Seconds returns the whole seconds a duration in milliseconds is billed
// as: OpenAI bills audio by the second, rounded to the nearest one.
func Seconds(ms int64) int64 {
	if ms <= 0 {
		return 0
	}
	return (ms + 500) / 1000
}

// Covers reports whether p can price everything u used: a request that
// made images, audio seconds or speech characters needs a price for those
// units unless the provider reported the tokens they were billed as (GPT
// Image, gpt-4o-transcribe). A price that cannot cover a request leaves it
// unpriced rather than charging it the tokens alone.
func (p Price) Covers(u providers.Usage) bool {
	if !u.HasUnits() || tokenBilled(p, u) {
		return true
	}
	if u.Images > 0 {
		if _, ok := p.ImageFor(u.ImageSize, u.ImageQuality); !ok {
			return false
		}
	}
	switch {
	case u.AudioMillis > 0 && u.Characters > 0:
		// Speech: billed by the character (tts-1) or by the second of
		// what was spoken.
		return p.PerCharacter > 0 || p.PerSecond > 0
	case u.AudioMillis > 0:
		return p.PerSecond > 0
	case u.Characters > 0:
		return p.PerCharacter > 0
	}
	return true
}

// tokenPriced reports whether p charges for tokens at all.
func tokenPriced(p Price) bool {
	return p.Input > 0 || p.Output > 0 || p.InputImage > 0 || p.OutputImage > 0 || p.InputAudio > 0 || p.OutputAudio > 0
}

// tokenBilled reports whether the request is billed by its tokens: the
// provider reported some and the model has token prices.
func tokenBilled(p Price, u providers.Usage) bool {
	return (u.Input > 0 || u.Output > 0 || u.CacheRead > 0 || u.CacheWrite() > 0) && tokenPriced(p)
}

// Price prices a request of model at provider. A cost the provider
// reported wins (Reported, plus the markup), and what the catalog price
// makes of the same usage is kept beside it (Computed, when the model is
// priced); otherwise the catalog price is used (Computed, or Estimated for
// locally counted tokens). With no price
// the result is Unpriced with Total 0 and Fallback set to the cost at the
// provider's fallback price, so callers never mistake it for free.
func (c *Catalog) Price(provider, model string, u providers.Usage, markupBP int64) Breakdown {
	if u.CostReported {
		b := Breakdown{State: Reported, Ref: "reported:" + normProvider(provider)}
		if u.ReportedCost != 0 {
			b.Lines = []Line{{Name: LineReported, Units: 1, Rate: perUnit(u.ReportedCost), Amount: u.ReportedCost}}
		}
		reported := min(u.ReportedCost, money.MaxAmount)
		b.Markup = min(markup(reported, markupBP), money.MaxAmount-reported)
		b.Total = reported + b.Markup
		if p, ok := c.Lookup(provider, model); ok && !u.Unmeasured && p.Covers(u) {
			b.Computed, b.HasComputed = Cost(p, u, markupBP).Total, true
		}
		return b
	}
	p, ok := c.Lookup(provider, model)
	if ok && !u.Unmeasured && p.Covers(u) {
		return Cost(p, u, markupBP)
	}
	b := Breakdown{State: Unpriced}
	if fb, ok := c.Fallback(provider); ok {
		b.Fallback = Cost(fb, u, markupBP).Total
	}
	if ok {
		// A known model whose units went unpriced (a size it does not
		// list, audio byok could not time): budgets count its dearest
		// per-unit prices, at least a second of audio, at the least.
		b.Fallback = max(b.Fallback, markup(dearestUnits(p, u), 10000+markupBP))
	}
	return b
}

// dearestUnits prices u's images at the model's dearest image, its audio
// at the per-second price (a second at least when the length is unknown)
// and its characters at the per-character price.
func dearestUnits(p Price, u providers.Usage) money.USD {
	var total money.USD
	if u.Images > 0 {
		each := p.PerImage
		for _, ip := range p.Images {
			each = max(each, ip.PerImage)
		}
		total += amount(u.Images, perUnit(each))
	}
	if p.PerSecond > 0 && (u.AudioMillis > 0 || u.Unmeasured) {
		total += amount(max(Seconds(u.AudioMillis), 1), perUnit(p.PerSecond))
	}
	if p.PerCharacter > 0 {
		total += amount(u.Characters, perUnit(p.PerCharacter))
	}
	return total
}

// WorstCase returns the most a request of inputTokens uncached prompt
// tokens and up to maxOutput generated tokens can cost at p, for budget
// checks before sending: the long-context row the prompt falls in, the
// dearer of the output and reasoning prices for every output token, and
// the per-request price. Service tiers are ignored (the request has not
// been served yet, and byok asks for the standard tier).
func WorstCase(p Price, inputTokens, maxOutput int64) money.USD {
	r, _ := rowFor(p, inputTokens, "")
	out := r.Output
	if r.HasReasoning && r.Reasoning > out {
		out = r.Reasoning
	}
	return amount(inputTokens, r.Input) + amount(maxOutput, out) + p.PerRequest
}
