package wasm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/tetratelabs/wazero/api"
)

// ValueType is a wasm value type of a host function parameter or result.
type ValueType = api.ValueType

// Wasm value types. Extism kernel offsets are I64.
const (
	I32 ValueType = api.ValueTypeI32
	I64 ValueType = api.ValueTypeI64
	F32 ValueType = api.ValueTypeF32
	F64 ValueType = api.ValueTypeF64
)

// HostFunc is a host function the embedder adds to the extism:host/user
// namespace. A module can call it only if it was granted Capability (an
// empty Capability is granted to every module); calling it without the grant
// is not a crash: the results are zero and the module can read the error
// with chatwasm_last_error.
type HostFunc struct {
	Name       string
	Capability string
	// Params and Results are the wasm signature; by the Extism convention
	// byte payloads travel as I64 kernel offsets (see BytesFunc).
	Params, Results []ValueType
	// Fn runs the function: stack holds the parameters on entry and takes
	// the results. ctx is the call's context: pass it to nested
	// Module.Call so they count as nested. The time Fn takes does not
	// count against the calling module's Timeout; meanwhile ctx has the
	// deadline of the outermost Module.Call's context, if any. An error is
	// the module's to see: the results are zeroed and the message is
	// readable with chatwasm_last_error. An error matching ErrKernelLimit or
	// ErrBadPointer instead traps the call as that fault.
	Fn func(ctx context.Context, c *Call, stack []uint64) error
}

// BytesFunc makes an Extism-convention host function: one I64 parameter, the
// offset of a kernel block holding the input (0 for none), and one I64
// result, the offset of a new block holding fn's output (0 for empty output
// or an error).
func BytesFunc(name, capability string, fn func(ctx context.Context, c *Call, in []byte) ([]byte, error)) HostFunc {
	return HostFunc{
		Name:       name,
		Capability: capability,
		Params:     []ValueType{I64},
		Results:    []ValueType{I64},
		Fn: func(ctx context.Context, c *Call, stack []uint64) error {
			in, err := c.Read(stack[0])
			if err != nil {
				return err
			}
			out, err := fn(ctx, c, in)
			if err != nil {
				return err
			}
			stack[0], err = c.Write(out)
			return err
		},
	}
}

// Call is the state of one module call as host functions see it. It is
// valid only while the host function runs.
type Call struct {
	inst   *instance
	export string
	hc     any
	input  []byte

	inputOff uint64 // kernel copy of the input, made on input_offset
	output   []byte
	outOff   uint64
	errMsg   []byte
	errOff   uint64
	hostErr  []byte // last user host function error, for chatwasm_last_error

	httpStatus  int32
	httpHeaders map[string]string
	logLines    int

	// fault is the kind of fault a host import trapped the call with.
	fault error
}

// HostContext returns the per-call value the embedder passed to Module.Call
// (for chatwasm: the caller's identity, tenant and capabilities).
func (c *Call) HostContext() any { return c.hc }

// Module returns the name of the calling module.
func (c *Call) Module() string { return c.inst.m.name }

// Export returns the name of the export being called.
func (c *Call) Export() string { return c.export }

// Read returns the contents of the kernel block at offset (nil for offset 0)
// as a view valid until the host function returns; copy what you keep.
func (c *Call) Read(offset uint64) ([]byte, error) {
	if offset == 0 {
		return nil, nil
	}
	b := c.inst.k.bytes(offset)
	if b == nil {
		return nil, fmt.Errorf("%w: no kernel block at offset %d", ErrBadPointer, offset)
	}
	return b, nil
}

// Write copies data into a new kernel block and returns its offset (0 for
// empty data).
func (c *Call) Write(data []byte) (uint64, error) {
	return c.inst.k.write(data)
}

// Free releases the kernel block at offset.
func (c *Call) Free(offset uint64) { c.inst.k.free(offset) }

// Memory returns the guest's linear memory, for host functions that take
// pointer/length pairs into it.
func (c *Call) Memory() api.Memory { return c.inst.mem }

// GuestBytes returns the n bytes of guest linear memory at ptr as a view
// valid until the host function returns.
func (c *Call) GuestBytes(ptr, n uint32) ([]byte, error) {
	b, ok := c.inst.mem.Read(ptr, n)
	if !ok {
		return nil, fmt.Errorf("%w: guest memory [%d, +%d)", ErrBadPointer, ptr, n)
	}
	return b, nil
}

// hostFuncImport wraps f as a wazero host function for a module that was
// granted it.
func hostFuncImport(f HostFunc) api.GoFunc {
	nres := len(f.Results)
	return func(ctx context.Context, stack []uint64) {
		in := instanceOf(ctx)
		c := &in.call
		c.hostErr = c.hostErr[:0]
		// The host's time is not the module's: see callCtx.
		in.cc.pause()
		err := f.Fn(ctx, c, stack)
		in.cc.resume()
		if err == nil {
			return
		}
		for _, kind := range []error{ErrKernelLimit, ErrBadPointer} {
			if errors.Is(err, kind) {
				in.trap(kind, "host function %s: %v", f.Name, err)
			}
		}
		clear(stack[:nres])
		c.hostErr = append(c.hostErr, err.Error()...)
		in.m.log.Debug("wasm: host function failed", "func", f.Name, "export", c.export, "err", err)
	}
}

// deniedImport stands in for f in a module that was not granted f's
// capability: the module sees an error, the host function never runs. The
// first refusal is a warning (a misconfigured module file, or a module
// probing); the rest are debug logs, so a loop cannot flood the log.
func deniedImport(f HostFunc) api.GoFunc {
	nres := len(f.Results)
	var warned atomic.Bool
	return func(ctx context.Context, stack []uint64) {
		in := instanceOf(ctx)
		c := &in.call
		clear(stack[:nres])
		c.hostErr = fmt.Appendf(c.hostErr[:0], "%v: %s needs %q", ErrNotGranted, f.Name, f.Capability)
		level := slog.LevelDebug
		if !warned.Swap(true) {
			level = slog.LevelWarn
		}
		in.m.log.Log(ctx, level, "wasm: module called a host function it was not granted",
			"func", f.Name, "capability", f.Capability, "export", c.export)
	}
}
