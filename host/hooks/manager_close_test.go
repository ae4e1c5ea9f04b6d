package hooks_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/hooks"
	"github.com/prometheus/client_golang/prometheus"
)

// TestCloseWaitsForHolders: the server closes the modules after the
// gateway's shutdown, which may give up on requests still running. Close
// must not close the runtime under a request that holds a set, whether the
// current one or one a reload replaced: it waits for them until its ctx
// ends, and then leaves the runtime to them.
func TestCloseWaitsForHolders(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := writeFile(t, dir, tagged("a"))
	m, err := hooks.NewManager(ctx, path, hooks.Options{CacheDir: cacheDir, Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	wantTag := func(s *hooks.Set, tag string) {
		t.Helper()
		got, err := run(t, s, "create_message", alice, &core{})
		if want := []string{tag + ":in", "core", tag + ":out"}; err != nil || !slices.Equal(got, want) {
			t.Fatalf("got %v, %v; want %v", got, err, want)
		}
	}
	old, releaseOld := m.Acquire()
	writeFile(t, dir, tagged("b"))
	if err := m.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	cur, releaseCur := m.Acquire()

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	err = m.Close(short)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close with two sets held: %v, want the deadline", err)
	}
	// The requests still running finish on their modules.
	wantTag(old, "a")
	wantTag(cur, "b")
	if s, release := m.Acquire(); s != nil {
		release()
		t.Error("a closing manager still hands out its set")
	}

	releaseCur()
	short, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
	err = m.Close(short)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close with the replaced set held: %v, want the deadline", err)
	}
	wantTag(old, "a")

	releaseOld()
	if err := m.Close(ctx); err != nil {
		t.Fatalf("Close once every set is released: %v", err)
	}
	if _, err := run(t, old, "create_message", alice, &core{}); err == nil {
		t.Error("a set still runs after Close")
	}
}
