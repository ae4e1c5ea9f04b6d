package wasmbin

import "fmt"

// Opcode is an instruction's opcode: the byte itself for one-byte opcodes;
// for the prefixed ones (0xFC, 0xFD, 0xFE) the prefix times 0x10000 plus
// the sub-opcode.
type Opcode uint32

// The opcodes the rewriter looks for or emits.
const (
	OpUnreachable Opcode = 0x00
	OpBlock       Opcode = 0x02
	OpLoop        Opcode = 0x03
	OpIf          Opcode = 0x04
	OpElse        Opcode = 0x05
	OpEnd         Opcode = 0x0b
	OpGlobalGet   Opcode = 0x23
)

// Instruction prefixes.
const (
	prefixMisc   = 0xfc // saturating truncation, bulk memory, table ops
	prefixSIMD   = 0xfd
	prefixAtomic = 0xfe // threads
)

// blockTypeEmpty is the block type of a block without params or results.
const blockTypeEmpty = 0x40

// imm is the shape of an instruction's immediates.
type imm uint8

const (
	immInvalid    imm = iota // not an opcode the decoder knows
	immNone                  // no immediates
	immBlock                 // a block type (block, loop, if)
	immU32                   // one index
	immU32x2                 // two indices (call_indirect, memory.init, table.copy, ...)
	immBrTable               // vec(label) label
	immSelectT               // vec(valtype)
	immMemarg                // memory argument
	immMemargLane            // memory argument, lane index (SIMD load/store lane)
	immLane                  // lane index (SIMD extract/replace lane)
	immBytes16               // 16 bytes (v128.const, i8x16.shuffle)
	immI32                   // s32
	immI64                   // s64
	immF32                   // 4 bytes
	immF64                   // 8 bytes
	immRefNull               // reference type
	immFence                 // one zero byte (atomic.fence)
	immPrefix                // a prefix: the sub-opcode decides
)

// oneByte is the immediate shape of every one-byte opcode of the core
// specification with wazero's CoreFeaturesV2 (MVP, sign extension,
// multi-value, reference types, bulk memory, SIMD). The opcodes of
// exception handling, tail calls and typed references are absent:
// immInvalid.
var oneByte = func() (t [256]imm) {
	set := func(lo, hi int, k imm) {
		for op := lo; op <= hi; op++ {
			t[op] = k
		}
	}
	set(0x00, 0x01, immNone)  // unreachable, nop
	set(0x02, 0x04, immBlock) // block, loop, if
	set(0x05, 0x05, immNone)  // else
	set(0x0b, 0x0b, immNone)  // end
	set(0x0c, 0x0d, immU32)   // br, br_if
	set(0x0e, 0x0e, immBrTable)
	set(0x0f, 0x0f, immNone)  // return
	set(0x10, 0x10, immU32)   // call
	set(0x11, 0x11, immU32x2) // call_indirect typeidx tableidx
	set(0x1a, 0x1b, immNone)  // drop, select
	set(0x1c, 0x1c, immSelectT)
	set(0x20, 0x26, immU32)    // local.get/set/tee, global.get/set, table.get/set
	set(0x28, 0x3e, immMemarg) // loads and stores
	set(0x3f, 0x40, immU32)    // memory.size, memory.grow (memory index)
	t[0x41], t[0x42], t[0x43], t[0x44] = immI32, immI64, immF32, immF64
	set(0x45, 0xc4, immNone)                                // numeric, conversions, sign extension
	t[0xd0], t[0xd1], t[0xd2] = immRefNull, immNone, immU32 // ref.null, ref.is_null, ref.func
	t[prefixMisc], t[prefixSIMD], t[prefixAtomic] = immPrefix, immPrefix, immPrefix
	return t
}()

// misc is the immediate shape of the 0xFC sub-opcodes.
var misc = [...]imm{
	0: immNone, 1: immNone, 2: immNone, 3: immNone, 4: immNone, 5: immNone, 6: immNone, 7: immNone, // trunc_sat
	8:  immU32x2, // memory.init dataidx memidx
	9:  immU32,   // data.drop
	10: immU32x2, // memory.copy memidx memidx
	11: immU32,   // memory.fill memidx
	12: immU32x2, // table.init elemidx tableidx
	13: immU32,   // elem.drop
	14: immU32x2, // table.copy tableidx tableidx
	15: immU32,   // table.grow
	16: immU32,   // table.size
	17: immU32,   // table.fill
}

// simd is the immediate shape of the 0xFD sub-opcodes (fixed-width SIMD;
// relaxed SIMD, at 0x100 and up, is not known).
var simd = func() (t [256]imm) {
	for op := range t {
		t[op] = immNone
	}
	set := func(lo, hi int, k imm) {
		for op := lo; op <= hi; op++ {
			t[op] = k
		}
	}
	set(0x00, 0x0b, immMemarg)     // v128.load*, v128.store
	set(0x0c, 0x0d, immBytes16)    // v128.const, i8x16.shuffle
	set(0x15, 0x22, immLane)       // extract_lane, replace_lane
	set(0x54, 0x5b, immMemargLane) // v128.load*_lane, v128.store*_lane
	set(0x5c, 0x5d, immMemarg)     // v128.load32_zero, v128.load64_zero
	// Unassigned opcodes inside the range.
	for _, op := range []int{0x9a, 0xa2, 0xa5, 0xa6, 0xaf, 0xb0, 0xb2, 0xb3, 0xb4, 0xbb,
		0xc2, 0xc5, 0xc6, 0xcf, 0xd0, 0xd2, 0xd3, 0xd4, 0xe2, 0xee} {
		t[op] = immInvalid
	}
	return t
}()

