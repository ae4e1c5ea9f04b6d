package wasm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chatwasm/chatwasm/host/wasm/wasmbin"
)

// TestRewriteCache: the first load of a module stores its instrumented
// form in the cache directory; a later runtime on the same directory
// compiles that (and the module still runs, with its interrupt flag); a
// damaged entry is replaced by a fresh rewrite; a trusted module stores
// nothing.
func TestRewriteCache(t *testing.T) {
	dir := t.TempDir()
	bin := watGuest(t, "loops")
	want, err := wasmbin.AddInterrupt(bin, interruptExport)
	if err != nil {
		t.Fatal(err)
	}
	entry := newRewriteCache(dir, nil).path(sha256.Sum256(bin))
	load := func(t *testing.T, cfg ModuleConfig) (*Module, *logRecorder) {
		t.Helper()
		logs := newLogRecorder(slog.LevelInfo)
		r, err := NewRuntime(Config{CacheDir: dir, Logger: slog.New(logs)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = r.Close(context.Background()) })
		m := loadBytes(t, r, bin, cfg)
		if !m.interrupt && !cfg.Trusted {
			t.Fatal("the module is not instrumented")
		}
		if got := call(t, m, "nested", u32(300), nil); got != u32(nestedRef(300)) {
			t.Fatalf("nested(300) = %x, want %x", got, u32(nestedRef(300)))
		}
		return m, logs
	}
	stored := func(t *testing.T) {
		t.Helper()
		got, err := os.ReadFile(entry)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("cache entry: %d bytes, %v; want the %d bytes of AddInterrupt", len(got), err, len(want))
		}
	}

	load(t, ModuleConfig{Name: "trusted", Trusted: true})
	if _, err := os.Stat(entry); !os.IsNotExist(err) {
		t.Fatalf("a trusted module left a cache entry: %v", err)
	}
	load(t, ModuleConfig{Name: "first"})
	stored(t)
	_, logs := load(t, ModuleConfig{Name: "warm"})
	if recs := logs.find("rewriting"); len(recs) != 0 {
		t.Fatalf("the stored entry was not used: %v", recs)
	}
	stored(t)

	if err := os.WriteFile(entry, want[:len(want)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	_, logs = load(t, ModuleConfig{Name: "damaged"})
	if recs := logs.find("does not compile; rewriting"); len(recs) != 1 {
		t.Fatalf("damaged entry: logs %v", recs)
	}
	stored(t)
	if tmp, _ := filepath.Glob(filepath.Join(filepath.Dir(entry), "*.tmp")); len(tmp) != 0 {
		t.Fatalf("temporary files left: %v", tmp)
	}

	// LoadFile on a cache hit only hashes the file: the module is
	// described, and its checksum checked, all the same.
	path := filepath.Join(t.TempDir(), "loops.wasm")
	if err := os.WriteFile(path, bin, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := NewRuntime(Config{CacheDir: dir, Logger: slog.New(newLogRecorder(slog.LevelInfo))})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close(context.Background())
	sum := fmt.Sprintf("%x", sha256.Sum256(bin))
	m, err := r.LoadFile(context.Background(), path, ModuleConfig{Name: "file", SHA256: sum})
	if err != nil {
		t.Fatal(err)
	}
	if info := m.Info(); info.Size != len(bin) || info.SHA256 != sum || !m.interrupt {
		t.Fatalf("module loaded from the file: size %d, sha256 %s, instrumented %v", info.Size, info.SHA256, m.interrupt)
	}
	if got := call(t, m, "nested", u32(300), nil); got != u32(nestedRef(300)) {
		t.Fatalf("nested(300) = %x, want %x", got, u32(nestedRef(300)))
	}
	wrong := strings.Repeat("0", 64)
	if _, err := r.LoadFile(context.Background(), path, ModuleConfig{Name: "wrong", SHA256: wrong}); !errors.Is(err, ErrChecksum) {
		t.Fatalf("LoadFile with another sha256: %v", err)
	}
}

// TestHashFileChanged: the bytes of a module file read after it was hashed
// must be the bytes hashed.
func TestHashFileChanged(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.wasm")
	if err := os.WriteFile(path, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	src, err := hashFile(path)
	if err != nil || src.size != 3 || src.sum != sha256.Sum256([]byte("one")) {
		t.Fatalf("hashFile: %+v, %v", src, err)
	}
	if b, err := src.bytes(); err != nil || string(b) != "one" {
		t.Fatalf("bytes: %q, %v", b, err)
	}
	if err := os.WriteFile(path, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := src.bytes(); !errors.Is(err, ErrChecksum) {
		t.Fatalf("bytes of a changed file: %v", err)
	}
}
