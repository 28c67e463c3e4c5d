package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/byokhq/byok/money"
	"github.com/byokhq/byok/pricing"
	"github.com/byokhq/byok/providers"
)

// Sentinel errors callers branch on.
var (
	ErrNotFound    = errors.New("not found")
	ErrNewerSchema = errors.New("database was written by a newer byok")
	ErrNotDatabase = errors.New("not a byok database")
	ErrDuplicate   = errors.New("already exists")
	// ErrOldSchema: a read-only open found a database that needs migrating.
	ErrOldSchema = errors.New("database needs upgrading")
	// ErrNotWritable: this user cannot write the data directory or the
	// database; commands that only read open it read-only instead.
	ErrNotWritable = errors.New("the data directory is not writable")
)

// Source is what started a request.
type Source string

// Sources.
const (
	SourceTUI    Source = "tui"
	SourceCLI    Source = "cli"
	SourceProxy  Source = "proxy"
	SourceManual Source = "manual"
)

// Status is how a request ended.
type Status string

// Statuses.
const (
	StatusOK        Status = "ok"
	StatusError     Status = "error"
	StatusCancelled Status = "cancelled"
	StatusPartial   Status = "partial"
)

// Event is one provider request (or one manual spend entry), as recorded.
// Token counts are disjoint (see providers.Usage).
type Event struct {
	ID       int64
	Time     time.Time // UTC
	Source   Source
	Client   string // the calling tool for proxy events (from User-Agent)
	Provider string
	Model    string
	KeyID    int64  // 0 when no stored key was used (local providers, manual)
	KeyName  string // "provider/label" at the time of the request, for display

	Status       Status
	ErrorClass   string
	ErrorMessage string // redacted
	HTTPStatus   int
	Latency      time.Duration
	TTFT         time.Duration
	RequestID    string

	InputTokens        int64
	CacheReadTokens    int64
	CacheWrite5mTokens int64
	CacheWrite1hTokens int64
	OutputTokens       int64
	ReasoningTokens    int64

	// Cost is the priced cost including Markup; Markup is the platform-fee
	// line on its own. For an unpriced event Cost is 0 and Fallback holds the
	// conservative amount budgets count instead.
	Cost      money.USD
	Markup    money.USD
	Fallback  money.USD
	CostState pricing.State
	PriceRef  string // the price record the cost was computed with
	// Computed is what byok's catalog made of the usage of an event whose
	// cost the provider reported (markup included), when HasComputed: the
	// two side by side show the drift.
	Computed    money.USD
	HasComputed bool

	// Units are what the request used that is billed per image, second
	// or character, and the image and audio parts of its tokens.
	Units Units

	Prompt   string // stored only when config allows
	Response string
	Note     string // manual spend note

	// Session and ExternalID belong to events imported from a coding
	// agent's logs (see Store.Import): the agent's session, for grouping,
	// and the event's identity within its source, which keeps a line read
	// twice from being stored twice.
	Session    string
	ExternalID string
	// CopyOf, on an imported event, is an external-id prefix: when an
	// event of the same source is stored under an id starting with it, this
	// one is a copy of it (an agent's side conversation replaying a
	// message) and is not stored.
	CopyOf string
}

// Units are the parts of a request's usage beyond the five token counts
// (see providers.Usage): images with their size and quality, audio
// milliseconds, characters spoken, and the image and audio parts of the
// input and output tokens. Zero for most requests.
type Units struct {
	Images       int64  `json:"images,omitempty"`
	ImageSize    string `json:"image_size,omitempty"`
	ImageQuality string `json:"image_quality,omitempty"`
	AudioMillis  int64  `json:"audio_ms,omitempty"`
	Characters   int64  `json:"characters,omitempty"`
	InputImage   int64  `json:"input_image,omitempty"`
	InputAudio   int64  `json:"input_audio,omitempty"`
	OutputImage  int64  `json:"output_image,omitempty"`
	OutputAudio  int64  `json:"output_audio,omitempty"`
}

// UnitsOf takes the units of a usage.
func UnitsOf(u providers.Usage) Units {
	return Units{Images: u.Images, ImageSize: u.ImageSize, ImageQuality: u.ImageQuality, AudioMillis: u.AudioMillis,
		Characters: u.Characters, InputImage: u.InputImage, InputAudio: u.InputAudio, OutputImage: u.OutputImage, OutputAudio: u.OutputAudio}
}

