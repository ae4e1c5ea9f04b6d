// Package hooks layers wasm modules around chatwasm's operations.
//
// A deployment lists modules in a YAML file (ReadModuleFile), and may
// upload more over the admin API, which stores them in the database
// (Options.Stored, stored.go). Loaded, they form an immutable Set; a
// Manager holds the current Set and swaps in a new one on Reload. For each hook (abi.LookupHook), the modules that export it
// and apply to the request's tenant form a chain, first listed outermost:
// Run calls the first, whose `next` host import calls the second, and so on
// down to the Go default that the caller passes in. An operation that no
// module hooks costs one map lookup (Has).
//
// The host imports of package abi are implemented here, on the wasm runtime
// of host/wasm: each is gated by the module's capabilities and scoped to the
// request's tenant, and in the replace layer they work inside the operation's
// transaction (CallInfo.Tx), so whatever a module writes there commits or
// rolls back with the operation.
//
// A module's own error (error_set) reaches the client as the error it set; a
// fault (trap, timeout, broken limit) is a 4006, or skips the module's layer
// when its policy is on_failure: open. Repeated faults disable the module
// until the next reload.
package hooks
