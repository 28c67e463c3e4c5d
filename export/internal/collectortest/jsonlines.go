package main

import (
	"context"
	"errors"
	"os"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// jsonLinesConfig names the file batches are appended to.
type jsonLinesConfig struct {
	Path string `mapstructure:"path"`
}

// Validate requires a path.
func (c *jsonLinesConfig) Validate() error {
	if c.Path == "" {
		return errors.New("jsonlines: path is required")
	}
	return nil
}

func newJSONLinesFactory() exporter.Factory {
	return exporter.NewFactory(component.MustNewType("jsonlines"),
		func() component.Config { return &jsonLinesConfig{} },
		exporter.WithTraces(func(_ context.Context, _ exporter.Settings, cfg component.Config) (exporter.Traces, error) {
			return openJSONLines(cfg.(*jsonLinesConfig))
		}, component.StabilityLevelDevelopment),
		exporter.WithMetrics(func(_ context.Context, _ exporter.Settings, cfg component.Config) (exporter.Metrics, error) {
			return openJSONLines(cfg.(*jsonLinesConfig))
		}, component.StabilityLevelDevelopment),
	)
}

// jsonLines appends each batch as one line of OTLP JSON and syncs the file
// before the receiver answers, so what the sender was told arrived is on
// disk even if the collector is killed next.
type jsonLines struct {
	mu   sync.Mutex
	path string
	f    *os.File
}

var (
	filesMu sync.Mutex
	files   = map[string]*jsonLines{}
)

// openJSONLines shares one writer per path between the traces and the
// metrics pipeline.
func openJSONLines(c *jsonLinesConfig) (*jsonLines, error) {
	filesMu.Lock()
	defer filesMu.Unlock()
	if j := files[c.Path]; j != nil {
		return j, nil
	}
	j := &jsonLines{path: c.Path}
	files[c.Path] = j
	return j, nil
}

func (j *jsonLines) Start(context.Context, component.Host) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f != nil {
		return nil
	}
	f, err := os.OpenFile(j.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	j.f = f
	return err
}

func (j *jsonLines) Shutdown(context.Context) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return err
}

func (j *jsonLines) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (j *jsonLines) write(b []byte) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errors.New("jsonlines: not started")
	}
	if _, err := j.f.Write(append(b, '\n')); err != nil {
		return err
	}
	return j.f.Sync()
}

func (j *jsonLines) ConsumeTraces(_ context.Context, td ptrace.Traces) error {
	b, err := (&ptrace.JSONMarshaler{}).MarshalTraces(td)
	if err != nil {
		return err
	}
	return j.write(append([]byte(`{"traces":`), append(b, '}')...))
}

func (j *jsonLines) ConsumeMetrics(_ context.Context, md pmetric.Metrics) error {
	b, err := (&pmetric.JSONMarshaler{}).MarshalMetrics(md)
	if err != nil {
		return err
	}
	return j.write(append([]byte(`{"metrics":`), append(b, '}')...))
}
