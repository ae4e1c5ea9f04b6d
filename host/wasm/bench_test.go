package wasm

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"runtime"
	"testing"
)

// benchModule loads a test guest for a benchmark.
func benchModule(b *testing.B, name string, cfg ModuleConfig) *Module {
	b.Helper()
	r, err := NewRuntime(Config{
		CacheDir:  compiledCache,
		HostFuncs: testHostFuncs(),
		Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close(context.Background()) })
	cfg.Name = name
	m, err := r.Load(context.Background(), guest(b, name), cfg)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

func benchCall(b *testing.B, m *Module, export string, in []byte) {
	b.Helper()
	ctx := context.Background()
	out, err := m.Call(ctx, export, in, nil)
	if err != nil || !bytes.Equal(out, in) && export == "echo" {
		b.Fatalf("warm-up: %v", err)
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := m.Call(ctx, export, in, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNoop is the cost of a call itself: pool, deadline, kernel reset,
// entering and leaving a go-pdk guest.
func BenchmarkNoop(b *testing.B) {
	benchCall(b, benchModule(b, "kitchen", ModuleConfig{}), "noop", nil)
}

// BenchmarkNoopTrusted is BenchmarkNoop without the termination checks
// and the deadline watcher goroutine wazero starts for every call.
func BenchmarkNoopTrusted(b *testing.B) {
	benchCall(b, benchModule(b, "kitchen", ModuleConfig{Trusted: true}), "noop", nil)
}

// BenchmarkEcho1KBulkTrusted is BenchmarkEcho1KBulk for a trusted module.
func BenchmarkEcho1KBulkTrusted(b *testing.B) {
	benchCall(b, benchModule(b, "fast", ModuleConfig{Trusted: true}), "echo", bytes.Repeat([]byte("x"), 1024))
}

// BenchmarkEcho1KPDK moves 1 KiB in and out through go-pdk, which calls the
// host once per 8 bytes.
func BenchmarkEcho1KPDK(b *testing.B) {
	benchCall(b, benchModule(b, "kitchen", ModuleConfig{}), "echo", bytes.Repeat([]byte("x"), 1024))
}

// BenchmarkEcho1KBulk moves 1 KiB in and out with chatwasm_input_read and
// chatwasm_output_write, one host call each way.
func BenchmarkEcho1KBulk(b *testing.B) {
	benchCall(b, benchModule(b, "fast", ModuleConfig{}), "echo", bytes.Repeat([]byte("x"), 1024))
}

// BenchmarkHostFunc calls a BytesFunc host function from a go-pdk guest
// with 200 bytes each way.
func BenchmarkHostFunc(b *testing.B) {
	m := benchModule(b, "kitchen", ModuleConfig{Capabilities: []string{"text"}})
	ctx := context.Background()
	in := bytes.Repeat([]byte("y"), 200)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Call(ctx, "upper", in, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNoopParallel runs no-op calls from GOMAXPROCS goroutines on a
// pool of as many instances.
func BenchmarkNoopParallel(b *testing.B) {
	n := runtime.GOMAXPROCS(0)
	m := benchModule(b, "kitchen", ModuleConfig{PoolSize: n, Prewarm: n})
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := m.Call(ctx, "noop", nil, nil); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
