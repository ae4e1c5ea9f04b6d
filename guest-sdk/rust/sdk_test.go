// Package rust_test checks the Rust guest SDK against the real host through
// its probe module, testdata/probe (see modkit.Probe and jsoncheck).
package rust_test

import (
	"path/filepath"
	"testing"

	"github.com/chatwasm/chatwasm/internal/jsoncheck"
	"github.com/chatwasm/chatwasm/internal/modkit"
)

// probe is the SDK's probe module, testdata/probe.
var probe = filepath.Join("testdata", "probe")

func TestSDK(t *testing.T) { modkit.Probe(t, modkit.Make(t, probe, "rust")) }

// TestJSONReader: Value::parse and Value::get (through the probe module's
// probe export, refusing nesting past its MAX_DEPTH of 128) read
// jsoncheck.Doc as encoding/json does.
func TestJSONReader(t *testing.T) {
	jsoncheck.Probe(t, probe, "rust", 128).Check(t, jsoncheck.Doc, jsoncheck.DocPaths)
}

// FuzzJSONReader runs Value::parse and Value::get on arbitrary documents (see
// jsoncheck.Reader.Fuzz).
func FuzzJSONReader(f *testing.F) { jsoncheck.Probe(f, probe, "rust", 128).FuzzTarget(f) }
