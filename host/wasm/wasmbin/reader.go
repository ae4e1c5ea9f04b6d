package wasmbin

import (
	"errors"
	"fmt"
)

// Errors of the decoder. Every error it returns matches one of them with
// errors.Is.
var (
	// ErrMalformed: the bytes are not a well-formed module (truncated, a
	// bad LEB128, a body that does not end where its size says).
	ErrMalformed = errors.New("wasmbin: malformed module")
	// ErrUnsupported: the module uses something the decoder does not know
	// (an opcode or type of a proposal wazero's default features lack, a
	// binary format version other than 1).
	ErrUnsupported = errors.New("wasmbin: unsupported")
	// ErrLimit: the module declares more items or bytes than it holds, or
	// more locals in a function than maxLocals (see checkBounds). No
	// decoder should be given it: wazero would allocate for the count.
	ErrLimit = errors.New("wasmbin: over a decoding limit")
)

// reader decodes b from off, keeping the first error. After an error every
// read returns zero and the offset stays at the end of b, so that a caller
// may check err once after a run of reads; loops over counts must check it
// each round (a bad count could be four billion).
type reader struct {
	b   []byte
	off int
	err error
}

// fail records err (ErrMalformed or ErrUnsupported) with detail, unless an
// error is already recorded.
func (r *reader) fail(err error, format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s at offset %d", err, fmt.Sprintf(format, args...), r.off)
	}
	r.off = len(r.b)
}

func (r *reader) byte() byte {
	if r.off >= len(r.b) {
		r.fail(ErrMalformed, "unexpected end")
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

// skip advances past n bytes.
func (r *reader) skip(n int) {
	if n < 0 || len(r.b)-r.off < n {
		r.fail(ErrMalformed, "unexpected end (%d bytes needed)", n)
		return
	}
	r.off += n
}

func (r *reader) unsigned(bits uint) uint64 { return readLEB(r, readUnsigned, "u", bits) }

func (r *reader) signed(bits uint) int64 { return readLEB(r, readSigned, "s", bits) }

// readLEB reads a LEB128 immediate with decode, failing the reader with the
// immediate's type (sign and width) when it is not valid.
func readLEB[T uint64 | int64](r *reader, decode func([]byte, int, uint) (T, int), sign string, bits uint) T {
	v, next := decode(r.b, r.off, bits)
	if next == 0 {
		r.fail(ErrMalformed, "invalid %s%d", sign, bits)
		return 0
	}
	r.off = next
	return v
}

func (r *reader) u32() uint32 { return uint32(r.unsigned(32)) }

// name reads a length-prefixed UTF-8 name (not checked: wazero does).
func (r *reader) name() string {
	n := r.u32()
	start := r.off
	r.skip(int(n))
	if r.err != nil {
		return ""
	}
	return string(r.b[start:r.off])
}

// Value types of the core specification (wazero's CoreFeaturesV2): the
// decoder knows no others (typed function references and GC add
// multi-byte ones).
const (
	typeI32       = 0x7f
	typeI64       = 0x7e
	typeF32       = 0x7d
	typeF64       = 0x7c
	typeV128      = 0x7b
	typeFuncref   = 0x70
	typeExternref = 0x6f
)

// valtype reads a value type.
func (r *reader) valtype() byte {
	at := r.off
	t := r.byte()
	switch t {
	case typeI32, typeI64, typeF32, typeF64, typeV128, typeFuncref, typeExternref:
		return t
	}
	if r.err == nil {
		r.off = at
		r.fail(ErrUnsupported, "value type 0x%02x", t)
	}
	return 0
}

// reftype reads a reference type.
func (r *reader) reftype() byte {
	at := r.off
	t := r.byte()
	if t != typeFuncref && t != typeExternref && r.err == nil {
		r.off = at
		r.fail(ErrUnsupported, "reference type 0x%02x", t)
	}
	return t
}

// limits reads the limits of a table or memory type. Flags beyond min/max
// (shared memories, 64-bit indices) are read too, since a module declaring
// them still has the same code section layout.
func (r *reader) limits() {
	at := r.off
	flags := r.byte()
	if flags > 0x07 {
		r.off = at
		r.fail(ErrUnsupported, "limits flags 0x%02x", flags)
		return
	}
	r.unsigned(64)
	if flags&1 != 0 {
		r.unsigned(64)
	}
}
