package modkit

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/internal/gobuild"
)

// CI reports whether the tests run in CI (CI=true), where a missing
// toolchain or module is a failure rather than a skip.
func CI() bool { return os.Getenv("CI") == "true" }

// Unavailable skips the test, or fails it under CI, because something it
// needs is not there; why says what and how to get it.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if CI() {
		t.Fatalf("%s (CI=true: nothing may be skipped)", msg)
	}
	t.Skip(msg)
}

// Root returns the repository's root directory (the one holding go.mod).
func Root(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("modkit: cannot locate the source")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Make builds the example in dir with its Makefile's default target, which
// makes <dir name>.wasm there, and returns a copy of the module private to
// the test. lang is the module's language (c, as or rust), whose toolchain
// the test needs (scripts/install-toolchains LANG installs it). Builds of
// one directory are serialised across test processes, so that packages
// building the same example in parallel never read a half-written file.
func Make(t testing.TB, dir, lang string) string {
	t.Helper()
	requireToolchain(t, lang)
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "Makefile")); err != nil {
		Unavailable(t, "no module in %s yet: %v", dir, err)
	}
	name := filepath.Base(dir) + ".wasm"
	var wasm []byte
	withLock(t, dir, func() {
		cmd := exec.Command("make", "-C", dir)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("make -C %s: %v\n%s", dir, err, out)
		}
		if wasm, err = os.ReadFile(filepath.Join(dir, name)); err != nil {
			t.Fatalf("make -C %s did not make %s: %v", dir, name, err)
		}
	})
	return writeTemp(t, name, wasm)
}

// GoBuild builds the Go module in dir for wasip1 as a c-shared library, the
// way the Go examples are built (cached, see internal/gobuild), and returns
// the module's path.
func GoBuild(t testing.TB, dir string) string {
	t.Helper()
	if files, _ := filepath.Glob(filepath.Join(dir, "*.go")); len(files) == 0 {
		Unavailable(t, "no Go module in %s yet", dir)
	}
	out, err := gobuild.Wasm(dir)
	if err != nil {
		t.Fatalf("modkit: %v", err)
	}
	return out
}

func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// lockPath is the lock file that serialises builds of dir.
func lockPath(dir string) string {
	r := strings.NewReplacer(string(filepath.Separator), "_", ":", "_")
	return filepath.Join(os.TempDir(), "chatwasm-build-"+r.Replace(dir)+".lock")
}
