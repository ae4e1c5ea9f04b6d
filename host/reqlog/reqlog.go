// Package reqlog carries a request id in a context and adds it to every log
// record written with that context, so that the lines one client request
// causes (its operation, a module's fault or refusal, an error frame) can be
// found together, whichever package writes them.
package reqlog

import (
	"context"
	"log/slog"
)

// Key is the attribute key of the request id in log records.
const Key = "request"

type idKey struct{}

// WithID returns ctx carrying request id id.
func WithID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, idKey{}, id)
}

// ID returns the request id ctx carries, "" if none.
func ID(ctx context.Context) string {
	id, _ := ctx.Value(idKey{}).(string)
	return id
}

// Handler wraps h so that a record logged with a context carrying a request
// id (the *Context methods of slog.Logger) gets it as the attribute Key.
func Handler(h slog.Handler) slog.Handler {
	if _, ok := h.(handler); ok {
		return h
	}
	return handler{h}
}

type handler struct{ slog.Handler }

func (h handler) Handle(ctx context.Context, r slog.Record) error {
	if id := ID(ctx); id != "" {
		r = r.Clone()
		r.AddAttrs(slog.String(Key, id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return handler{h.Handler.WithAttrs(attrs)}
}

func (h handler) WithGroup(name string) slog.Handler { return handler{h.Handler.WithGroup(name)} }
