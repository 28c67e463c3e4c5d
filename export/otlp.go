package export

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/byokhq/byok/store"
)

// OTLPConfig configures an OTLP sender. Header values are secrets already
// read from the keychain by the caller; they go only into the requests.
type OTLPConfig struct {
	// Endpoint is the OTLP/HTTP base URL (http://localhost:4318): traces go
	// to Endpoint/v1/traces and metrics to Endpoint/v1/metrics.
	Endpoint string
	Headers  map[string]string
	// Resource holds extra resource attributes; service.name is always
	// "byok" and host.name the machine's name.
	Resource map[string]string
	// HostName is host.name; ServiceVersion is service.version.
	HostName       string
	ServiceVersion string
	// Instance identifies the database (service.instance.id, and the seed
	// of span ids derived from event ids).
	Instance string
	// Content adds the prompt and reply text to spans.
	Content bool
	// Timeout bounds one send; zero means 10 seconds.
	Timeout time.Duration
}

// OTLP sends batches of events to an OTLP/HTTP endpoint (protobuf): one
// span per request and delta metrics for the batch. It keeps no queue of
// its own: a batch that fails is the caller's to send again (see Batch).
// Its methods must not be called concurrently.
type OTLP struct {
	cfg     OTLPConfig
	traces  spanExporter
	metrics metricExporter
	res     *resource.Resource
	ids     *eventIDs
	spans   *collected
	tp      *sdktrace.TracerProvider
	tracer  trace.Tracer
	reader  *sdkmetric.ManualReader
	mp      *sdkmetric.MeterProvider
	inst    instruments
}

type spanExporter interface {
	ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error
	Shutdown(context.Context) error
}

type metricExporter interface {
	Export(context.Context, *metricdata.ResourceMetrics) error
	Shutdown(context.Context) error
}

// instruments are the metrics of the conventions byok records, and its cost.
type instruments struct {
	tokens     metric.Int64Histogram
	duration   metric.Float64Histogram
	firstChunk metric.Float64Histogram
	cost       metric.Float64Counter
}

// The conventions' advised bucket boundaries.
var (
	tokenBuckets    = []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}
	durationBuckets = []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}
)

// CheckEndpoint says whether an OTLP/HTTP base URL is usable.
func CheckEndpoint(endpoint string) error {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("endpoint %q: write the OTLP/HTTP base URL, e.g. http://localhost:4318 (byok adds /v1/traces and /v1/metrics)", endpoint)
	}
	return nil
}

// NewOTLP builds a sender. Nothing is sent and no connection is opened
// until Send.
func NewOTLP(ctx context.Context, cfg OTLPConfig) (*OTLP, error) {
	if err := CheckEndpoint(cfg.Endpoint); err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	base := strings.TrimSuffix(cfg.Endpoint, "/")
	// Retries are the outbox's: the exporters try once and say how it went,
	// so a batch is never half in the exporter's queue and half in ours.
	te, err := otlptracehttp.New(ctx,
		otlptracehttp.WithEndpointURL(base+"/v1/traces"),
		otlptracehttp.WithHeaders(cfg.Headers),
		otlptracehttp.WithTimeout(cfg.Timeout),
		otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false}))
	if err != nil {
		return nil, fmt.Errorf("OTLP traces exporter: %w", err)
	}
	me, err := otlpmetrichttp.New(ctx,
		otlpmetrichttp.WithEndpointURL(base+"/v1/metrics"),
		otlpmetrichttp.WithHeaders(cfg.Headers),
		otlpmetrichttp.WithTimeout(cfg.Timeout),
		otlpmetrichttp.WithRetry(otlpmetrichttp.RetryConfig{Enabled: false}))
	if err != nil {
		return nil, fmt.Errorf("OTLP metrics exporter: %w", err)
	}
	return newOTLP(cfg, te, me)
}

