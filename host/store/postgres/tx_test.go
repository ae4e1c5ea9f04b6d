package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// The savepoints of group commit travel with the operations' statements
// (txConn): an operation that fails, by a constraint or by a statement
// PostgreSQL cannot even prepare, rolls back only itself, the others of its
// transaction commit, and the connections stay usable for the next
// transactions, round after round.
func TestSharedTransactionWithFailures(t *testing.T) {
	st := storetest.Open(t, "postgres", store.WithWriteBatch(0, 1))
	ctx := context.Background()
	create := func(name string) func(*store.Tx) error {
		return func(tx *store.Tx) error {
			_, err := tx.CreateUser(ctx, store.User{Username: name})
			return err
		}
	}
	broken := func(tx *store.Tx) error {
		_, err := tx.Executor().Exec(ctx, "INSERT INTO no_such_table (x) VALUES ($1)", 1)
		return err
	}
	for round := range 5 {
		name := func(s string) string { return fmt.Sprintf("%s%d", s, round) }
		ops := []func(*store.Tx) error{create(name("a")), broken, create(name("b")), create(name("first")), create(name("c"))}
		errs := make([]error, len(ops))
		var wg sync.WaitGroup
		// The first operation holds the lane until the others queued, so
		// that they share the next transaction.
		err := st.Write(ctx, func(tx *store.Tx) error {
			if _, err := tx.CreateUser(ctx, store.User{Username: name("first")}); err != nil {
				return err
			}
			for i, op := range ops {
				wg.Go(func() { errs[i] = st.Write(ctx, op) })
			}
			for deadline := time.Now().Add(time.Minute); st.QueuedWrites() < len(ops); {
				if time.Now().After(deadline) {
					return errors.New("the operations did not queue")
				}
				time.Sleep(time.Millisecond)
			}
			return nil
		})
		wg.Wait()
		if err != nil || errs[0] != nil || errs[2] != nil || errs[4] != nil {
			t.Fatalf("round %d: errors %v, %v; want only the broken one's and the duplicate's", round, err, errs)
		}
		if errs[1] == nil || !errors.Is(errs[3], store.ErrConflict) {
			t.Errorf("round %d: broken statement: %v, duplicate: %v", round, errs[1], errs[3])
		}
		for _, n := range []string{"first", "a", "b", "c"} {
			err := st.Read(ctx, func(tx *store.Tx) error {
				_, err := tx.GetUserByUsername(ctx, name(n))
				return err
			})
			if err != nil {
				t.Errorf("round %d: user %s: %v", round, name(n), err)
			}
		}
	}
}

// A transaction that runs no statement is never begun, and commits.
func TestEmptyTransaction(t *testing.T) {
	st := storetest.Open(t, "postgres")
	for _, write := range []bool{false, true} {
		if err := st.Driver().InTx(context.Background(), write, func(store.Executor) error { return nil }); err != nil {
			t.Errorf("empty transaction (write %v): %v", write, err)
		}
	}
}
