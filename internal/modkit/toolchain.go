package modkit

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// requireToolchain skips the test (fails it under CI) unless make and the
// compilers of lang (c, as or rust: a scripts/install-toolchains language)
// are installed, as the Makefiles of that language need.
func requireToolchain(t testing.TB, lang string) {
	t.Helper()
	tools := []string{"make"}
	switch lang {
	case "c":
		tools = append(tools, "clang", "wasm-ld")
	case "as":
		requireAS(t)
	case "rust":
		requireRust(t)
	default:
		t.Fatalf("modkit: no toolchain for language %q (want c, as or rust)", lang)
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			Unavailable(t, "%s is not installed: run scripts/install-toolchains %s", tool, lang)
		}
	}
}

// requireRust skips the test (fails it under CI) unless some rustc on the
// machine has the standard library for wasm32-unknown-unknown, as the Rust
// Makefiles need: a rustup toolchain without that target does not count.
func requireRust(t testing.TB) {
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

// requireAS skips the test (fails it under CI) unless Node.js and the
// AssemblyScript compiler pinned in guest-sdk/as are installed, as the
// AssemblyScript Makefiles need.
func requireAS(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		Unavailable(t, "node is not installed: run scripts/install-toolchains as")
	}
	asc := filepath.Join(Root(t), "guest-sdk", "as", "node_modules", ".bin", "asc")
	if _, err := os.Stat(asc); err != nil {
		Unavailable(t, "no AssemblyScript compiler (%v): run scripts/install-toolchains as", err)
	}
}
