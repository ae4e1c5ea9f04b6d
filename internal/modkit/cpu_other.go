//go:build !unix

package modkit

import "time"

// CPUTime reports that the process's CPU time is not available here (no
// getrusage).
func CPUTime() (time.Duration, bool) { return 0, false }
