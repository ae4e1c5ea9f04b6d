package store_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// TestMessagesInTenant checks that ids from outside the host reach only
// the tenant's messages, soft-deleted ones included.
func TestMessagesInTenant(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w1 := newMsgWorld(t, st, "t1", "ann")
		w2 := newMsgWorld(t, st, "t2", "eve")
		r1 := w1.room(t, "t1", 1, w1.users...)
		r2 := w2.room(t, "t2", 1, w2.users...)
		mine := w1.send(t, store.Message{RoomID: r1, SenderID: w1.users[0], Content: "mine"})
		gone := w1.send(t, store.Message{RoomID: r1, SenderID: w1.users[0], Content: "gone"})
		theirs := w2.send(t, store.Message{RoomID: r2, SenderID: w2.users[0], Content: "theirs"})
		w1.exec(t, func(ctx context.Context, tx *store.Tx) error {
			if _, err := tx.DeleteMessages(ctx, []string{gone}, true); err != nil {
				return err
			}
			got, err := tx.MessagesInTenant(ctx, "t1", []string{mine, gone, theirs, store.NewID()})
			if err != nil {
				return err
			}
			if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, slices.Sorted(slices.Values([]string{mine, gone}))) {
				return fmt.Errorf("t1 sees %v", keys)
			}
			if m := got[mine]; m.Content != "mine" || m.RoomID != r1 || m.SenderID != w1.users[0] || m.IsDeleted {
				return fmt.Errorf("mine = %+v", m)
			}
			if !got[gone].IsDeleted {
				return fmt.Errorf("gone = %+v", got[gone])
			}
			if got, err := tx.MessagesInTenant(ctx, "t2", []string{mine}); err != nil || len(got) != 0 {
				return fmt.Errorf("t2 sees %v, %v", got, err)
			}
			if got, err := tx.MessagesInTenant(ctx, "t1", nil); err != nil || len(got) != 0 {
				return fmt.Errorf("no ids: %v, %v", got, err)
			}
			return nil
		})
	})
}