// atomic is the immediate shape of the 0xFE sub-opcodes (threads).
var atomic = func() (t [0x4f]imm) {
	t[0x00], t[0x01], t[0x02] = immMemarg, immMemarg, immMemarg // notify, wait32, wait64
	t[0x03] = immFence
	for op := 0x10; op <= 0x4e; op++ {
		t[op] = immMemarg // loads, stores, read-modify-write, cmpxchg
	}
	return t
}()

// Instr is one instruction of a body.
type Instr struct {
	Op Opcode
	// Start and End delimit the instruction, immediates included, in
	// Body.Code.
	Start, End int
}

// Locals decodes the body's local declarations and returns the offset in
// Code where its instructions start.
func (b Body) Locals() (int, error) {
	r := &reader{b: b.Code}
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		r.u32()
		r.valtype()
	}
	return r.off, r.err
}

// Walk decodes the body's instructions and calls visit for each, in order.
// It fails on the first one it cannot decode (ErrUnsupported for an opcode
// or type it does not know), and if the final end does not close the body
// exactly at its last byte (ErrMalformed).
func (b Body) Walk(visit func(Instr)) error {
	start, err := b.Locals()
	if err != nil {
		return err
	}
	r := &reader{b: b.Code, off: start}
	depth := 0 // open blocks; the body's final end takes it to -1
	for r.off < len(r.b) {
		in := Instr{Start: r.off}
		c := r.byte()
		in.Op = Opcode(c)
		k := oneByte[c]
		var sub uint32
		if k == immPrefix {
			sub = r.u32()
			in.Op = Opcode(c)<<16 | Opcode(sub&0xffff)
			k = prefixed(c, sub)
		}
		if r.err != nil {
			return r.err
		}
		if k == immInvalid {
			r.off = in.Start
			if oneByte[c] == immPrefix {
				r.fail(ErrUnsupported, "opcode 0x%02x %d", c, sub)
			} else {
				r.fail(ErrUnsupported, "opcode 0x%02x", c)
			}
			return r.err
		}
		r.immediates(k)
		if r.err != nil {
			return r.err
		}
		switch in.Op {
		case OpBlock, OpLoop, OpIf:
			depth++
		case OpEnd:
			depth--
		}
		in.End = r.off
		visit(in)
		if depth < 0 {
			break
		}
	}
	if depth >= 0 || r.off != len(r.b) {
		r.fail(ErrMalformed, "function body does not end with its final end")
		return r.err
	}
	return nil
}

// prefixed returns the immediate shape of sub-opcode sub of prefix p.
func prefixed(p byte, sub uint32) imm {
	var t []imm
	switch p {
	case prefixMisc:
		t = misc[:]
	case prefixSIMD:
		t = simd[:]
	case prefixAtomic:
		t = atomic[:]
	}
	if sub >= uint32(len(t)) {
		return immInvalid
	}
	return t[sub]
}

// immediates skips the immediates of shape k.
func (r *reader) immediates(k imm) {
	switch k {
	case immNone, immInvalid:
	case immBlock:
		r.blockType()
	case immU32:
		r.u32()
	case immU32x2:
		r.u32()
		r.u32()
	case immBrTable:
		n := r.u32()
		for i := uint32(0); i <= n && r.err == nil; i++ { // the labels and the default
			r.u32()
		}
	case immSelectT:
		n := r.u32()
		for i := uint32(0); i < n && r.err == nil; i++ {
			r.valtype()
		}
	case immMemarg:
		r.memarg()
	case immMemargLane:
		r.memarg()
		r.byte()
	case immLane:
		r.byte()
	case immBytes16:
		r.skip(16)
	case immI32:
		r.signed(32)
	case immI64:
		r.signed(64)
	case immF32:
		r.skip(4)
	case immF64:
		r.skip(8)
	case immRefNull:
		r.reftype()
	case immFence:
		if r.byte() != 0 && r.err == nil {
			r.off--
			r.fail(ErrMalformed, "atomic.fence flags")
		}
	}
}

// blockType reads a block type: empty (0x40), one value type, or a type
// index (a non-negative s33).
func (r *reader) blockType() {
	at := r.off
	v := r.signed(33)
	if r.err != nil || v >= 0 {
		return
	}
	switch byte(v & 0x7f) {
	case blockTypeEmpty, typeI32, typeI64, typeF32, typeF64, typeV128, typeFuncref, typeExternref:
		if v >= -0x40 {
			return
		}
	}
	r.off = at
	r.fail(ErrUnsupported, "block type %d", v)
}

// memarg reads a memory argument: alignment flags, a memory index if the
// flags' bit 6 says so (multi-memory), and an offset (read as u64, which
// also covers 64-bit memories).
func (r *reader) memarg() {
	flags := r.u32()
	if flags&0x40 != 0 {
		r.u32()
	}
	r.unsigned(64)
}

// String names an opcode in hex, with its prefix if any.
func (op Opcode) String() string {
	if op > 0xff {
		return fmt.Sprintf("0x%02x 0x%02x", uint32(op>>16), uint32(op&0xffff))
	}
	return fmt.Sprintf("0x%02x", uint32(op))
}
