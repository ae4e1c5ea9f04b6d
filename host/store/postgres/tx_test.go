package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
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
	broken := func(tx *store.Tx) error {
		_, err := tx.Executor().Exec(ctx, "INSERT INTO no_such_table (x) VALUES ($1)", 1)
		return err
	}
	for round := range 5 {
		name := func(s string) string { return fmt.Sprintf("%s%d", s, round) }
		ops := []func(*store.Tx) error{createUser(name("a")), broken, createUser(name("b")), createUser(name("first")), createUser(name("c"))}
		errs, err := writeQueued(st, createUser(name("first")), ops)
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

// A held statement (store.Holder) that fails fails its own operation, and
// only it, though the operation had returned and the statement then
// travelled with another operation's first statement or with the commit:
// the others of the transaction commit (run again after it is lost), and so
// does an operation alone. A notification fails by a foreign key violated
// on purpose, last_message by a room that does not exist: ErrNotFound,
// from the message's insert it travels with, or from Store.Write.
func TestHeldStatementFailure(t *testing.T) {
	st := storetest.Open(t, "postgres", store.WithWriteBatch(0, 1))
	ctx := context.Background()
	var room, msg string
	var ann int64
	err := st.Write(ctx, func(tx *store.Tx) error {
		a, err := tx.CreateUser(ctx, store.User{Username: "ann"})
		if err != nil {
			return err
		}
		b, err := tx.CreateUser(ctx, store.User{Username: "bob"})
		if err != nil {
			return err
		}
		ann, room = a.ID, store.NewID()
		ex := tx.Executor()
		if _, err := ex.Exec(ctx, `INSERT INTO rooms (id, tenant, kind, name, created_at, updated_at)
			VALUES ($1, '', 'GroupChat', 'g', 1, 1)`, room); err != nil {
			return err
		}
		if _, err := ex.Exec(ctx, "INSERT INTO room_members (room_id, user_id) VALUES ($1, $2), ($1, $3)", room, a.ID, b.ID); err != nil {
			return err
		}
		m, err := tx.InsertMessage(ctx, store.Message{RoomID: room, SenderID: a.ID, Content: "hi"})
		msg = m.ID
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var heldNotify, heldLast atomic.Int64
	// notify notifies of message id, then creates user name.
	notify := func(id, name string) func(*store.Tx) error {
		return func(tx *store.Tx) error {
			if err := tx.NotifyRoomHeld(ctx, room, id, store.NotifyNewMessage, ann); err != nil {
				return err
			}
			if id != msg {
				heldNotify.Add(1) // not run: held (the first time, it runs)
			}
			if name == "" {
				return nil
			}
			_, err := tx.CreateUser(ctx, store.User{Username: name})
			return err
		}
	}
	// last points a room that does not exist at a message, then inserts
	// one into it if insert.
	last := func(insert bool) func(*store.Tx) error {
		return func(tx *store.Tx) error {
			if err := tx.SetLastMessage(ctx, "no-such-room", msg); err != nil {
				return err
			}
			heldLast.Add(1)
			if !insert {
				return nil
			}
			_, err := tx.InsertMessage(ctx, store.Message{RoomID: "no-such-room", SenderID: ann, Content: "lost"})
			return err
		}
	}
	notifications := func() int {
		var n int
		err := st.Read(ctx, func(tx *store.Tx) error {
			return tx.Executor().QueryRow(ctx, "SELECT COUNT(*) FROM notifications").Scan(&n)
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	want := 0
	for round := range 4 {
		name := func(s string) string { return fmt.Sprintf("%s%d", s, round) }
		// The bad notification travels with c's first statement, the bad
		// last_message with its own insert, then with the commit.
		ops := []func(*store.Tx) error{notify(msg, name("a")), createUser(name("b")), notify("no-such-message", ""),
			createUser(name("c")), last(true), notify(msg, name("d")), last(false)}
		wantErr := map[int]error{2: store.ErrConflict, 4: store.ErrNotFound, 6: store.ErrNotFound}
		errs, err := writeQueued(st, func(tx *store.Tx) error {
			if err := notify(msg, "")(tx); err != nil {
				return err
			}
			return tx.SetLastMessage(ctx, room, msg)
		}, ops)
		want += 3
		for i, err := range errs {
			if want := wantErr[i]; want == nil && err != nil || want != nil && !errors.Is(err, want) {
				t.Errorf("round %d: operation %d: %v", round, i, err)
			}
		}
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		// Alone, the bad notification goes with the commit.
		if err := st.Write(ctx, notify("no-such-message", "")); !errors.Is(err, store.ErrConflict) {
			t.Errorf("round %d: notification alone: %v", round, err)
		}
		// PostgreSQL would commit what a COMMIT sent with the held UPDATE
		// found, before the node saw it affect no row.
		err = st.Write(ctx, func(tx *store.Tx) error {
			if _, err := tx.CreateUser(ctx, store.User{Username: name("lone")}); err != nil {
				return err
			}
			return last(false)(tx)
		})
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("round %d: last_message alone: %v", round, err)
		}
		err = st.Read(ctx, func(tx *store.Tx) error {
			_, err := tx.GetUserByUsername(ctx, name("lone"))
			return err
		})
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("round %d: the failed operation alone committed: %v", round, err)
		}
		for _, n := range []string{"a", "b", "c", "d"} {
			err := st.Read(ctx, func(tx *store.Tx) error {
				_, err := tx.GetUserByUsername(ctx, name(n))
				return err
			})
			if err != nil {
				t.Errorf("round %d: user %s: %v", round, name(n), err)
			}
		}
		if n := notifications(); n != want {
			t.Errorf("round %d: %d notifications, want %d", round, n, want)
		}
	}
	if heldNotify.Load() == 0 || heldLast.Load() == 0 {
		t.Errorf("the bad notification held %d times, the bad last_message %d: want both", heldNotify.Load(), heldLast.Load())
	}
}

// createUser is a write operation that creates user name.
func createUser(name string) func(*store.Tx) error {
	return func(tx *store.Tx) error {
		_, err := tx.CreateUser(context.Background(), store.User{Username: name})
		return err
	}
}

// writeQueued runs first as a write operation that holds its lane until
// every one of ops, each a write operation of its own, queued behind it, so
// that ops share the next transaction; it returns each op's error, and
// first's.
func writeQueued(st *store.Store, first func(*store.Tx) error, ops []func(*store.Tx) error) ([]error, error) {
	ctx := context.Background()
	errs := make([]error, len(ops))
	var wg sync.WaitGroup
	err := st.Write(ctx, func(tx *store.Tx) error {
		if err := first(tx); err != nil {
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
	return errs, err
}
