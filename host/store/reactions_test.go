package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

func TestReactionReplaceNotToggle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w, room := newRoomWorld(t, st, "ann", "bob")
		m := w.send(t, store.Message{RoomID: room, SenderID: w.users[0], Content: "x"})
		ctx := context.Background()
		put := func(u int64, content string) (store.Reaction, error) {
			var r store.Reaction
			err := st.Write(ctx, func(tx *store.Tx) error {
				var err error
				r, err = tx.PutReaction(ctx, m, u, content)
				return err
			})
			return r, err
		}
		first, err := put(w.users[1], "👍")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := put(w.users[1], "👍"); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("same content again: %v, want ErrConflict", err)
		}
		second, err := put(w.users[1], "🎉")
		if err != nil {
			t.Fatal(err)
		}
		if second.ID == first.ID {
			t.Error("a replacing reaction must be a new one")
		}
		if _, err := put(w.users[0], "🎉"); err != nil {
			t.Fatal(err)
		}
		if _, err := put(w.users[0], ""); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("empty content: %v, want ErrConflict", err)
		}
		w.exec(t, func(ctx context.Context, tx *store.Tx) error {
			got, err := tx.ReactionsOf(ctx, []string{m})
			if err != nil {
				return err
			}
			rs := got[m]
			if len(rs) != 2 || rs[0].ID != second.ID || rs[0].Content != "🎉" || rs[1].UserID != w.users[0] {
				return fmt.Errorf("reactions = %+v", rs)
			}
			if ok, err := tx.DeleteReaction(ctx, m, w.users[1]); err != nil || !ok {
				return fmt.Errorf("delete: %v %v", ok, err)
			}
			if ok, err := tx.DeleteReaction(ctx, m, w.users[1]); err != nil || ok {
				return fmt.Errorf("delete again: %v %v", ok, err)
			}
			return nil
		})
	})
}

// TestReactionUniqueUnderConcurrency: many concurrent identical reactions of
// one user leave exactly one row, and all but one caller get ErrConflict.
func TestReactionUniqueUnderConcurrency(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w, room := newRoomWorld(t, st, "ann")
		m := w.send(t, store.Message{RoomID: room, SenderID: w.users[0], Content: "x"})
		ctx := context.Background()
		ok := concurrently(t, 16, func() error {
			return st.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.PutReaction(ctx, m, w.users[0], "❤")
				return err
			})
		})
		if ok != 1 {
			t.Errorf("%d successful identical reactions, want 1", ok)
		}
		w.exec(t, func(ctx context.Context, tx *store.Tx) error {
			got, err := tx.ReactionsOf(ctx, []string{m})
			if err != nil || len(got[m]) != 1 {
				return fmt.Errorf("rows = %v, %v", got, err)
			}
			return nil
		})
	})
}
