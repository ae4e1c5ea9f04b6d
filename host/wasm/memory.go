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
		// Grow geometrically, but never reserve past the cap.
		grown := make([]byte, size, max(size, min(2*uint64(cap(m.buf)), m.limit)))
		copy(grown, m.buf)
		m.buf = grown
	}
	return m.buf
}

// Free implements experimental.LinearMemory.
func (m *cappedMemory) Free() { m.buf = nil }

// withCappedMemory returns a context under which the next instantiation's
// linear memory is a cappedMemory of limit bytes, stored in *dst.
func withCappedMemory(ctx context.Context, limit uint64, dst **cappedMemory) context.Context {
	return experimental.WithMemoryAllocator(ctx, experimental.MemoryAllocatorFunc(
		func(capacity, _ uint64) experimental.LinearMemory {
			m := &cappedMemory{limit: limit, buf: make([]byte, 0, min(capacity, limit))}
			*dst = m
			return m
		}))
}
