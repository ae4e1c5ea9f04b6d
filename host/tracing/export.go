package tracing

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Config says where spans are exported and how many.
type Config struct {
	// Endpoint is the base URL of an OTLP/HTTP collector
	// ("http://collector:4318"; "/v1/traces" is appended), as the standard
	// OTEL_EXPORTER_OTLP_ENDPOINT. "" leaves the endpoint to that variable
	// or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT; with neither set tracing is off.
	// The exporter's other OTEL_EXPORTER_OTLP_* variables (headers, TLS,
	// timeout, compression) apply either way.
	Endpoint string
	// SampleRatio is the share of operations traced, from 0 to 1.
	SampleRatio float64
	// Version and NodeID name this process in the spans' resource
	// (service.version, service.instance.id); OTEL_SERVICE_NAME and
	// OTEL_RESOURCE_ATTRIBUTES override them.
	Version, NodeID string
}

// enabled reports whether cfg, or the environment, names an endpoint.
// OTEL_SDK_DISABLED=true turns tracing off whatever is set.
func (cfg Config) enabled() bool {
	if strings.EqualFold(os.Getenv("OTEL_SDK_DISABLED"), "true") {
		return false
	}
	return cfg.Endpoint != "" || os.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" ||
		os.Getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// Start returns the Tracer exporting spans as cfg says, in batches, and
// the function that flushes and stops it; with no endpoint configured, a
// nil Tracer (tracing off) and a shutdown that does nothing.
func Start(ctx context.Context, cfg Config) (*Tracer, func(context.Context) error, error) {
	if !cfg.enabled() {
		return nil, func(context.Context) error { return nil }, nil
	}
	if cfg.SampleRatio < 0 || cfg.SampleRatio > 1 {
		return nil, nil, fmt.Errorf("tracing: sample ratio %v is not between 0 and 1", cfg.SampleRatio)
	}
	var opts []otlptracehttp.Option
	if cfg.Endpoint != "" {
		opts = append(opts, otlptracehttp.WithEndpointURL(strings.TrimSuffix(cfg.Endpoint, "/")+"/v1/traces"))
	}
	exp, err := otlptracehttp.New(ctx, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	attrs := []attribute.KeyValue{attribute.String("service.name", "chatwasm")}
	if cfg.Version != "" {
		attrs = append(attrs, attribute.String("service.version", cfg.Version))
	}
	if cfg.NodeID != "" {
		attrs = append(attrs, attribute.String("service.instance.id", cfg.NodeID))
	}
	// Later options win: the environment's names over ours.
	res, err := resource.New(ctx, resource.WithTelemetrySDK(), resource.WithAttributes(attrs...), resource.WithFromEnv())
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, nil, fmt.Errorf("tracing: resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(cfg.SampleRatio))),
	)
	return New(tp), tp.Shutdown, nil
}