func newOTLP(cfg OTLPConfig, te spanExporter, me metricExporter) (*OTLP, error) {
	o := &OTLP{cfg: cfg, traces: te, metrics: me}
	o.res = resource.NewSchemaless(resourceAttrs(cfg)...)
	o.ids = &eventIDs{seed: cfg.Instance}
	o.spans = &collected{}
	o.tp = sdktrace.NewTracerProvider(
		sdktrace.WithResource(o.res),
		sdktrace.WithIDGenerator(o.ids),
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithSpanProcessor(o.spans))
	o.tracer = o.tp.Tracer("github.com/byokhq/byok/export")
	// Delta temporality: each batch's points carry exactly the events of
	// the batch, so a batch delivered once is counted once, whichever
	// process sent it.
	o.reader = sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(func(sdkmetric.InstrumentKind) metricdata.Temporality {
		return metricdata.DeltaTemporality
	}))
	o.mp = sdkmetric.NewMeterProvider(sdkmetric.WithResource(o.res), sdkmetric.WithReader(o.reader))
	m := o.mp.Meter("github.com/byokhq/byok/export")
	var err error
	if o.inst.tokens, err = m.Int64Histogram(metricTokenUsage, metric.WithUnit("{token}"),
		metric.WithDescription("Number of input and output tokens used."), metric.WithExplicitBucketBoundaries(tokenBuckets...)); err != nil {
		return nil, err
	}
	if o.inst.duration, err = m.Float64Histogram(metricDuration, metric.WithUnit("s"),
		metric.WithDescription("GenAI operation duration."), metric.WithExplicitBucketBoundaries(durationBuckets...)); err != nil {
		return nil, err
	}
	if o.inst.firstChunk, err = m.Float64Histogram(metricFirstChunk, metric.WithUnit("s"),
		metric.WithDescription("Time to receive the first chunk of a streamed reply."), metric.WithExplicitBucketBoundaries(durationBuckets...)); err != nil {
		return nil, err
	}
	if o.inst.cost, err = m.Float64Counter(metricCost, metric.WithUnit("USD"),
		metric.WithDescription("What requests cost, in US dollars, as byok priced them (see byok.cost.state).")); err != nil {
		return nil, err
	}
	return o, nil
}

func resourceAttrs(cfg OTLPConfig) []attribute.KeyValue {
	var kv []attribute.KeyValue
	for _, k := range slices.Sorted(maps.Keys(cfg.Resource)) {
		if k == attrServiceName || k == "host.name" {
			continue // always byok's own
		}
		kv = append(kv, attribute.String(k, cfg.Resource[k]))
	}
	kv = append(kv, attribute.String(attrServiceName, "byok"), attribute.String("host.name", cfg.HostName))
	if cfg.ServiceVersion != "" {
		kv = append(kv, attribute.String("service.version", cfg.ServiceVersion))
	}
	if cfg.Instance != "" {
		kv = append(kv, attribute.String("service.instance.id", cfg.Instance))
	}
	return kv
}

// Batch is a batch of events on its way: what was delivered already, so a
// retry of the same batch does not send it twice.
type Batch struct {
	Events []store.Event
	// Metrics says whether the batch's metrics are sent at all: history
	// sent again carries spans only, since metric points cannot be told
	// apart by a backend and would count twice.
	Metrics bool

	spansSent   bool
	metricsSent bool
	points      *metricdata.ResourceMetrics
}

// NewBatch returns a batch of events; metrics says whether its metric
// points are sent along with its spans.
func NewBatch(events []store.Event, metrics bool) *Batch {
	return &Batch{Events: events, Metrics: metrics}
}

// Done reports whether every part of the batch was delivered.
func (b *Batch) Done() bool { return b.spansSent && (!b.Metrics || b.metricsSent) }

// Send delivers a batch: spans first, then metrics. Spans carry ids
// derived from event ids, so a backend that receives one twice (a retry
// after a lost answer) keeps one; metric points are made once per batch
// and a failed metrics send retries the same points.
func (o *OTLP) Send(ctx context.Context, b *Batch) error {
	ctx, cancel := context.WithTimeout(ctx, 2*o.cfg.Timeout)
	defer cancel()
	if !b.spansSent {
		spans := o.makeSpans(b.Events)
		if len(spans) > 0 {
			if err := o.traces.ExportSpans(ctx, spans); err != nil {
				return fmt.Errorf("send %d spans to %s: %w", len(spans), o.cfg.Endpoint, err)
			}
		}
		b.spansSent = true
	}
	if !b.Metrics || b.metricsSent {
		return nil
	}
	if b.points == nil {
		rm, err := o.makePoints(ctx, b.Events)
		if err != nil {
			return err
		}
		b.points = rm
	}
	if len(b.points.ScopeMetrics) > 0 {
		if err := o.metrics.Export(ctx, b.points); err != nil {
			return fmt.Errorf("send metrics to %s: %w", o.cfg.Endpoint, err)
		}
	}
	b.metricsSent, b.points = true, nil
	return nil
}