// Apply puts the units into a usage rebuilt from an event's token counts.
func (x Units) Apply(u *providers.Usage) {
	u.Images, u.ImageSize, u.ImageQuality, u.AudioMillis, u.Characters = x.Images, x.ImageSize, x.ImageQuality, x.AudioMillis, x.Characters
	u.InputImage, u.InputAudio, u.OutputImage, u.OutputAudio = x.InputImage, x.InputAudio, x.OutputImage, x.OutputAudio
}

// encode writes the units as the events.units column holds them: "" when
// there are none.
func (x Units) encode() string {
	if x == (Units{}) {
		return ""
	}
	b, err := json.Marshal(x)
	if err != nil {
		return ""
	}
	return string(b)
}

// decodeUnits reads the events.units column; what it cannot read counts
// as no units.
func decodeUnits(s string) Units {
	var x Units
	if s != "" {
		_ = json.Unmarshal([]byte(s), &x)
	}
	return x
}

// CacheWriteTokens returns the 5-minute and 1-hour cache writes together.
func (e Event) CacheWriteTokens() int64 { return e.CacheWrite5mTokens + e.CacheWrite1hTokens }

// Scope selects events by any combination of fields; a zero field matches all.
type Scope struct {
	Provider string
	Model    string // with Provider
	KeyID    int64
	Source   Source
}

// Totals sums the events of a scope and period.
type Totals struct {
	Requests         int64
	Errors           int64 // status error or cancelled
	InputTokens      int64
	CacheReadTokens  int64
	CacheWriteTokens int64
	OutputTokens     int64
	ReasoningTokens  int64
	Cost             money.USD // sum of priced costs (markup included)
	Markup           money.USD
	Unpriced         int64     // requests with no known price
	Fallback         money.USD // what budgets count for the unpriced ones
}

// BudgetSpend is what a budget counts: priced cost plus the fallback for
// unpriced requests.
func (t Totals) BudgetSpend() money.USD { return t.Cost + t.Fallback }

// GroupBy names a breakdown dimension.
type GroupBy string

// Breakdown dimensions.
const (
	ByProvider GroupBy = "provider"
	ByModel    GroupBy = "model"
	ByKey      GroupBy = "key"
	BySource   GroupBy = "source"
	ByDay      GroupBy = "day"
	BySession  GroupBy = "session"
)

// Group is one row of a breakdown: Key is the provider id, "provider/model",
// key name, source, day ("2006-01-02" in the requested time zone) or the
// session of an imported event ("(no session)" for the others).
type Group struct {
	Key string
	Totals
}

// Filter selects recent events for listings.
type Filter struct {
	Scope
	// NoKey keeps only events sent without a stored key (key id 0): the
	// "(no key)" row of a breakdown by key.
	NoKey  bool
	Status Status
	Text   string // matched against model, key name, error, prompt and response
	Since  time.Time
	Until  time.Time
	Limit  int
	// Order sorts the listing; the zero value is newest first.
	Order EventOrder
	// After pages: only the events that come after the event with this id
	// in Order; 0 starts from the first.
	After int64
}

// EventColumn names a column a listing of events can be sorted by.
type EventColumn string

// Sortable columns of an event listing.
const (
	OrderTime    EventColumn = "" // the event's time
	OrderModel   EventColumn = "model"
	OrderStatus  EventColumn = "status"
	OrderTokens  EventColumn = "tokens" // every token billed: input, cache reads and writes, output
	OrderCost    EventColumn = "cost"
	OrderLatency EventColumn = "latency"
)

// EventOrder sorts events by a column, descending unless Asc. Events equal
// on the column follow their ids in the same direction, so that the order
// is total and a page read with Filter.After neither repeats nor skips one.
type EventOrder struct {
	By  EventColumn
	Asc bool
}

// Period is a budget period.
type Period string

// Periods.
const (
	Daily   Period = "daily"
	Weekly  Period = "weekly"
	Monthly Period = "monthly"
)

