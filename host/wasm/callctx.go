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
// assertion.
//
// Each instance owns one callCtx and reuses it for every call, with one
// timer: context.WithTimeout per call would cost more than the rest of a call
// together (allocations and two trips through the runtime's timer heap). The
// timer is not even stopped and restarted per call: it stays armed for an
// earlier call's deadline, and when it fires during a later call whose
// deadline has not come, it re-arms for that one. So a busy instance touches
// its timer about once per Timeout instead of twice per call.
//
// At the deadline, or when the caller's context is done (context.AfterFunc,
// which costs no goroutine), cancel cuts the call: it sets the instance's
// interrupt flag, which stops the guest at its next loop iteration or
// function call (interrupt.go), and closes Done, which stops host functions
// that wait on the context and, for a module wazero watches itself (the
// fallback), the guest.
//
// While the guest is in an embedder's host function (pause..resume), its
// deadline stands still: the time belongs to the host (a chat operation
// behind next, a nested module call under that module's own timeout), not
// to the module. Meanwhile Deadline reports the caller's deadline only, so a
// nested Module.Call gets its own module's Timeout bounded by the caller's
// context, not the remains of this call's.
//
// The fields are guarded by mu because the timer and the caller's context
// cancel from other goroutines; a stale cancellation carries an old
// generation and is ignored. Host functions must not use the context after
// they return (derive one with context.WithTimeout to hand it to goroutines
// that may outlive the call).
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
	gen      uint64        // call generation, to ignore stale cancellations
	active   bool          // a call is running
	paused   bool          // the guest is in a host function
	left     time.Duration // while paused: what was left until the deadline
	fireAt   time.Time     // when the timer will fire; zero if it will not
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
	c.active, c.paused = true, false
	gen := c.gen
	rearm := c.armLocked(deadline)
	c.mu.Unlock()
	if rearm {
		c.timer.Reset(time.Until(deadline))
	}
	if root.Done() != nil {
		c.stop = context.AfterFunc(root, func() { c.cancel(gen, root.Err()) })
	}
}

// armLocked reports whether the timer must be reset to fire at deadline
// (it is idle, or set to fire later), and records it. Called with mu held.
func (c *callCtx) armLocked(deadline time.Time) bool {
	if !c.fireAt.IsZero() && !c.fireAt.After(deadline) {
		return false
	}
	c.fireAt = deadline
	return true
}

// end disarms the context. It returns why the call was cut short (the
// context error), nil if it was not; a cut instance must not be reused (its
// interrupt flag is set and its done channel closed, and wazero may have
// closed the module).
func (c *callCtx) end() (cut error) {
	if c.stop != nil {
		c.stop()
		c.stop = nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.active, c.paused = false, false
	c.root, c.parent = context.Background(), nil
	return c.err
}

// pause stops the call's clock while the guest is in a host function.
func (c *callCtx) pause() {
	now := time.Now()
	c.mu.Lock()
	if c.active && !c.paused {
		c.paused = true
		c.left = c.deadline.Sub(now)
	}
	c.mu.Unlock()
}

// resume restarts the call's clock with what was left of it when the host
// function began.
func (c *callCtx) resume() {
	now := time.Now()
	c.mu.Lock()
	if !c.paused {
		c.mu.Unlock()
		return
	}
	c.paused = false
	c.deadline = now.Add(c.left)
	// The timer is still armed for the old, earlier deadline unless it
	// fired during the pause; then it re-arms itself from expire.
	rearm := c.fireAt.IsZero() && c.armLocked(c.deadline)
	c.mu.Unlock()
	if rearm {
		c.timer.Reset(c.left)
	}
}

// expire is the timer's function: it cuts the running call if its deadline
// has passed, re-arms for it if not, and otherwise lets the timer rest (no
// call, or a paused one, which re-arms it on resume).
func (c *callCtx) expire() {
	c.mu.Lock()
	c.fireAt = time.Time{}
	if !c.active || c.paused {
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

// cancel cuts call generation gen short with err (context.DeadlineExceeded
// or the caller's context error): it sets the interrupt flag and closes
// Done. The flag is set under mu, so it can only hit the call of generation
// gen, never a later call on the same instance.
func (c *callCtx) cancel(gen uint64, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen || c.err != nil {
		return
	}
	c.err = err
	if c.inst.flag != nil {
		c.inst.flag.Set(1)
	}
	close(c.done)
}

// Deadline implements context.Context. While the guest is in a host
// function it is the caller's deadline, if any: see callCtx.
func (c *callCtx) Deadline() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.paused {
		return c.root.Deadline()
	}
	return c.deadline, true
}

// Done implements context.Context. The channel is made once per instance
// and never replaced: it is closed only when a call is cut short, and such an
// instance is discarded. So Done needs no lock (wazero's deadline watcher of
// a fallback module calls it on every call).
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
