package modkit

import (
	"context"
	"fmt"

	"github.com/tetratelabs/wazero"
)

// Compile compiles wasm as host/wasm compiles a sandboxed module (wazero's
// compiler with the termination check WithCloseOnContextDone puts at the
// head of every loop iteration, the one option that changes the machine
// code), through cache (nil: none), and returns the runtime that holds it:
// closing the runtime frees the compiled code.
//
// It exists to time the compilation alone: host/wasm's Load also links the
// imports and makes the first instance. If host/wasm compiles differently,
// this must follow.
func Compile(ctx context.Context, wasm []byte, cache wazero.CompilationCache) (wazero.Runtime, wazero.CompiledModule, error) {
	cfg := wazero.NewRuntimeConfig().WithCloseOnContextDone(true)
	if cache != nil {
		cfg = cfg.WithCompilationCache(cache)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	compiled, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		// Closing a runtime that compiled nothing has nothing to report.
		_ = rt.Close(ctx)
		return nil, nil, fmt.Errorf("modkit: compile: %w", err)
	}
	return rt, compiled, nil
}
