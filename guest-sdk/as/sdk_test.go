// Package as_test checks the AssemblyScript guest SDK against the real host
// through its probe module, testdata/probe (see sdktest.Probe).
package as_test

import (
	"path/filepath"
	"testing"

	"github.com/chatwasm/chatwasm/guest-sdk/sdktest"
	"github.com/chatwasm/chatwasm/modules/examples/conformance/harness"
)

func TestSDK(t *testing.T) {
	sdktest.RequireAS(t)
	sdktest.Probe(t, harness.Make(t, filepath.Join("testdata", "probe"), "as"))
}
