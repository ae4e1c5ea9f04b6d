package wasm

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"
)

// maxKeptKernel is the kernel arena a warm instance keeps between calls;
// anything bigger is released after the call.
const maxKeptKernel = 1 << 20

// maxStderr bounds the guest stderr kept per call (for fault reports).
const maxStderr = 2048

// instance is one warm wasm instance of a module with its kernel state. It
// serves one call at a time.
type instance struct {
	m      *Module
	cc     *callCtx
	mod    api.Module
	mem    api.Memory
	flag   api.MutableGlobal // the interrupt flag; nil if not instrumented
	lin    *cappedMemory
	fns    []api.Function // by export index, resolved on first use
	stack  [1]uint64
	owned  bool // holds a pool slot
	broken bool
	// idleSince is when it last went back to the pool.
	idleSince time.Time

	k        kernel
	call     Call
	vars     map[string][]byte
	varBytes uint64
	stderr   headBuffer
}

// newInstance instantiates the module and runs its _initialize.
func (m *Module) newInstance(ctx context.Context, owned bool) (*instance, error) {
	in := &instance{m: m, owned: owned, fns: make([]api.Function, len(m.exports)), vars: map[string][]byte{}}
	in.call.inst = in
	in.cc = newCallCtx(in)
	in.k.limit = m.cfg.KernelBytes

	mc := wazero.NewModuleConfig().WithName("").WithStartFunctions().WithStderr(&in.stderr)
	if m.cfg.Clock {
		mc = mc.WithSysWalltime().WithSysNanotime().WithNanosleep(in.cc.sleep)
	}
	if m.cfg.Random {
		mc = mc.WithRandSource(rand.Reader)
	}
	mod, err := m.wrt.InstantiateModule(withCappedMemory(ctx, m.cfg.MemoryBytes, &in.lin), m.compiled, mc)
	if err != nil {
		in.close()
		return nil, fmt.Errorf("wasm: instantiate module %q: %w", m.name, err)
	}
	in.mod = mod
	in.mem = mod.Memory()
	if in.mem == nil {
		in.close()
		return nil, fmt.Errorf("wasm: module %q exports no memory", m.name)
	}
	if in.flag, err = m.interruptFlag(mod); err != nil {
		in.close()
		return nil, err
	}
	if init := mod.ExportedFunction("_initialize"); init != nil {
		in.cc.begin(ctx, callFrom(ctx), time.Now().Add(m.cfg.InitTimeout))
		in.begin("_initialize", nil, nil)
		err := in.callWithStack(init)
		// Done just as the deadline hit or not, a cut instance is spent.
		if cut := in.cc.end(); err != nil || cut != nil {
			f := in.fault("_initialize", err, cut)
			in.close()
			return nil, f
		}
		in.end()
	}
	return in, nil
}

// close frees the instance.
func (in *instance) close() {
	in.cc.timer.Stop()
	if in.mod != nil {
		// Closing a module only fails if it is already closed.
		_ = in.mod.Close(context.Background())
	}
}

// callWithStack calls fn on the instance's stack. While it runs, the
// linear memory stays mapped even if a closing runtime frees it.
func (in *instance) callWithStack(fn api.Function) error {
	in.lin.enterCall()
	defer in.lin.exitCall()
	return fn.CallWithStack(in.cc, in.stack[:])
}

// begin prepares the per-call state.
func (in *instance) begin(export string, input []byte, hc any) {
	in.k.reset(maxKeptKernel)
	in.stderr.reset()
	if in.lin != nil {
		in.lin.refused = false
	}
	in.call = Call{inst: in, export: export, hc: hc, input: input, hostErr: in.call.hostErr[:0]}
}

// end drops the references the call state holds, so that a warm instance
// does not keep the last caller's data alive.
func (in *instance) end() {
	hostErr := in.call.hostErr[:0]
	in.call = Call{inst: in, hostErr: hostErr}
}

// run calls export idx with input, as a call from ctx (nested in parent,
// if not nil) that must end by deadline, and returns its output.
func (in *instance) run(ctx context.Context, parent *callCtx, deadline time.Time, idx int, input []byte, hc any) ([]byte, error) {
	e := &in.m.exports[idx]
	fn := in.fns[idx]
	if fn == nil {
		fn = in.mod.ExportedFunction(e.name)
		in.fns[idx] = fn
	}
	in.cc.begin(ctx, parent, deadline)
	in.begin(e.name, input, hc)
	defer in.end()
	in.stack[0] = 0
	err := in.callWithStack(fn)
	cut := in.cc.end()
	if cut != nil {
		// The deadline or the caller cut the call short, possibly just as
		// it returned: the instance's flag is set and its done channel
		// closed.
		in.broken = true
	}
	if err != nil {
		in.broken = true
		return nil, in.fault(e.name, err, cut)
	}
	if e.result && int32(in.stack[0]) != 0 {
		return nil, &ModuleError{Module: in.m.name, Export: e.name, Code: int32(in.stack[0]), Message: in.call.errMsg}
	}
	return in.call.output, nil
}

