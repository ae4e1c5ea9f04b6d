//go:build abi2

package main

// A future ABI version, to test that the host refuses it.
//
//go:wasmexport chatwasm_abi_v2
func abiV2() {}
