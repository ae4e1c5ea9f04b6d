package wasmbin

import (
	"bytes"
	"errors"
	"testing"
)

// b16 is 16 bytes of immediates (v128.const, i8x16.shuffle).
var b16 = bytes.Repeat([]byte{0xab}, 16)

// cat concatenates byte slices.
func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// decodable are instructions of every immediate shape the decoder knows,
// one per slice, with the encodings' corner cases (multi-byte LEB128,
// sub-opcodes over 0x7f).
var decodable = [][]byte{
	{0x00}, {0x01}, // unreachable, nop
	{0x02, 0x40}, {0x0b}, // block (empty) end
	{0x02, 0x7f}, {0x0b}, // block (result i32)
	{0x03, 0x7b}, {0x0b}, // loop (result v128)
	{0x02, 0x6f}, {0x0b}, // block (result externref)
	{0x03, 0x05}, {0x0b}, // loop (type 5)
	{0x02, 0xc8, 0x01}, {0x0b}, // block (type 200)
	{0x04, 0x40}, {0x05}, {0x0b}, // if else end
	{0x0c, 0x00}, {0x0d, 0x81, 0x01}, // br 0, br_if 129
	{0x0e, 0x03, 0x00, 0x01, 0x02, 0x00}, // br_table 0 1 2 0
	{0x0f},                               // return
	{0x10, 0xff, 0x01},                   // call 255
	{0x11, 0x02, 0x00},                   // call_indirect type 2 table 0
	{0x11, 0x02, 0x81, 0x01},             // call_indirect type 2 table 129
	{0x1a}, {0x1b},                       // drop, select
	{0x1c, 0x02, 0x7f, 0x6f},                                                   // select (result i32 externref)
	{0x20, 0x05}, {0x21, 0x80, 0x01}, {0x22, 0x00}, {0x23, 0x00}, {0x24, 0x01}, // locals, globals
	{0x25, 0x01}, {0x26, 0x00}, // table.get, table.set
	{0x28, 0x02, 0x80, 0x80, 0x04}, // i32.load align=4 offset=65536
	{0x3e, 0x00, 0x00},             // i64.store32
	{0x36, 0x42, 0x01, 0x10},       // i32.store with a memory index (multi-memory)
	{0x3f, 0x00}, {0x40, 0x00},     // memory.size, memory.grow
	{0x41, 0x7f}, {0x41, 0x80, 0x80, 0x80, 0x80, 0x78}, // i32.const -1, MinInt32
	{0x42, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, // i64.const -1 in 10 bytes
	{0x43, 0, 0, 0x80, 0x3f},               // f32.const 1
	{0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f},   // f64.const 1
	{0x45}, {0x6a}, {0xbf}, {0xc0}, {0xc4}, // numeric, sign extension
	{0xd0, 0x70}, {0xd0, 0x6f}, {0xd1}, {0xd2, 0x03}, // ref.null, ref.is_null, ref.func
	// 0xFC: saturating truncation, bulk memory, tables.
	{0xfc, 0x00}, {0xfc, 0x07},
	{0xfc, 0x08, 0x01, 0x00}, {0xfc, 0x09, 0x01}, {0xfc, 0x0a, 0x00, 0x00}, {0xfc, 0x0b, 0x00},
	{0xfc, 0x0c, 0x01, 0x00}, {0xfc, 0x0d, 0x01}, {0xfc, 0x0e, 0x00, 0x01},
	{0xfc, 0x0f, 0x00}, {0xfc, 0x10, 0x00}, {0xfc, 0x11, 0x00},
	{0xfc, 0x80, 0x00}, // trunc_sat with a two-byte sub-opcode
	// 0xFD: SIMD.
	{0xfd, 0x00, 0x04, 0x00},     // v128.load
	{0xfd, 0x0b, 0x04, 0x10},     // v128.store offset=16
	cat([]byte{0xfd, 0x0c}, b16), // v128.const
	cat([]byte{0xfd, 0x0d}, b16), // i8x16.shuffle
	{0xfd, 0x0e}, {0xfd, 0x14},   // swizzle, f64x2.splat
	{0xfd, 0x15, 0x0f},         // i8x16.extract_lane_s 15
	{0xfd, 0x22, 0x01},         // f64x2.replace_lane 1
	{0xfd, 0x23}, {0xfd, 0x53}, // i8x16.eq, v128.any_true
	{0xfd, 0x54, 0x00, 0x00, 0x03}, // v128.load8_lane 3
	{0xfd, 0x5b, 0x03, 0x08, 0x01}, // v128.store64_lane offset=8 lane 1
	{0xfd, 0x5c, 0x02, 0x00},       // v128.load32_zero
	{0xfd, 0x5d, 0x03, 0x00},       // v128.load64_zero
	{0xfd, 0x5e},                   // f32x4.demote_f64x2_zero
	{0xfd, 0x9b, 0x01},             // i16x8.avgr_u (sub-opcode 0x9b)
	{0xfd, 0xff, 0x01},             // f64x2.convert_low_i32x4_u (0xff)
	// 0xFE: atomics.
	{0xfe, 0x00, 0x02, 0x00}, // memory.atomic.notify
	{0xfe, 0x02, 0x03, 0x00}, // memory.atomic.wait64
	{0xfe, 0x03, 0x00},       // atomic.fence
	{0xfe, 0x10, 0x02, 0x00}, // i32.atomic.load
	{0xfe, 0x4e, 0x02, 0x08}, // i64.atomic.rmw32.cmpxchg_u offset=8
}

// walk decodes a body of the given instructions (no locals) and the
// final end.
func walk(instrs ...[]byte) ([]Instr, []byte, error) {
	code := cat(append([][]byte{{0x00}}, append(instrs, []byte{0x0b})...)...)
	var got []Instr
	err := Body{Code: code}.Walk(func(in Instr) { got = append(got, in) })
	return got, code, err
}

func TestWalkDecodesEveryImmediateShape(t *testing.T) {
	got, code, err := walk(decodable...)
	if err != nil {
		t.Fatal(err)
	}
	want := append(decodable, []byte{0x0b})
	if len(got) != len(want) {
		t.Fatalf("decoded %d instructions, want %d", len(got), len(want))
	}
	for i, in := range got {
		if !bytes.Equal(code[in.Start:in.End], want[i]) {
			t.Errorf("instruction %d (%s): decoded % x, want % x", i, in.Op, code[in.Start:in.End], want[i])
		}
	}
	// Prefixed opcodes carry their prefix.
	for _, in := range got {
		if code[in.Start] == prefixSIMD && in.Op>>16 != prefixSIMD {
			t.Errorf("SIMD instruction decoded as opcode %s", in.Op)
		}
	}
}

func TestWalkLocals(t *testing.T) {
	code := []byte{0x02, 0x03, 0x7f, 0x80, 0x01, 0x7b, 0x03, 0x40, 0x0b, 0x0b} // 3 i32, 128 v128; loop end end
	b := Body{Code: code}
	start, err := b.Locals()
	if err != nil || start != 6 {
		t.Fatalf("locals end at %d (%v), want 6", start, err)
	}
	var ops []Opcode
	if err := b.Walk(func(in Instr) { ops = append(ops, in.Op) }); err != nil {
		t.Fatal(err)
	}
	if len(ops) != 3 || ops[0] != OpLoop || ops[2] != OpEnd {
		t.Fatalf("ops %v", ops)
	}
}

func TestWalkRefusesUnknown(t *testing.T) {
	for _, c := range []struct {
		name  string
		instr []byte
		kind  error
	}{
		{"try (exception handling)", []byte{0x06, 0x40}, ErrUnsupported},
		{"return_call (tail calls)", []byte{0x12, 0x00}, ErrUnsupported},
		{"call_ref (typed references)", []byte{0x14, 0x00}, ErrUnsupported},
		{"ref.as_non_null", []byte{0xd4}, ErrUnsupported},
		{"an unassigned SIMD opcode", []byte{0xfd, 0x9a, 0x01}, ErrUnsupported},
		{"relaxed SIMD", []byte{0xfd, 0x80, 0x02}, ErrUnsupported},
		{"0xFC 18", []byte{0xfc, 0x12}, ErrUnsupported},
		{"0xFE 4", []byte{0xfe, 0x04}, ErrUnsupported},
		{"a GC prefix", []byte{0xfb, 0x00}, ErrUnsupported},
		{"ref.null of a heap type", []byte{0xd0, 0x63}, ErrUnsupported},
		{"a typed reference block type", []byte{0x02, 0x63, 0x00}, ErrUnsupported},
		{"a typed reference in select", []byte{0x1c, 0x01, 0x64}, ErrUnsupported},
		{"an over-long i32.const", []byte{0x41, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, ErrMalformed},
		{"a truncated v128.const", []byte{0xfd, 0x0c, 0x01}, ErrMalformed},
		{"atomic.fence with flags", []byte{0xfe, 0x03, 0x01}, ErrMalformed},
		{"a br_table with a huge count", []byte{0x0e, 0xff, 0xff, 0xff, 0xff, 0x0f}, ErrMalformed},
	} {
		_, _, err := walk(c.instr)
		if !errors.Is(err, c.kind) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.kind)
		}
	}
	for _, c := range []struct {
		name string
		code []byte
	}{
		{"no final end", []byte{0x00, 0x01}},
		{"bytes after the final end", []byte{0x00, 0x0b, 0x01}},
		{"an end too many", []byte{0x00, 0x0b, 0x0b}},
		{"an unclosed block", []byte{0x00, 0x02, 0x40, 0x0b}},
		{"locals of a typed reference", []byte{0x01, 0x01, 0x64, 0x0b}},
	} {
		err := Body{Code: c.code}.Walk(func(Instr) {})
		if err == nil {
			t.Errorf("%s: decoded", c.name)
		}
	}
}
