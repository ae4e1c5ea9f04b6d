// Package modtest helps test chatwasm modules for real: it builds a Go
// module package into a .wasm (cached by a hash of its sources), builds and
// starts a chatwasm server with a module file, and talks to it over
// WebSockets as clients do.
//
//	wasm := modtest.Build(t, ".")
//	srv := modtest.StartServer(t, modtest.ModuleFile(t, `
//	modules:
//	  - name: moderation
//	    path: `+wasm+`
//	    config: {banned_words: "spam"}
//	`))
//	alice := srv.Connect(t, srv.CreateUser(t, "alice"))
//
// It runs on the host (go test), never inside a module.
package modtest

import (
	"testing"

	"github.com/chatwasm/chatwasm/internal/gobuild"
)

// Build builds the Go module package in dir (a main package using
// //go:wasmexport) with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared and
// returns the path of the .wasm. The build is cached under the system temp
// dir, keyed by the toolchain and the sources of the package and of every
// dependency outside the standard library, so repeated runs cost a `go
// list`.
func Build(t testing.TB, dir string) string {
	t.Helper()
	out, err := gobuild.Wasm(dir)
	if err != nil {
		t.Fatalf("modtest: %v", err)
	}
	return out
}
