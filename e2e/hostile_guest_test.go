package e2e

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/chatwasm/chatwasm/internal/gobuild"
)

// guestCache keeps the servers' compile cache of the guest modules across
// runs.
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
	hostileOnce.Do(func() { hostilePath, hostileErr = gobuild.Wasm(filepath.Join("testdata", "hostile")) })
	if hostileErr != nil {
		t.Fatalf("build the hostile guest: %v", hostileErr)
	}
	return hostilePath
}
