package wasm

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// pool is a module's bounded set of warm instances, and the module's one
// point of synchronization on the call path.
//
// free counts the instances that may still be created: with the idle and
// busy ones they never exceed the pool size. A call takes the most recently
// used idle instance (its memory is the likeliest to be in cache), or a slot
// to create one, or waits for either until its queue deadline. Idle
// instances past keep are closed once they have been idle for idleTTL
// (checked as instances come back), so a burst's instances serve the rest of
// the burst, and the next one soon after, but do not stay resident for good.
//
// The one exception is re-entrance: when the calling chain (module → host
// function → module ...) already holds an instance of this module and none is
// idle, waiting could deadlock on ourselves, so the call gets an extra
// instance outside the bound, which is closed after the call unless a slot
// has become free for it. The runtime's nesting depth bounds their number.
//
// busy counts what is checked out (instances in calls, creations under way,
// background replacements), so that closing can wait for it to drain.
type pool struct {
	mu      sync.Mutex
	idle    []*instance
	free    int
	busy    int
	closed  bool
	keep    int           // idle instances kept warm for good
	idleTTL time.Duration // how long those past keep may stay idle
	waiters []chan struct{}
	drained chan struct{}
}

func newPool(size, keepIdle int, idleTTL time.Duration) *pool {
	return &pool{free: size, keep: keepIdle, idleTTL: idleTTL, idle: make([]*instance, 0, keepIdle),
		drained: make(chan struct{})}
}

// track counts one more thing checked out (a background replacement), so
// that closing waits for it; false if the pool is closed.
func (p *pool) track() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.busy++
	return true
}

// get returns an idle instance, or nil and owned == true when the caller got
// a slot and must create the instance (then put or release it), or nil and
// owned == false when it must create an extra instance.
func (p *pool) get(ctx context.Context, deadline time.Time, reentrant bool) (inst *instance, owned bool, err error) {
	var wctx context.Context // made on the first wait only
	for {
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			return nil, false, ErrClosed
		}
		if n := len(p.idle); n > 0 {
			inst = p.idle[n-1]
			p.idle = p.idle[:n-1]
			p.busy++
			p.mu.Unlock()
			return inst, true, nil
		}
		if p.free > 0 || reentrant {
			owned = p.free > 0
			if owned {
				p.free--
			}
			p.busy++
			p.mu.Unlock()
			return nil, owned, nil
		}
		w := make(chan struct{}, 1)
		p.waiters = append(p.waiters, w)
		p.mu.Unlock()

		if wctx == nil {
			var cancel context.CancelFunc
			wctx, cancel = context.WithDeadline(ctx, deadline)
			defer cancel()
		}
		select {
		case <-w:
		case <-wctx.Done():
			p.mu.Lock()
			p.dropWaiter(w)
			p.mu.Unlock()
			return nil, false, fmt.Errorf("%w: %w", ErrBusy, wctx.Err())
		}
	}
}

// dropWaiter removes a waiter that gave up; a wake-up it got meanwhile is
// passed on. Called with mu held.
func (p *pool) dropWaiter(w chan struct{}) {
	for i, x := range p.waiters {
		if x == w {
			p.waiters = append(p.waiters[:i], p.waiters[i+1:]...)
			return
		}
	}
	// Already woken: hand the wake-up to the next in line.
	p.wakeOne()
}

// wakeOne wakes the longest waiting call. Called with mu held.
func (p *pool) wakeOne() {
	if len(p.waiters) == 0 {
		return
	}
	w := p.waiters[0]
	p.waiters = p.waiters[1:]
	w <- struct{}{}
}

// done marks one checked-out thing finished. Called with mu held.
func (p *pool) done() {
	p.busy--
	if p.closed && p.busy == 0 {
		close(p.drained)
	}
}

// put returns a healthy instance. An extra instance stays only if a slot is
// free for it; on a closed pool the instance is closed. Then the idle
// instances past keep that have been idle longer than idleTTL are closed,
// oldest first.
func (p *pool) put(inst *instance) {
	now := time.Now()
	p.mu.Lock()
	keep := !p.closed
	if keep && !inst.owned {
		keep = p.free > 0
		if keep {
			p.free--
			inst.owned = true
		}
	}
	var stale []*instance
	if keep {
		inst.idleSince = now
		p.idle = append(p.idle, inst)
		p.wakeOne()
		for len(p.idle) > p.keep && len(p.waiters) == 0 && now.Sub(p.idle[0].idleSince) >= p.idleTTL {
			stale = append(stale, p.idle[0])
			p.idle = p.idle[1:]
			p.free++
		}
	}
	p.done()
	p.mu.Unlock()
	if !keep {
		inst.close()
	}
	for _, s := range stale {
		s.close()
	}
}

// release gives back the slot of an instance that was closed or could not be
// created (owned), or just ends an extra one.
func (p *pool) release(owned bool) {
	p.mu.Lock()
	if owned {
		p.free++
		p.wakeOne()
	}
	p.done()
	p.mu.Unlock()
}

// close refuses new calls, waits until nothing is checked out or ctx is
// done, and closes the idle instances.
func (p *pool) close(ctx context.Context) error {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		for _, w := range p.waiters {
			w <- struct{}{}
		}
		p.waiters = nil
		if p.busy == 0 {
			close(p.drained)
		}
	}
	p.mu.Unlock()
	var err error
	select {
	case <-p.drained:
	case <-ctx.Done():
		err = ctx.Err()
	}
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, inst := range idle {
		inst.close()
	}
	return err
}

// idleCount is the number of idle instances.
func (p *pool) idleCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.idle)
}

// freeCount is the number of instances that may still be created.
func (p *pool) freeCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.free
}

// waiting is the number of calls waiting for an instance.
func (p *pool) waiting() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.waiters)
}
