package chat_test

import (
	"context"
	"encoding/json"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/chat"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/reqlog"
	"github.com/chatwasm/chatwasm/host/tracing"
)

// traced makes the env's service trace into the returned exporter, which
// has every span once it ended, sampled as sampler says.
func (e *notifyEnv) traced(sampler sdktrace.Sampler) *tracetest.InMemoryExporter {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithSampler(sampler))
	e.t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	e.opts = append(e.opts, chat.WithTracer(tracing.New(tp)))
	return exp
}

// handleAs runs event with data for c in request id, as the gateway does.
func (e *notifyEnv) handleAs(c chat.Caller, id, event string, data map[string]any) error {
	e.t.Helper()
	raw, err := json.Marshal(data)
	if err != nil {
		e.t.Fatal(err)
	}
	_, err = e.svc.Handle(reqlog.WithID(context.Background(), id), c, event, raw)
	return err
}

// spanSet is the spans an exporter got.
type spanSet struct {
	t     *testing.T
	spans tracetest.SpanStubs
}

// named returns the spans called name.
func (s spanSet) named(name string) []tracetest.SpanStub {
	var out []tracetest.SpanStub
	for _, sp := range s.spans {
		if sp.Name == name {
			out = append(out, sp)
		}
	}
	return out
}

// one returns the one span called name.
func (s spanSet) one(name string) tracetest.SpanStub {
	s.t.Helper()
	got := s.named(name)
	if len(got) != 1 {
		s.t.Fatalf("%d spans %q, want 1; spans: %v", len(got), name, s.names())
	}
	return got[0]
}

func (s spanSet) names() []string {
	out := make([]string, len(s.spans))
	for i, sp := range s.spans {
		out[i] = sp.Name
	}
	return out
}

// under reports whether sp descends from root, by its parents.
func (s spanSet) under(sp, root tracetest.SpanStub) bool {
	byID := map[trace.SpanID]tracetest.SpanStub{}
	for _, x := range s.spans {
		byID[x.SpanContext.SpanID()] = x
	}
	for p := sp.Parent; p.IsValid(); p = byID[p.SpanID()].Parent {
		if p.SpanID() == root.SpanContext.SpanID() {
			return true
		}
	}
	return false
}

// attrs checks that sp has the attributes of want, besides others.
func attrs(t *testing.T, sp tracetest.SpanStub, want ...attribute.KeyValue) {
	t.Helper()
	got := map[attribute.Key]attribute.Value{}
	for _, kv := range sp.Attributes {
		got[kv.Key] = kv.Value
	}
	for _, w := range want {
		if v, ok := got[w.Key]; !ok || v != w.Value {
			t.Errorf("span %q: %s = %q, want %q", sp.Name, w.Key, v.String(), w.Value.String())
		}
	}
}

