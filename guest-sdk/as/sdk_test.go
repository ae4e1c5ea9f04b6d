// Package as_test checks the AssemblyScript guest SDK against the real host
// through its probe module, testdata/probe (see modkit.Probe).
package as_test

import (
	"path/filepath"
	"testing"

	"github.com/chatwasm/chatwasm/internal/modkit"
)

func TestSDK(t *testing.T) {
	modkit.Probe(t, modkit.Make(t, filepath.Join("testdata", "probe"), "as"))
}
