// Package as_test checks the AssemblyScript guest SDK against the real host
// through its probe module, testdata/probe (see modkit.Probe and jsoncheck).
package as_test

import (
	"path/filepath"
	"testing"

	"github.com/chatwasm/chatwasm/internal/jsoncheck"
	"github.com/chatwasm/chatwasm/internal/modkit"
)

func TestSDK(t *testing.T) {
	modkit.Probe(t, modkit.Make(t, filepath.Join("testdata", "probe"), "as"))
}

// reader is Value.parse and Value.get, through the probe module's probe
// export; the parser refuses nesting deeper than its MAX_DEPTH.
func reader(tb testing.TB) jsoncheck.Reader {
	tb.Helper()
	return jsoncheck.Reader{Module: jsoncheck.Load(tb, filepath.Join("testdata", "probe"), "as"), MaxDepth: 128}
}

// TestJSONReader: Value reads jsoncheck.Doc as encoding/json does.
func TestJSONReader(t *testing.T) {
	reader(t).Check(t, jsoncheck.Doc, jsoncheck.DocPaths)
}

// FuzzJSONReader runs the SDK's JSON reader on arbitrary documents (see
// jsoncheck.Reader.Fuzz).
func FuzzJSONReader(f *testing.F) {
	r := reader(f)
	jsoncheck.AddSeeds(f)
	f.Fuzz(r.Fuzz)
}
