package wasm

import (
	"context"
	"sync/atomic"

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
//
// Where the platform allows (reserve.go), the whole cap is reserved once as
// address space outside the Go heap and a grow only extends the slice over
// it: no grow copies the memory, and pages the guest never touches cost no
// RAM. A guest that grows a megabyte at a time up to a 32 MiB cap used to
// make the host copy 300 MB and collect as much garbage (BENCHMARKS.md).
// Elsewhere, or when the reservation fails, the memory is a Go slice grown
// with bounded headroom (heapReserve).
type cappedMemory struct {
	buf     []byte
	limit   uint64
	refused bool

	// region is the reserved address space when buf lives in one; nil for
	// a Go slice.
	region []byte
	// state is memIdle, memInCall or memFreedInCall: wazero frees the
	// memory when its module closes, which a closing runtime may do while a
	// call still runs in it; the region is then unmapped when that call
	// ends, not under it.
	state atomic.Int32
}

// The states of a cappedMemory: its instance is between calls or in one,
// or it was freed during the call that is running.
const (
	memIdle int32 = iota
	memInCall
	memFreedInCall
	memFreed
)

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
		grown := make([]byte, size, heapReserve(size, m.limit))
		copy(grown, m.buf)
		m.buf = grown
	}
	return m.buf
}

// maxHeadroom bounds the spare capacity reserved past a grow of a Go slice.
const maxHeadroom = 16 * pageSize

// heapReserve returns the capacity of a Go slice backing a linear memory
// grown to size bytes (a whole number of pages, at most limit): size plus an
// eighth of it in whole pages, at most maxHeadroom and never past limit.
//
// Every instance of a module in a pool keeps its backing array for its whole
// life, so headroom the guest never grows into is heap wasted per instance:
// doubling left a Go guest at 88 pages reserved for 53 used. Growing to the
// exact size would instead copy the whole memory on every memory.grow, which
// is quadratic for a guest that grows a page at a time; a bounded eighth
// keeps the number of copies logarithmic up to 8 MiB and caps the waste at
// 1 MiB per instance. Only the fallback pays this trade-off: a reserved
// region never copies.
func heapReserve(size, limit uint64) uint64 {
	headroom := min(size/8/pageSize*pageSize, maxHeadroom)
	return max(size, min(size+headroom, limit))
}

// enterCall marks the start of a call in the instance that owns m (nil for
// an instance without a memory).
func (m *cappedMemory) enterCall() {
	if m != nil {
		m.state.CompareAndSwap(memIdle, memInCall)
	}
}

// exitCall marks the end of that call, and releases the region if the
// memory was freed while it ran.
func (m *cappedMemory) exitCall() {
	if m != nil && !m.state.CompareAndSwap(memInCall, memIdle) && m.state.CompareAndSwap(memFreedInCall, memFreed) {
		m.release()
	}
}

// Free implements experimental.LinearMemory.
func (m *cappedMemory) Free() {
	for {
		switch m.state.Load() {
		case memIdle:
			if m.state.CompareAndSwap(memIdle, memFreed) {
				m.release()
				return
			}
		case memInCall:
			if m.state.CompareAndSwap(memInCall, memFreedInCall) {
				return
			}
		default: // already freed
			return
		}
	}
}

// release returns the memory: the region to the OS, a slice to the GC.
func (m *cappedMemory) release() {
	m.buf = nil
	if m.region != nil {
		unreserve(m.region)
		m.region = nil
	}
}

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

// newCappedMemory returns an empty linear memory of limit bytes: over a
// region reserving all of it where the platform allows, or else a Go slice
// whose backing array starts at capacity bytes (wazero suggests the module's
// initial size).
func newCappedMemory(capacity, limit uint64) *cappedMemory {
	if region := reserve(limit); region != nil {
		return &cappedMemory{limit: limit, region: region, buf: region[:0]}
	}
	return newHeapMemory(capacity, limit)
}

// newHeapMemory is newCappedMemory backed by a Go slice.
func newHeapMemory(capacity, limit uint64) *cappedMemory {
	return &cappedMemory{limit: limit, buf: make([]byte, 0, min(capacity, limit))}
}
