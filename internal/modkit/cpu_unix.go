//go:build unix

package modkit

import (
	"syscall"
	"time"
)

// CPUTime returns the CPU time, user plus system, that the process has used
// in all its threads so far, and whether the platform reports it. A
// benchmark divides its growth over the loop by b.N for the CPU cost of one
// operation, the garbage collector's and wazero's helper goroutines included,
// which wall time on a shared machine does not tell.
func CPUTime() (time.Duration, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
