package wasm

import "time"

// sleep is WASI's nanosleep for a module granted the clock: a real wait,
// which holds no CPU, cut short when the call is (at its deadline or when
// its caller's context ends), so that a sleeping guest still cannot
// outlive its timeout. wazero calls it from poll_oneoff, outside
// pause..resume: the time a module sleeps is its own. Without it a guest's
// sleep polls the clock, a busy wait that holds a CPU for as long.
func (c *callCtx) sleep(ns int64) {
	c.inst.m.sleeps.Add(1)
	if ns <= 0 {
		return
	}
	t := time.NewTimer(time.Duration(ns))
	defer t.Stop()
	select {
	case <-t.C:
	case <-c.done:
	}
}
