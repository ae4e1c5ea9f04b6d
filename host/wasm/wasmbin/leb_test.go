package wasmbin

import (
	"math"
	"testing"
)

func TestLEBUnsigned(t *testing.T) {
	for _, v := range []uint32{0, 1, 63, 64, 127, 128, 300, 1<<14 - 1, 1 << 14, 1<<28 - 1, 1 << 28, math.MaxUint32} {
		b := appendU32([]byte{0xaa}, v)
		got, next := readUnsigned(b, 1, 32)
		if next != len(b) || uint32(got) != v {
			t.Errorf("u32 %d: encoded % x, read back %d ending at %d", v, b[1:], got, next)
		}
	}
	cases := []struct {
		in   []byte
		bits uint
		want uint64
		ok   bool
	}{
		{[]byte{0x80, 0x00}, 32, 0, true},                          // non-minimal but within 5 bytes
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x00}, 32, 0, true},        // 5 bytes
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 32, 0, false}, // 6 bytes
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 32, math.MaxUint32, true},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x1f}, 32, 0, false}, // bit 32 set
		{[]byte{0x80}, 32, 0, false},                         // truncated
		{[]byte{}, 32, 0, false},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 64, math.MaxUint64, true},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, 64, 0, false},
	}
	for _, c := range cases {
		got, next := readUnsigned(c.in, 0, c.bits)
		if ok := next != 0; ok != c.ok || ok && (got != c.want || next != len(c.in)) {
			t.Errorf("u%d % x: got %d next %d, want %d ok=%v", c.bits, c.in, got, next, c.want, c.ok)
		}
	}
}

func TestLEBSigned(t *testing.T) {
	for _, v := range []int32{0, 1, -1, 63, 64, -64, -65, 1000, -1000, math.MaxInt32, math.MinInt32} {
		b := appendS32(nil, v)
		got, next := readSigned(b, 0, 32)
		if next != len(b) || int32(got) != v {
			t.Errorf("s32 %d: encoded % x, read back %d ending at %d", v, b, got, next)
		}
	}
	cases := []struct {
		in   []byte
		bits uint
		want int64
		ok   bool
	}{
		{[]byte{0x40}, 33, -64, true}, // the empty block type
		{[]byte{0x7f}, 33, -1, true},  // i32 as a block type
		{[]byte{0xc8, 0x01}, 33, 200, true},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x07}, 32, math.MaxInt32, true},
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x78}, 32, math.MinInt32, true},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, 32, 0, false}, // unused bits do not repeat the sign
		{[]byte{0x80, 0x80, 0x80, 0x80, 0x70}, 32, 0, false},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}, 64, -1, true},
		{[]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, 64, 0, false},
		{[]byte{0xff}, 32, 0, false},
	}
	for _, c := range cases {
		got, next := readSigned(c.in, 0, c.bits)
		if ok := next != 0; ok != c.ok || ok && (got != c.want || next != len(c.in)) {
			t.Errorf("s%d % x: got %d next %d, want %d ok=%v", c.bits, c.in, got, next, c.want, c.ok)
		}
	}
}
