package wasm

import (
	"context"

	"github.com/tetratelabs/wazero/experimental"
)

// pageSize is the size of a wasm memory page.
const pageSize = 65536

// cappedMemory backs one instance's linear memory and enforces its cap.
//
// The cap is enforced here, through wazero's memory allocator hook, rather
// than with RuntimeConfig.WithMemoryLimitPages: wazero refuses a memory.grow
// past WithMemoryLimitPages before any hook runs, so the host could not tell
// "the guest ran out of its memory budget" from any other trap. Refusing the
// grow here gives the guest the same failed memory.grow (-1) the limit would,
// and records that it happened, so the fault is reported as ErrMemoryLimit.
type cappedMemory struct {
	buf     []byte
	limit   uint64
	refused bool
}

// Reallocate implements experimental.LinearMemory.
func (m *cappedMemory) Reallocate(size uint64) []byte {
	if size > m.limit {
		m.refused = true
		return nil
	}
	switch {
	case size <= uint64(len(m.buf)):
	case size <= uint64(cap(m.buf)):
		// Bytes past len were never visible to the guest (memory never
		// shrinks), so they are still zero as wasm requires.
		m.buf = m.buf[:size]
	default:
		grown := make([]byte, size, reserve(size, m.limit))
		copy(grown, m.buf)
		m.buf = grown
	}
	return m.buf
}

// maxHeadroom bounds the spare capacity reserved past a grow.
const maxHeadroom = 16 * pageSize

// reserve returns the capacity to back a linear memory grown to size bytes
// (a whole number of pages, at most limit): size plus an eighth of it in
// whole pages, at most maxHeadroom and never past limit.
//
// Every instance of a module in a pool keeps its backing array for its whole
// life, so headroom the guest never grows into is heap wasted per instance:
// doubling left a Go guest at 88 pages reserved for 53 used. Growing to the
// exact size would instead copy the whole memory on every memory.grow, which
// is quadratic for a guest that grows a page at a time; a bounded eighth
// keeps the number of copies logarithmic up to 8 MiB and caps the waste at
// 1 MiB per instance.
func reserve(size, limit uint64) uint64 {
	headroom := min(size/8/pageSize*pageSize, maxHeadroom)
	return max(size, min(size+headroom, limit))
}

// Free implements experimental.LinearMemory.
func (m *cappedMemory) Free() { m.buf = nil }

// withCappedMemory returns a context under which the next instantiation's
// linear memory is a cappedMemory of limit bytes, stored in *dst.
func withCappedMemory(ctx context.Context, limit uint64, dst **cappedMemory) context.Context {
	return experimental.WithMemoryAllocator(ctx, experimental.MemoryAllocatorFunc(
		func(capacity, _ uint64) experimental.LinearMemory {
			m := newCappedMemory(capacity, limit)
			*dst = m
			return m
		}))
}

// newCappedMemory returns an empty linear memory of limit bytes whose backing
// array starts at capacity bytes (wazero suggests the module's initial size).
func newCappedMemory(capacity, limit uint64) *cappedMemory {
	return &cappedMemory{limit: limit, buf: make([]byte, 0, min(capacity, limit))}
}
