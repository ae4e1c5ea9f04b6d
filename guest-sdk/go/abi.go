package chatwasm

// abiV1 declares the ABI version this SDK speaks, so that a module gets the
// marker export the host checks at load time by importing the package.
//
//lint:ignore U1000 the host calls it by its go:wasmexport name
//go:wasmexport chatwasm_abi_v1
func abiV1() {}
