package wasm

import (
	"context"
	"errors"
	"testing"

	"github.com/chatwasm/chatwasm/host/wasm/wasmbin"
)

// TestAllocationBombRefused: a module of a few bytes declaring four billion
// element segments (which wazero v1.12 would allocate for while decoding:
// a fatal out-of-memory of the server) is refused with wasmbin.ErrLimit
// before wazero sees it, whether it is loaded as untrusted (interrupt
// rewrite), as trusted (no rewrite) or only inspected.
func TestAllocationBombRefused(t *testing.T) {
	bomb := []byte("\x00asm\x01\x00\x00\x00\x09\x06\x8c\xef\xff\xff\x01\x30\x05\x070000000")
	r, _ := newTestRuntime(t)
	ctx := context.Background()
	for _, trusted := range []bool{false, true} {
		if _, err := r.Load(ctx, bomb, ModuleConfig{Name: "bomb", Trusted: trusted}); !errors.Is(err, wasmbin.ErrLimit) {
			t.Errorf("Load (trusted %v) = %v, want wasmbin.ErrLimit", trusted, err)
		}
	}
	if _, err := Inspect(ctx, bomb); !errors.Is(err, wasmbin.ErrLimit) {
		t.Errorf("Inspect = %v, want wasmbin.ErrLimit", err)
	}
}
