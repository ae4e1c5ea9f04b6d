package e2e

import "syscall"

// childProcAttr makes the kernel kill a server the test process leaves
// behind (a test binary killed by a timeout), so no server outlives the suite.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