// Shutdown closes the exporters' connections.
func (o *OTLP) Shutdown(ctx context.Context) error {
	return errors.Join(o.tp.Shutdown(ctx), o.mp.Shutdown(ctx), o.traces.Shutdown(ctx), o.metrics.Shutdown(ctx))
}

// commonAttrs are the attributes every metric point and span of an event
// carries.
func commonAttrs(e *store.Event) []attribute.KeyValue {
	if !isRequest(e) {
		// A manual spend entry names no operation or model.
		return []attribute.KeyValue{
			attribute.String(attrProvider, ProviderName(e.Provider)),
			attribute.String(attrSource, string(e.Source)),
			attribute.String(attrKey, keyName(e)),
		}
	}
	kv := []attribute.KeyValue{
		attribute.String(attrOperation, OperationName(e)),
		attribute.String(attrProvider, ProviderName(e.Provider)),
		attribute.String(attrRequestModel, e.Model),
		attribute.String(attrSource, string(e.Source)),
		attribute.String(attrKey, keyName(e)),
	}
	if e.Status == store.StatusOK || e.Status == store.StatusPartial {
		// byok records the model it asked for; a provider answering at all
		// answered as that model as far as byok knows.
		kv = append(kv, attribute.String(attrRespModel, e.Model))
	}
	return kv
}

// keyName is the key's "provider/label", or "" when none was used.
func keyName(e *store.Event) string { return e.KeyName }

func (o *OTLP) makePoints(ctx context.Context, events []store.Event) (*metricdata.ResourceMetrics, error) {
	for i := range events {
		e := &events[i]
		common := commonAttrs(e)
		cost := append(append([]attribute.KeyValue{}, common...), attribute.String(attrCostState, string(e.CostState)))
		o.inst.cost.Add(ctx, e.Cost.Float(), metric.WithAttributes(cost...))
		if !isRequest(e) {
			continue
		}
		// Input is recorded in up to three parts told apart by
		// byok.token.cache, so that the parts sum to the conventions' input
		// (which includes cached tokens) and a dashboard can still split it.
		parts := []struct {
			cache string
			n     int64
		}{{"none", e.InputTokens}, {"read", e.CacheReadTokens}, {"write", e.CacheWriteTokens()}}
		for _, p := range parts {
			if p.n == 0 && p.cache != "none" {
				continue
			}
			o.inst.tokens.Record(ctx, p.n, metric.WithAttributes(append(append([]attribute.KeyValue{}, common...),
				attribute.String(attrTokenType, "input"), attribute.String(attrCache, p.cache))...))
		}
		o.inst.tokens.Record(ctx, e.OutputTokens, metric.WithAttributes(append(append([]attribute.KeyValue{}, common...),
			attribute.String(attrTokenType, "output"))...))
		dur := common
		if et := ErrorType(e); et != "" {
			dur = append(append([]attribute.KeyValue{}, common...), attribute.String(attrErrorType, et))
		}
		o.inst.duration.Record(ctx, e.Latency.Seconds(), metric.WithAttributes(dur...))
		if e.TTFT > 0 {
			o.inst.firstChunk.Record(ctx, e.TTFT.Seconds(), metric.WithAttributes(common...))
		}
	}
	var rm metricdata.ResourceMetrics
	if err := o.reader.Collect(ctx, &rm); err != nil {
		return nil, fmt.Errorf("collect metrics: %w", err)
	}
	return &rm, nil
}

type eventIDKey struct{}

