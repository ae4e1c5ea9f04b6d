package modkit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/hooks"
)

// PageSize is the size of a wasm linear memory page.
const PageSize = 64 << 10

// MemoryNeeded returns how many pages of linear memory one instance of the
// module at path (with config) needs to load, which runs its _initialize,
// and then to serve use on the loaded set (nil: nothing more): the
// smallest `memory:` cap under which both succeed, found by bisection up to
// hooks.DefaultMemory. A wasm memory only grows, and the cap refuses the
// first memory.grow past it, so that is the instance's peak linear memory.
// It reports an error if even the default cap is not enough.
func MemoryNeeded(tb testing.TB, path string, config map[string]string, use func(*hooks.Set) error) (uint32, error) {
	tb.Helper()
	dir := tb.TempDir()
	cfg, err := json.Marshal(config)
	if err != nil {
		return 0, err
	}
	fits := func(pages uint32) (bool, error) {
		yaml := fmt.Sprintf("modules:\n  - name: probe\n    path: %q\n    config: %s\n    memory: \"%d\"\n",
			path, cfg, uint64(pages)*PageSize)
		file := filepath.Join(dir, "modules.yaml")
		if err := os.WriteFile(file, []byte(yaml), 0o644); err != nil {
			return false, err
		}
		ctx := context.Background()
		m, err := hooks.NewManager(ctx, file, hooks.Options{CacheDir: compileCacheDir()})
		if err != nil {
			return false, nil
		}
		defer m.Close(ctx)
		if use == nil {
			return true, nil
		}
		s, release := m.Acquire()
		defer release()
		return use(s) == nil, nil
	}
	lo, hi := uint32(0), uint32(hooks.DefaultMemory/PageSize)
	if ok, err := fits(hi); err != nil || !ok {
		return 0, errors.Join(err, fmt.Errorf("modkit: %s does not fit in %d pages", path, hi))
	}
	// Invariant: lo pages do not fit, hi pages do.
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		ok, err := fits(mid)
		if err != nil {
			return 0, err
		}
		if ok {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi, nil
}

// compileCacheDir is where Manager keeps compiled modules by default.
func compileCacheDir() string { return filepath.Join(os.TempDir(), "chatwasm-examples-compile-cache") }

// HeapInUse returns the bytes of live Go heap objects, measured after two
// full collections (the second frees what the first's finalizers released).
func HeapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// InstanceHeap returns the Go heap that one more warm instance of the
// module serving hook on s takes: its kernel arena and wazero's instance
// state (host/wasm keeps linear memory outside the Go heap on Linux). s must hold
// exactly one instance of the module (a fresh set after one call) in a pool
// of at least two, and the module must call next for args: two calls held
// at once in the Go default force the second instance, which stays warm in
// the pool after them.
func InstanceHeap(ctx context.Context, s *hooks.Set, hook string, call hooks.CallInfo, args, out []byte) (int64, error) {
	const calls = 2
	before := HeapInUse()
	arrived := make(chan struct{}, calls)
	release := make(chan struct{})
	hold := func(ctx context.Context, _ []byte) ([]byte, error) {
		arrived <- struct{}{}
		select {
		case <-release:
			return out, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	var done sync.WaitGroup
	errs := make([]error, calls)
	for i := range calls {
		done.Go(func() { _, errs[i] = s.Run(ctx, hook, call, args, hold) })
	}
	var err error
	timeout := time.NewTimer(5 * time.Second)
	defer timeout.Stop()
	for n := 0; n < calls && err == nil; n++ {
		select {
		case <-arrived:
		case <-timeout.C:
			err = errors.New("modkit: the calls never ran at once (a pool of one, or no call of next)")
		}
	}
	close(release)
	done.Wait()
	if err := errors.Join(append(errs, err)...); err != nil {
		return 0, err
	}
	return int64(HeapInUse()) - int64(before), nil
}
