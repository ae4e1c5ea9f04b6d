package wasm

import (
	"context"
	"sync"
	"time"
)

// callKey is the context key under which a *callCtx answers Value.
type callKey struct{}

// callCtx is the context.Context a call runs under. wazero hands it unchanged
// to every host import, so an import finds its instance with one type
// assertion, and watches its Done channel to stop a guest at the deadline.
//
// Each instance owns one callCtx and reuses it for every call, with one
// timer: context.WithTimeout per call would cost more than the rest of a call
// together (allocations and two trips through the runtime's timer heap). The
// timer is not even stopped and restarted per call: it stays armed for an
// earlier call's deadline, and when it fires during a later call whose
// deadline has not come, it re-arms for that one. So a busy instance touches
// its timer about once per Timeout instead of twice per call.
//
// The fields are guarded by mu because the timer and wazero's deadline
// watcher goroutine read them concurrently; a stale watcher only ever sees
// the next call's state, which it ignores. Host functions must not use the
// context after they return (derive one with context.WithTimeout to hand it
// to goroutines that may outlive the call).
type callCtx struct {
	inst  *instance
	timer *time.Timer
	done  chan struct{}

	mu       sync.Mutex
	root     context.Context // the caller's context outside any call
	parent   *callCtx        // the call this one is nested in, if any
	depth    int
	deadline time.Time
	err      error
	gen      uint64    // call generation, to ignore stale cancellations
	active   bool      // a call is running
	fireAt   time.Time // when the timer will fire; zero if it will not
	stop     func() bool
}

func newCallCtx(in *instance) *callCtx {
	c := &callCtx{inst: in, done: make(chan struct{}), root: context.Background()}
	c.timer = time.AfterFunc(time.Hour, c.expire)
	c.timer.Stop()
	return c
}

// begin arms the context for a call from ctx (nested in parent, if not nil)
// that must end by deadline.
func (c *callCtx) begin(ctx context.Context, parent *callCtx, deadline time.Time) {
	root := ctx
	if parent != nil {
		root = parent.root
	}
	c.mu.Lock()
	c.root, c.parent, c.deadline = root, parent, deadline
	c.depth = 0
	if parent != nil {
		c.depth = parent.depth + 1
	}
	c.gen++
	c.active = true
	gen := c.gen
	rearm := c.fireAt.IsZero() || c.fireAt.After(deadline)
	if rearm {
		c.fireAt = deadline
	}
	c.mu.Unlock()
	if rearm {
		c.timer.Reset(time.Until(deadline))
	}
	if root.Done() != nil {
		c.stop = context.AfterFunc(root, func() { c.cancel(gen, root.Err()) })
	}
}

// end disarms the context. It reports whether the call was cut short; the
// instance must then not be reused (its done channel is closed, and wazero
// may have closed the module).
func (c *callCtx) end() (cut bool) {
	if c.stop != nil {
		c.stop()
		c.stop = nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.active = false
	c.root, c.parent = context.Background(), nil
	return c.err != nil
}

// expire is the timer's function: it cuts the running call if its deadline
// has passed, re-arms for it if not, and otherwise lets the timer rest.
func (c *callCtx) expire() {
	c.mu.Lock()
	c.fireAt = time.Time{}
	if !c.active {
		c.mu.Unlock()
		return
	}
	gen, deadline := c.gen, c.deadline
	left := time.Until(deadline)
	if left > 0 {
		c.fireAt = deadline
	}
	c.mu.Unlock()
	if left > 0 {
		c.timer.Reset(left)
		return
	}
	c.cancel(gen, context.DeadlineExceeded)
}

// cancel ends call generation gen with err (context.DeadlineExceeded or
// context.Canceled, which wazero maps to its exit codes).
func (c *callCtx) cancel(gen uint64, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen || c.err != nil {
		return
	}
	c.err = err
	close(c.done)
}

// Deadline implements context.Context.
func (c *callCtx) Deadline() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.deadline, true
}

// Done implements context.Context. The channel is made once per instance
// and never replaced: it is closed only when a call is cut short, and such an
// instance is discarded. So Done needs no lock, which matters because every
// call's deadline watcher calls it.
func (c *callCtx) Done() <-chan struct{} { return c.done }

// Err implements context.Context.
func (c *callCtx) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Value implements context.Context.
func (c *callCtx) Value(key any) any {
	if key == (callKey{}) {
		return c
	}
	c.mu.Lock()
	root := c.root
	c.mu.Unlock()
	return root.Value(key)
}

// callFrom returns the call ctx belongs to, or nil outside any call.
func callFrom(ctx context.Context) *callCtx {
	if c, ok := ctx.(*callCtx); ok {
		return c
	}
	c, _ := ctx.Value(callKey{}).(*callCtx)
	return c
}

// instanceOf returns the instance serving the call a host import runs in.
// wazero only runs imports inside our calls, so a missing call is a bug.
func instanceOf(ctx context.Context) *instance {
	if c, ok := ctx.(*callCtx); ok {
		return c.inst
	}
	if c := callFrom(ctx); c != nil {
		return c.inst
	}
	panic("wasm: host import called outside a call")
}

// holds reports whether this call or one it is nested in runs on an instance
// of m.
func (c *callCtx) holds(m *Module) bool {
	for ; c != nil; c = c.parent {
		if c.inst.m == m {
			return true
		}
	}
	return false
}
