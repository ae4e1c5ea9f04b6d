package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// guestCache keeps the guest modules built from testdata across runs,
// named by a hash of their inputs, and the servers' compile cache.
var guestCache = filepath.Join(os.TempDir(), "chatwasm-e2e-guests")

var (
	hostileOnce sync.Once
	hostilePath string
	hostileErr  error
)

// hostileWasm builds testdata/hostile (once per test binary, and only when
// its sources or the module's dependencies changed since the last build)
// and returns the .wasm path.
func hostileWasm(t testing.TB) string {
	t.Helper()
	hostileOnce.Do(func() {
		hostilePath, hostileErr = buildGuest(filepath.Join("testdata", "hostile"),
			filepath.Join("..", "go.mod"), filepath.Join("..", "go.sum"))
	})
	if hostileErr != nil {
		t.Fatalf("build the hostile guest: %v", hostileErr)
	}
	return hostilePath
}

// buildGuest builds the Go main package in dir for wasip1 as an Extism
// plug-in (-buildmode=c-shared) into guestCache, keyed by the toolchain and
// the contents of dir's Go files and of extra (go.mod, go.sum).
func buildGuest(dir string, extra ...string) (string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00", runtime.Version(), filepath.Base(dir))
	for _, f := range append(files, extra...) {
		b, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", filepath.Base(f), len(b))
		h.Write(b)
	}
	out := filepath.Join(guestCache, filepath.Base(dir)+"-"+hex.EncodeToString(h.Sum(nil))[:16]+".wasm")
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	if err := os.MkdirAll(guestCache, 0o755); err != nil {
		return "", err
	}
	tmp := fmt.Sprintf("%s.%d.tmp", out, os.Getpid())
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", tmp, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build in %s: %v\n%s", dir, err, b)
	}
	return out, os.Rename(tmp, out)
}
