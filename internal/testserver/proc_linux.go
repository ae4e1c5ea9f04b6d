package testserver

import "syscall"

// childProcAttr makes the kernel kill a server the test process leaves
// behind (a test binary killed by a timeout), so that no server outlives
// its tests.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
