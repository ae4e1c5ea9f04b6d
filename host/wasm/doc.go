// Package wasm runs chatwasm's modules: Extism plug-ins (built with any
// Extism PDK) executed on wazero under sandbox limits, with our own Extism
// kernel in Go instead of extism/go-sdk (docs/decisions.md, "The module ABI: our own Extism kernel").
//
// # Use
//
//	rt, _ := wasm.NewRuntime(wasm.Config{CacheDir: dir, HostFuncs: funcs})
//	m, _ := rt.Load(ctx, wasmBytes, wasm.ModuleConfig{Name: "mod", Timeout: time.Second})
//	out, err := m.Call(ctx, "create_message", input, hostCtx)
//
// err is a *ModuleError when the module failed the call itself (error_set,
// non-zero return; Message keeps its bytes), a *Fault when it misbehaved
// (errors.Is: ErrFault and one of ErrTimeout, ErrCanceled, ErrMemoryLimit,
// ErrKernelLimit, ErrOutputLimit, ErrVarLimit, ErrBadPointer, ErrTrap), or
// ErrNoExport, ErrClosed, ErrBusy (wrapped with the context error), ErrDepth.
// An instance that faulted is closed and replaced in the background, never
// reused. Inspect lists a module's exports and imports without running it.
//
// # Modules and instances
//
// Each module gets its own wazero runtime (so its memory cap and termination
// checks are its own) compiled through the runtime's shared compilation
// cache, and a pool of at most PoolSize warm instances; concurrent calls run
// on different instances, and a call waits for a free one until its
// deadline. Every instance has WASI with nothing granted: no files, no
// environment, no arguments, a fake fixed clock and a deterministic entropy
// source unless ModuleConfig.Clock or Random grant the real ones; stdout is
// discarded and the start of stderr is kept for the call's Fault. _initialize
// runs once per instance (under InitTimeout); _start is never called.
//
// Limits: the call deadline (ModuleConfig.Timeout, or the caller's earlier
// one) stops a runaway guest: Load rewrites every module (package wasmbin)
// so that its loops and calls count down fuel and, every thousand, check an
// interrupt flag, which the deadline sets (see interrupt.go; a module the
// rewriter cannot decode falls back to wazero's slower
// WithCloseOnContextDone). Time the guest spends in the embedder's host
// functions does not count. Linear
// memory is capped per instance by refusing memory.grow (ErrMemoryLimit);
// kernel memory is capped per call (alloc past it traps); output, error
// message, vars, log lines and HTTP responses have caps too.
//
// # Kernel imports (module "extism:host/env")
//
// Exactly the functions the Extism kernel and go-sdk provide, with their
// signatures, so every PDK links: alloc, free, length, length_unsafe,
// load_u8, load_u64, store_u8, store_u64, input_length, input_load_u8,
// input_load_u64, input_offset, input_set, output_set, output_length,
// output_offset, error_set, error_get, memory_bytes, reset, config_get,
// var_get, var_set, log_trace, log_debug, log_info, log_warn, log_error,
// get_log_level, http_request, http_status_code, http_headers.
//
// The kernel memory is a per-instance arena in host memory, reset between
// calls: offsets are arena positions (0 is null, blocks are 8-byte aligned
// and zeroed), loads and stores outside the blocks handed out during the
// call trap with ErrBadPointer. The input is read from the caller's slice
// directly (a block is made only if the guest asks for input_offset); output
// and error are copied out when set. Vars live per instance (they are lost
// when the instance is replaced) under VarBytes. Logs go to the runtime's
// slog logger with "module" and "export" attributes; get_log_level reports
// the lowest level that logger has enabled. http_request reaches only
// ModuleConfig.AllowedHosts (host names as path.Match patterns, with an
// optional port that must then match; redirects included), within
// HTTPTimeout and HTTPResponseBytes; a refused or failed request is not a
// fault: the guest gets offset 0 and status 0, and chatwasm_last_error tells
// why.
//
// # chatwasm imports (module "extism:host/user")
//
// Bulk copies for our own SDKs (go-pdk moves 8 bytes per host call; these
// move a whole payload in one). Pointers are i32 addresses in the guest's
// linear memory; a range outside it traps with ErrBadPointer.
//
//	chatwasm_input_read(dst i32, len i32)
//	    Copies the first len bytes of the call's input to dst. The input
//	    length is extism:host/env input_length; len must not exceed it.
//	chatwasm_output_write(src i32, len i32)
//	    Sets the call's output to a copy of [src, src+len) (replacing any
//	    earlier output_set); over OutputBytes it traps with ErrOutputLimit.
//	chatwasm_error_write(src i32, len i32)
//	    Sets the call's error message to a copy of [src, src+len), like
//	    error_set; the export then returns non-zero.
//	chatwasm_block_new(src i32, len i32) i64
//	    Copies [src, src+len) into a new kernel block and returns its
//	    offset (0 when len is 0), for the request of a host function; past
//	    the kernel cap it traps with ErrKernelLimit.
//	chatwasm_block_read(off i64, dst i32)
//	    Copies the whole kernel block at off (its length is
//	    extism:host/env length) to dst, for the result of a host function,
//	    config_get or var_get.
//	chatwasm_last_error() i64
//	    Kernel offset of a block with the error of the last failed host
//	    function call (an embedder HostFunc, a refused capability, or
//	    http_request), 0 if it succeeded. Each host function call resets it.
//
// # Host functions of the embedder (also "extism:host/user")
//
// Config.HostFuncs registers them: a name, a capability, a wasm signature
// and a Go function that gets the call's context (pass it on to nested
// Module.Call), a *Call (the per-call host context given to Module.Call,
// kernel memory and guest memory access) and the stack. BytesFunc builds the
// usual Extism shape (i64 offset in, i64 offset out). A module not granted
// the capability still links, but its calls return zeros and set
// chatwasm_last_error to an ErrNotGranted message; a function error does the
// same with its message (errors matching ErrKernelLimit or ErrBadPointer
// trap instead). A module importing a function nobody registered fails to
// load.
//
// A host function may call another module's export, or the same module's:
// the nested call runs under its own module's Timeout, bounded by the
// outermost call's context (the calling module's clock stands still while
// it runs, so an inner module running to its limit is not blamed on the
// outer one), counts against Config.MaxDepth, and when every instance of
// its module is held by its own calling chain it gets an extra instance
// rather than waiting for its caller (no deadlock).
//
// # Cost of a call
//
// What keeps a call cheap: instances are warm and reused; exports are
// resolved once per instance; the kernel, the call state and the call's
// context.Context are per-instance and reused, so a no-op call allocates
// nothing of ours; the deadline timer is re-armed lazily (about once per
// Timeout, not twice per call) and stops a guest through the interrupt
// flag, so no goroutine watches a call and a loop iteration costs about a
// nanosecond of fuel counting, not an exit to Go; the pool hands out the
// most recently used instance. ModuleConfig.Trusted drops the checks too,
// for modules the operator vouches for. The numbers are in bench_test.go and
// the package README.
package wasm
