// Package providers knows the AI provider APIs byok talks to: the registry of
// providers, the neutral request, stream and usage types, one adapter per API
// kind, the key checks, and the typed error every adapter returns.
//
// It knows nothing of storage, pricing or the terminal UI.
package providers

import (
	"context"
	"fmt"
	"time"

	"github.com/byokhq/byok/money"
)

// Usage is one request's token counts in byok's disjoint form: no token is
// counted in two fields except Reasoning, which is the part of Output that was
// reasoning (kept for display and for models that price it apart).
type Usage struct {
	Input        int64 // uncached prompt tokens
	CacheRead    int64 // prompt tokens served from the provider's cache
	CacheWrite5m int64 // prompt tokens written to the cache (5-minute or unspecified TTL)
	CacheWrite1h int64 // prompt tokens written to the 1-hour cache
	Output       int64 // every generated token, reasoning included
	Reasoning    int64 // the part of Output that was reasoning

	// WebSearches counts per-request extras billed per call (web search).
	WebSearches int64

	// Token counts by modality, where a price tells them apart: the parts
	// of Input and of Output that were image or audio tokens (gpt-image-1's
	// input image and output image tokens, gpt-4o-transcribe's audio input).
	// Like Reasoning they are inside Input and Output, never added to them.
	InputImage, InputAudio, OutputImage, OutputAudio int64

	// Units billed per item rather than per token: images generated (with
	// the size and quality that pick their price), seconds of audio
	// (transcribed input or spoken output) in milliseconds, and characters
	// of text turned into speech.
	Images       int64
	ImageSize    string // "1024x1024"
	ImageQuality string // "standard", "hd", "low", "medium", "high"
	AudioMillis  int64
	Characters   int64

	// ReportedCost is what the provider says it charged (OpenRouter's
	// usage.cost); CostReported says whether it said anything.
	ReportedCost money.USD
	CostReported bool

	// ServiceTier is the tier that served the request as the response tells
	// it ("default", "flex", "priority", "batch", "standard"…), empty when
	// not told. Geo is Anthropic's inference_geo.
	ServiceTier string
	Geo         string

	// Estimated is true when the counts were made locally because the
	// provider reported none (a cut or cancelled stream).
	Estimated bool

	// Unmeasured is true when the request was billed in units byok could
	// not measure (an uploaded audio file it cannot time, a reply it could
	// not read): such a request is unpriced, never $0.
	Unmeasured bool
}

// CacheWrite returns all cache-write tokens, whatever their TTL.
func (u Usage) CacheWrite() int64 { return u.CacheWrite5m + u.CacheWrite1h }

// Prompt returns the whole prompt size: uncached input plus cache reads and
// writes. Long-context price tiers are tested against it.
func (u Usage) Prompt() int64 { return u.Input + u.CacheRead + u.CacheWrite() }

// Total returns every token of the request.
func (u Usage) Total() int64 { return u.Prompt() + u.Output }

// HasUnits reports whether the request used anything billed per item:
// images, seconds of audio or characters.
func (u Usage) HasUnits() bool { return u.Images > 0 || u.AudioMillis > 0 || u.Characters > 0 }

// Role is who wrote a message.
type Role string

// Message roles.
const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// Message is one turn of a conversation.
type Message struct {
	Role    Role
	Content string
}

// Request is a provider-neutral generation request.
type Request struct {
	Model    string // the provider's own model id, without the "provider/" prefix
	System   string
	Messages []Message
	// MaxTokens caps the output; 0 means the adapter's default.
	MaxTokens int
	// Temperature is nil for the provider's default.
	Temperature *float64
	// ReasoningEffort is "", "low", "medium" or "high"; adapters pass it on
	// where the API supports it.
	ReasoningEffort string
	// NoStream asks for the whole reply in one response instead of a
	// stream. The zero value streams. Without a stream, the Streamer still
	// emits the reply's events, once the whole reply has arrived.
	NoStream bool
}

// EventType tells what an Event carries.
type EventType int

// Stream event types.
const (
	EventText      EventType = iota + 1 // a text delta
	EventReasoning                      // a reasoning/thinking delta
	EventUsage                          // running or final usage
)

// Event is one item of a streamed reply.
type Event struct {
	Type  EventType
	Text  string
	Usage Usage
}

// Result is what a finished (or failed) request leaves behind.
type Result struct {
	Text      string
	Usage     Usage
	HasUsage  bool // false when the provider reported no usage at all
	Model     string
	RequestID string
	// FirstToken is the time from sending the request to the first text or
	// reasoning delta; zero when none arrived.
	FirstToken time.Duration
	Latency    time.Duration
	Status     int // HTTP status of the response, 0 when none was received
}

// Class is the kind of a provider error; callers branch on it.
type Class string

// Error classes.
const (
	ClassAuth          Class = "auth"
	ClassCredit        Class = "credit"
	ClassRateLimit     Class = "rate_limit"
	ClassOverloaded    Class = "overloaded"
	ClassBadRequest    Class = "bad_request"
	ClassContextLength Class = "context_length"
	ClassNotFound      Class = "not_found"
	ClassServer        Class = "server"
	ClassNetwork       Class = "network"
	ClassTimeout       Class = "timeout"
	ClassCancelled     Class = "cancelled"
)

// Retryable reports whether a request that failed with this class may be sent
// again (only before any output was streamed).
func (c Class) Retryable() bool {
	return c == ClassRateLimit || c == ClassOverloaded || c == ClassServer
}

// Error is the one error type adapters return. Message is already redacted
// and says what to do next; Cause is kept for logs and is redacted too.
type Error struct {
	Class      Class
	Status     int
	RetryAfter time.Duration
	RequestID  string
	Provider   string
	Message    string
	// Said is the provider's own words about the failure, shortened and
	// redacted (Message ends with them); empty when it gave none. A caller
	// that gives its own advice quotes Said rather than Message.
	Said  string
	Cause error
}

func (e *Error) Error() string {
	if e.Provider != "" {
		return fmt.Sprintf("%s: %s", e.Provider, e.Message)
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// Streamer runs one request and calls emit for every event as it arrives, on
// the caller's goroutine. It returns when the reply is complete, failed or
// ctx is cancelled; the Result is filled in every case (partial text, usage
// if any arrived, timings), and the error, if any, is an *Error.
type Streamer interface {
	Stream(ctx context.Context, req Request, emit func(Event)) (Result, error)
}
