package modkit

import (
	"context"
	"fmt"
	"time"

	"github.com/chatwasm/chatwasm/host/wasm"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// Instancer makes instances of one compiled module the way host/wasm makes
// its warm instances (anonymous, WASI with nothing granted, no start
// function, then _initialize under a deadline), but against stub Extism
// imports: what it times is the instantiation and _initialize alone, not
// host/wasm's once-per-module linking. A stub import traps if called, which
// no module does before its first call.
type Instancer struct {
	rt       wazero.Runtime
	compiled wazero.CompiledModule
}

// initTimeout is host/wasm's default deadline for _initialize.
const initTimeout = 10 * time.Second

// NewInstancer compiles wasm (see Compile; nil cache: none) and links it to
// WASI and to stubs of the module's extism:host/env and extism:host/user
// imports. Close it to free everything.
func NewInstancer(ctx context.Context, wasmBytes []byte, cache wazero.CompilationCache) (*Instancer, error) {
	rt, compiled, err := Compile(ctx, wasmBytes, cache)
	if err != nil {
		return nil, err
	}
	i := &Instancer{rt: rt, compiled: compiled}
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		_ = i.Close(ctx)
		return nil, fmt.Errorf("modkit: instantiate WASI: %w", err)
	}
	builders := map[string]wazero.HostModuleBuilder{}
	for _, def := range compiled.ImportedFunctions() {
		mod, name, _ := def.Import()
		if mod != wasm.EnvModule && mod != wasm.UserModule {
			continue
		}
		b, ok := builders[mod]
		if !ok {
			b = rt.NewHostModuleBuilder(mod)
			builders[mod] = b
		}
		b.NewFunctionBuilder().
			WithGoModuleFunction(stub(mod, name), def.ParamTypes(), def.ResultTypes()).
			Export(name)
	}
	for mod, b := range builders {
		if _, err := b.Instantiate(ctx); err != nil {
			_ = i.Close(ctx)
			return nil, fmt.Errorf("modkit: stub %s: %w", mod, err)
		}
	}
	return i, nil
}

// stub is an import that must not be called while instantiating.
func stub(mod, name string) api.GoModuleFunc {
	return func(context.Context, api.Module, []uint64) {
		panic(fmt.Sprintf("modkit: %s.%s called while instantiating", mod, name))
	}
}

// Instantiate makes one instance and runs its _initialize, if it has one.
// The caller closes the instance.
func (i *Instancer) Instantiate(ctx context.Context) (api.Module, error) {
	cfg := wazero.NewModuleConfig().WithName("").WithStartFunctions()
	mod, err := i.rt.InstantiateModule(ctx, i.compiled, cfg)
	if err != nil {
		return nil, fmt.Errorf("modkit: instantiate: %w", err)
	}
	if init := mod.ExportedFunction("_initialize"); init != nil {
		ictx, cancel := context.WithTimeout(ctx, initTimeout)
		_, err := init.Call(ictx)
		cancel()
		if err != nil {
			_ = mod.Close(ctx)
			return nil, fmt.Errorf("modkit: _initialize: %w", err)
		}
	}
	return mod, nil
}

// Close frees the compiled module and the instances still open.
func (i *Instancer) Close(ctx context.Context) error { return i.rt.Close(ctx) }
