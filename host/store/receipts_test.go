package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

func TestReadReceiptsAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w, room := newRoomWorld(t, st, "ann", "bob", "cat")
		m1 := w.send(t, store.Message{RoomID: room, SenderID: w.users[0], Content: "1"})
		m2 := w.send(t, store.Message{RoomID: room, SenderID: w.users[0], Content: "2"})
		ctx := context.Background()
		read := func(u int64, ids ...string) error {
			return st.Write(ctx, func(tx *store.Tx) error { return tx.InsertReadReceipts(ctx, ids, u) })
		}
		if err := read(w.users[1], m1); err != nil {
			t.Fatal(err)
		}
		if err := read(w.users[1], m2, m1); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("list with an already read message: %v, want ErrConflict", err)
		}
		if err := read(w.users[2], m2, m1); err != nil {
			t.Fatal(err)
		}
		w.exec(t, func(ctx context.Context, tx *store.Tx) error {
			got, err := tx.ReceiptsOf(ctx, []string{m1, m2})
			if err != nil {
				return err
			}
			// bob's failed list read left nothing behind on m2.
			if len(got[m1]) != 2 || len(got[m2]) != 1 || got[m2][0].ReaderID != w.users[2] || got[m1][0].ReaderID != w.users[1] {
				return fmt.Errorf("receipts = %+v", got)
			}
			return nil
		})
	})
}

func TestReadReceiptUniqueUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w, room := newRoomWorld(t, st, "ann", "bob")
		m := w.send(t, store.Message{RoomID: room, SenderID: w.users[0], Content: "1"})
		ctx := context.Background()
		ok := concurrently(t, 16, func() error {
			return st.Write(ctx, func(tx *store.Tx) error { return tx.InsertReadReceipts(ctx, []string{m}, w.users[1]) })
		})
		if ok != 1 {
			t.Errorf("%d successful reads, want 1", ok)
		}
	})
}
