package hooks_test

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestCloseWaitsForHolders: the server closes the modules after the
// gateway's shutdown, which may give up on requests still running. Close
// must not close the runtime under a request that holds a set, whether the
// current one or one a reload replaced: it waits for them until its ctx
// ends, and then leaves the runtime to them.
func TestCloseWaitsForHolders(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	m := taggedManager(t, dir)
	old, releaseOld := m.Acquire()
	writeFile(t, dir, tagged("b"))
	if err := m.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	cur, releaseCur := m.Acquire()

	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	err := m.Close(short)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close with two sets held: %v, want the deadline", err)
	}
	// The requests still running finish on their modules.
	wantTag(t, old, "a")
	wantTag(t, cur, "b")
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
	wantTag(t, old, "a")

	releaseOld()
	if err := m.Close(ctx); err != nil {
		t.Fatalf("Close once every set is released: %v", err)
	}
	if _, err := run(t, old, "create_message", alice, &core{}); err == nil {
		t.Error("a set still runs after Close")
	}
}
