// Package modtool is what `chatwasm module` does for module authors:
// Inspect describes a .wasm module the way the host will see it (its hooks,
// custom actions, imports and the capabilities they need, its declared ABI
// version), without running any of its code; Call runs one of its hooks
// locally, in a sandbox of its own (a temporary SQLite database with a user
// and a room), with the host's default Go logic as `next`, exactly as the
// server's hook chain would run it.
package modtool
