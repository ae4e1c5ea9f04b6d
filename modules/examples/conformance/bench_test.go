package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/wasm"
	"github.com/chatwasm/chatwasm/internal/modkit"
	"github.com/tetratelabs/wazero"
)

// The benchmarks' message: a typical 200-byte chat message, clean, and the
// same with a banned word near its end (so the module scans nearly all of
// it before rejecting it).
const (
	benchClean  = "Hi team, a quick update on the release: the build is green, the docs are merged and QA signed off this morning. Are we still meeting at noon tomorrow to go over the rollout plan? Bring your own notes!"
	benchBanned = "Hi team, a quick update on the release: the build is green, the docs are merged and QA signed off this morning. Are we still meeting at noon tomorrow to go over the rollout plan? Bring your own SPAMS!"
)

// benchConfig is the modules' config: a few banned words and a phrase.
var benchConfig = map[string]string{"banned_words": "spam,buy now,free money"}

// benchCaller is the caller of every benchmarked call.
var benchCaller = hooks.CallInfo{Tenant: "default", Caller: abi.Caller{UserID: 1, Username: "alice", SessionID: 7}}

const benchHook = "_create_message"

// benchArgs are the args of _create_message the chat package passes for a
// text message with content.
func benchArgs(tb testing.TB, content string) []byte {
	tb.Helper()
	b, err := json.Marshal(struct {
		RoomID          string  `json:"room_id"`
		Content         string  `json:"content"`
		ParentMessageID *string `json:"parent_message_id"`
		ForwardedFromID *string `json:"forwarded_from_id"`
		Media           []any   `json:"media"`
	}{RoomID: "0b9f6a9e-3c1d-4e52-9a57-2f0d8c4b7e11", Content: content, Media: []any{}})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// benchOutput is what the trivial Go default returns: the serialized
// message, as the chat package's _create_message would.
func benchOutput(tb testing.TB) []byte {
	tb.Helper()
	b, err := json.Marshal(map[string]any{"id": "7c1e2d9a-5b3f-4a8e-9d61-0f4b2c8e3a57",
		"room": "0b9f6a9e-3c1d-4e52-9a57-2f0d8c4b7e11", "sender": map[string]any{"id": 1, "username": "alice"},
		"content": benchClean, "media": []any{}, "is_forwarded": false, "parent_message": nil,
		"created_at": "2026-01-02T03:04:05.678901Z", "updated_at": "2026-01-02T03:04:05.678901Z"})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// benchDeployment is a module file with the module at path under every
// limit's default (deadline, memory cap, pool; the kernel cap is
// host/wasm's): the sandbox as a modules.yaml gives it.
func benchDeployment(path string) string {
	cfg, _ := json.Marshal(benchConfig)
	return fmt.Sprintf("modules:\n  - name: moderation\n    path: %q\n    hooks: [%s]\n    config: %s\n",
		path, benchHook, cfg)
}

// BenchmarkModeration measures the moderation example in every language
// (Go, C, AssemblyScript, Rust), and the chain without a module (none):
//
//   - clean, banned: one _create_message call through the replace chain
//     to a trivial Go default, for a clean 200-byte message and for one
//     with a banned word; cpu-ns/op is the process's CPU time (user+sys,
//     every thread) per call.
//   - compile: wazero compilation with no cache; wasm-B is the module size.
//   - compile-cached: the same with a warm file cache, as after a restart.
//   - instantiate: a new instance and its _initialize; pages-init is its
//     linear memory then.
//   - load: loading the module as the server does, with a warm file cache,
//     and its first call; pages-call is the linear memory an instance needs
//     for that (linear-B in bytes), heap-B/module the Go heap the loaded
//     module holds, heap-B/instance what one more warm instance adds.
//
// BenchmarkModerationSandbox and BenchmarkLoopIteration explain the numbers.
// Run them all as:
//
//	go test -run '^$' -bench . -benchmem ./modules/examples/conformance/
func BenchmarkModeration(b *testing.B) {
	root := modkit.Root(b)
	clean, banned := benchArgs(b, benchClean), benchArgs(b, benchBanned)
	b.Run("none", func(b *testing.B) {
		s := modkit.Load(b, "modules: []\n", hooks.Options{})
		b.Run("clean", func(b *testing.B) { benchCall(b, s, clean, false) })
		b.Run("banned", func(b *testing.B) { benchCall(b, s, banned, false) })
	})
	for _, l := range languages {
		b.Run(l.name, func(b *testing.B) {
			path, wasmBytes := l.wasm(b, root)
			s := modkit.Load(b, benchDeployment(path), hooks.Options{})
			b.Run("clean", func(b *testing.B) { benchCall(b, s, clean, false) })
			b.Run("banned", func(b *testing.B) { benchCall(b, s, banned, true) })
			b.Run("compile", func(b *testing.B) { benchCompile(b, wasmBytes) })
			b.Run("compile-cached", func(b *testing.B) { benchCompileCached(b, wasmBytes) })
			b.Run("instantiate", func(b *testing.B) { benchInstantiate(b, wasmBytes) })
			b.Run("load", func(b *testing.B) { benchLoad(b, path, clean) })
		})
	}
}

// benchCall measures one call of the hook on s with args; reject says
// whether the module must refuse them. The first call's result is checked,
// so that the loop measures the intended path.
func benchCall(b *testing.B, s *hooks.Set, args []byte, reject bool) {
	out := benchOutput(b)
	def := func(context.Context, []byte) ([]byte, error) { return out, nil }
	r := modkit.Run(b, s, benchHook, benchCaller, args, def)
	switch {
	case reject && (r.Code != abi.CodeValidation || r.Detail != prohibited):
		b.Fatalf("banned message: got %+v, want the 4003 %s", r, prohibited)
	case !reject && (r.Code != 0 || r.Output != modkit.Normalize(b, out)):
		b.Fatalf("clean message: got %+v, want the default's output", r)
	}
	ctx := context.Background()
	loopCPU(b, func() {
		if _, err := s.Run(ctx, benchHook, benchCaller, args, def); (err != nil) != reject {
			b.Fatalf("call: %v", err)
		}
	})
}

// loopCPU runs call in the benchmark loop, with its allocations and its CPU
// time per call (cpu-ns/op) reported.
func loopCPU(b *testing.B, call func()) {
	b.ReportAllocs()
	cpu, measured := modkit.CPUTime()
	for b.Loop() {
		call()
	}
	if end, _ := modkit.CPUTime(); measured {
		b.ReportMetric(float64(end-cpu)/float64(b.N), "cpu-ns/op")
	}
}

// benchCompile measures compiling the module with no cache at all.
func benchCompile(b *testing.B, wasmBytes []byte) {
	ctx := context.Background()
	for b.Loop() {
		rt, _, err := modkit.Compile(ctx, wasmBytes, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		rt.Close(ctx)
		b.StartTimer()
	}
	// After the loop: its first iteration resets the reported metrics.
	b.ReportMetric(float64(len(wasmBytes)), "wasm-B")
}

// benchCompileCached measures compiling the module through a file cache that
// already holds it: a fresh cache on the directory each time, as a
// restarted server has.
func benchCompileCached(b *testing.B, wasmBytes []byte) {
	ctx := context.Background()
	dir := b.TempDir()
	compile := func() {
		cache, err := wazero.NewCompilationCacheWithDir(dir)
		if err != nil {
			b.Fatal(err)
		}
		rt, _, err := modkit.Compile(ctx, wasmBytes, cache)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		rt.Close(ctx)
		cache.Close(ctx)
		b.StartTimer()
	}
	compile() // fills the cache
	for b.Loop() {
		compile()
	}
}

// benchInstantiate measures making one instance (and its _initialize) of
// the compiled module and reports the linear memory it has then.
func benchInstantiate(b *testing.B, wasmBytes []byte) {
	ctx := context.Background()
	in, err := modkit.NewInstancer(ctx, wasmBytes, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer in.Close(ctx)
	var pages uint32
	for b.Loop() {
		mod, err := in.Instantiate(ctx)
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if mem := mod.Memory(); mem != nil {
			pages = mem.Size() / modkit.PageSize
		}
		mod.Close(ctx)
		b.StartTimer()
	}
	b.ReportMetric(float64(pages), "pages-init")
}

// benchLoad measures loading the module at path as the server does (module
// file, compilation through a warm file cache, first instance) and calling
// it once with args, and reports its memory.
func benchLoad(b *testing.B, path string, args []byte) {
	ctx := context.Background()
	out := benchOutput(b)
	def := func(context.Context, []byte) ([]byte, error) { return out, nil }
	call := func(s *hooks.Set) error {
		got, err := s.Run(ctx, benchHook, benchCaller, args, def)
		if err == nil && !bytes.Equal(got, out) {
			err = fmt.Errorf("output %s, want the default's", got)
		}
		return err
	}
	pages, err := modkit.MemoryNeeded(b, path, benchConfig, call)
	if err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(b.TempDir(), "modules.yaml")
	if err := os.WriteFile(file, []byte(benchDeployment(path)), 0o644); err != nil {
		b.Fatal(err)
	}
	opts := hooks.Options{CacheDir: b.TempDir()}
	// load loads the module and calls it once; the caller closes m.
	load := func() (m *hooks.Manager, s *hooks.Set, release func()) {
		m, err := hooks.NewManager(ctx, file, opts)
		if err != nil {
			b.Fatal(err)
		}
		s, release = m.Acquire()
		if err := call(s); err != nil {
			b.Fatal(err)
		}
		return m, s, release
	}

	// The first load fills the file cache and measures the heap.
	before := modkit.HeapInUse()
	m, s, release := load()
	moduleHeap := int64(modkit.HeapInUse()) - int64(before)
	instanceHeap, err := modkit.InstanceHeap(ctx, s, benchHook, benchCaller, args, out)
	release()
	m.Close(ctx)
	if err != nil {
		b.Fatal(err)
	}

	for b.Loop() {
		m, _, release := load()
		b.StopTimer()
		release()
		m.Close(ctx)
		b.StartTimer()
	}
	b.ReportMetric(float64(pages), "pages-call")
	b.ReportMetric(float64(pages)*modkit.PageSize, "linear-B")
	b.ReportMetric(float64(moduleHeap), "heap-B/module")
	b.ReportMetric(float64(instanceHeap), "heap-B/instance")
}

// BenchmarkModerationSandbox is what the sandbox costs the moderation
// modules: the clean and banned calls of BenchmarkModeration made on the
// module directly (host/wasm, no host/hooks chain), sandboxed as a module
// file loads it and Trusted (no termination check at the head of every loop
// iteration, no goroutine watching the deadline).
func BenchmarkModerationSandbox(b *testing.B) {
	root := modkit.Root(b)
	out := benchOutput(b)
	next := func([]byte) []byte { return out }
	for _, l := range languages {
		b.Run(l.name, func(b *testing.B) {
			_, wasmBytes := l.wasm(b, root)
			for _, msg := range []struct {
				name, content string
				reject        bool
			}{{"clean", benchClean, false}, {"banned", benchBanned, true}} {
				in := modkit.Envelope(benchHook, benchCaller, benchArgs(b, msg.content))
				for _, trusted := range []bool{false, true} {
					mode := "sandboxed"
					if trusted {
						mode = "trusted"
					}
					b.Run(msg.name+"/"+mode, func(b *testing.B) {
						m := modkit.Direct(b, wasmBytes, wasm.ModuleConfig{Timeout: hooks.DefaultTimeout,
							MemoryBytes: hooks.DefaultMemory, PoolSize: hooks.DefaultInstances, Config: benchConfig,
							Trusted: trusted}, next)
						ctx := context.Background()
						call := func() error {
							got, err := m.Call(ctx, benchHook, in, nil)
							var me *wasm.ModuleError
							switch {
							case msg.reject && !errors.As(err, &me):
								return fmt.Errorf("banned message: got %v, want the module's error", err)
							case !msg.reject && err != nil:
								return err
							case !msg.reject && !bytes.Equal(got, out):
								return fmt.Errorf("clean message: output %s, want the default's", got)
							}
							return nil
						}
						if err := call(); err != nil {
							b.Fatal(err)
						}
						loopCPU(b, func() {
							if err := call(); err != nil {
								b.Fatal(err)
							}
						})
					})
				}
			}
		})
	}
}

// spinWasm is a module exporting spin(n i32), a loop of n iterations that
// does nothing but count down:
//
//	(func (export "spin") (param i32)
//	  (loop (br_if 0 (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))))
var spinWasm = []byte{
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
	0x01, 0x05, 0x01, 0x60, 0x01, 0x7f, 0x00, // type (i32) -> ()
	0x03, 0x02, 0x01, 0x00, // one function of that type
	0x07, 0x08, 0x01, 0x04, 's', 'p', 'i', 'n', 0x00, 0x00, // export "spin"
	0x0a, 0x10, 0x01, 0x0e, 0x00, // code: one body of 14 bytes, no locals
	0x03, 0x40, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d, 0x00, 0x0b, 0x0b,
}

// BenchmarkLoopIteration is the price of one loop iteration of guest code,
// sandboxed (the termination check wazero puts at the head of every
// iteration with WithCloseOnContextDone: a call out of the guest into Go and
// back) and trusted: ns/iter and cpu-ns/iter, from calls of spin(10000).
func BenchmarkLoopIteration(b *testing.B) {
	const iterations = 10000
	for _, sandboxed := range []bool{true, false} {
		name := "trusted"
		if sandboxed {
			name = "sandboxed"
		}
		b.Run(name, func(b *testing.B) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCloseOnContextDone(sandboxed))
			defer rt.Close(ctx)
			mod, err := rt.Instantiate(ctx, spinWasm)
			if err != nil {
				b.Fatal(err)
			}
			spin := mod.ExportedFunction("spin")
			cpu, measured := modkit.CPUTime()
			for b.Loop() {
				if _, err := spin.Call(ctx, iterations); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/iterations, "ns/iter")
			if end, _ := modkit.CPUTime(); measured {
				b.ReportMetric(float64(end-cpu)/float64(b.N)/iterations, "cpu-ns/iter")
			}
		})
	}
}

// TestBenchMessages checks that the benchmarks' messages are what they
// claim: 200 bytes, one clean and one banned under benchConfig.
func TestBenchMessages(t *testing.T) {
	for _, c := range []string{benchClean, benchBanned} {
		if len(c) != 200 {
			t.Errorf("%d bytes, want 200: %q", len(c), c)
		}
	}
	has := func(content string) bool {
		for _, w := range strings.Split(benchConfig["banned_words"], ",") {
			if strings.Contains(strings.ToLower(content), w) {
				return true
			}
		}
		return false
	}
	if has(benchClean) || !has(benchBanned) {
		t.Errorf("the clean message must have no banned word, the banned one one")
	}
}

// TestMemoryMeasures checks the benchmarks' memory measures against each
// other for every language: the bisection of MemoryNeeded finds the linear
// memory an instance has after _initialize (read directly from an
// Instancer's instance), a call needs at least that, and an instance holds
// some Go heap of its own.
func TestMemoryMeasures(t *testing.T) {
	root := modkit.Root(t)
	ctx := context.Background()
	args, out := benchArgs(t, benchClean), benchOutput(t)
	def := func(context.Context, []byte) ([]byte, error) { return out, nil }
	call := func(s *hooks.Set) error { _, err := s.Run(ctx, benchHook, benchCaller, args, def); return err }
	for _, l := range languages {
		t.Run(l.name, func(t *testing.T) {
			path, wasmBytes := l.wasm(t, root)
			in, err := modkit.NewInstancer(ctx, wasmBytes, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close(ctx)
			mod, err := in.Instantiate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			initPages := mod.Memory().Size() / modkit.PageSize
			loadPages, err := modkit.MemoryNeeded(t, path, benchConfig, nil)
			if err != nil {
				t.Fatal(err)
			}
			callPages, err := modkit.MemoryNeeded(t, path, benchConfig, call)
			if err != nil {
				t.Fatal(err)
			}
			if loadPages != initPages || callPages < loadPages {
				t.Errorf("pages: %d after _initialize, %d needed to load, %d to load and call", initPages,
					loadPages, callPages)
			}
			s := modkit.Load(t, benchDeployment(path), hooks.Options{})
			if err := call(s); err != nil {
				t.Fatal(err)
			}
			heap, err := modkit.InstanceHeap(ctx, s, benchHook, benchCaller, args, out)
			if err != nil {
				t.Fatal(err)
			}
			// Linear memory is a region outside the Go heap on Linux
			// (host/wasm/README.md): what remains is wazero's instance
			// state and the kernel arena, which an instance always has.
			if heap <= 0 {
				t.Errorf("an instance takes %d bytes of Go heap", heap)
			}
			t.Logf("%d pages after _initialize, %d after a call; %d bytes of Go heap per instance", initPages,
				callPages, heap)
		})
	}
}
