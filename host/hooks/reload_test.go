package hooks_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/chatwasm/chatwasm/internal/modkit"
	"github.com/prometheus/client_golang/prometheus"
)

func tagged(tag string) string {
	return fmt.Sprintf(`
modules:
  - name: m
    path: {{guest}}
    hooks: [create_message]
    instances: 2
    config: {mode: wrap, tag: %s}
`, tag)
}

// taggedManager loads tagged("a") from a module file in dir, with a
// registry of its own; closing it is the test's business.
func taggedManager(t *testing.T, dir string) *hooks.Manager {
	t.Helper()
	path := writeFile(t, dir, tagged("a"))
	m, err := hooks.NewManager(context.Background(), path, hooks.Options{CacheDir: cacheDir, Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// wantTag fails the test unless s runs create_message through the tagged
// module with tag around the core.
func wantTag(t *testing.T, s *hooks.Set, tag string) {
	t.Helper()
	got, err := run(t, s, "create_message", alice, &core{})
	if want := []string{tag + ":in", "core", tag + ":out"}; err != nil || !slices.Equal(got, want) {
		t.Fatalf("got %v, %v; want %v", got, err, want)
	}
}

func TestReload(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	m := taggedManager(t, dir)
	defer m.Close(ctx)

	old, releaseOld := m.Acquire()
	wantTag(t, old, "a")
	writeFile(t, dir, tagged("b"))
	if err := m.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	cur, releaseCur := m.Acquire()
	wantTag(t, cur, "b")
	wantTag(t, old, "a") // a call that began on the old set finishes on it
	releaseOld()
	if _, err := run(t, old, "create_message", alice, &core{}); err == nil {
		t.Error("the replaced set still runs after its last release")
	}
	releaseCur()

	// A failed reload keeps the modules in force.
	writeFile(t, dir, "modules:\n  - name: m\n    path: missing.wasm\n")
	if err := m.Reload(ctx); err == nil {
		t.Fatal("reload of a broken file succeeded")
	}
	cur, releaseCur = m.Acquire()
	wantTag(t, cur, "b")
	releaseCur()

	// A changed file is picked up by Watch.
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.Watch(wctx, 10*time.Millisecond)
	}()
	writeFile(t, dir, tagged("c"))
	deadline := time.Now().Add(20 * time.Second)
	for {
		s, release := m.Acquire()
		got, err := run(t, s, "create_message", alice, &core{})
		release()
		if err == nil && slices.Equal(got, []string{"c:in", "core", "c:out"}) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Watch did not reload: %v, %v", got, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
}

func TestReloadUnderLoad(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := writeFile(t, dir, tagged("a"))
	m, err := hooks.NewManager(ctx, path, hooks.Options{CacheDir: cacheDir})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(ctx)
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 25 {
				s, release := m.Acquire()
				out, err := s.Run(ctx, "create_message", alice, []byte(`{"trail":[]}`), (&core{}).next)
				release()
				if err != nil {
					errs <- fmt.Errorf("call: %w (%s)", err, out)
					return
				}
			}
		}()
	}
	for i := range 3 {
		writeFile(t, dir, tagged(fmt.Sprint("r", i)))
		if err := m.Reload(ctx); err != nil {
			t.Error(err)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestEmptyModuleFileWarns: a module file that lists no module loads (a
// deployment may empty it on purpose) but says so in the log.
func TestEmptyModuleFileWarns(t *testing.T) {
	logs := &modkit.LogSink{}
	path := writeFile(t, t.TempDir(), "modules: []\n")
	m, err := hooks.NewManager(context.Background(), path, hooks.Options{CacheDir: cacheDir, Logger: slog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(context.Background())
	if got := logs.Find("the module file lists no modules"); len(got) != 1 {
		t.Errorf("warnings %q, want one", got)
	}
}
