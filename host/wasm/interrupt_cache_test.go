package wasm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"log/slog"
	"os"
	"path/filepath"
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
}
