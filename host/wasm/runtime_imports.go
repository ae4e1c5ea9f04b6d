package wasm

import "slices"

// RuntimeImports returns the names of the runtime's own functions in
// extism:host/user (bulk copies, kernel-block copies, the last error): they
// need no capability and no embedder registers them. Tools that judge a
// module without loading it (chatwasm module inspect) use this list, so the
// two cannot disagree.
func RuntimeImports() []string { return slices.Clone(chatwasmImports) }
