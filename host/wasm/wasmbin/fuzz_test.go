package wasmbin

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// FuzzAddInterrupt feeds AddInterrupt arbitrary modules (seeded with the
// hand-assembled guests of these tests and testdata/fuzz). Whatever it is
// given, it returns an instrumented module or ErrUnsupported/ErrMalformed/ErrLimit,
// never panics (nor makes wazero allocate gigabytes: a module it refuses
// with ErrMalformed or ErrLimit never reaches wazero, here or in the host); a module wazero accepts stays valid once instrumented; and
// every export without parameters that the original runs to its end (or to
// a trap) within a short time gives the same results (or also traps) when
// instrumented, and stops within its fuel when the interrupt flag is set.
func FuzzAddInterrupt(f *testing.F) {
	f.Add(guest)
	f.Add(provider)
	f.Add(module(section(SectionMemory, vector([]byte{0, 1}))))
	f.Fuzz(func(t *testing.T, bin []byte) {
		out, err := AddInterrupt(bin, flagName)
		if err != nil {
			if !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrLimit) {
				t.Fatalf("AddInterrupt failed with %v, not ErrUnsupported, ErrMalformed or ErrLimit", err)
			}
			return
		}
		ctx := context.Background()
		// Small memories and tables only: a fuzzed module may ask for 4 GiB.
		rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCloseOnContextDone(true).
			WithMemoryLimitPages(16))
		defer rt.Close(ctx)
		orig, err := rt.CompileModule(ctx, bin)
		if err != nil {
			return // wazero refuses the original: nothing to keep valid
		}
		if _, err := rt.CompileModule(ctx, out); err != nil {
			t.Fatalf("the original module is valid, the instrumented one is not: %v", err)
		}
		if _, err := rt.InstantiateWithConfig(ctx, provider, wazero.NewModuleConfig().WithName("env")); err != nil {
			t.Fatal(err)
		}
		stubImports(ctx, rt, orig)
		for name, def := range orig.ExportedFunctions() {
			if len(def.ParamTypes()) == 0 {
				compareRun(t, rt, bin, out, name)
			}
		}
	})
}

// compareRun runs export fn of the original module bin and of its
// instrumented copy out, each in a fresh instance.
func compareRun(t *testing.T, rt wazero.Runtime, bin, out []byte, fn string) {
	t.Helper()
	want, wantErr, finished := runExport(rt, bin, fn, 50*time.Millisecond, false)
	if !finished {
		return // it may never end: only the flag case below applies
	}
	// Far more than the original took: instrumented code is slower, but not
	// by this much.
	got, gotErr, finished := runExport(rt, out, fn, time.Minute, false)
	switch {
	case !finished:
		t.Fatalf("%s: the original ends, the instrumented copy did not within a minute", fn)
	case (wantErr == nil) != (gotErr == nil):
		t.Fatalf("%s: original %v, %v; instrumented %v, %v", fn, want, wantErr, got, gotErr)
	case wantErr == nil && !slices.Equal(want, got):
		t.Fatalf("%s: original returns %v, instrumented %v", fn, want, got)
	}
	if _, _, finished := runExport(rt, out, fn, time.Minute, true); !finished {
		t.Fatalf("%s: with the interrupt flag set, the instrumented copy did not stop within a minute", fn)
	}
}

// runExport instantiates bin (anonymously, its start function included)
// and calls fn, with the interrupt flag set first if flag; finished is
// false if the call or the start function was still running at timeout (or
// the module cannot be instantiated).
func runExport(rt wazero.Runtime, bin []byte, fn string, timeout time.Duration, flag bool) (res []uint64, err error, finished bool) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	mod, err := rt.InstantiateWithConfig(ctx, bin, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		return nil, err, false
	}
	defer mod.Close(context.Background())
	if flag {
		g, ok := mod.ExportedGlobal(flagName).(api.MutableGlobal)
		if !ok {
			return nil, errors.New("no interrupt flag"), false
		}
		g.Set(1)
	}
	res, err = mod.ExportedFunction(fn).Call(ctx, res...)
	return res, err, ctx.Err() == nil
}

// stubImports instantiates, for the functions compiled imports from
// modules other than the provider ("env"), host functions of the same
// types that return zeros, so that modules importing the host's functions
// (the wat guests import chatwasm's) can run.
func stubImports(ctx context.Context, rt wazero.Runtime, compiled wazero.CompiledModule) {
	builders := map[string]wazero.HostModuleBuilder{}
	for _, def := range compiled.ImportedFunctions() {
		mod, name, _ := def.Import()
		if mod == "env" {
			continue
		}
		b, ok := builders[mod]
		if !ok {
			b = rt.NewHostModuleBuilder(mod)
			builders[mod] = b
		}
		results := def.ResultTypes()
		b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(_ context.Context, _ api.Module, stack []uint64) {
			clear(stack[:len(results)])
		}), def.ParamTypes(), results).Export(name)
	}
	for _, b := range builders {
		// A module name or an import wazero refuses leaves the module
		// uninstantiable, which runExport then reports as not finished.
		_, _ = b.Instantiate(ctx)
	}
}
