// Package as_test checks the AssemblyScript guest SDK against the real host
// through its probe module, testdata/probe (see modkit.Probe and jsoncheck).
package as_test

import (
	"path/filepath"
	"testing"

	"github.com/chatwasm/chatwasm/internal/jsoncheck"
	"github.com/chatwasm/chatwasm/internal/modkit"
)

// probe is the SDK's probe module, testdata/probe.
var probe = filepath.Join("testdata", "probe")

func TestSDK(t *testing.T) { modkit.Probe(t, modkit.Make(t, probe, "as")) }

// TestJSONReader: Value.parse and Value.get (through the probe module's
// probe export, refusing nesting past its MAX_DEPTH of 128) read
// jsoncheck.Doc as encoding/json does.
func TestJSONReader(t *testing.T) {
	jsoncheck.Probe(t, probe, "as", 128).Check(t, jsoncheck.Doc, jsoncheck.DocPaths)
}

// FuzzJSONReader runs Value.parse and Value.get on arbitrary documents (see
// jsoncheck.Reader.Fuzz).
func FuzzJSONReader(f *testing.F) { jsoncheck.Probe(f, probe, "as", 128).FuzzTarget(f) }
