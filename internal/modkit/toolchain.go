package modkit

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// RequireRust skips the test (fails it under CI) unless some rustc on the
// machine has the standard library for wasm32-unknown-unknown, as the Rust
// Makefiles need: a rustup toolchain without that target does not count.
func RequireRust(t testing.TB) {
	t.Helper()
	for _, rustc := range []string{"rustc", "/usr/bin/rustc"} {
		out, err := exec.Command(rustc, "--print", "sysroot").Output()
		if err != nil {
			continue
		}
		libs, _ := filepath.Glob(filepath.Join(strings.TrimSpace(string(out)),
			"lib", "rustlib", "wasm32-unknown-unknown", "lib", "libstd-*.rlib"))
		if len(libs) > 0 {
			return
		}
	}
	Unavailable(t, "no rustc with the wasm32-unknown-unknown standard library: run scripts/install-toolchains rust")
}

// RequireAS skips the test (fails it under CI) unless Node.js and the
// AssemblyScript compiler pinned in guest-sdk/as are installed, as the
// AssemblyScript Makefiles need.
func RequireAS(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		Unavailable(t, "node is not installed: run scripts/install-toolchains as")
	}
	asc := filepath.Join(Root(t), "guest-sdk", "as", "node_modules", ".bin", "asc")
	if _, err := os.Stat(asc); err != nil {
		Unavailable(t, "no AssemblyScript compiler (%v): run scripts/install-toolchains as", err)
	}
}
