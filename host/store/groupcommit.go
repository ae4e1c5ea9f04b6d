package store

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"sync"
	"sync/atomic"
)

// DefaultWriteBatch bounds how many write operations share one transaction
// and one commit (WithWriteBatch).
const DefaultWriteBatch = 64

// maxRequeues bounds how often an operation of a shared transaction that
// the engine aborted as colliding with another transaction (ErrRetry) is
// run again in a later shared one; then it runs in one of its own.
const maxRequeues = 5

// ErrTxDone is the error of a statement run on the Tx of a write operation
// that has ended: its transaction goes on for other operations (group
// commit), which what is left of this one must not touch.
var ErrTxDone = errors.New("store: the operation's transaction has ended")

// committer runs Store.Write with group commit: write operations that
// arrive while the engine is busy committing others queue, and the queued
// ones then share one transaction and one commit, each in a savepoint of
// its own, so that one failing rolls back only itself. The commit is what
// costs on SQLite (its single writer, the WAL) and a round trip and a WAL
// flush on PostgreSQL; sharing it is what lets concurrent writers scale.
//
// An operation never waits for others to batch with: when its lane runs
// no transaction it starts one at once, alone, exactly as without group
// commit (no savepoint). Only operations that queued while their lane was
// busy share the lane's next transaction, at most max of them. Batches are
// led by their first operation's goroutine, which runs the others'
// functions: handing each its turn would cost two goroutine switches per
// operation.
//
// An engine with several writers (PostgreSQL) gets as many lanes, and an
// operation goes to the lane of its write key (WithWriteKey: the room of a
// message, say), so that two lanes' transactions, each holding the row
// locks of many operations until its commit, do not wait on each other's
// (and deadlock) over the same rows.
type committer struct {
	st       *Store
	max      int
	numLanes int

	mu    sync.Mutex
	lanes []lane
}

// lane is one sequence of shared transactions.
type lane struct {
	busy  bool            // a transaction is running
	queue []*pendingWrite // in arrival order
}

// writeKey is the context key of WithWriteKey.
type writeKey struct{}

// WithWriteKey returns ctx with the write key of the operation it runs: the
// operations of one key run in one lane of group commit (Store.Write), in
// order. It is a hint, for engines with several writers: any key, or none,
// gives the same results.
func WithWriteKey(ctx context.Context, key string) context.Context {
	return context.WithValue(ctx, writeKey{}, key)
}

// laneOf is the lane of an operation run with ctx: that of its write key.
func (c *committer) laneOf(ctx context.Context) int {
	if len(c.lanes) == 1 {
		return 0
	}
	key, _ := ctx.Value(writeKey{}).(string)
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(len(c.lanes)))
}

// pendingWrite is one Store.Write call.
type pendingWrite struct {
	ctx  context.Context
	fn   func(*Tx) error
	lane int
	// wake hands the goroutine of the call a batch to lead (which holds
	// it), or nil once the call has its result.
	wake     chan []*pendingWrite
	err      error
	panicked any
	requeues int
	// retry says the engine aborted the operation as colliding with
	// another transaction: it runs again in a later one.
	retry bool
	// op is the executor of its last run in a shared transaction.
	op *opExecutor
}

// write runs fn as one write operation (see Store.Write).
func (c *committer) write(ctx context.Context, fn func(*Tx) error) error {
	w := &pendingWrite{ctx: ctx, fn: fn, lane: c.laneOf(ctx)}
	var batch []*pendingWrite
	c.mu.Lock()
	if l := &c.lanes[w.lane]; !l.busy {
		l.busy = true
		batch = []*pendingWrite{w}
	} else {
		w.wake = make(chan []*pendingWrite, 1)
		l.queue = append(l.queue, w)
	}
	c.mu.Unlock()
	for {
		if batch == nil {
			if batch = <-w.wake; batch == nil {
				break
			}
		}
		c.lead(batch)
		if !w.retry {
			break
		}
		batch = nil
	}
	if w.panicked != nil {
		panic(w.panicked)
	}
	return w.err
}

// lead runs batch in one transaction of the lane its goroutine holds,
// then hands the lane to the operations that queued meanwhile, or frees
// it, and wakes the batch's other calls with their results. An operation
// run again after colliding maxRequeues times runs alone, as the engine's
// own retries of a lone transaction then take over.
func (c *committer) lead(batch []*pendingWrite) {
	c.run(batch)
	c.mu.Lock()
	l := &c.lanes[batch[0].lane]
	for i := len(batch) - 1; i >= 0; i-- {
		if w := batch[i]; w.retry {
			if w.wake == nil {
				w.wake = make(chan []*pendingWrite, 1)
			}
			l.queue = append([]*pendingWrite{w}, l.queue...)
		}
	}
	var next []*pendingWrite
	if len(l.queue) == 0 {
		l.busy = false
	} else {
		n := min(len(l.queue), c.max)
		if l.queue[0].requeues >= maxRequeues {
			n = 1
		}
		next = l.queue[:n:n]
		l.queue = append([]*pendingWrite(nil), l.queue[n:]...)
	}
	c.mu.Unlock()
	// The batch's finished calls are woken before the lane is handed on:
	// its next leader may run this batch's requeued operations, and
	// resets their retry, so that reading it afterwards would race, and
	// could wake one that runs again (whose call would then return early
	// and leave its next result undelivered, the leader blocked).
	for _, w := range batch[1:] {
		if !w.retry {
			w.wake <- nil
		}
	}
	if next != nil {
		next[0].wake <- next
	}
}

