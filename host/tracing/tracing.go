// Package tracing starts chatwasm's OpenTelemetry spans: one per client
// operation, one per module hook call and one per transaction, the latter
// two as children of the span their context carries.
//
// Tracing costs nothing when it is off: a nil *Tracer starts no operation
// span, and a hook or transaction with no recording span in its context
// (tracing off, or an operation the sampler left out) starts none either,
// at the price of one context lookup. Each kind of span is started in one
// place: the operation runner (chat.Service.Handle), the hook call site
// (hooks.Set's invoke) and the transaction runner (store.Store's Write
// and Read).
package tracing

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/chatwasm/chatwasm/host/reqlog"
)

// Scope is the instrumentation scope of chatwasm's spans.
const Scope = "github.com/chatwasm/chatwasm"

// The attributes of chatwasm's spans.
const (
	// Operation spans.
	AttrEvent     = attribute.Key("chatwasm.event_type")
	AttrUser      = attribute.Key("enduser.id")
	AttrTenant    = attribute.Key("chatwasm.tenant")
	AttrRoom      = attribute.Key("chatwasm.room_id")
	AttrRequestID = attribute.Key("chatwasm.request_id")
	// AttrResult is "ok", the error frame's code ("4002"), or "invalid
	// event type".
	AttrResult = attribute.Key("chatwasm.result")

	// Hook spans.
	AttrModule = attribute.Key("chatwasm.module")
	AttrHook   = attribute.Key("chatwasm.hook")
	// AttrHookKind is the hook's kind: extend, replace, permission, ...
	AttrHookKind = attribute.Key("chatwasm.hook.kind")
	// AttrLayer is the module's place in the hook's chain for the tenant,
	// 0 for the outermost.
	AttrLayer = attribute.Key("chatwasm.hook.layer")
	// AttrOutcome is how the call ended (hooks' Outcome* constants).
	AttrOutcome = attribute.Key("chatwasm.hook.outcome")

	// Transaction spans.
	AttrWrite = attribute.Key("chatwasm.tx.write")
)

// Tracer starts the operation spans, the roots of chatwasm's traces. A nil
// *Tracer is tracing off.
type Tracer struct{ t trace.Tracer }

// New returns a Tracer starting spans with tp.
func New(tp trace.TracerProvider) *Tracer { return &Tracer{t: tp.Tracer(Scope)} }

// Span is a span started here; the zero Span, that of tracing off, does
// nothing.
type Span struct {
	s trace.Span
	// parent is the span the transaction span was started under.
	parent trace.SpanID
}

// Operation starts the span of client operation event (its event_type)
// run for user of tenant. name is the span's name: the event type for the
// server's own operations, a fixed name for the others, whose event types
// a client chooses. The request id of ctx (reqlog) is an attribute.
func (t *Tracer) Operation(ctx context.Context, name, event string, user int64, tenant string) (context.Context, Span) {
	if t == nil {
		return ctx, Span{}
	}
	attrs := []attribute.KeyValue{AttrEvent.String(event), AttrUser.Int64(user), AttrTenant.String(tenant)}
	if id := reqlog.ID(ctx); id != "" {
		attrs = append(attrs, AttrRequestID.String(id))
	}
	ctx, s := t.t.Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
	return ctx, Span{s: s}
}

// Recording reports whether the span records: spans started only to be
// dropped can skip computing their attributes.
func (s Span) Recording() bool { return s.s != nil && s.s.IsRecording() }

// Room sets the room the operation acts on, if id is not "".
func (s Span) Room(id string) {
	if id != "" && s.Recording() {
		s.s.SetAttributes(AttrRoom.String(id))
	}
}

// Room sets the room of the operation span ctx carries, if any.
func Room(ctx context.Context, id string) {
	if id == "" {
		return
	}
	if s := trace.SpanFromContext(ctx); s.IsRecording() {
		s.SetAttributes(AttrRoom.String(id))
	}
}

// EndOperation ends an operation span with its result (AttrResult) and
// err, its error if it failed.
func (s Span) EndOperation(result string, err error) {
	if s.s == nil {
		return
	}
	s.s.SetAttributes(AttrResult.String(result))
	s.End(err)
}

// Hook starts the span of a call of module's hook of kind, as a child of
// the span ctx carries; none when that one does not record. Its place in
// the chain is Layer's.
func Hook(ctx context.Context, module, hook, kind string) (context.Context, Span) {
	t, ok := tracerOf(ctx)
	if !ok {
		return ctx, Span{}
	}
	ctx, s := t.Start(ctx, "hook "+hook, trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(
		AttrModule.String(module), AttrHook.String(hook), AttrHookKind.String(kind)))
	return ctx, Span{s: s}
}

// Layer sets a hook span's place in its chain, 0 for the outermost.
func (s Span) Layer(n int) {
	if s.s != nil {
		s.s.SetAttributes(AttrLayer.Int(n))
	}
}

// EndHook ends a hook span with the call's outcome and err, the error it
// returned.
func (s Span) EndHook(outcome string, err error) {
	if s.s == nil {
		return
	}
	s.s.SetAttributes(AttrOutcome.String(outcome))
	s.End(err)
}

// Transaction starts the span of a database transaction, a write
// transaction if write, as a child of the span ctx carries; none when that
// one does not record. A transaction outside any operation (the admin API,
// the CLI) is not traced.
func Transaction(ctx context.Context, write bool) (context.Context, Span) {
	t, ok := tracerOf(ctx)
	if !ok {
		return ctx, Span{}
	}
	name := "read transaction"
	if write {
		name = "write transaction"
	}
	parent := trace.SpanFromContext(ctx).SpanContext().SpanID()
	ctx, s := t.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(AttrWrite.Bool(write)))
	return ctx, Span{s: s, parent: parent}
}

// Inside returns ctx with tx, a transaction span, as its span when ctx is
// the context tx was begun in (its span is tx's parent), else ctx: the
// work a transaction's body does with its opener's context (store.Tx
// does not carry one) belongs under the transaction, but the work of a
// layer called from inside it stays under that layer.
func Inside(ctx context.Context, tx Span) context.Context {
	if tx.s == nil || trace.SpanFromContext(ctx).SpanContext().SpanID() != tx.parent {
		return ctx
	}
	return trace.ContextWithSpan(ctx, tx.s)
}

// Attempt records that the transaction's body runs (again, after the
// first: the engine asked for a retry).
func (s Span) Attempt() {
	if s.s != nil {
		s.s.AddEvent("attempt")
	}
}

// End ends the span, with an error status if err is not nil.
func (s Span) End(err error) {
	if s.s == nil {
		return
	}
	if err != nil {
		s.s.RecordError(err)
		s.s.SetStatus(codes.Error, err.Error())
	}
	s.s.End()
}

// tracerOf returns the tracer of the recording span ctx carries, to start
// its children with; ok is false when there is none.
func tracerOf(ctx context.Context) (_ trace.Tracer, ok bool) {
	parent := trace.SpanFromContext(ctx)
	if !parent.IsRecording() {
		return nil, false
	}
	return parent.TracerProvider().Tracer(Scope), true
}
