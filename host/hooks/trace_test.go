package hooks_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/tracing"
)

// TestHookSpans: each module call of a traced request is a span under the
// request's, with its module, layer and outcome: a fault hidden by
// on_failure: open still marks its layer's span with an error, and a
// timeout is told from a trap.
func TestHookSpans(t *testing.T) {
	for _, tc := range []struct {
		name, mode, policy, outcome string
		calls                       int // spans of module b, the layer below
	}{
		{"trap open", "trap", "open", hooks.OutcomeFault, 1},
		{"timeout closed", "loop", "closed", hooks.OutcomeTimeout, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := guestSet(t, hooks.Options{},
				guestModule{name: "a", hooks: "create_message", config: "mode: " + tc.mode + ", tag: a",
					more: []string{"timeout: 100ms", "on_failure: " + tc.policy}},
				guestModule{name: "b", hooks: "create_message", config: "mode: wrap, tag: b"},
			)
			exp := tracetest.NewInMemoryExporter()
			tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
			defer func() { _ = tp.Shutdown(context.Background()) }()
			ctx, root := tp.Tracer("test").Start(context.Background(), "request")
			_, _ = s.Run(ctx, "create_message", alice, []byte(`{"trail":[]}`), (&core{}).next)
			root.End()

			byModule := map[string][]tracetest.SpanStub{}
			for _, sp := range exp.GetSpans() {
				if sp.Name == "hook create_message" {
					m := attrOf(sp, tracing.AttrModule)
					byModule[m.AsString()] = append(byModule[m.AsString()], sp)
				}
			}
			if len(byModule["a"]) != 1 || len(byModule["b"]) != tc.calls {
				t.Fatalf("spans by module: %d of a, %d of b; want 1 and %d", len(byModule["a"]), len(byModule["b"]), tc.calls)
			}
			a := byModule["a"][0]
			if a.Parent.SpanID() != root.SpanContext().SpanID() || a.Status.Code != codes.Error ||
				attrOf(a, tracing.AttrOutcome).AsString() != tc.outcome || attrOf(a, tracing.AttrLayer).AsInt64() != 0 ||
				attrOf(a, tracing.AttrHookKind).AsString() != "extend" {
				t.Errorf("a's span: parent %v, status %v, attributes %v", a.Parent.SpanID(), a.Status, a.Attributes)
			}
			for _, b := range byModule["b"] {
				if attrOf(b, tracing.AttrOutcome).AsString() != hooks.OutcomeOK || attrOf(b, tracing.AttrLayer).AsInt64() != 1 ||
					b.Status.Code != codes.Unset {
					t.Errorf("b's span: status %v, attributes %v", b.Status, b.Attributes)
				}
			}
		})
	}
}

// attrOf is sp's attribute k (the zero Value if absent).
func attrOf(sp tracetest.SpanStub, k attribute.Key) attribute.Value {
	for _, kv := range sp.Attributes {
		if kv.Key == k {
			return kv.Value
		}
	}
	return attribute.Value{}
}
