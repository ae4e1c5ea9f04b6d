package modkit

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
)

// LogSink is a slog handler that keeps each record as a line "LEVEL
// message k=v ...", for the tests that check what the host or a module
// logged. The handlers WithAttrs returns keep their lines in their root.
type LogSink struct {
	mu      sync.Mutex
	attrs   []slog.Attr
	parent  *LogSink
	records []string
}

func (l *LogSink) root() *LogSink {
	if l.parent != nil {
		return l.parent.root()
	}
	return l
}

// Enabled implements slog.Handler: every level is kept.
func (l *LogSink) Enabled(context.Context, slog.Level) bool { return true }

// Handle implements slog.Handler.
func (l *LogSink) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", r.Level, r.Message)
	for _, a := range l.attrs {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
	}
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	root := l.root()
	root.mu.Lock()
	root.records = append(root.records, b.String())
	root.mu.Unlock()
	return nil
}

// WithAttrs implements slog.Handler.
func (l *LogSink) WithAttrs(as []slog.Attr) slog.Handler {
	return &LogSink{parent: l, attrs: append(append([]slog.Attr(nil), l.attrs...), as...)}
}

// WithGroup implements slog.Handler; groups are not kept apart.
func (l *LogSink) WithGroup(string) slog.Handler { return l }

// Find returns the lines that contain every one of subs.
func (l *LogSink) Find(subs ...string) []string {
	root := l.root()
	root.mu.Lock()
	defer root.mu.Unlock()
	var out []string
next:
	for _, r := range root.records {
		for _, s := range subs {
			if !strings.Contains(r, s) {
				continue next
			}
		}
		out = append(out, r)
	}
	return out
}
