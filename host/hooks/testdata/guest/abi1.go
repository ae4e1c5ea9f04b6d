//go:build !abi2

package main

// The ABI version this guest is written for.
//
//go:wasmexport chatwasm_abi_v1
func abiV1() {}
