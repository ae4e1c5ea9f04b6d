// Package abi is the contract between the chatwasm host and its wasm modules:
// the hook names a module may export, the JSON envelope every hook receives,
// what each kind of hook returns, the host imports a module may call (and the
// capability each needs), the error model, and the ABI version. The
// operations' own args and results are declared in package abi/payload.
//
// It is imported by the host (host/hooks) and by the guest SDKs, so it uses
// the standard library only. README.md beside this file is the reference for
// module authors in any language; this package is its Go form.
package abi
