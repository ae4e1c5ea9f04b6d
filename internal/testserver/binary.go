package testserver

import (
	"os"
	"sync"

	"github.com/chatwasm/chatwasm/internal/gobuild"
)

// serverPackage is the command Start runs.
const serverPackage = "github.com/chatwasm/chatwasm/cmd/chatwasm"

// EnvBinary names a chatwasm binary to run instead of building this tree's:
// an older build, to benchmark it side by side with the current one.
const EnvBinary = "CHATWASM_TEST_BINARY"

// Binary returns the path of the chatwasm command: $CHATWASM_TEST_BINARY,
// or this tree's, built once per test process and cached across runs by its
// sources.
var Binary = sync.OnceValues(func() (string, error) {
	if p := os.Getenv(EnvBinary); p != "" {
		return p, nil
	}
	return gobuild.Command(serverPackage)
})
