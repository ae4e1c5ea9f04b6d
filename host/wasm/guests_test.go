package wasm

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/chatwasm/chatwasm/internal/gobuild"
)

// The test guests are real Go modules built from testdata/<name> with the
// standard toolchain, cached by internal/gobuild; compiled machine code is
// cached under the system temp dir too.
var (
	compiledCache = filepath.Join(os.TempDir(), "chatwasm-host-wasm-test", "compiled")

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
	out, err := gobuild.Wasm(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatalf("build guest %s: %v", name, err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		tb.Fatalf("read guest %s: %v", name, err)
	}
	guestBytes[name] = b
	return b
}
