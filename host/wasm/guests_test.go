package wasm

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// The test guests are real Go modules built from testdata/<name> with the
// standard toolchain. A build takes a second or two, so the .wasm is cached
// under the system temp dir keyed by a hash of the sources, the toolchain
// version and go.sum; compiled machine code is cached there too.
var (
	cacheRoot     = filepath.Join(os.TempDir(), "chatwasm-host-wasm-test")
	compiledCache = filepath.Join(cacheRoot, "compiled")

	guestMu    sync.Mutex
	guestBytes = map[string][]byte{}
)

// guest returns the wasm bytes of the test guest testdata/name.
func guest(tb testing.TB, name string) []byte {
	tb.Helper()
	guestMu.Lock()
	defer guestMu.Unlock()
	if b, ok := guestBytes[name]; ok {
		return b
	}
	src := filepath.Join("testdata", name)
	key, err := sourceHash(src)
	if err != nil {
		tb.Fatalf("hash guest %s: %v", name, err)
	}
	out := filepath.Join(cacheRoot, "guests", name+"-"+key+".wasm")
	if _, err := os.Stat(out); err != nil {
		if err := buildGuest(src, out); err != nil {
			tb.Fatalf("build guest %s: %v", name, err)
		}
		// Builds of older sources are dead weight now.
		old, _ := filepath.Glob(filepath.Join(cacheRoot, "guests", name+"-*.wasm"))
		for _, f := range old {
			if f != out {
				os.Remove(f)
			}
		}
	}
	b, err := os.ReadFile(out)
	if err != nil {
		tb.Fatalf("read guest %s: %v", name, err)
	}
	guestBytes[name] = b
	return b
}

// sourceHash hashes what a guest build depends on.
func sourceHash(src string) (string, error) {
	h := sha256.New()
	fmt.Fprintln(h, runtime.Version())
	files, err := filepath.Glob(filepath.Join(src, "*.go"))
	if err != nil {
		return "", err
	}
	for _, f := range append(files, filepath.Join("..", "..", "go.sum")) {
		fh, err := os.Open(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintln(h, f)
		_, err = io.Copy(h, fh)
		fh.Close()
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// buildGuest builds the guest package src into out, atomically.
func buildGuest(src, out string) error {
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	tmp := fmt.Sprintf("%s.%d.tmp", out, os.Getpid())
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", tmp, "./"+src)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%w: %s", err, msg)
	}
	return os.Rename(tmp, out)
}
