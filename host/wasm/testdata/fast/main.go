// Command fast is a test guest that skips go-pdk and moves payloads with
// chatwasm's bulk-copy imports, one host call each way.
package main

import "unsafe"

func main() {}

//go:wasmimport extism:host/env input_length
func inputLength() uint64

//go:wasmimport extism:host/user chatwasm_input_read
func inputRead(dst unsafe.Pointer, n uint32)

//go:wasmimport extism:host/user chatwasm_output_write
func outputWrite(src unsafe.Pointer, n uint32)

//go:wasmimport extism:host/user chatwasm_error_write
func errorWrite(src unsafe.Pointer, n uint32)

//go:wasmimport extism:host/user chatwasm_block_new
func blockNew(src unsafe.Pointer, n uint32) uint64

//go:wasmimport extism:host/user chatwasm_block_read
func blockRead(off uint64, dst unsafe.Pointer)

//go:wasmimport extism:host/env length
func length(uint64) uint64

//go:wasmimport extism:host/env free
func free(uint64)

var buf []byte

// input reads the call's input into buf, reusing it across calls.
func input() []byte {
	n := uint32(inputLength())
	if uint32(cap(buf)) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if n > 0 {
		inputRead(unsafe.Pointer(&buf[0]), n)
	}
	return buf
}

func output(b []byte) {
	if len(b) > 0 {
		outputWrite(unsafe.Pointer(&b[0]), uint32(len(b)))
	}
}

//go:wasmexport noop
func noop() int32 { return 0 }

//go:wasmexport echo
func echo() int32 {
	output(input())
	return 0
}

//go:wasmexport fail
func fail() int32 {
	msg := []byte(`{"code": 4003, "detail": ["nope"]}`)
	errorWrite(unsafe.Pointer(&msg[0]), uint32(len(msg)))
	return 3
}

//go:wasmexport bad_pointer
func badPointer() int32 {
	outputWrite(unsafe.Pointer(uintptr(0xfffffff0)), 64)
	return 0
}

// The raw kernel imports that go-pdk does not use but other PDKs do.

//go:wasmimport extism:host/env input_offset
func inputOffset() uint64

//go:wasmimport extism:host/env length_unsafe
func lengthUnsafe(uint64) uint64

//go:wasmimport extism:host/env load_u8
func loadU8(uint64) uint32

//go:wasmimport extism:host/env alloc
func alloc(uint64) uint64

//go:wasmimport extism:host/env store_u8
func storeU8(uint64, uint32)

//go:wasmimport extism:host/env output_set
func outputSet(uint64, uint64)

//go:wasmimport extism:host/env output_length
func outputLength() uint64

//go:wasmimport extism:host/env output_offset
func outputOffset() uint64

//go:wasmimport extism:host/env memory_bytes
func memoryBytes() uint64

//go:wasmimport extism:host/env reset
func reset()

//go:wasmimport extism:host/env http_headers
func httpHeaders() uint64

//go:wasmimport extism:host/env http_status_code
func httpStatusCode() int32

// reverse reads the input through its kernel block and outputs it reversed
// from a new block; a non-zero return names the check that failed.
//
//go:wasmexport reverse
func reverse() int32 {
	in := inputOffset()
	n := lengthUnsafe(in)
	if n != inputLength() {
		return 10
	}
	out := alloc(n)
	for i := range n {
		storeU8(out+i, loadU8(in+n-1-i))
	}
	outputSet(out, n)
	switch {
	case outputLength() != n || outputOffset() != out:
		return 11
	case httpHeaders() != 0 || httpStatusCode() != 0:
		return 12
	case memoryBytes() == 0:
		return 13
	}
	return 0
}

// resetKernel checks that reset forgets every block.
//
//go:wasmexport reset_kernel
func resetKernel() int32 {
	a := alloc(100)
	reset()
	if lengthUnsafe(a) != 0 {
		return 20
	}
	if b := alloc(100); b != a {
		return 21
	}
	return 0
}

var blockBuf []byte

// blocks moves the input through a kernel block and back, as a host
// function's request and result travel: chatwasm_block_new, then
// chatwasm_block_read into another buffer (reused across calls, like
// input's), which is the output.
//
//go:wasmexport blocks
func blocks() int32 {
	in := input()
	var off uint64
	if len(in) > 0 {
		off = blockNew(unsafe.Pointer(&in[0]), uint32(len(in)))
	}
	n := length(off)
	if n != uint64(len(in)) {
		return 30
	}
	if uint64(cap(blockBuf)) < n {
		blockBuf = make([]byte, n)
	}
	out := blockBuf[:n]
	if n > 0 {
		blockRead(off, unsafe.Pointer(&out[0]))
	}
	free(off)
	output(out)
	return 0
}

//go:wasmexport block_new_bad
func blockNewBad() int32 {
	blockNew(unsafe.Pointer(uintptr(0xfffffff0)), 64)
	return 0
}

//go:wasmexport block_read_bad
func blockReadBad() int32 {
	var b [8]byte
	blockRead(12345, unsafe.Pointer(&b[0]))
	return 0
}

var sink uint32

// spin runs a loop as many times as the input's 4 little-endian bytes
// say, and outputs its result so that the loop cannot be optimized away.
//
//go:wasmexport spin
func spin() int32 {
	in := input()
	if len(in) != 4 {
		return 40
	}
	n := uint32(in[0]) | uint32(in[1])<<8 | uint32(in[2])<<16 | uint32(in[3])<<24
	acc := sink
	for i := uint32(0); i < n; i++ {
		acc += i ^ acc
	}
	sink = acc
	out := []byte{byte(acc), byte(acc >> 8), byte(acc >> 16), byte(acc >> 24)}
	output(out)
	return 0
}
