package wasm

import (
	"context"
	"errors"
	"fmt"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/chatwasm/chatwasm/host/wasm/wasmbin"
)

// interruptExport is the reserved export name of the interrupt flag that
// wasmbin.AddInterrupt adds to a module.
const interruptExport = "chatwasm:interrupt"

// How a runaway guest is stopped.
//
// wazero's own way, RuntimeConfig.WithCloseOnContextDone, compiles an exit
// to Go (an indirect call to a trampoline that checks whether the module was
// closed) into every loop header, and starts a goroutine per call to watch
// the context: ~27 ns per loop iteration and ~1 µs per call. Instead, Load
// rewrites the module (wasmbin.AddInterrupt): every loop iteration and
// function call takes a unit of fuel from a global (a load, a subtraction,
// a store and a branch), and every wasmbin.Fuel units a tick exits to Go
// once and traps with unreachable if the interrupt flag, an exported i32
// global, is set. The module is compiled without WithCloseOnContextDone. To
// stop a call, the instance's deadline timer (or the caller's context,
// through context.AfterFunc) sets the flag with api.MutableGlobal.Set from
// its own goroutine (callCtx.cancel). The trap that follows is classified
// as ErrTimeout or ErrCanceled because the host set the flag, and the
// instance is discarded with the flag still set.
//
// The tick's exit to Go is not optional: compiled wasm code cannot be
// preempted by the Go runtime, so a guest that never leaves it would block
// every stop-the-world phase of the garbage collector, and with it the
// whole process, the timer that should stop the guest included (and with
// GOMAXPROCS=1 the timer would never get to run at all).
//
// Why a store from another goroutine into a running instance is sound:
// wazero keeps a defined global's value in the instance's module context,
// a 16-byte-aligned slot per global, and Set writes it with one aligned
// 8-byte store; the compiled tick reads the slot with a plain 4-byte load.
// Aligned stores and loads of this size are single-copy atomic on amd64
// and arm64 (wazero's two compiler targets), and only the lowest byte ever
// changes (0 to 1), so the guest sees 0 or 1, never a torn value; cache
// coherence makes the store visible to the guest's core within
// nanoseconds, and no fence is needed since nothing else is published with
// it. The load cannot be hoisted or cached: it is in a function of its own
// that runs from the start each tick, and wazero 1.12 has no
// loop-invariant code motion or load elimination anyway. No Go code reads
// the slot concurrently (wazero reads a global from Go only in Get, which
// the host never calls), so the race detector has nothing to report
// either.
//
// A module the rewriter cannot decode (an opcode of a proposal wazero's
// default features lack, a malformed body, no memory) falls back to
// WithCloseOnContextDone, with a warning saying why; Trusted modules get
// neither.

// compile compiles the module of src for m, instrumented with the interrupt
// flag unless the module is trusted or the rewrite fails, and sets m.wrt,
// m.compiled and m.interrupt. The instrumented module comes from the
// runtime's rewrite cache when an earlier load stored it there (and then
// the module's own bytes are not read). On error m.wrt is nil.
func (m *Module) compile(ctx context.Context, src source) error {
	if !m.cfg.Trusted {
		if code, ok := m.r.rewrites.get(src.sum); ok {
			if m.compileInstrumented(ctx, code) == nil {
				return nil
			}
			m.log.Warn("wasm: the cached instrumented module does not compile; rewriting it")
			m.r.rewrites.drop(src.sum)
		}
	}
	wasmBytes, err := src.bytes()
	if err != nil {
		return err
	}
	if !m.cfg.Trusted {
		code, err := wasmbin.AddInterrupt(wasmBytes, interruptExport)
		if refused(err) {
			return err
		}
		if err == nil {
			if err = m.compileInstrumented(ctx, code); err == nil {
				m.r.rewrites.put(src.sum, code)
				return nil
			}
			if ferr := m.compileFallback(ctx, wasmBytes); ferr != nil {
				// The module itself is invalid: report the error about its
				// own bytes, not about the rewritten ones.
				return ferr
			}
			m.log.Error("wasm: the interrupt rewrite made an invalid module; using wazero's termination checks", "err", err)
			return nil
		}
		m.log.Warn("wasm: module cannot be instrumented with the interrupt flag; using wazero's termination checks (slower loops, a goroutine per call)", "err", err)
	}
	return m.compileFallback(ctx, wasmBytes)
}

// compileInstrumented compiles code, a module with the interrupt flag,
// without wazero's termination checks. On error m.wrt is nil.
func (m *Module) compileInstrumented(ctx context.Context, code []byte) error {
	m.wrt = m.newWazero(ctx, false)
	compiled, err := m.wrt.CompileModule(ctx, code)
	if err != nil {
		// Closing a runtime that holds nothing cannot fail in a way that
		// matters.
		_ = m.wrt.Close(context.Background())
		m.wrt = nil
		return err
	}
	m.compiled, m.interrupt = compiled, true
	return nil
}

// compileFallback compiles wasmBytes as they are: with wazero's
// termination checks, or none for a trusted module.
func (m *Module) compileFallback(ctx context.Context, wasmBytes []byte) error {
	if err := decodable(wasmBytes); err != nil {
		return err
	}
	m.wrt = m.newWazero(ctx, !m.cfg.Trusted)
	compiled, err := m.wrt.CompileModule(ctx, wasmBytes)
	if err != nil {
		_ = m.wrt.Close(context.Background())
		m.wrt = nil
		return err
	}
	m.compiled = compiled
	return nil
}

// newWazero makes the module's own wazero runtime (its termination checks
// and memory configuration are its own) on the shared compilation cache.
func (m *Module) newWazero(ctx context.Context, closeOnDone bool) wazero.Runtime {
	rc := wazero.NewRuntimeConfig().WithCloseOnContextDone(closeOnDone).WithCompilationCache(m.r.cache)
	return wazero.NewRuntimeWithConfig(ctx, rc)
}

// interruptFlag returns the interrupt flag of an instantiated module of m,
// nil if m is not instrumented.
func (m *Module) interruptFlag(mod api.Module) (api.MutableGlobal, error) {
	if !m.interrupt {
		return nil, nil
	}
	g, ok := mod.ExportedGlobal(interruptExport).(api.MutableGlobal)
	if !ok {
		return nil, fmt.Errorf("wasm: module %q: the interrupt flag is missing", m.name)
	}
	return g, nil
}

// refused reports whether err, from wasmbin, says a module must not reach
// wazero at all: malformed, or declaring counts or lengths its bytes do not
// hold, which wazero would allocate for before finding out (gigabytes from a
// module of a few bytes: the server's fatal out-of-memory).
func refused(err error) bool {
	return errors.Is(err, wasmbin.ErrMalformed) || errors.Is(err, wasmbin.ErrLimit)
}

// decodable returns the error of a module wazero must not be given (see
// refused), nil for any other: what wasmbin cannot read but wazero may is
// left to wazero.
func decodable(wasmBytes []byte) error {
	if _, err := wasmbin.Parse(wasmBytes); refused(err) {
		return fmt.Errorf("wasm: %w", err)
	}
	return nil
}
