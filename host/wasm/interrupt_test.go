package wasm

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/chatwasm/chatwasm/host/wasm/wasmbin"
)

// loadBytes loads the module bin into r.
func loadBytes(t *testing.T, r *Runtime, bin []byte, cfg ModuleConfig) *Module {
	t.Helper()
	m, err := r.Load(context.Background(), bin, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// repoGuests are the module binaries found in the repository (built
// examples and SDK test guests; absent from a fresh clone, since .wasm
// files are not committed), by path.
func repoGuests(t *testing.T) map[string][]byte {
	t.Helper()
	root := filepath.Join("..", "..")
	found := map[string][]byte{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules" || d.Name() == "target") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, ".wasm") {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			found[path] = b
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestInterruptRewritesEveryGuest rewrites every guest the repository has
// (this package's test guests, the hand-written ones, and whatever built
// examples and SDK guests are present) and checks that every body decodes,
// that the rewrite inserted exactly the checks it should and changed
// nothing else, and that the result validates.
func TestInterruptRewritesEveryGuest(t *testing.T) {
	guests := repoGuests(t)
	guests["testdata/kitchen"] = guest(t, "kitchen")
	guests["testdata/fast"] = guest(t, "fast")
	for name, b := range watFixtures {
		if name != "taken" { // refused on purpose: TestInterruptFallback
			guests["testdata/wat/"+name] = b
		}
	}
	t.Logf("%d guests", len(guests))
	ctx := context.Background()
	validator := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer validator.Close(ctx)
	for path, orig := range guests {
		out, err := wasmbin.AddInterrupt(orig, interruptExport)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		checkRewrite(t, path, orig, out)
		compiled, err := validator.CompileModule(ctx, out)
		if err != nil {
			t.Errorf("%s: the rewritten module does not validate: %v", path, err)
			continue
		}
		compiled.Close(ctx)
	}
}

// checkRewrite checks that out is orig with the interrupt checks inserted at
// the start of every body, after every loop and after every bulk memory
// instruction, and the tick function appended.
func checkRewrite(t *testing.T, path string, orig, out []byte) {
	t.Helper()
	before, err := wasmbin.Parse(orig)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	after, err := wasmbin.Parse(out)
	if err != nil {
		t.Errorf("%s: rewritten: %v", path, err)
		return
	}
	if len(after.Bodies) != len(before.Bodies)+1 || after.Globals != before.Globals+2 {
		t.Errorf("%s: %d bodies and %d globals became %d and %d", path, len(before.Bodies), before.Globals, len(after.Bodies), after.Globals)
		return
	}
	fuel := before.ImportedGlobals + before.Globals + 1
	tick := before.ImportedFuncs + before.Funcs
	checkOps := []wasmbin.Opcode{0x23, 0x41, 0x6b, 0x24, 0x23, 0x41, 0x4c, wasmbin.OpIf, 0x10, wasmbin.OpEnd}
	for i, b := range before.Bodies {
		var ops []wasmbin.Instr
		points := 1 // the start of the body
		if err := b.Walk(func(in wasmbin.Instr) {
			if in.Op == wasmbin.OpLoop || in.Op>>16 == 0xfc && (in.Op&0xffff == 8 || in.Op&0xffff == 10 ||
				in.Op&0xffff == 11 || in.Op&0xffff == 12 || in.Op&0xffff == 14 || in.Op&0xffff == 17) {
				points++
			}
		}); err != nil {
			t.Errorf("%s: body %d: %v", path, i, err)
			return
		}
		nb := after.Bodies[i]
		if err := nb.Walk(func(in wasmbin.Instr) { ops = append(ops, in) }); err != nil {
			t.Errorf("%s: rewritten body %d: %v", path, i, err)
			return
		}
		// Strip the checks and compare what is left with the original.
		start, _ := nb.Locals()
		stripped := append([]byte(nil), nb.Code[:start]...)
		found := 0
		for j := 0; j < len(ops); j++ {
			if isCheck(nb.Code, ops[j:], checkOps, fuel, tick) {
				found++
				j += len(checkOps) - 1
				continue
			}
			stripped = append(stripped, nb.Code[ops[j].Start:ops[j].End]...)
		}
		if found != points || !bytes.Equal(stripped, b.Code) {
			t.Errorf("%s: body %d: %d checks (want %d); the rest equal to the original: %v", path, i, found, points, bytes.Equal(stripped, b.Code))
			return
		}
	}
}

// isCheck reports whether ops starts with an inserted check on global fuel
// that calls function tick.
func isCheck(code []byte, ops []wasmbin.Instr, want []wasmbin.Opcode, fuel, tick uint32) bool {
	if len(ops) < len(want) {
		return false
	}
	for k, op := range want {
		if ops[k].Op != op {
			return false
		}
	}
	imm := func(in wasmbin.Instr) []byte { return code[in.Start+1 : in.End] }
	leb := func(v uint32) []byte { return binary.AppendUvarint(nil, uint64(v)) }
	return bytes.Equal(imm(ops[0]), leb(fuel)) && bytes.Equal(imm(ops[3]), leb(fuel)) &&
		bytes.Equal(imm(ops[4]), leb(fuel)) && bytes.Equal(imm(ops[8]), leb(tick))
}

// TestInterruptRunsIdentically runs the same exports on instrumented and
// plain (trusted) instances of the same guests and compares the results.
func TestInterruptRunsIdentically(t *testing.T) {
	r, _ := newTestRuntime(t)
	type run struct{ export, input string }
	for _, c := range []struct {
		name string
		bin  []byte
		runs []run
	}{
		{"loops", watGuest(t, "loops"), []run{
			{"nested", u32(0)}, {"nested", u32(1)}, {"nested", u32(300)},
			{"switch", u32(0)}, {"switch", u32(17)}, {"switch", u32(5000)},
			{"fib", u32(1)}, {"fib", u32(25)},
		}},
		{"fast", guest(t, "fast"), []run{
			{"echo", "hello"}, {"reverse", "hello, kernel"}, {"spin", u32(100000)}, {"blocks", "through a block"},
		}},
		{"kitchen", guest(t, "kitchen"), []run{
			{"echo", "hello"}, {"count", ""}, {"count", ""}, {"upper", "shout"},
		}},
	} {
		inst := loadBytes(t, r, c.bin, ModuleConfig{Name: c.name, Capabilities: []string{"text"}})
		plain := loadBytes(t, r, c.bin, ModuleConfig{Name: c.name + "-plain", Trusted: true, Capabilities: []string{"text"}})
		if !inst.interrupt || plain.interrupt {
			t.Fatalf("%s: instrumented %v, trusted instrumented %v", c.name, inst.interrupt, plain.interrupt)
		}
		for _, x := range c.runs {
			got, want := call(t, inst, x.export, x.input, ""), call(t, plain, x.export, x.input, "")
			if got != want {
				t.Errorf("%s %s(%q): instrumented %q, plain %q", c.name, x.export, x.input, got, want)
			}
		}
	}
	// And the loops compute what they should.
	m := loadBytes(t, r, watGuest(t, "loops"), ModuleConfig{Name: "loops-check"})
	if got := call(t, m, "nested", u32(300), nil); got != u32(nestedRef(300)) {
		t.Errorf("nested(300) = %x, want %x", got, u32(nestedRef(300)))
	}
	if got := call(t, m, "fib", u32(25), nil); got != u32(75025) {
		t.Errorf("fib(25) = %x", got)
	}
}

// nestedRef is what the wat guest's nested export computes.
func nestedRef(n uint32) uint32 {
	acc := uint32(7)
	for i := uint32(0); ; {
		for j := uint32(0); j < i; j++ {
			acc *= 31
			if j&1 != 0 {
				acc += i ^ j
			} else {
				acc -= i ^ j
			}
		}
		i++
		if i >= n {
			return acc
		}
	}
}

// TestInterruptStopsRunaways stops every kind of runaway guest at its
// deadline: an endless loop (Go and hand-written), recursion without any
// loop, and bulk memory in a loop.
func TestInterruptStopsRunaways(t *testing.T) {
	r, _ := newTestRuntime(t)
	const timeout = 100 * time.Millisecond
	loops := loadBytes(t, r, watGuest(t, "loops"), ModuleConfig{Name: "loops", PoolSize: 1, Timeout: timeout})
	kitchen := load(t, r, "kitchen", ModuleConfig{PoolSize: 1, Timeout: timeout})
	for _, c := range []struct {
		m             *Module
		export, input string
	}{
		{loops, "spin", ""}, {loops, "fib", u32(90)}, {loops, "fill", ""}, {kitchen, "loop", ""},
	} {
		start := time.Now()
		_, err := c.m.Call(context.Background(), c.export, []byte(c.input), nil)
		d := time.Since(start)
		if !errors.Is(err, ErrTimeout) || !errors.Is(err, ErrFault) {
			t.Errorf("%s %s: want an ErrTimeout fault, got %v", c.m.Name(), c.export, err)
		}
		if d < timeout || d > timeout+2*time.Second {
			t.Errorf("%s %s: stopped after %v, want about %v", c.m.Name(), c.export, d, timeout)
		}
	}
	// The interrupted instances were replaced.
	if got := call(t, loops, "fib", u32(10), nil); got != u32(55) {
		t.Errorf("fib(10) after the timeouts = %x", got)
	}
}

// TestInterruptYieldsToGo: compiled wasm code cannot be preempted by the
// Go runtime, so a guest that never left it would freeze the process at the
// garbage collector's next stop-the-world (the deadline timer included),
// and with GOMAXPROCS=1 would never let another goroutine run. The ticks
// of an instrumented guest let both happen while it loops.
func TestInterruptYieldsToGo(t *testing.T) {
	r, _ := newTestRuntime(t)
	m := load(t, r, "kitchen", ModuleConfig{PoolSize: 1, Timeout: 300 * time.Millisecond})
	loop := func() {
		t.Helper()
		start := time.Now()
		if _, err := m.Call(context.Background(), "loop", nil, nil); !errors.Is(err, ErrTimeout) {
			t.Fatalf("want ErrTimeout, got %v", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("stopped after %v", d)
		}
	}

	// Garbage collections complete while the guest loops.
	stop := make(chan struct{})
	collected := make(chan struct{}, 1)
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				runtime.GC()
				select {
				case collected <- struct{}{}:
				default:
				}
			}
		}
	}()
	loop()
	close(stop)
	select {
	case <-collected:
	default:
		t.Error("no garbage collection completed while the guest looped")
	}

	// Other goroutines get the only P while the guest loops.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var ticks atomic.Int64
	ticker := time.NewTicker(time.Millisecond)
	stopTicks := make(chan struct{})
	go func() {
		for {
			select {
			case <-ticker.C:
				ticks.Add(1)
			case <-stopTicks:
				return
			}
		}
	}()
	loop()
	ticker.Stop()
	close(stopTicks)
	if ticks.Load() == 0 {
		t.Error("no other goroutine ran while the guest looped on the only P")
	}
}

// TestHostCallNotCharged: a guest waits in a host function (a nested call
// to a module that sleeps) three times longer than its own timeout, and is
// not blamed: the inner module runs under its own timeout.
func TestHostCallNotCharged(t *testing.T) {
	r, _ := newTestRuntime(t)
	outer := load(t, r, "kitchen", ModuleConfig{Name: "outer", Timeout: 100 * time.Millisecond})
	inner := load(t, r, "kitchen", ModuleConfig{Name: "inner", Timeout: 5 * time.Second, Clock: true})
	start := time.Now()
	got := call(t, outer, "nested", "300", nestedTarget{inner, "sleep"})
	if got != "slept 300" {
		t.Fatalf("nested sleep = %q", got)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("the inner module did not sleep: %v", d)
	}
	// The outer instance's clock runs again after the host call: a loop
	// right after is still stopped at its own deadline.
	if _, err := outer.Call(context.Background(), "loop", nil, nil); !errors.Is(err, ErrTimeout) {
		t.Fatalf("outer loop: want ErrTimeout, got %v", err)
	}
}

// TestNestedTimeoutNotBlamedOnOuter: an inner module runs to its deadline;
// the outer one, whose timeout is the same, gets the error from its host
// function and fails the call itself, without a fault of its own.
func TestNestedTimeoutNotBlamedOnOuter(t *testing.T) {
	r, _ := newTestRuntime(t)
	outer := load(t, r, "kitchen", ModuleConfig{Name: "outer", PoolSize: 1, Timeout: 150 * time.Millisecond})
	inner := load(t, r, "kitchen", ModuleConfig{Name: "inner", PoolSize: 1, Timeout: 150 * time.Millisecond})
	_, err := outer.Call(context.Background(), "nested", nil, nestedTarget{inner, "loop"})
	var me *ModuleError
	if !errors.As(err, &me) || errors.Is(err, ErrFault) {
		t.Fatalf("want the outer module's own error, got %v", err)
	}
	if !strings.Contains(string(me.Message), "inner") || !strings.Contains(string(me.Message), ErrTimeout.Error()) {
		t.Fatalf("outer error %q does not name the inner timeout", me.Message)
	}
	if got := call(t, outer, "echo", "outer ok", nil); got != "outer ok" {
		t.Fatal(got)
	}
}

// TestNestedCallBoundedByCaller: the inner module's timeout is long, but
// the outermost caller's context bounds the whole request.
func TestNestedCallBoundedByCaller(t *testing.T) {
	r, _ := newTestRuntime(t)
	outer := load(t, r, "kitchen", ModuleConfig{Name: "outer", Timeout: 200 * time.Millisecond})
	inner := load(t, r, "kitchen", ModuleConfig{Name: "inner", Timeout: 10 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := outer.Call(ctx, "nested", nil, nestedTarget{inner, "loop"})
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("nested loop ran %v: the caller's deadline did not bound it", d)
	}
	// The inner loop times out; its host function reports that to the
	// outer guest, which fails the call (or is itself cut by the caller's
	// deadline).
	var me *ModuleError
	if !errors.As(err, &me) && !errors.Is(err, ErrTimeout) {
		t.Fatalf("want the inner timeout to surface, got %v", err)
	}
	if got := call(t, inner, "echo", "inner ok", nil); got != "inner ok" {
		t.Fatal(got)
	}
}

// TestInterruptFallback: a module the rewriter refuses runs with wazero's
// termination checks, and the host logs why.
func TestInterruptFallback(t *testing.T) {
	r, logs := newTestRuntime(t)
	// A valid module, but it exports the flag's reserved name.
	m := loadBytes(t, r, watGuest(t, "taken"), ModuleConfig{Name: "taken", PoolSize: 1, Timeout: 100 * time.Millisecond})
	if m.interrupt {
		t.Fatal("the module was instrumented")
	}
	recs := logs.find("cannot be instrumented")
	if len(recs) != 1 || attr(recs[0], "module") != "taken" || !strings.Contains(attr(recs[0], "err"), "already exports") {
		t.Fatalf("fallback log: %v", recs)
	}
	start := time.Now()
	if _, err := m.Call(context.Background(), "spin", nil, nil); !errors.Is(err, ErrTimeout) {
		t.Fatalf("spin: want ErrTimeout, got %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("spin stopped after %v", d)
	}

	// A body the decoder does not know (return_call, a tail-call opcode
	// wazero's default features refuse too): the rewrite is refused with
	// the opcode named, and the load fails with wazero's error about the
	// module's own bytes.
	bad := append([]byte(nil), watGuest(t, "taken")...)
	i := bytes.Index(bad, []byte{0x03, 0x40, 0x0c, 0x00, 0x0b}) // spin's loop $l (br $l)
	if i < 0 {
		t.Fatal("spin's loop not found in the taken guest")
	}
	copy(bad[i:], []byte{0x12, 0x00, 0x01, 0x01, 0x01}) // return_call 0; nop nop nop
	bad = bytes.Replace(bad, []byte("chatwasm:interrupt"), []byte("chatwasm:xinterrupt"[:18]), 1)
	_, err := r.Load(context.Background(), bad, ModuleConfig{Name: "tailcall"})
	if err == nil || strings.Contains(err.Error(), interruptExport) {
		t.Fatalf("load of an undecodable body: %v", err)
	}
	recs = logs.find("cannot be instrumented")
	if len(recs) != 2 || attr(recs[1], "module") != "tailcall" || !strings.Contains(attr(recs[1], "err"), "opcode 0x12") {
		t.Fatalf("fallback log: %v", recs)
	}
}

// TestBlockImports moves payloads through chatwasm_block_new and
// chatwasm_block_read.
func TestBlockImports(t *testing.T) {
	r, _ := newTestRuntime(t)
	m := load(t, r, "fast", ModuleConfig{PoolSize: 1, KernelBytes: 64 << 10})
	for _, in := range []string{"", "x", "hello, kernel", strings.Repeat("0123456789", 3000)} {
		if got := call(t, m, "blocks", in, nil); got != in {
			t.Fatalf("blocks(%d bytes) = %d bytes", len(in), len(got))
		}
	}
	for _, export := range []string{"block_new_bad", "block_read_bad"} {
		if _, err := m.Call(context.Background(), export, nil, nil); !errors.Is(err, ErrBadPointer) {
			t.Errorf("%s: want ErrBadPointer, got %v", export, err)
		}
	}
	if _, err := m.Call(context.Background(), "blocks", bytes.Repeat([]byte("x"), 65<<10), nil); !errors.Is(err, ErrKernelLimit) {
		t.Errorf("block over the kernel cap: want ErrKernelLimit, got %v", err)
	}
}
