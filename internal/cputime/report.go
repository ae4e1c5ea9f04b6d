package cputime

import (
	"testing"
	"time"
)

// ReportPerOp reports the process CPU time (user + system, every thread:
// background goroutines and the garbage collector included) per operation
// of b since start, a value of Used, as cpu-µs/op. It reports nothing where
// CPU time is not measured.
func ReportPerOp(b *testing.B, start time.Duration) {
	if start < 0 {
		return
	}
	b.ReportMetric(float64(Used()-start)/float64(b.N)/1e3, "cpu-µs/op")
}
