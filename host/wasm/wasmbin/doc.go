// Package wasmbin decodes and rewrites WebAssembly module binaries, just
// enough for host/wasm to instrument a module before wazero compiles it
// (AddInterrupt): the section layout, the import, global, export and code
// sections, and every instruction of the core specification that wazero's
// default features accept (MVP, sign extension, multi-value, reference
// types, bulk memory, fixed-width SIMD), plus the threads proposal's
// atomics. Anything else is refused with ErrUnsupported rather than
// guessed at: a rewrite that misread one immediate would corrupt every
// instruction after it. Validation is left to wazero.
package wasmbin
