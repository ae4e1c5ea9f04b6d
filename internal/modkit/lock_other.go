//go:build !unix

package modkit

import "testing"

// withLock runs fn; without flock, parallel builds of one example are the
// caller's to avoid (go test -p 1).
func withLock(t testing.TB, dir string, fn func()) { fn() }
