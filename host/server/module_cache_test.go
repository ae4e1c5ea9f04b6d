package server

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnusableModuleCache: a server without a module file starts though
// its module cache cannot be created (every server may get uploaded
// modules, compiled in memory then), and says so; with a module file, the
// cache is still required.
func TestUnusableModuleCache(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t)
	cfg.ModuleCache = filepath.Join(file, "cache")
	r := start(t, cfg)
	r.expectStatus(t, "/admin/modules", http.StatusUnauthorized, "the module API without a token")
	if !strings.Contains(r.logs.String(), "module cache unusable") {
		t.Errorf("no warning about the cache in the log:\n%s", r.logs.String())
	}

	cfg = testConfig(t)
	cfg.ModuleCache = filepath.Join(file, "cache")
	cfg.Modules = filepath.Join(t.TempDir(), "modules.yaml")
	if err := os.WriteFile(cfg.Modules, []byte("modules: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Run(context.Background(), cfg, nil); err == nil || !strings.Contains(err.Error(), "module cache") {
		t.Errorf("Run with a module file and an unusable cache: %v, want the cache's error", err)
	}
}
