package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// These tests pin down group commit (Store.Write) on every engine: which
// operations share a transaction, what one failing rolls back, what a
// failed commit fails.

// eachEngine runs fn on a fresh store of each engine opened with opts.
func eachEngine(t *testing.T, fn func(t *testing.T, st *store.Store), opts ...store.Option) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) { fn(t, storetest.Open(t, name, opts...)) })
	}
}

// commits records the commit hook's calls: the number of operations that
// succeeded in each committed transaction; fail, when set, fails the
// commits of transactions holding more than one.
type commits struct {
	mu   sync.Mutex
	ops  []int
	fail error
}

func (c *commits) hook(_ context.Context, ops int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fail != nil && ops > 1 {
		return c.fail
	}
	c.ops = append(c.ops, ops)
	return nil
}

func (c *commits) list() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.ops)
}

// createUsers is a write operation creating users names, in order.
func createUsers(ctx context.Context, names ...string) func(*store.Tx) error {
	return func(tx *store.Tx) error {
		for _, n := range names {
			if _, err := tx.CreateUser(ctx, store.User{Username: n}); err != nil {
				return err
			}
		}
		return nil
	}
}

// userExists reports whether username is stored (committed).
func userExists(t *testing.T, st *store.Store, username string) bool {
	t.Helper()
	ctx := context.Background()
	err := st.Read(ctx, func(tx *store.Tx) error {
		_, err := tx.GetUserByUsername(ctx, username)
		return err
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// batch runs first alone (the writer is idle), and while it runs, the
// operations of rest, which queue and then share the next transaction. It
// returns the errors of rest, in order, then that of first.
func batch(t *testing.T, st *store.Store, first func(*store.Tx) error, rest ...func(*store.Tx) error) ([]error, error) {
	t.Helper()
	ctx := context.Background()
	errs := make([]error, len(rest))
	var wg sync.WaitGroup
	firstErr := st.Write(ctx, func(tx *store.Tx) error {
		if err := first(tx); err != nil {
			return err
		}
		for i, fn := range rest {
			wg.Go(func() { errs[i] = st.Write(ctx, fn) })
		}
		// The lane is held until all of them queued: they share the
		// next transaction.
		deadline := time.Now().Add(time.Minute)
		for st.QueuedWrites() < len(rest) {
			if time.Now().After(deadline) {
				return fmt.Errorf("only %d of %d operations queued in a minute", st.QueuedWrites(), len(rest))
			}
			time.Sleep(time.Millisecond)
		}
		return nil
	})
	wg.Wait()
	return errs, firstErr
}

// An operation that fails in a shared transaction (a constraint violation
// after a write of its own) rolls back only itself; the others of its
// transaction commit with it, in one commit.
func TestGroupCommitFailureRollsBackOnlyItself(t *testing.T) {
	var cs commits
	eachEngine(t, func(t *testing.T, st *store.Store) {
		cs = commits{}
		ctx := context.Background()
		errs, first := batch(t, st, createUsers(ctx, "alice"),
			createUsers(ctx, "bob"),
			createUsers(ctx, "dave", "alice"), // the duplicate fails it
			createUsers(ctx, "carol"),
		)
		if first != nil || errs[0] != nil || errs[2] != nil {
			t.Fatalf("errors = %v, %v; want none but the duplicate's", first, errs)
		}
		if !errors.Is(errs[1], store.ErrConflict) {
			t.Errorf("duplicate: %v, want ErrConflict", errs[1])
		}
		for name, want := range map[string]bool{"alice": true, "bob": true, "carol": true, "dave": false} {
			if got := userExists(t, st, name); got != want {
				t.Errorf("%s stored: %v, want %v", name, got, want)
			}
		}
		if got := cs.list(); !slices.Equal(got, []int{1, 2}) {
			t.Errorf("commits of %v operations, want [1 2] (the first alone, then the two that succeeded together)", got)
		}
	}, store.WithWriteBatch(0, 1), store.WithCommitHook(cs.hook))
}

// A failed commit fails every operation of the transaction, and nothing
// of theirs is stored.
func TestGroupCommitFailedCommitFailsAll(t *testing.T) {
	var cs commits
	eachEngine(t, func(t *testing.T, st *store.Store) {
		boom := errors.New("injected commit failure")
		cs = commits{fail: boom}
		ctx := context.Background()
		errs, first := batch(t, st, createUsers(ctx, "alice"),
			createUsers(ctx, "bob"), createUsers(ctx, "carol"), createUsers(ctx, "alice"))
		if first != nil {
			t.Fatal(first)
		}
		for i, err := range errs[:2] {
			if !errors.Is(err, boom) {
				t.Errorf("operation %d: %v, want the commit's error", i, err)
			}
		}
		if !errors.Is(errs[2], store.ErrConflict) {
			t.Errorf("duplicate: %v, want its own ErrConflict", errs[2])
		}
		for name, want := range map[string]bool{"alice": true, "bob": false, "carol": false} {
			if got := userExists(t, st, name); got != want {
				t.Errorf("%s stored: %v, want %v", name, got, want)
			}
		}
	}, store.WithWriteBatch(0, 1), store.WithCommitHook(cs.hook))
}

// The Tx of an operation that ended in a shared transaction refuses
// statements; an operation whose context ends while it waits for a
// transaction does not run; a panic in a shared transaction is raised in
// its operation's goroutine and rolls back only that operation.
func TestGroupCommitOperationBounds(t *testing.T) {
	eachEngine(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		var kept *store.Tx
		errs, first := batch(t, st, createUsers(ctx, "alice"),
			func(tx *store.Tx) error {
				kept = tx
				return createUsers(ctx, "bob")(tx)
			},
			createUsers(ctx, "carol"),
		)
		if first != nil || errs[0] != nil || errs[1] != nil {
			t.Fatal(first, errs)
		}
		if _, err := kept.CreateUser(ctx, store.User{Username: "late"}); !errors.Is(err, store.ErrTxDone) {
			t.Errorf("statement on an ended operation's Tx: %v, want ErrTxDone", err)
		}

		canceled, cancel := context.WithCancel(ctx)
		cancel()
		var (
			ran               bool
			panicked          any
			canceledErr, gErr error
			wg                sync.WaitGroup
		)
		err := st.Write(ctx, func(tx *store.Tx) error {
			wg.Go(func() {
				canceledErr = st.Write(canceled, func(*store.Tx) error { ran = true; return nil })
			})
			wg.Go(func() {
				defer func() { panicked = recover() }()
				_ = st.Write(ctx, func(tx *store.Tx) error {
					if err := createUsers(ctx, "frank")(tx); err != nil {
						return err
					}
					panic("boom")
				})
			})
			wg.Go(func() { gErr = st.Write(ctx, createUsers(ctx, "grace")) })
			for st.QueuedWrites() < 3 {
				time.Sleep(time.Millisecond)
			}
			return nil
		})
		wg.Wait()
		if err != nil || gErr != nil {
			t.Fatal(err, gErr)
		}
		if ran || !errors.Is(canceledErr, context.Canceled) {
			t.Errorf("operation canceled while it queued: ran %v, returned %v; want not run and context.Canceled", ran, canceledErr)
		}
		if panicked != "boom" {
			t.Errorf("panic in the operation's goroutine: %v, want boom", panicked)
		}
		for name, want := range map[string]bool{"bob": true, "carol": true, "grace": true, "frank": false, "late": false} {
			if got := userExists(t, st, name); got != want {
				t.Errorf("%s stored: %v, want %v", name, got, want)
			}
		}
	}, store.WithWriteBatch(0, 1))
}

// Many concurrent operations, with the engine's default lanes and a small
// batch bound: every one commits once.
func TestGroupCommitConcurrent(t *testing.T) {
	eachEngine(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		const n = 64
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { errs[i] = st.Write(ctx, createUsers(ctx, fmt.Sprint("user", i))) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		var users []store.User
		if err := st.Read(ctx, func(tx *store.Tx) (err error) {
			users, err = tx.ListUsers(ctx, "default", 0, 2*n)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(users) != n {
			t.Errorf("%d users stored, want %d", len(users), n)
		}
	}, store.WithWriteBatch(5, 0))
}

// With several lanes (PostgreSQL's writers), an operation of another write
// key runs while a lane's transaction is open; one of the same key queues
// behind it. (SQLite has one writer: a second lane would only wait for it.)
func TestGroupCommitLanes(t *testing.T) {
	st := storetest.Open(t, "postgres", store.WithWriteBatch(0, 2))
	ctx := context.Background()
	// FNV-1a puts "a" in lane 0 and "b" in lane 1 of two.
	inA, inB := store.WithWriteKey(ctx, "a"), store.WithWriteKey(ctx, "b")
	var (
		wg         sync.WaitGroup
		errB, errC error
	)
	err := st.Write(inA, func(tx *store.Tx) error {
		if err := createUsers(ctx, "alice")(tx); err != nil {
			return err
		}
		done := make(chan struct{})
		wg.Go(func() {
			defer close(done)
			errB = st.Write(inB, createUsers(ctx, "bob"))
		})
		select {
		case <-done:
		case <-time.After(time.Minute):
			return errors.New("an operation of another lane did not run while this one's transaction was open")
		}
		wg.Go(func() { errC = st.Write(inA, createUsers(ctx, "carol")) })
		for st.QueuedWrites() < 1 {
			time.Sleep(time.Millisecond)
		}
		return nil
	})
	wg.Wait()
	if err != nil || errB != nil || errC != nil {
		t.Fatal(err, errB, errC)
	}
	for _, name := range []string{"alice", "bob", "carol"} {
		if !userExists(t, st, name) {
			t.Errorf("%s not stored", name)
		}
	}
}