func TestTraceSpans(t *testing.T) {
	notifyCase(t, "an operation with module hooks: its span, with the hook and transaction spans under it", func(t *testing.T, e *notifyEnv) {
		exp := e.traced(sdktrace.AlwaysSample())
		e.module(nil)
		if err := e.handleAs(e.alice, "chan-alice.1", "message.send", map[string]any{"room_id": e.room, "content": "hi"}); err != nil {
			t.Fatal(err)
		}
		s := spanSet{t, exp.GetSpans()}
		op := s.one("message.send")
		if op.Parent.IsValid() || op.SpanKind != trace.SpanKindServer || op.Status.Code != codes.Unset {
			t.Errorf("operation span: parent %v, kind %v, status %v; want a server root, no error", op.Parent, op.SpanKind, op.Status)
		}
		attrs(t, op, tracing.AttrEvent.String("message.send"), tracing.AttrUser.Int64(e.alice.UserID),
			tracing.AttrTenant.String(e.alice.Tenant), tracing.AttrRoom.String(e.room),
			tracing.AttrRequestID.String("chan-alice.1"), tracing.AttrResult.String("ok"))
		for _, h := range []struct {
			hook string
			kind abi.Kind
		}{
			{abi.PermSendMessage, abi.Permission},
			{abi.OpCreateMessage, abi.Extend},
			{abi.OpCreateChatNotification, abi.Extend},
			{abi.ReplaceHook(abi.OpCreateChatNotification), abi.Replace},
		} {
			sp := s.one("hook " + h.hook)
			if !s.under(sp, op) || sp.Status.Code != codes.Unset {
				t.Errorf("span of %s: under the operation %v, status %v", h.hook, s.under(sp, op), sp.Status)
			}
			attrs(t, sp, tracing.AttrModule.String("notify"), tracing.AttrHook.String(h.hook),
				tracing.AttrHookKind.String(h.kind.String()), tracing.AttrLayer.Int(0), tracing.AttrOutcome.String(hooks.OutcomeOK))
		}
		// The operation's transaction holds the replace layer; the
		// module's key-value writes outside it are transactions of their
		// own, under the hook that made them.
		replace := s.one("hook " + abi.ReplaceHook(abi.OpCreateChatNotification))
		var txs []tracetest.SpanStub
		for _, tx := range s.named("write transaction") {
			if !s.under(tx, op) {
				t.Errorf("a write transaction outside the operation")
			}
			if s.under(replace, tx) {
				txs = append(txs, tx)
			}
		}
		if len(txs) != 1 {
			t.Fatalf("%d write transactions hold the replace layer, want 1", len(txs))
		}
		tx := txs[0]
		if tx.Status.Code != codes.Unset || len(tx.Events) == 0 || tx.Events[0].Name != "attempt" {
			t.Errorf("write transaction span: status %v, events %v", tx.Status, tx.Events)
		}
		attrs(t, tx, tracing.AttrWrite.Bool(true))
		if ext := s.one("hook " + abi.OpCreateMessage); !s.under(tx, ext) {
			t.Error("the operation's transaction is not under its extend layer")
		}
		// With a module in the permission check, it runs in a read
		// transaction of its own.
		if rd := s.one("read transaction"); !s.under(rd, op) {
			t.Error("the permission check's read transaction is not under the operation")
		}
		for _, sp := range s.spans {
			if sp.SpanContext.TraceID() != op.SpanContext.TraceID() {
				t.Errorf("span %q in another trace", sp.Name)
			}
		}
	})
	notifyCase(t, "a refused operation: error status, on its span and on the refusing hook's", func(t *testing.T, e *notifyEnv) {
		exp := e.traced(sdktrace.AlwaysSample())
		e.module(map[string]string{"fail": abi.PermSendMessage})
		err := e.handleAs(e.alice, "chan-alice.2", "message.send", map[string]any{"room_id": e.room, "content": "hi"})
		if err == nil {
			t.Fatal("the module's refusal did not fail the send")
		}
		s := spanSet{t, exp.GetSpans()}
		op := s.one("message.send")
		if op.Status.Code != codes.Error {
			t.Errorf("operation span status %v, want an error", op.Status)
		}
		attrs(t, op, tracing.AttrResult.String("4003"), tracing.AttrRoom.String(e.room))
		perm := s.one("hook " + abi.PermSendMessage)
		if perm.Status.Code != codes.Error || !s.under(perm, op) {
			t.Errorf("refusing hook's span: status %v, under the operation %v", perm.Status, s.under(perm, op))
		}
		attrs(t, perm, tracing.AttrOutcome.String(hooks.OutcomeError))
		if exc := s.one("hook " + abi.ExceptionHook); !s.under(exc, op) {
			t.Error("handle_exception's span is not under the operation")
		}
		// The module's own key-value write, before it refused, is the only
		// write.
		for _, tx := range s.named("write transaction") {
			if !s.under(tx, perm) {
				t.Error("a refused send wrote outside the refusing hook")
			}
		}
		if got := s.named("hook " + abi.OpCreateMessage); len(got) != 0 {
			t.Error("the operation ran after its refusal")
		}
	})
	notifyCase(t, "an unknown event type: a span of a fixed name, an error", func(t *testing.T, e *notifyEnv) {
		exp := e.traced(sdktrace.AlwaysSample())
		e.module(nil)
		if err := e.handleAs(e.alice, "chan-alice.3", "no.such.event", nil); err == nil {
			t.Fatal("an unknown event type succeeded")
		}
		op := spanSet{t, exp.GetSpans()}.one("custom action")
		if op.Status.Code != codes.Error {
			t.Errorf("status %v, want an error", op.Status)
		}
		attrs(t, op, tracing.AttrEvent.String("no.such.event"), tracing.AttrResult.String("invalid event type"))
	})
}

// TestTraceOff: without a tracer, or with one whose sampler leaves the
// operation out, an operation with module hooks makes no span, not even
// on the process's global provider.
func TestTraceOff(t *testing.T) {
	global := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(global))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() { otel.SetTracerProvider(prev); _ = tp.Shutdown(context.Background()) })

	notifyCase(t, "no tracer", func(t *testing.T, e *notifyEnv) {
		e.module(nil)
		if err := e.handleAs(e.alice, "chan-alice.1", "message.send", map[string]any{"room_id": e.room, "content": "hi"}); err != nil {
			t.Fatal(err)
		}
	})
	notifyCase(t, "sampled out", func(t *testing.T, e *notifyEnv) {
		exp := e.traced(sdktrace.NeverSample())
		e.module(nil)
		if err := e.handleAs(e.alice, "chan-alice.1", "message.send", map[string]any{"room_id": e.room, "content": "hi"}); err != nil {
			t.Fatal(err)
		}
		if got := exp.GetSpans(); len(got) != 0 {
			t.Errorf("%d spans of an operation sampled out: %v", len(got), spanSet{t, got}.names())
		}
	})
	if got := global.GetSpans(); len(got) != 0 {
		t.Errorf("%d spans on the global provider: %v", len(got), spanSet{t, got}.names())
	}
}
