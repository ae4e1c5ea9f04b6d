package wasm

import (
	"errors"
	"fmt"
)

// Fault kinds. A fault is the module's failure to behave (a trap, a timeout,
// a broken limit); it is always returned as a *Fault, which matches ErrFault
// and exactly one of these kinds with errors.Is. The instance that faulted is
// closed and replaced, never reused.
var (
	// ErrFault matches every *Fault.
	ErrFault = errors.New("wasm: module fault")
	// ErrTimeout: the call ran past its deadline and was stopped.
	ErrTimeout = errors.New("wasm: call deadline exceeded")
	// ErrCanceled: the caller's context was canceled during the call.
	ErrCanceled = errors.New("wasm: call canceled")
	// ErrMemoryLimit: the guest tried to grow its linear memory past its cap.
	ErrMemoryLimit = errors.New("wasm: linear memory limit exceeded")
	// ErrKernelLimit: the guest allocated more Extism kernel memory in one
	// call than its cap allows.
	ErrKernelLimit = errors.New("wasm: kernel memory limit exceeded")
	// ErrOutputLimit: the guest set an output larger than its cap.
	ErrOutputLimit = errors.New("wasm: output limit exceeded")
	// ErrVarLimit: the guest's vars outgrew their cap.
	ErrVarLimit = errors.New("wasm: var store limit exceeded")
	// ErrBadPointer: the guest passed a kernel offset or a linear memory
	// range that does not exist to a host import.
	ErrBadPointer = errors.New("wasm: invalid memory reference")
	// ErrTrap: any other trap (unreachable, out-of-bounds access, stack
	// overflow, a panic in the guest, an exit from inside a call).
	ErrTrap = errors.New("wasm: trap")
)

// Errors that are not the module's fault.
var (
	// ErrNoExport: the module has no such export, or its signature is not
	// an Extism one (no parameters, an optional i32 result).
	ErrNoExport = errors.New("wasm: no such export")
	// ErrClosed: the module or runtime was closed.
	ErrClosed = errors.New("wasm: module closed")
	// ErrBusy: every instance stayed busy until the call's deadline. It is
	// wrapped together with the context's error.
	ErrBusy = errors.New("wasm: no instance available")
	// ErrDepth: nested calls (module → host function → module ...) went
	// deeper than the runtime allows.
	ErrDepth = errors.New("wasm: nested call depth exceeded")
	// ErrChecksum: the module bytes do not match the expected sha256.
	ErrChecksum = errors.New("wasm: sha256 mismatch")
	// ErrNotGranted is the host error a module sees when it calls a host
	// function whose capability it was not granted.
	ErrNotGranted = errors.New("wasm: capability not granted")
	// ErrHostNotAllowed is the host error a module sees when http_request
	// targets a host (or scheme) outside its allowed hosts.
	ErrHostNotAllowed = errors.New("wasm: http host not allowed")
	// ErrHTTPLimit is the host error a module sees when an HTTP response
	// body is over its cap.
	ErrHTTPLimit = errors.New("wasm: http response over the size limit")
)

// Fault is a call that failed because the module misbehaved.
type Fault struct {
	Module, Export string
	// Kind is one of the fault kinds above (ErrTimeout, ErrTrap, ...).
	Kind error
	// ExitCode is the code the guest passed to proc_exit when it exited in
	// the middle of a call; 0 otherwise (a Go guest's panic is a trap).
	ExitCode uint32
	// Stderr is the tail of what the guest wrote to stderr during the call
	// (a Go guest's panic message lands here).
	Stderr string
	// Err is the runtime's error, for logs.
	Err error
}

func (f *Fault) Error() string {
	msg := fmt.Sprintf("wasm: module %q export %q: %v", f.Module, f.Export, f.Kind)
	if f.Err != nil {
		msg += ": " + f.Err.Error()
	}
	if f.Stderr != "" {
		msg += " (stderr: " + f.Stderr + ")"
	}
	return msg
}

// Unwrap makes errors.Is match ErrFault, the kind and the cause.
func (f *Fault) Unwrap() []error {
	errs := []error{ErrFault, f.Kind}
	if f.Err != nil {
		errs = append(errs, f.Err)
	}
	return errs
}

// ModuleError is a call the module itself failed: it set an error with
// error_set (or chatwasm_error_write) and returned non-zero. Message holds the
// bytes it set, unchanged (chatwasm passes a JSON error to the client as is).
type ModuleError struct {
	Module, Export string
	// Code is the export's non-zero return value.
	Code int32
	// Message is the error the module set; empty when it set none.
	Message []byte
}

func (e *ModuleError) Error() string {
	if len(e.Message) == 0 {
		return fmt.Sprintf("wasm: module %q export %q returned %d", e.Module, e.Export, e.Code)
	}
	return fmt.Sprintf("wasm: module %q export %q returned %d: %s", e.Module, e.Export, e.Code, e.Message)
}
