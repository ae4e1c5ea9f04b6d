//go:build !linux

package wasm

// reserve is not available on this platform: linear memories are Go slices.
func reserve(uint64) []byte { return nil }

func unreserve([]byte) {}
