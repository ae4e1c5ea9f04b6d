//go:build unix

package modkit

import (
	"os"
	"syscall"
	"testing"
)

// withLock runs fn holding an exclusive lock on dir's build lock file.
func withLock(t testing.TB, dir string, fn func()) {
	t.Helper()
	f, err := os.OpenFile(lockPath(dir), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatalf("lock %s: %v", f.Name(), err)
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	fn()
}
