package tracing_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/chatwasm/chatwasm/host/reqlog"
	"github.com/chatwasm/chatwasm/host/tracing"
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

// collector is an OTLP/HTTP endpoint keeping the spans it receives.
type collector struct {
	mu    sync.Mutex
	spans map[string]map[string]string // span name → its string attributes
	res   map[string]string            // the resource's attributes
	paths []string
}

func newCollector(t *testing.T) (*collector, string) {
	c := &collector{spans: map[string]map[string]string{}, res: map[string]string{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		var req coltrace.ExportTraceServiceRequest
		if err == nil {
			err = proto.Unmarshal(body, &req)
		}
		if err != nil {
			t.Errorf("collector: %v", err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		c.paths = append(c.paths, r.URL.Path)
		for _, rs := range req.ResourceSpans {
			for _, kv := range rs.Resource.Attributes {
				c.res[kv.Key] = kv.Value.GetStringValue()
			}
			for _, ss := range rs.ScopeSpans {
				for _, sp := range ss.Spans {
					attrs := map[string]string{}
					for _, kv := range sp.Attributes {
						attrs[kv.Key] = kv.Value.GetStringValue()
					}
					c.spans[sp.Name] = attrs
				}
			}
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(nil)
	}))
	t.Cleanup(srv.Close)
	return c, srv.URL
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
			col, url := newCollector(t)
			cfg := tracing.Config{SampleRatio: 1, Version: "v1.2.3", NodeID: "node-a"}
			if byEnv {
				t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", url)
			} else {
				cfg.Endpoint = url + "/"
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
			col.mu.Lock()
			defer col.mu.Unlock()
			if len(col.paths) == 0 || slices.ContainsFunc(col.paths, func(p string) bool { return p != "/v1/traces" }) {
				t.Errorf("exports to %v, want /v1/traces", col.paths)
			}
			for _, name := range []string{"message.send", "hook create_message", "write transaction"} {
				if _, ok := col.spans[name]; !ok {
					t.Errorf("span %q not exported; got %v", name, col.spans)
				}
			}
			if got := col.spans["message.send"]["chatwasm.request_id"]; got != "c.1" {
				t.Errorf("request id %s", got)
			}
			for k, v := range map[string]string{"service.name": "chatwasm", "service.version": "v1.2.3", "service.instance.id": "node-a"} {
				if got := col.res[k]; got != v {
					t.Errorf("resource %s = %s, want %q", k, got, v)
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
