package tracing_test

import (
	"context"
	"slices"
	"testing"

	"github.com/chatwasm/chatwasm/host/reqlog"
	"github.com/chatwasm/chatwasm/host/tracing"
	"github.com/chatwasm/chatwasm/internal/otlptest"
)

// noOTELEnv clears the variables that would name an endpoint.
func noOTELEnv(t *testing.T) {
	for _, v := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SDK_DISABLED",
		"OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES"} {
		t.Setenv(v, "")
	}
}

// TestOff: with no endpoint tracing is off, and its calls neither start
// spans nor allocate.
func TestOff(t *testing.T) {
	noOTELEnv(t)
	ctx := context.Background()
	tr, stop, err := tracing.Start(ctx, tracing.Config{SampleRatio: 1})
	if err != nil || tr != nil {
		t.Fatalf("Start without an endpoint: %v, %v; want a nil tracer", tr, err)
	}
	if err := stop(ctx); err != nil {
		t.Fatal(err)
	}
	allocs := testing.AllocsPerRun(100, func() {
		octx, op := tr.Operation(ctx, "message.send", "message.send", 1, "acme")
		hctx, h := tracing.Hook(octx, "m", "create_message", "extend")
		h.Layer(0)
		_, tx := tracing.Transaction(hctx, true)
		tx.Attempt()
		_ = tracing.Inside(hctx, tx)
		tracing.Room(octx, "r")
		if op.Recording() || h.Recording() || tx.Recording() || octx != ctx || hctx != ctx {
			t.Fatal("a span started with tracing off")
		}
		tx.End(nil)
		h.EndHook("ok", nil)
		op.EndOperation("ok", nil)
	})
	if allocs != 0 {
		t.Errorf("tracing off allocates %v times per operation", allocs)
	}
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:1")
	t.Setenv("OTEL_SDK_DISABLED", "true")
	if tr, _, err := tracing.Start(ctx, tracing.Config{SampleRatio: 1}); tr != nil || err != nil {
		t.Errorf("OTEL_SDK_DISABLED=true: %v, %v; want tracing off", tr, err)
	}
}

// traceOne records an operation with a hook call and a transaction in it.
func traceOne(t *testing.T, tr *tracing.Tracer) {
	t.Helper()
	if tr == nil {
		t.Fatal("tracing is off")
	}
	ctx, op := tr.Operation(reqlog.WithID(context.Background(), "c.1"), "message.send", "message.send", 7, "acme")
	hctx, h := tracing.Hook(ctx, "audit", "create_message", "extend")
	h.Layer(0)
	_, tx := tracing.Transaction(hctx, true)
	tx.Attempt()
	tx.End(nil)
	h.EndHook("ok", nil)
	op.EndOperation("ok", nil)
}

// TestExport: spans go to the configured endpoint, or to the standard
// variable's, over OTLP/HTTP, when the tracer stops.
func TestExport(t *testing.T) {
	for _, byEnv := range []bool{false, true} {
		name := "--otlp-endpoint"
		if byEnv {
			name = "OTEL_EXPORTER_OTLP_ENDPOINT"
		}
		t.Run(name, func(t *testing.T) {
			noOTELEnv(t)
			col := otlptest.New(t)
			cfg := tracing.Config{SampleRatio: 1, Version: "v1.2.3", NodeID: "node-a"}
			if byEnv {
				t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", col.URL)
			} else {
				cfg.Endpoint = col.URL + "/"
			}
			ctx := context.Background()
			tr, stop, err := tracing.Start(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			traceOne(t, tr)
			if err := stop(ctx); err != nil {
				t.Fatal(err)
			}
			if paths := col.Paths(); len(paths) == 0 || slices.ContainsFunc(paths, func(p string) bool { return p != "/v1/traces" }) {
				t.Errorf("exports to %v, want /v1/traces", paths)
			}
			for _, name := range []string{"message.send", "hook create_message", "write transaction"} {
				if len(col.Named(name)) != 1 {
					t.Errorf("span %q not exported once; got %v", name, col.Spans())
				}
			}
			for _, op := range col.Named("message.send") {
				if got := op.Attrs["chatwasm.request_id"]; got != "c.1" {
					t.Errorf("request id %q", got)
				}
				for k, v := range map[string]string{"service.name": "chatwasm", "service.version": "v1.2.3", "service.instance.id": "node-a"} {
					if got := op.Resource[k]; got != v {
						t.Errorf("resource %s = %q, want %q", k, got, v)
					}
				}
			}
		})
	}
}

func TestSampleRatioRange(t *testing.T) {
	noOTELEnv(t)
	for _, r := range []float64{-0.1, 1.5} {
		if _, _, err := tracing.Start(context.Background(), tracing.Config{Endpoint: "http://127.0.0.1:1", SampleRatio: r}); err == nil {
			t.Errorf("ratio %v accepted", r)
		}
	}
}
