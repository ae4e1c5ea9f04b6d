//go:build !unix

package wasm

import "time"

// cpuTime is not measured on this system: the benchmarks report no
// cpu-µs/op.
func cpuTime() time.Duration { return -1 }
