package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

func TestRoomAccess(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		u := roomUsers(t, st, "t1", "owner", "admin", "member", "holder", "outsider")
		owner, admin, member, holder, outsider := u[0], u[1], u[2], u[3], u[4]
		var roomID, live, gone string
		mustWrite(t, st, func(ctx context.Context, tx *store.Tx) error {
			rm, err := tx.CreateRoom(ctx, store.Room{Tenant: "t1", Kind: store.KindChannel, Name: "c", CreatorID: &owner}, "")
			if err != nil {
				return err
			}
			roomID = rm.ID
			if err := tx.AddMembers(ctx, rm.ID, []int64{owner, admin}, true); err != nil {
				return err
			}
			if err := tx.AddMembers(ctx, rm.ID, []int64{member, holder}, false); err != nil {
				return err
			}
			if err := tx.GrantPermissions(ctx, rm.ID, []int64{holder}, []string{"can_send_messages"}); err != nil {
				return err
			}
			m1, err := tx.InsertMessage(ctx, store.Message{RoomID: rm.ID, SenderID: owner, Content: "a"})
			if err != nil {
				return err
			}
			m2, err := tx.InsertMessage(ctx, store.Message{RoomID: rm.ID, SenderID: owner, Content: "b", IsDeleted: true})
			live, gone = m1.ID, m2.ID
			return err
		})
		ctx := context.Background()
		type standing struct{ member, admin, perm bool }
		for _, c := range []struct {
			user int64
			want standing
		}{
			{owner, standing{true, true, false}},
			{admin, standing{true, true, false}},
			{member, standing{true, false, false}},
			{holder, standing{true, false, true}},
			{outsider, standing{false, false, false}},
		} {
			for _, byMessage := range []bool{false, true} {
				var a store.RoomAccess
				err := st.ReadOne(ctx, func(tx *store.Tx) error {
					var err error
					if byMessage {
						a, err = tx.RoomAccessByMessage(ctx, "t1", live, c.user, "can_send_messages")
					} else {
						a, err = tx.RoomAccess(ctx, "t1", roomID, c.user, "can_send_messages")
					}
					return err
				})
				got := standing{a.Member, a.Admin, a.HasPerm}
				if err != nil || got != c.want || a.Room.ID != roomID || a.Room.Kind != store.KindChannel ||
					a.Room.CreatorID == nil || *a.Room.CreatorID != owner || a.User == nil || a.User.ID != c.user || a.User.Tenant != "t1" {
					t.Errorf("user %d (by message %v): %+v %+v, %v; want %+v", c.user, byMessage, got, a, err, c.want)
				}
			}
		}
		err := st.Read(ctx, func(tx *store.Tx) error {
			// No permission asked: none held.
			if a, err := tx.RoomAccess(ctx, "t1", roomID, holder, ""); err != nil || a.HasPerm || !a.Member {
				return fmt.Errorf("no permission asked: %+v, %v", a, err)
			}
			// A user that does not exist has no row and no standing.
			if a, err := tx.RoomAccess(ctx, "t1", roomID, 1<<40, "can_send_messages"); err != nil || a.User != nil || a.Member {
				return fmt.Errorf("unknown user: %+v, %v", a, err)
			}
			for _, c := range []struct {
				what string
				err  error
			}{
				{"other tenant", func() error { _, err := tx.RoomAccess(ctx, "t2", roomID, owner, ""); return err }()},
				{"unknown room", func() error { _, err := tx.RoomAccess(ctx, "t1", store.NewID(), owner, ""); return err }()},
				{"deleted message", func() error { _, err := tx.RoomAccessByMessage(ctx, "t1", gone, owner, ""); return err }()},
				{"other tenant's message", func() error { _, err := tx.RoomAccessByMessage(ctx, "t2", live, owner, ""); return err }()},
				{"unknown message", func() error { _, err := tx.RoomAccessByMessage(ctx, "t1", store.NewID(), owner, ""); return err }()},
			} {
				if !errors.Is(c.err, store.ErrNotFound) {
					return fmt.Errorf("%s: %v, want ErrNotFound", c.what, c.err)
				}
			}
			// Readable: live, in the tenant, in a room of the reader's.
			for _, c := range []struct {
				tenant, id string
				user       int64
				want       bool
			}{
				{"t1", live, member, true}, {"t1", live, outsider, false}, {"t1", gone, member, false},
				{"t2", live, member, false}, {"t1", store.NewID(), member, false},
			} {
				if ok, err := tx.MessageReadableBy(ctx, c.tenant, c.id, c.user); err != nil || ok != c.want {
					return fmt.Errorf("readable %+v: %v, %v", c, ok, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestNotifyRoom(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newMsgWorld(t, st, "t1", "ann", "bob", "cat", "dan")
		ann, bob, cat, dan := w.users[0], w.users[1], w.users[2], w.users[3]
		room := w.room(t, "t1", 1, ann, bob, cat)
		alone := w.room(t, "t1", 2, dan)
		m := w.send(t, store.Message{RoomID: room, SenderID: ann, Content: "1"})
		solo := w.send(t, store.Message{RoomID: alone, SenderID: dan, Content: "2"})
		w.exec(t, func(ctx context.Context, tx *store.Tx) error {
			n, ok, err := tx.NotifyRoom(ctx, room, m, store.NotifyReply, ann)
			if err != nil || !ok || n.MessageID != m || n.Type != store.NotifyReply {
				return fmt.Errorf("notify room: %+v %v %v", n, ok, err)
			}
			if rs, err := tx.NotificationRecipients(ctx, n.ID); err != nil || !slices.Equal(rs, []int64{bob, cat}) {
				return fmt.Errorf("recipients %v, %v; want everyone but the actor", rs, err)
			}
			p, err := tx.PendingNotifications(ctx, "t1", bob, store.PendingLimits{})
			pending := p.Notifications
			if err != nil || len(pending) != 1 || pending[0].ID != n.ID || pending[0].CreatedAt != n.CreatedAt {
				return fmt.Errorf("bob pending %+v, %v", pending, err)
			}
			// Nobody else in the room: nothing stored.
			if n, ok, err := tx.NotifyRoom(ctx, alone, solo, store.NotifyNewMessage, dan); err != nil || ok {
				return fmt.Errorf("notify alone: %+v %v %v", n, ok, err)
			}
			var count int
			if err := tx.Executor().QueryRow(ctx, "SELECT COUNT(*) FROM notifications WHERE message_id = $1", solo).Scan(&count); err != nil || count != 0 {
				return fmt.Errorf("%d notifications stored for nobody, %v", count, err)
			}
			return nil
		})
	})
}