// makeSpans returns one finished span per request of events, in order.
func (o *OTLP) makeSpans(events []store.Event) []sdktrace.ReadOnlySpan {
	for i := range events {
		e := &events[i]
		if !isRequest(e) {
			continue
		}
		ctx := context.WithValue(context.Background(), eventIDKey{}, e.ID)
		op := OperationName(e)
		attrs := append(commonAttrs(e),
			attribute.Int64(attrEventID, e.ID),
			attribute.Int64(attrUsageInput, InputTokens(e)),
			attribute.Int64(attrUsageOutput, e.OutputTokens),
			attribute.Int64(attrUsageCacheRead, e.CacheReadTokens),
			attribute.Int64(attrUsageCacheWrite, e.CacheWriteTokens()),
			attribute.Int64(attrUsageReasoning, e.ReasoningTokens),
			attribute.Float64(attrCost, e.Cost.Float()),
			attribute.String(attrCostUSD, e.Cost.Decimal()),
			attribute.String(attrCostState, string(e.CostState)),
			attribute.String(attrStatus, string(e.Status)),
		)
		if e.RequestID != "" {
			attrs = append(attrs, attribute.String(attrResponseID, e.RequestID))
		}
		if e.Client != "" {
			attrs = append(attrs, attribute.String(attrClient, e.Client))
		}
		if e.HTTPStatus != 0 {
			attrs = append(attrs, attribute.Int(attrHTTPStatus, e.HTTPStatus))
		}
		if et := ErrorType(e); et != "" {
			attrs = append(attrs, attribute.String(attrErrorType, et))
		}
		if o.cfg.Content {
			if e.Prompt != "" {
				attrs = append(attrs, attribute.String(attrInputMessages, messages("user", e.Prompt)))
			}
			if e.Response != "" {
				attrs = append(attrs, attribute.String(attrOutputMessages, messages("assistant", e.Response)))
			}
		}
		_, span := o.tracer.Start(ctx, op+" "+e.Model, trace.WithSpanKind(trace.SpanKindClient),
			trace.WithTimestamp(e.Time), trace.WithAttributes(attrs...))
		if e.Status == store.StatusError || e.Status == store.StatusCancelled {
			span.SetStatus(codes.Error, e.ErrorMessage)
		}
		span.End(trace.WithTimestamp(e.Time.Add(e.Latency)))
	}
	return o.spans.take()
}

// messages writes text as the conventions' message list: one message of
// the role with one text part.
func messages(role, text string) string {
	b, _ := json.Marshal([]map[string]any{{"role": role, "parts": []map[string]string{{"type": "text", "content": text}}}})
	return string(b)
}

// eventIDs derives a span's trace and span id from the event id (carried
// in the context) and the database's identity: the same event always
// becomes the same span, so a backend can drop a copy sent again.
type eventIDs struct{ seed string }

func (g *eventIDs) sum(ctx context.Context) [32]byte {
	id, _ := ctx.Value(eventIDKey{}).(int64)
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(id))
	return sha256.Sum256(append([]byte(g.seed+":"), n[:]...))
}

// NewIDs implements sdktrace.IDGenerator.
func (g *eventIDs) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	h := g.sum(ctx)
	var t trace.TraceID
	var s trace.SpanID
	copy(t[:], h[:16])
	copy(s[:], h[16:24])
	return t, s
}

// NewSpanID implements sdktrace.IDGenerator; byok's spans have no children.
func (g *eventIDs) NewSpanID(ctx context.Context, _ trace.TraceID) trace.SpanID {
	_, s := g.NewIDs(ctx)
	return s
}

// SpanIDs returns the trace and span id (hex) the event with id gets from
// a sender whose database identity is instance.
func SpanIDs(instance string, id int64) (traceID, spanID string) {
	g := &eventIDs{seed: instance}
	t, s := g.NewIDs(context.WithValue(context.Background(), eventIDKey{}, id))
	return t.String(), s.String()
}

// collected gathers ended spans for the next export.
type collected struct {
	mu    sync.Mutex
	spans []sdktrace.ReadOnlySpan
}

func (c *collected) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (c *collected) OnEnd(s sdktrace.ReadOnlySpan) {
	c.mu.Lock()
	c.spans = append(c.spans, s)
	c.mu.Unlock()
}
func (c *collected) Shutdown(context.Context) error   { return nil }
func (c *collected) ForceFlush(context.Context) error { return nil }

func (c *collected) take() []sdktrace.ReadOnlySpan {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.spans
	c.spans = nil
	return s
}
