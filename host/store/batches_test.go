package store_test

import (
	"context"
	"testing"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// TestLongIDLists: id lists longer than either engine binds in one
// statement (SQLite 32766 parameters, PostgreSQL 65535) are read as one
// array parameter and written in batches, so a big room's history or a long-absent member's pending
// notifications neither fail nor lock anyone out.
func TestLongIDLists(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w, room := newRoomWorld(t, st, "alice", "bob")
		parent := w.send(t, store.Message{RoomID: room, SenderID: w.users[0], Content: "parent"})
		reply := w.send(t, store.Message{RoomID: room, SenderID: w.users[1], Content: "reply", ParentMessageID: &parent})
		const n = 70_000
		ids := make([]string, n)
		for i := range ids {
			ids[i] = store.NewID()
		}
		ids[n/2], ids[n-1] = reply, parent // in two different batches
		users := make([]int64, n)
		for i := range users {
			users[i] = int64(1_000_000 + i)
		}
		users[n/3] = w.users[1]

		w.exec(t, func(ctx context.Context, tx *store.Tx) error {
			byID, err := tx.MessagesByID(ctx, ids)
			if err != nil || len(byID) != 2 {
				t.Errorf("MessagesByID: %d messages, %v; want 2", len(byID), err)
			}
			inTenant, err := tx.MessagesInTenant(ctx, "t1", ids)
			if err != nil || len(inTenant) != 2 {
				t.Errorf("MessagesInTenant: %d messages, %v; want 2", len(inTenant), err)
			}
			withRefs, err := tx.MessagesWithReferences(ctx, ids[:n-1]) // the parent only as the reply's
			if err != nil || len(withRefs) != 2 || withRefs[parent].ID != parent {
				t.Errorf("MessagesWithReferences: %d messages, %v; want the reply and its parent", len(withRefs), err)
			}
			if got, err := tx.DeliveredUsernames(ctx, ids); err != nil || len(got) != 0 {
				t.Errorf("DeliveredUsernames: %v, %v; want none", got, err)
			}
			if got, err := tx.UsersIn(ctx, users); err != nil || len(got) != 1 {
				t.Errorf("UsersIn: %d users, %v; want 1", len(got), err)
			}
			if got, err := tx.UsersByID(ctx, "t1", users); err != nil || len(got) != 1 {
				t.Errorf("UsersByID: %d users, %v; want 1", len(got), err)
			}
			if err := tx.AckNotifications(ctx, ids, w.users[1]); err != nil {
				t.Errorf("AckNotifications: %v", err)
			}
			if err := tx.DeleteNotificationsOf(ctx, ids); err != nil {
				t.Errorf("DeleteNotificationsOf: %v", err)
			}
			if got, err := tx.DeleteMessages(ctx, ids, true); err != nil || got != 2 {
				t.Errorf("DeleteMessages (soft): %d deleted, %v; want 2", got, err)
			}
			return nil
		})
	})
}
