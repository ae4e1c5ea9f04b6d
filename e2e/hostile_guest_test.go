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

// hostileBuild builds testdata/hostile once per test binary, and only when
// its sources or the module's dependencies changed since the last build.
var hostileBuild = sync.OnceValues(func() (string, error) { return gobuild.Wasm(filepath.Join("testdata", "hostile")) })

// hostileWasm returns the path of the built testdata/hostile.
func hostileWasm(t testing.TB) string {
	t.Helper()
	path, err := hostileBuild()
	if err != nil {
		t.Fatalf("build the hostile guest: %v", err)
	}
	return path
}
