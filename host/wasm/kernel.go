package wasm

import (
	"sort"
)

// kernelBase is the first offset the kernel hands out. Offset 0 is Extism's
// null pointer, and starting at 8 keeps every block 8-byte aligned, which is
// what go-pdk's load_u64/store_u64 loops expect.
const kernelBase = 8

// blockOverhead is what each block costs against the kernel cap besides its
// data: it makes a storm of tiny allocations hit the cap long before the
// host's bookkeeping for them becomes a problem.
const blockOverhead = 32

// maxKeptBlocks bounds the block list a warm instance keeps between calls.
const maxKeptBlocks = 4096

// block is one Extism memory block: [off, off+size) in the arena, of which the
// first used bytes are the block's length as the guest sees it.
type block struct {
	off, size, used uint64
	free            bool
}

// kernel is the Extism kernel memory of one instance: the blocks that
// alloc/free/load/store work on. It lives in host memory rather than in a
// second wasm module, so the guest's kernel calls are plain Go, and its size
// is capped per call. It is reset, not freed, between calls so that a warm
// instance makes no allocations for the common small payloads.
//
// mem is the arena up to its high-water mark and pos the bump pointer: freeing
// the newest blocks moves pos back for reuse, but the bytes stay addressable
// until the call ends, because the PDKs read blocks after freeing them (go-pdk
// reads an HTTP response body after its deferred frees ran), which the Extism
// kernel tolerates.
type kernel struct {
	mem    []byte
	pos    uint64
	blocks []block // sorted by off
	nfree  int
	limit  uint64
}

// reset forgets every block; the arena's capacity is kept unless it grew past
// keep bytes, in which case it is released so that one big call does not pin
// memory in every warm instance.
func (k *kernel) reset(keep int) {
	if cap(k.mem) > keep {
		k.mem = nil
	}
	if cap(k.blocks) > maxKeptBlocks {
		k.blocks = nil
	}
	if k.mem == nil {
		k.mem = make([]byte, kernelBase, 1024)
	}
	k.mem = k.mem[:kernelBase]
	k.pos = kernelBase
	k.blocks = k.blocks[:0]
	k.nfree = 0
}

// used is the number of bytes charged against the cap.
func (k *kernel) used() uint64 {
	return uint64(len(k.mem)) + uint64(len(k.blocks))*blockOverhead
}

// alloc returns the offset of a new zeroed block of n bytes, 0 for n == 0, or
// ErrKernelLimit when the cap would be exceeded.
func (k *kernel) alloc(n uint64) (uint64, error) {
	if n == 0 {
		return 0, nil
	}
	if k.nfree > 0 {
		for i := range k.blocks {
			b := &k.blocks[i]
			if b.free && b.size >= n {
				b.free = false
				b.used = n
				k.nfree--
				clear(k.mem[b.off : b.off+n])
				return b.off, nil
			}
		}
	}
	off := (k.pos + 7) &^ 7
	end := off + n
	if end < off || max(end, uint64(len(k.mem)))+uint64(len(k.blocks)+1)*blockOverhead > k.limit {
		return 0, ErrKernelLimit
	}
	switch hw := uint64(len(k.mem)); {
	case end <= hw:
		clear(k.mem[off:end])
	case end <= uint64(cap(k.mem)):
		k.mem = k.mem[:end]
		clear(k.mem[hw:end])
	default:
		grown := make([]byte, end, max(end, min(2*uint64(cap(k.mem)), k.limit)))
		copy(grown, k.mem)
		k.mem = grown
	}
	k.pos = end
	k.blocks = append(k.blocks, block{off: off, size: n, used: n})
	return off, nil
}

// find returns the index of the live block that starts at off, or -1.
func (k *kernel) find(off uint64) int {
	if off < kernelBase || off >= k.pos {
		return -1
	}
	i := sort.Search(len(k.blocks), func(i int) bool { return k.blocks[i].off >= off })
	if i < len(k.blocks) && k.blocks[i].off == off && !k.blocks[i].free {
		return i
	}
	return -1
}

// free releases the block at off; unknown offsets are ignored, as in the
// Extism kernel. Freeing the newest blocks moves the bump pointer back, so
// the alloc-use-free pattern of the PDKs does not grow the arena.
func (k *kernel) free(off uint64) {
	i := k.find(off)
	if i < 0 {
		return
	}
	k.blocks[i].free = true
	k.nfree++
	for n := len(k.blocks); n > 0 && k.blocks[n-1].free; n-- {
		k.pos = k.blocks[n-1].off
		k.blocks = k.blocks[:n-1]
		k.nfree--
	}
}

// length returns the length of the live block at off, or 0.
func (k *kernel) length(off uint64) uint64 {
	if i := k.find(off); i >= 0 {
		return k.blocks[i].used
	}
	return 0
}

// bytes returns the contents of the live block at off (a view into the
// arena, valid until the next alloc), or nil.
func (k *kernel) bytes(off uint64) []byte {
	i := k.find(off)
	if i < 0 {
		return nil
	}
	b := k.blocks[i]
	return k.mem[b.off : b.off+b.used : b.off+b.used]
}

// write allocates a block holding a copy of data and returns its offset (0
// for empty data).
func (k *kernel) write(data []byte) (uint64, error) {
	off, err := k.alloc(uint64(len(data)))
	if err != nil || off == 0 {
		return off, err
	}
	copy(k.mem[off:], data)
	return off, nil
}

// inRange reports whether [off, off+n) lies in the part of the arena handed
// out during this call; loads and stores outside it trap instead of touching
// host memory the guest never allocated.
func (k *kernel) inRange(off, n uint64) bool {
	return off >= kernelBase && off+n >= off && off+n <= uint64(len(k.mem))
}
