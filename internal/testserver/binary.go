package testserver

import (
	"sync"

	"github.com/chatwasm/chatwasm/internal/gobuild"
)

// serverPackage is the command Start runs.
const serverPackage = "github.com/chatwasm/chatwasm/cmd/chatwasm"

// Binary returns the path of the chatwasm command, built once per test
// process and cached across runs by its sources.
var Binary = sync.OnceValues(func() (string, error) { return gobuild.Command(serverPackage) })