// Budget is a spending limit on a scope. Scope is written as in the CLI:
// "all", "provider:openai", "key:openai/work", "model:openai/gpt-4o-mini".
type Budget struct {
	ID         int64
	Scope      string
	Period     Period
	Limit      money.USD
	Hard       bool
	Thresholds []int // percents, ascending
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// AlertKind names why an alert fired.
type AlertKind string

// Alert kinds.
const (
	AlertThreshold AlertKind = "threshold"
	AlertForecast  AlertKind = "forecast"
	AlertAnomaly   AlertKind = "anomaly"
	AlertRotation  AlertKind = "rotation"
	AlertKey       AlertKind = "key" // a key was rejected or ran out of credit
	// AlertBalance: a provider's balance fell below [alerts] low_balance_usd.
	AlertBalance AlertKind = "balance"
)

// Alert is a stored alert. (Kind, Scope, PeriodKey, Threshold) is unique, so
// two processes crossing the same threshold at once store one alert.
type Alert struct {
	ID        int64
	Time      time.Time
	Kind      AlertKind
	Scope     string
	BudgetID  int64  // 0 for alerts not tied to a budget
	PeriodKey string // e.g. "2026-11" or "2026-11-22"; identifies the period or day
	Threshold int    // percent, threshold alerts only
	Message   string
	Acked     bool
	AckedAt   time.Time
}

// KeySource says where a key's secret lives.
type KeySource string

// Key sources.
const (
	KeyKeychain KeySource = "keychain"
	KeyEnv      KeySource = "env"
	KeyFile     KeySource = "file"
)

// Key is a key's metadata. The secret itself is never stored here.
type Key struct {
	ID          int64
	Provider    string
	Label       string
	Last4       string
	Fingerprint string // first 8 hex digits of SHA-256 of the secret
	Source      KeySource
	Default     bool
	CreatedAt   time.Time
	RotatedAt   time.Time
	ValidatedAt time.Time
	LastUsedAt  time.Time
	RevokedAt   time.Time
	// Admin marks an admin or management credential (OpenAI admin key,
	// Anthropic Admin API key, OpenRouter management key): it reads the
	// provider's usage, cost and balance reports and is never sent with a
	// prompt, by the CLI, the TUI or the proxy.
	Admin bool
	// Health is what byok last learned about the key from a check or a
	// request sent with it, when, and why (redacted).
	Health       KeyHealth
	HealthAt     time.Time
	HealthDetail string
}

// KeyHealth is what byok last learned about a key.
type KeyHealth string

// Key health states; the zero value means nothing was learned yet.
const (
	HealthUnknown     KeyHealth = ""
	HealthOK          KeyHealth = "ok"
	HealthRejected    KeyHealth = "rejected"       // the provider refused it (401/403)
	HealthNoCredit    KeyHealth = "no_credit"      // valid, but the account cannot spend
	HealthMissing     KeyHealth = "missing_secret" // the keyring no longer holds its secret
	HealthUnreachable KeyHealth = "unreachable"    // the last check could not reach the provider
)

// Key kinds as stored.
const (
	keyKindAPI   = "api"
	keyKindAdmin = "admin"
)

func (k Key) kind() string {
	if k.Admin {
		return keyKindAdmin
	}
	return keyKindAPI
}

// Name returns "provider/label", the keychain account and the key's scope name.
func (k Key) Name() string { return k.Provider + "/" + k.Label }

// Revoked reports whether the key was removed.
func (k Key) Revoked() bool { return !k.RevokedAt.IsZero() }

// AuditEntry is one line of the audit log (key lifecycle, price overrides,
// budget changes, imports).
type AuditEntry struct {
	ID      int64
	Time    time.Time
	Action  string // e.g. "key.add", "key.rotate", "price.set", "budget.set"
	Subject string // e.g. "openai/work", "openai/gpt-4o"
	Detail  string // redacted free text or JSON
}

// refusal is an error whose message is whole already: it matches its
// sentinel with errors.Is without adding the sentinel's words to what the
// user reads ("no key with id 9 (see `byok keys list`)", not "…: not found").
type refusal struct {
	msg      string
	sentinel error
}

func (e *refusal) Error() string        { return e.msg }
func (e *refusal) Is(target error) bool { return target == e.sentinel }

// Refuse makes a refusal that is sentinel. app words its own refusals
// with it too, so both layers' errors read and match alike.
func Refuse(sentinel error, format string, args ...any) error {
	return &refusal{msg: fmt.Sprintf(format, args...), sentinel: sentinel}
}
