package bench

import "syscall"

// childProcAttr makes the kernel kill a node the benchmark process leaves
// behind (a binary killed by a timeout).
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
