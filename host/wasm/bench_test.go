package wasm

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"runtime"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/wasm/wasmbin"
	"github.com/chatwasm/chatwasm/internal/cputime"
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

// benchCall measures calls of export with input in. Besides ns/op it
// reports cpu-µs/op, the process's CPU time per call (all threads: the
// timer, a fallback module's deadline watcher, the garbage collector),
// which is what a busy server pays.
func benchCall(b *testing.B, m *Module, export string, in []byte) {
	b.Helper()
	ctx := context.Background()
	out, err := m.Call(ctx, export, in, nil)
	if err != nil || !bytes.Equal(out, in) && (export == "echo" || export == "blocks") {
		b.Fatalf("warm-up: %v", err)
	}
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cputime.Used()
	for b.Loop() {
		if _, err := m.Call(ctx, export, in, nil); err != nil {
			b.Fatal(err)
		}
	}
	cputime.ReportPerOp(b, cpu)
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

// BenchmarkEcho1KPDKTrusted is BenchmarkEcho1KPDK for a trusted module.
func BenchmarkEcho1KPDKTrusted(b *testing.B) {
	benchCall(b, benchModule(b, "kitchen", ModuleConfig{Trusted: true}), "echo", bytes.Repeat([]byte("x"), 1024))
}

// BenchmarkEcho1KBulk moves 1 KiB in and out with chatwasm_input_read and
// chatwasm_output_write, one host call each way.
func BenchmarkEcho1KBulk(b *testing.B) {
	benchCall(b, benchModule(b, "fast", ModuleConfig{}), "echo", bytes.Repeat([]byte("x"), 1024))
}

// BenchmarkEcho1KBlocks moves 1 KiB in and out the bulk way, and through a
// kernel block and back on the way (chatwasm_block_new, length,
// chatwasm_block_read, free), as a host function's request and result
// travel.
func BenchmarkEcho1KBlocks(b *testing.B) {
	benchCall(b, benchModule(b, "fast", ModuleConfig{}), "blocks", bytes.Repeat([]byte("x"), 1024))
}

// BenchmarkLoop100k runs a loop of 100 000 iterations in a Go guest: the
// cost of the termination checks.
func BenchmarkLoop100k(b *testing.B) {
	benchCall(b, benchModule(b, "fast", ModuleConfig{}), "spin", []byte(u32(100_000)))
}

// BenchmarkLoop100kTrusted is BenchmarkLoop100k without the checks.
func BenchmarkLoop100kTrusted(b *testing.B) {
	benchCall(b, benchModule(b, "fast", ModuleConfig{Trusted: true}), "spin", []byte(u32(100_000)))
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

// BenchmarkAddInterrupt is the rewrite Load does before compiling, on a
// Go guest (the kitchen, 3.8 MB, most of it code).
func BenchmarkAddInterrupt(b *testing.B) {
	bin := guest(b, "kitchen")
	b.SetBytes(int64(len(bin)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := wasmbin.AddInterrupt(bin, interruptExport); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMemoryBomb is what a guest that allocates until its 32 MiB cap
// costs the host, from the call to ErrMemoryLimit: growing the linear memory
// a megabyte at a time must not copy it over and over. Each iteration also
// pays the broken instance's replacement.
func BenchmarkMemoryBomb(b *testing.B) {
	m := benchModule(b, "kitchen", ModuleConfig{PoolSize: 1, MemoryBytes: 32 << 20, Timeout: time.Minute})
	ctx := context.Background()
	b.ReportAllocs()
	cpu := cputime.Used()
	for b.Loop() {
		if _, err := m.Call(ctx, "mem_bomb", nil, nil); !errors.Is(err, ErrMemoryLimit) {
			b.Fatalf("want ErrMemoryLimit, got %v", err)
		}
	}
	cputime.ReportPerOp(b, cpu)
}
