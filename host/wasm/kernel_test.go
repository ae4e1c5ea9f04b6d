package wasm

import (
	"errors"
	"testing"
)

func newKernel(limit uint64) *kernel {
	k := &kernel{limit: limit}
	k.reset(maxKeptKernel)
	return k
}

func TestKernelAllocLengthFree(t *testing.T) {
	k := newKernel(1 << 20)
	if off, err := k.alloc(0); off != 0 || err != nil {
		t.Fatalf("alloc(0) = %d, %v; want the null offset", off, err)
	}
	a, _ := k.alloc(5)
	b, _ := k.alloc(16)
	if a == 0 || b == 0 || a%8 != 0 || b%8 != 0 || b < a+5 {
		t.Fatalf("offsets %d, %d: want non-null, aligned, disjoint", a, b)
	}
	if k.length(a) != 5 || k.length(b) != 16 {
		t.Fatalf("lengths %d %d", k.length(a), k.length(b))
	}
	for _, bad := range []uint64{0, 1, a + 1, b + 8, 1 << 40} {
		if k.length(bad) != 0 {
			t.Errorf("length(%d) of a non-block = %d", bad, k.length(bad))
		}
	}
	off, _ := k.write([]byte("hello"))
	if string(k.bytes(off)) != "hello" {
		t.Fatalf("bytes = %q", k.bytes(off))
	}
	k.free(a)
	if k.length(a) != 0 {
		t.Fatal("freed block still has a length")
	}
	k.free(a) // double free is ignored
	// A freed block is reused for a request it fits, zeroed.
	copy(k.mem[a:], "dirty")
	c, _ := k.alloc(3)
	if c != a || string(k.mem[c:c+3]) != "\x00\x00\x00" || k.length(c) != 3 {
		t.Fatalf("reuse: got offset %d (want %d), contents %q", c, a, k.mem[c:c+3])
	}
}

func TestKernelRewind(t *testing.T) {
	k := newKernel(1 << 20)
	base, _ := k.alloc(100)
	for range 1000 {
		off, err := k.alloc(4096)
		if err != nil {
			t.Fatal(err)
		}
		k.free(off)
	}
	if hw := uint64(len(k.mem)); hw > base+100+4096+8 {
		t.Fatalf("alloc/free loop grew the arena to %d bytes", hw)
	}
	// Freed memory stays readable until the call ends, as in the Extism
	// kernel: go-pdk reads a response body after freeing it.
	off, _ := k.write([]byte("response"))
	k.free(off)
	if !k.inRange(off, 8) || string(k.mem[off:off+8]) != "response" {
		t.Fatal("freed tail block became unreadable")
	}
}

func TestKernelLimit(t *testing.T) {
	k := newKernel(64 << 10)
	var err error
	n := 0
	for ; err == nil; n++ {
		_, err = k.alloc(1024)
	}
	if !errors.Is(err, ErrKernelLimit) {
		t.Fatalf("want ErrKernelLimit, got %v", err)
	}
	if k.used() > k.limit {
		t.Fatalf("used %d over limit %d", k.used(), k.limit)
	}
	if n < 50 {
		t.Fatalf("cap hit after only %d KiB of 64", n)
	}
	// Tiny blocks are charged their bookkeeping too.
	k.reset(maxKeptKernel)
	for err = nil; err == nil; {
		_, err = k.alloc(1)
	}
	if len(k.blocks) > int(k.limit/blockOverhead) {
		t.Fatalf("%d blocks under a %d byte cap", len(k.blocks), k.limit)
	}
	if _, err := k.alloc(1 << 62); !errors.Is(err, ErrKernelLimit) {
		t.Fatal("huge alloc not refused")
	}
}

func TestKernelReset(t *testing.T) {
	k := newKernel(64 << 20)
	off, _ := k.alloc(4 << 20)
	k.reset(maxKeptKernel)
	if cap(k.mem) > maxKeptKernel || k.length(off) != 0 || k.inRange(off, 1) {
		t.Fatalf("reset kept a big arena (%d) or old blocks", cap(k.mem))
	}
	small, _ := k.alloc(10)
	k.reset(maxKeptKernel)
	if again, _ := k.alloc(10); again != small {
		t.Fatalf("offsets differ across calls: %d vs %d", small, again)
	}
}