// fault classifies a failed call: err is what the call returned, cut why the
// host cut it short (nil if it did not).
func (in *instance) fault(export string, err, cut error) *Fault {
	f := &Fault{Module: in.m.name, Export: export, Err: err, Stderr: in.stderr.String()}
	var exit *sys.ExitError
	switch {
	case in.call.fault != nil:
		f.Kind = in.call.fault
	case in.lin != nil && in.lin.refused:
		f.Kind = ErrMemoryLimit
	case cut != nil:
		// Whatever the guest was doing, it stopped because we set its
		// interrupt flag (the trap is its unreachable) or wazero closed it.
		f.Kind, f.Err = ErrCanceled, nil
		if errors.Is(cut, context.DeadlineExceeded) {
			f.Kind = ErrTimeout
		}
	case errors.As(err, &exit):
		f.Kind, f.ExitCode = ErrTrap, exit.ExitCode()
	default:
		f.Kind = ErrTrap
	}
	return f
}

// trap aborts the call as a fault of the given kind. wazero recovers the
// panic at the call boundary and returns it as the call's error.
func (in *instance) trap(kind error, format string, args ...any) {
	in.call.fault = kind
	panic(fmt.Errorf("%w: "+format, append([]any{kind}, args...)...))
}

// block returns the kernel block at off for the import name, trapping on a
// bad offset. Offset 0 is the empty block.
func (in *instance) block(off uint64, name string) []byte {
	if off == 0 {
		return nil
	}
	b := in.k.bytes(off)
	if b == nil {
		in.trap(ErrBadPointer, "%s: no kernel block at offset %d", name, off)
	}
	return b
}

// writeBlock copies data into a new kernel block for the import name,
// trapping when the kernel cap is reached.
func (in *instance) writeBlock(data []byte, name string) uint64 {
	off, err := in.k.write(data)
	if err != nil {
		in.trap(err, "%s: writing %d bytes", name, len(data))
	}
	return off
}

// setOutput makes a copy of b the call's output.
func (in *instance) setOutput(b []byte, off uint64) {
	if uint64(len(b)) > in.m.cfg.OutputBytes {
		in.trap(ErrOutputLimit, "output of %d bytes, cap %d", len(b), in.m.cfg.OutputBytes)
	}
	if len(b) == 0 {
		in.call.output, in.call.outOff = nil, 0
		return
	}
	in.call.output, in.call.outOff = append([]byte(nil), b...), off
}

// setError makes a copy of b the call's error message.
func (in *instance) setError(b []byte, off uint64) {
	if uint64(len(b)) > in.m.cfg.OutputBytes {
		in.trap(ErrOutputLimit, "error of %d bytes, cap %d", len(b), in.m.cfg.OutputBytes)
	}
	in.call.errMsg, in.call.errOff = append([]byte(nil), b...), off
}

// setVar sets (or with del, removes) a var, keeping the instance's vars
// under their cap.
func (in *instance) setVar(key, val []byte, del bool) {
	old, had := in.vars[string(key)]
	size := in.varBytes
	if had {
		size -= uint64(len(key) + len(old))
	}
	if del {
		delete(in.vars, string(key))
		in.varBytes = size
		return
	}
	size += uint64(len(key) + len(val))
	if size > in.m.cfg.VarBytes {
		in.trap(ErrVarLimit, "var %q of %d bytes: %d bytes in use, cap %d", key, len(val), in.varBytes, in.m.cfg.VarBytes)
	}
	in.vars[string(key)] = append([]byte(nil), val...)
	in.varBytes = size
}

// logGuest logs a guest message at Extism level lvl.
func (in *instance) logGuest(ctx context.Context, lvl int, msg []byte) {
	c := &in.call
	if c.logLines >= in.m.cfg.LogLines {
		if c.logLines == in.m.cfg.LogLines {
			in.m.log.Warn("wasm: guest log lines over the per-call limit dropped", "export", c.export, "limit", in.m.cfg.LogLines)
		}
		c.logLines++
		return
	}
	c.logLines++
	if len(msg) > maxLogMessage {
		msg = msg[:maxLogMessage]
	}
	in.m.log.Log(ctx, slogLevels[lvl], string(msg), "export", c.export)
}

// headBuffer keeps the first maxStderr bytes written to it.
type headBuffer struct{ b []byte }

// Write implements io.Writer; it never fails, so the guest never sees its
// stderr break.
func (h *headBuffer) Write(p []byte) (int, error) {
	if room := maxStderr - len(h.b); room > 0 {
		h.b = append(h.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (h *headBuffer) reset() { h.b = h.b[:0] }

func (h *headBuffer) String() string { return string(h.b) }
