package wasm

import "syscall"

// reserve maps size bytes of private, zeroed address space for a linear
// memory, nil if the kernel refuses. MAP_NORESERVE: a memory cap is a bound,
// not a promise, so the kernel commits pages only as the guest touches them.
func reserve(size uint64) []byte {
	if size == 0 || size > 1<<32 {
		return nil
	}
	b, err := syscall.Mmap(-1, 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_NORESERVE)
	if err != nil {
		return nil
	}
	return b
}

// unreserve unmaps a region from reserve. Unmapping a region we mapped only
// fails on a bad address, which would be a bug here; there is nothing to do
// about it but leak the range.
func unreserve(b []byte) { _ = syscall.Munmap(b) }
