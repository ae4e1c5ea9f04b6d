package wasm

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/tetratelabs/wazero"
)

// defaultMaxDepth bounds nested calls (module → host function → module ...).
const defaultMaxDepth = 8

// reservedPrefix marks chatwasm's own imports in extism:host/user.
const reservedPrefix = "chatwasm_"

// Config configures a Runtime.
type Config struct {
	// CacheDir, if set, keeps compiled machine code on disk so that a
	// module compiles once across restarts (a Go guest: ~1 s uncached,
	// ~50 ms cached), and the modules instrumented with the interrupt flag
	// too (in its chatwasm-interrupt subdirectory). Without it compiled
	// code is cached in memory only.
	CacheDir string
	// Logger receives guest logs (with a "module" attribute) and runtime
	// events; nil means slog.Default().
	Logger *slog.Logger
	// HostFuncs are the embedder's functions in extism:host/user.
	HostFuncs []HostFunc
	// MaxDepth bounds nested calls; 0 means 8.
	MaxDepth int
	// HTTPTransport carries guests' http_request calls; nil means a clone
	// of http.DefaultTransport.
	HTTPTransport http.RoundTripper
}

// Runtime loads modules and owns what they share: the compilation cache,
// the host function registry and the HTTP transport. It is safe for
// concurrent use.
type Runtime struct {
	log       *slog.Logger
	cache     wazero.CompilationCache
	rewrites  rewriteCache
	funcs     []HostFunc
	maxDepth  int
	transport http.RoundTripper

	mu      sync.Mutex
	modules map[*Module]struct{}
	closed  bool
}

// NewRuntime creates a runtime. Close it to free the modules and the cache.
func NewRuntime(cfg Config) (*Runtime, error) {
	r := &Runtime{
		log:       cfg.Logger,
		funcs:     append([]HostFunc(nil), cfg.HostFuncs...),
		maxDepth:  cfg.MaxDepth,
		transport: cfg.HTTPTransport,
		modules:   map[*Module]struct{}{},
	}
	if r.log == nil {
		r.log = slog.Default()
	}
	if r.maxDepth <= 0 {
		r.maxDepth = defaultMaxDepth
	}
	if r.transport == nil {
		r.transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	seen := map[string]bool{}
	for _, f := range r.funcs {
		switch {
		case f.Name == "" || f.Fn == nil:
			return nil, fmt.Errorf("wasm: host function %q: name and Fn are required", f.Name)
		case strings.HasPrefix(f.Name, reservedPrefix):
			return nil, fmt.Errorf("wasm: host function %q: the %s prefix is reserved", f.Name, reservedPrefix)
		case seen[f.Name]:
			return nil, fmt.Errorf("wasm: host function %q registered twice", f.Name)
		}
		seen[f.Name] = true
	}
	r.rewrites = newRewriteCache(cfg.CacheDir, r.log)
	if cfg.CacheDir != "" {
		cache, err := wazero.NewCompilationCacheWithDir(cfg.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("wasm: compilation cache %s: %w", cfg.CacheDir, err)
		}
		r.cache = cache
	} else {
		r.cache = wazero.NewCompilationCache()
	}
	return r, nil
}

// LoadFile loads the module at path; see Load. With a cache directory, the
// file is first only hashed, as it streams: a warm start that finds the
// instrumented module in the cache never holds the module itself in memory
// (3.5 MB of fresh heap for a Go module).
func (r *Runtime) LoadFile(ctx context.Context, path string, cfg ModuleConfig) (*Module, error) {
	if r.rewrites.dir == "" || cfg.Trusted {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("wasm: load module %q: %w", cfg.Name, err)
		}
		return r.Load(ctx, b, cfg)
	}
	src, err := hashFile(path)
	if err != nil {
		return nil, fmt.Errorf("wasm: load module %q: %w", cfg.Name, err)
	}
	return r.load(ctx, src, cfg)
}

// hashFile is the source of the module file at path: its sha256 and size
// read as it streams, and its bytes read again on demand, which must have
// the same sha256.
func hashFile(path string) (source, error) {
	f, err := os.Open(path)
	if err != nil {
		return source{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return source{}, err
	}
	src := source{size: int(n)}
	h.Sum(src.sum[:0])
	src.bytes = func() ([]byte, error) {
		b, err := os.ReadFile(path)
		if err == nil && sha256.Sum256(b) != src.sum {
			err = fmt.Errorf("%w: %s changed while it was loaded", ErrChecksum, path)
		}
		return b, err
	}
	return src, nil
}

// Close closes every module of the runtime, waiting for their calls to end
// until ctx is done, and frees the compilation cache.
func (r *Runtime) Close(ctx context.Context) error {
	r.mu.Lock()
	r.closed = true
	mods := slices.Collect(maps.Keys(r.modules))
	r.mu.Unlock()
	var errs []error
	for _, m := range mods {
		errs = append(errs, m.Close(ctx))
	}
	errs = append(errs, r.cache.Close(ctx))
	return errors.Join(errs...)
}

// register records a loaded module, failing if the runtime is closed.
func (r *Runtime) register(m *Module) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	r.modules[m] = struct{}{}
	return nil
}

func (r *Runtime) forget(m *Module) {
	r.mu.Lock()
	delete(r.modules, m)
	r.mu.Unlock()
}
