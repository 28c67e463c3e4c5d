package providers

import (
	"math/big"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/byokhq/byok/money"
)

// This file converts the replies of the APIs billed per image, per second
// of audio or per character: OpenAI's Images API (and the compatible ones),
// its audio transcriptions and speech, and Black Forest Labs' image tasks.

// ImageReply reads an Images API reply (generations, edits, variations)
// or one event of its stream. A whole reply counts its images (data) and,
// for GPT Image models, its token usage: input text and image tokens,
// output image tokens (OpenAI images API: usage.input_tokens_details,
// output_tokens_details). A stream event counts one image when it is an
// image_generation.completed or image_edit.completed event, with that
// image's usage; partial images count nothing. Size and quality are taken
// from the reply where it states them. ok is false for anything else.
func ImageReply(data []byte) (Usage, bool) {
	doc, ok := parseJSON(data)
	if !ok || !doc.IsObject() {
		return Usage{}, false
	}
	var u Usage
	switch typ := text(doc.Get("type")); {
	case typ == "image_generation.completed" || typ == "image_edit.completed":
		u.Images = 1
	case typ != "":
		return Usage{}, false
	case doc.Get("data").IsArray():
		u.Images = int64(len(doc.Get("data").Array()))
	default:
		return Usage{}, false
	}
	u.ImageSize, u.ImageQuality = text(doc.Get("size")), text(doc.Get("quality"))
	if usage := doc.Get("usage"); usage.IsObject() {
		u.Input = count(usage.Get("input_tokens"))
		u.InputImage = min(count(usage.Get("input_tokens_details.image_tokens")), u.Input)
		u.Output = count(usage.Get("output_tokens"))
		// Output is image tokens unless the reply splits it (GPT Image 1.5
		// also writes text tokens).
		u.OutputImage = u.Output
		if d := usage.Get("output_tokens_details"); d.IsObject() && present(d.Get("image_tokens")) {
			u.OutputImage = min(count(d.Get("image_tokens")), u.Output)
		}
	}
	return u, true
}

// TranscriptionReply reads a transcription (or translation) reply in JSON,
// or one event of its stream: token usage for the gpt-4o transcribe models
// (usage.type "tokens", audio tokens inside input_tokens), the billed
// seconds for whisper-1 (usage.type "duration"), or the verbose_json
// reply's duration. ok is false when the reply says neither (the text,
// srt and vtt formats): the uploaded file's length then has to tell.
func TranscriptionReply(data []byte) (Usage, bool) {
	doc, ok := parseJSON(data)
	if !ok || !doc.IsObject() {
		return Usage{}, false
	}
	usage := doc.Get("usage")
	switch {
	case usage.IsObject() && (text(usage.Get("type")) == "tokens" || present(usage.Get("input_tokens"))):
		var u Usage
		u.Input = count(usage.Get("input_tokens"))
		u.InputAudio = min(count(usage.Get("input_token_details.audio_tokens")), u.Input)
		u.Output = count(usage.Get("output_tokens"))
		return u, true
	case usage.IsObject() && present(usage.Get("seconds")):
		return Usage{AudioMillis: millis(usage.Get("seconds"))}, true
	case present(doc.Get("duration")):
		return Usage{AudioMillis: millis(doc.Get("duration"))}, true
	}
	return Usage{}, false
}

// SpeechEvent reads one event of a speech stream (stream_format "sse"):
// the speech.audio.done event carries the usage, its output tokens being
// audio tokens. ok is false for every other event.
func SpeechEvent(data []byte) (Usage, bool) {
	doc, ok := parseJSON(data)
	if !ok || text(doc.Get("type")) != "speech.audio.done" || !doc.Get("usage").IsObject() {
		return Usage{}, false
	}
	usage := doc.Get("usage")
	u := Usage{Input: count(usage.Get("input_tokens")), Output: count(usage.Get("output_tokens"))}
	u.OutputAudio = u.Output
	return u, true
}

// Characters counts the characters of text billed per character (tts-1
// bills the input text), as Unicode code points.
func Characters(s string) int64 { return int64(utf8.RuneCountInString(s)) }

// BFLCredit is what one Black Forest Labs credit costs: one US cent.
const BFLCredit = money.Cent

// BFLSubmit reads Black Forest Labs' answer to a task submission: one
// image, and the cost in credits when the answer states it.
func BFLSubmit(data []byte) (Usage, bool) {
	doc, ok := parseJSON(data)
	if !ok || !present(doc.Get("id")) {
		return Usage{}, false
	}
	u := Usage{Images: 1}
	if credits, ok := decimalOf(doc.Get("cost")); ok {
		c := new(big.Rat).Mul(credits, new(big.Rat).SetInt64(int64(BFLCredit)))
		c.Add(c, big.NewRat(1, 2))
		n := new(big.Int).Quo(c.Num(), c.Denom())
		if n.IsInt64() {
			u.ReportedCost, u.CostReported = money.USD(n.Int64()), true
		}
	}
	return u, true
}

// millis reads a number of seconds as whole milliseconds, rounded half up.
func millis(r gjson.Result) int64 {
	q, ok := decimalOf(r)
	if !ok {
		return 0
	}
	q.Mul(q, big.NewRat(1000, 1))
	q.Add(q, big.NewRat(1, 2))
	n := new(big.Int).Quo(q.Num(), q.Denom())
	if !n.IsInt64() {
		return MaxCount
	}
	return clampCount(n.Int64())
}

// decimalOf reads a non-negative JSON number exactly.
func decimalOf(r gjson.Result) (*big.Rat, bool) {
	if r.Type != gjson.Number || len(r.Raw) > 64 {
		return nil, false
	}
	q, ok := new(big.Rat).SetString(strings.TrimSpace(r.Raw))
	if !ok || q.Sign() < 0 {
		return nil, false
	}
	return q, true
}