// run runs the operations of batch in one transaction and commits it,
// setting each one's result: its own error, or the commit's when it
// succeeded but the commit failed. A lone operation runs as a plain
// transaction. An operation whose context is done before its turn does not
// run.
func (c *committer) run(batch []*pendingWrite) {
	s := c.st
	// The transaction outlives the context of any one operation: each
	// operation's statements run with its own.
	ctx := context.WithoutCancel(batch[0].ctx)
	if len(batch) == 1 {
		w := batch[0]
		w.retry = false
		if w.err = w.ctx.Err(); w.err != nil {
			return
		}
		w.err = s.drv.InTx(ctx, true, func(ex Executor) error {
			if err := w.call(&Tx{ex: ex, d: s.drv.Dialect(), now: s.now, write: true}); err != nil {
				return err
			}
			return s.beforeCommit(ctx, 1)
		})
		return
	}
	err := s.drv.InTx(ctx, true, func(ex Executor) error {
		n := 0
		for _, w := range batch {
			w.err, w.panicked, w.retry, w.op = nil, nil, false, nil
			if w.err = w.ctx.Err(); w.err != nil {
				continue
			}
			if err := w.savepoint(ctx, ex, s); err != nil {
				return err
			}
			if w.err == nil {
				n++
			}
		}
		return s.beforeCommit(ctx, n)
	})
	if err != nil && !blameHeld(batch, err) {
		for _, w := range batch {
			if w.err == nil && !w.retry {
				w.err = err
			}
		}
	}
}

// blameHeld handles the loss of a shared transaction to a held statement
// that failed (HeldError), reporting whether it was that: the statement's
// operation fails, with that error unless it failed on its own, and only it. The others run again in a
// later transaction, as after ErrRetry: those before it that succeeded
// (their work was rolled back with the transaction), and all those after
// it, which ran on the lost transaction and failed for that, or might have.
func blameHeld(batch []*pendingWrite, err error) bool {
	var held *HeldError
	if !errors.As(err, &held) {
		return false
	}
	owner := -1
	for i, w := range batch {
		if w.op != nil && any(w.op) == held.Owner {
			owner = i
		}
	}
	if owner < 0 {
		return false
	}
	for i, w := range batch {
		switch {
		case i == owner:
			// An error of its own (its statement reported the held
			// one's failure, which it may have mapped) stays.
			if w.err == nil {
				w.err, w.panicked, w.retry = err, nil, false
			}
		case w.retry, i < owner && w.err != nil:
		default:
			w.requeues++
			w.err, w.panicked, w.retry = nil, nil, true
		}
	}
	return true
}

// savepoint runs the operation in a savepoint of the shared transaction
// on ex, rolled back when it fails. Its Tx ignores the cancellation of the
// operation's context (an interrupted statement can abort the whole
// transaction, which holds other operations' work) and refuses statements
// once the operation has ended. The error returned is the transaction's
// own, which fails every operation in it.
func (w *pendingWrite) savepoint(ctx context.Context, ex Executor, s *Store) error {
	// The savepoint statements go with the operation's next statement on
	// PostgreSQL (execLater): they would be two round trips of their own.
	if err := execLater(ctx, ex, "SAVEPOINT chatwasm_op"); err != nil {
		return wrap("savepoint", err)
	}
	op := &opExecutor{ex: ex}
	w.op = op
	w.err = w.call(&Tx{ex: op, d: s.drv.Dialect(), now: s.now, write: true})
	op.done.Store(true)
	if w.err != nil {
		if errors.Is(w.err, ErrRetry) {
			w.requeues++
			w.retry, w.err = true, nil
		}
		if err := execLater(ctx, ex, "ROLLBACK TO SAVEPOINT chatwasm_op"); err != nil {
			return fmt.Errorf("store: rollback to savepoint: %w", err)
		}
	}
	return wrap("release savepoint", execLater(ctx, ex, "RELEASE SAVEPOINT chatwasm_op"))
}

// call runs the operation's function on tx. A panic is kept, to be raised
// again in the operation's own goroutine, and fails the operation here.
func (w *pendingWrite) call(tx *Tx) (err error) {
	defer func() {
		if p := recover(); p != nil {
			w.panicked = p
			err = fmt.Errorf("store: write operation panicked: %v", p)
		}
	}()
	return w.fn(tx)
}

// opExecutor is the executor of one operation in a shared transaction.
type opExecutor struct {
	ex   Executor
	done atomic.Bool
}

func (o *opExecutor) Exec(ctx context.Context, sql string, args ...any) (int64, error) {
	if o.done.Load() {
		return 0, ErrTxDone
	}
	return o.ex.Exec(context.WithoutCancel(ctx), sql, args...)
}

func (o *opExecutor) Query(ctx context.Context, sql string, args ...any) (Rows, error) {
	if o.done.Load() {
		return nil, ErrTxDone
	}
	return o.ex.Query(context.WithoutCancel(ctx), sql, args...)
}

func (o *opExecutor) QueryRow(ctx context.Context, sql string, args ...any) Row {
	if o.done.Load() {
		return errRow{ErrTxDone}
	}
	return o.ex.QueryRow(context.WithoutCancel(ctx), sql, args...)
}

// Hold implements Holder, for the operation: a held statement's failure
// is laid on it (blameHeld).
func (o *opExecutor) Hold(_ any, found bool, sql string, args ...any) bool {
	h, ok := o.ex.(Holder)
	return ok && !o.done.Load() && h.Hold(o, found, sql, args...)
}

// errRow is a Row whose Scan fails with err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// QueuedWrites returns how many write operations wait for a transaction:
// the backlog of group commit, for metrics and for tests that form a batch.
func (s *Store) QueuedWrites() int {
	s.gc.mu.Lock()
	defer s.gc.mu.Unlock()
	n := 0
	for _, l := range s.gc.lanes {
		n += len(l.queue)
	}
	return n
}
