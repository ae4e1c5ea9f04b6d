//go:build unix

package cputime

import (
	"syscall"
	"time"
)

// Used is the CPU time (user + system) the process has used so far, or -1
// when the system does not say.
func Used() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return -1
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
