package modkit

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/chatwasm/chatwasm/abi"
	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/host/wasm"
)

// Direct loads wasm on a host/wasm runtime of its own, without host/hooks,
// under cfg (Name defaults to "direct"), and returns the module, closed when
// the test ends. Its next import returns next(args); every other chatwasm
// import fails. It is for measuring what host/wasm's options cost, such as
// Trusted (no termination checks), which a module file cannot set; call the
// module's hook export with Envelope.
func Direct(tb testing.TB, wasmBytes []byte, cfg wasm.ModuleConfig, next func(args []byte) []byte) *wasm.Module {
	tb.Helper()
	var funcs []wasm.HostFunc
	for _, imp := range abi.Imports() {
		fn := func(context.Context, *wasm.Call, []byte) ([]byte, error) {
			return nil, errors.New("modkit: not available without host/hooks")
		}
		if imp.Name == abi.ImportNext {
			fn = func(_ context.Context, _ *wasm.Call, args []byte) ([]byte, error) { return next(args), nil }
		}
		funcs = append(funcs, wasm.BytesFunc(imp.Name, imp.Capability, fn))
	}
	rt, err := wasm.NewRuntime(wasm.Config{HostFuncs: funcs, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := rt.Close(context.Background()); err != nil {
			tb.Error(err)
		}
	})
	if cfg.Name == "" {
		cfg.Name = "direct"
	}
	m, err := rt.Load(context.Background(), wasmBytes, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// Envelope is the input host/hooks gives a module's hook export for a call
// of hook with args.
func Envelope(hook string, call hooks.CallInfo, args []byte) []byte {
	return abi.AppendCall(nil, abi.Call{ABI: abi.Version, Hook: hook, Tenant: call.Tenant, Caller: call.Caller, Args: args})
}
