package wasm

import (
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// logRecorder is a slog handler that keeps the records it gets.
type logRecorder struct {
	level slog.Level
	mu    *sync.Mutex
	recs  *[]slog.Record
	attrs []slog.Attr
}

func newLogRecorder(level slog.Level) *logRecorder {
	return &logRecorder{level: level, mu: &sync.Mutex{}, recs: &[]slog.Record{}}
}

func (h *logRecorder) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(h.attrs...)
	h.mu.Lock()
	*h.recs = append(*h.recs, r)
	h.mu.Unlock()
	return nil
}

func (h *logRecorder) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &c
}

func (h *logRecorder) WithGroup(string) slog.Handler { return h }

// find returns the records whose message contains s.
func (h *logRecorder) find(s string) []slog.Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []slog.Record
	for _, r := range *h.recs {
		if strings.Contains(r.Message, s) {
			out = append(out, r)
		}
	}
	return out
}

// attr returns the value of attribute key of r.
func attr(r slog.Record, key string) string {
	var v string
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value.String()
			return false
		}
		return true
	})
	return v
}

// testHostFuncs are the host functions the kitchen guest imports.
func testHostFuncs() []HostFunc {
	return []HostFunc{
		BytesFunc("upper", "text", func(_ context.Context, c *Call, in []byte) ([]byte, error) {
			prefix, _ := c.HostContext().(string)
			return []byte(prefix + strings.ToUpper(string(in))), nil
		}),
		BytesFunc("secret", "secret", func(context.Context, *Call, []byte) ([]byte, error) {
			return []byte("the secret"), nil
		}),
		BytesFunc("nested", "", func(ctx context.Context, c *Call, in []byte) ([]byte, error) {
			t, ok := c.HostContext().(nestedTarget)
			if !ok {
				return nil, errors.New("no nested target")
			}
			return t.m.Call(ctx, t.export, in, t)
		}),
	}
}

// nestedTarget is the host context of calls to the kitchen guest's nested
// export: its host function calls export of m.
type nestedTarget struct {
	m      *Module
	export string
}

// newTestRuntime makes a runtime with the test host functions, logging to
// the returned recorder, closed when the test ends.
func newTestRuntime(t *testing.T, extra ...HostFunc) (*Runtime, *logRecorder) {
	t.Helper()
	return newRuntime(t, append(testHostFuncs(), extra...))
}

// newRuntime makes a runtime with funcs, logging to the returned recorder,
// closed when the test ends.
func newRuntime(t *testing.T, funcs []HostFunc) (*Runtime, *logRecorder) {
	t.Helper()
	logs := newLogRecorder(slog.LevelInfo)
	r, err := NewRuntime(Config{
		CacheDir:  compiledCache,
		Logger:    slog.New(logs),
		HostFuncs: funcs,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.Close(ctx); err != nil {
			t.Errorf("close runtime: %v", err)
		}
	})
	return r, logs
}

// withUpper is the test host functions with upper standing for the kitchen
// guest's "upper" import.
func withUpper(upper HostFunc) []HostFunc {
	funcs := testHostFuncs()
	funcs[0] = upper
	return funcs
}

// barrier is an "upper" import that returns its input once n calls are
// inside it at once, or fails with the context of a call that ends first:
// n calls returning prove that n instances ran concurrently.
func barrier(n int) HostFunc {
	var mu sync.Mutex
	arrived := 0
	all := make(chan struct{})
	return BytesFunc("upper", "", func(ctx context.Context, _ *Call, in []byte) ([]byte, error) {
		mu.Lock()
		if arrived++; arrived == n {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
			return in, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	})
}

// load loads a test guest into r.
func load(t *testing.T, r *Runtime, name string, cfg ModuleConfig) *Module {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = name
	}
	m, err := r.Load(context.Background(), guest(t, name), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// call calls m and fails the test on error.
func call(t *testing.T, m *Module, export string, input string, hc any) string {
	t.Helper()
	out, err := m.Call(context.Background(), export, []byte(input), hc)
	if err != nil {
		t.Fatalf("%s(%q): %v", export, input, err)
	}
	return string(out)
}

// u32 encodes n as the 4-byte little-endian input and output of the wat
// guests and of the fast guest's spin.
func u32(n uint32) string { return string(binary.LittleEndian.AppendUint32(nil, n)) }
