package wasm

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/chatwasm/chatwasm/host/wasm/wasmbin"
)

// rewriteCache keeps the interrupt-instrumented modules (interrupt.go) in
// the runtime's cache directory, next to wazero's compiled code, so that a
// warm start skips the rewrite (~35 ms for a 3.5 MB Go module) as it skips
// the compilation. An entry is named by the sha256 of the module as given
// and wasmbin.InterruptVersion, so a changed module or rewriter never
// meets an old entry. It trusts the directory as wazero trusts its
// compiled code there: whoever can write it can change what runs. A
// damaged entry (which the atomic write makes unlikely) fails to compile
// and is replaced by a fresh rewrite. The zero value (no directory) keeps
// nothing.
type rewriteCache struct {
	dir string
	log *slog.Logger
}

// rewriteDir is the cache directory's subdirectory for the entries.
const rewriteDir = "chatwasm-interrupt"

func newRewriteCache(cacheDir string, log *slog.Logger) rewriteCache {
	if cacheDir == "" {
		return rewriteCache{}
	}
	return rewriteCache{dir: filepath.Join(cacheDir, rewriteDir), log: log}
}

func (c rewriteCache) path(sum [sha256.Size]byte) string {
	return filepath.Join(c.dir, fmt.Sprintf("%x.v%d.wasm", sum, wasmbin.InterruptVersion))
}

// get returns the instrumented module of the module whose sha256 is sum, if
// an earlier load stored it.
func (c rewriteCache) get(sum [sha256.Size]byte) ([]byte, bool) {
	if c.dir == "" {
		return nil, false
	}
	b, err := os.ReadFile(c.path(sum))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			c.log.Warn("wasm: reading the instrumented module from the cache", "err", err)
		}
		return nil, false
	}
	return b, true
}

// put stores code, the instrumented module of the module whose sha256 is
// sum. A failure only costs the next start the rewrite: it is logged.
func (c rewriteCache) put(sum [sha256.Size]byte, code []byte) {
	if c.dir == "" {
		return
	}
	if err := c.write(c.path(sum), code); err != nil {
		c.log.Warn("wasm: storing the instrumented module in the cache", "err", err)
	}
}

// write writes code to path through a temporary file renamed into place,
// so that a reader never sees part of an entry.
func (c rewriteCache) write(path string, code []byte) error {
	if err := os.MkdirAll(c.dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(c.dir, filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	_, err = f.Write(code)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
	}
	return err
}

// drop removes the entry of sum, which failed to compile.
func (c rewriteCache) drop(sum [sha256.Size]byte) {
	if err := os.Remove(c.path(sum)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		c.log.Warn("wasm: removing a damaged instrumented module from the cache", "err", err)
	}
}
