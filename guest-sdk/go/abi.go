package chatwasm

// abiV1 declares the ABI version this SDK speaks, so that a module gets the
// marker export the host checks at load time by importing the package.
//
//go:wasmexport chatwasm_abi_v1
func abiV1() {}
