package chatwasm

import (
	"runtime"
	_ "unsafe" // for go:linkname
)

// A Go module is a wasip1 reactor: its goroutines run only while an export
// runs and the export's goroutine blocks or yields. A collection the
// runtime starts during a hook call therefore often outlives the call: its
// background mark workers never get scheduled, every object allocated until
// it ends is allocated marked (it survives the cycle), and the heap grows
// by everything the next calls allocate. Measured with a hook allocating
// 1 MiB per call (gctrace): single stuck cycles grew the heap from 4 to
// 48 MiB; under a 32 MiB cap the instance ran out of memory at call 334
// (TestGarbageHeavyHook), with or without a forced collection every 1024
// calls.
//
// So each call starts by yielding while a collection is in progress. The
// write barrier is on exactly while the collector marks, which makes it a
// one-load test; runtime.writeBarrier is one of the runtime's symbols kept
// for go:linkname (go.dev/issue/67401). Yielding runs the mark workers; a
// few yields end a cycle (TestGarbageHeavyHook), and maxYields bounds them.
// A call that finds no collection running costs one load; the alternatives
// measured cost more on every call (a forced runtime.GC every 1024 calls:
// 0.37 µs a call, and no bound on what a call allocates in between;
// runtime/metrics.Read: 1.4 µs; Gosched: 0.75 µs).

//go:linkname writeBarrier runtime.writeBarrier
var writeBarrier struct {
	enabled bool
	pad     [3]byte
	alignme uint64
}

// maxYields bounds the yields of one call, so that a module whose own
// goroutines keep the scheduler busy cannot keep a call from starting.
const maxYields = 64

// finishCollection lets a collection in progress end before the call runs.
func finishCollection() {
	for i := 0; writeBarrier.enabled && i < maxYields; i++ {
		runtime.Gosched()
	}
}
