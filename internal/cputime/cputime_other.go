//go:build !unix

package cputime

import "time"

// Used is -1: the process's CPU time is not measured on this system.
func Used() time.Duration { return -1 }
