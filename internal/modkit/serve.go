package modkit

import (
	"path/filepath"
	"testing"

	"github.com/chatwasm/chatwasm/guest-sdk/go/modtest"
)

// ServeExample builds the example in dir, written in lang (see Make), and
// starts a real `chatwasm serve` (modtest.StartServer) with the example's
// own modules.yaml, its module's path (<dir name>.wasm) replaced by the
// build's: the deployment the example's README shows.
func ServeExample(t testing.TB, dir, lang string) *modtest.Server {
	t.Helper()
	wasm := Make(t, dir, lang)
	return modtest.StartServer(t, modtest.ModuleFileFrom(t, filepath.Join(dir, "modules.yaml"),
		map[string]string{"path: " + filepath.Base(wasm): "path: " + wasm}))
}
