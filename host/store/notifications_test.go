package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

func TestNotificationsAckAndAutoDelete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newMsgWorld(t, st, "t1", "ann", "bob", "cat")
		ann, bob, cat := w.users[0], w.users[1], w.users[2]
		room := w.room(t, "t1", 1, w.users...)
		m := w.send(t, store.Message{RoomID: room, SenderID: ann, Content: "1"})
		var n1, n2 store.Notification
		w.exec(t, func(ctx context.Context, tx *store.Tx) error {
			var err error
			if n1, err = tx.CreateNotification(ctx, m, store.NotifyNewMessage, []int64{bob, cat}); err != nil {
				return err
			}
			n2, err = tx.CreateNotification(ctx, m, store.NotifyReaction, []int64{cat})
			return err
		})
		w.exec(t, func(ctx context.Context, tx *store.Tx) error {
			if err := tx.AckNotifications(ctx, []string{m}, cat); err != nil {
				return err
			}
			rs, err := tx.NotificationRecipients(ctx, n1.ID)
			if err != nil || !slices.Equal(rs, []int64{bob}) {
				return fmt.Errorf("n1 recipients = %v, %v", rs, err)
			}
			p, err := tx.PendingNotifications(ctx, "t1", cat, store.PendingLimits{})
			if err != nil || len(p.Notifications) != 0 {
				return fmt.Errorf("cat still has %v, %v", p.Notifications, err)
			}
			// n2 lost its only recipient and is gone; n1 is still pending for bob.
			p, err = tx.PendingNotifications(ctx, "t1", bob, store.PendingLimits{})
			pending := p.Notifications
			if err != nil || len(pending) != 1 || pending[0].ID != n1.ID || pending[0].Message.RoomID != room ||
				pending[0].Type != store.NotifyNewMessage || pending[0].Message.ID != m || pending[0].Message.Content != "1" {
				return fmt.Errorf("bob pending = %+v, %v", pending, err)
			}
			if rs, _ := tx.NotificationRecipients(ctx, n2.ID); len(rs) != 0 {
				return fmt.Errorf("n2 recipients = %v", rs)
			}
			if err := tx.DeleteNotificationsOf(ctx, []string{m}); err != nil {
				return err
			}
			p, err = tx.PendingNotifications(ctx, "t1", bob, store.PendingLimits{})
			if err != nil || len(p.Notifications) != 0 {
				return fmt.Errorf("after delete: %v, %v", p.Notifications, err)
			}
			return nil
		})
	})
}

func TestPendingNotificationsOrderAndScope(t *testing.T) {
	eachInbox(t, func(t *testing.T, in inbox) {
		w, bob := in.msgWorld, in.bob
		foreign := w.room(t, "t2", 300, in.ann, bob) // a room of another tenant: never listed
		notify := func(room string) string {
			_, id := in.notify(t, room, "x")
			return id
		}
		o1 := notify(in.older)
		n1 := notify(in.newer)
		o2 := notify(in.older)
		n2 := notify(in.newer)
		notify(foreign)
		want := []string{n1, n2, o1, o2}
		deleted, _ := in.notify(t, in.newer, "gone")
		w.exec(t, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.DeleteMessages(ctx, []string{deleted}, true)
			return err
		})
		w.exec(t, func(ctx context.Context, tx *store.Tx) error {
			p, err := tx.PendingNotifications(ctx, "t1", bob, store.PendingLimits{})
			pending := p.Notifications
			if err != nil {
				return err
			}
			var got []string
			for _, p := range pending {
				got = append(got, p.ID)
			}
			if !slices.Equal(got, want) {
				return fmt.Errorf("order = %v, want %v", got, want)
			}
			return nil
		})
	})
}

// TestPendingNotificationsLimits: PerRoom keeps each room's newest
// notifications, Bytes the newest whose lower bounds fit and the one that
// crosses it, in the frame's order, and Cut tells whether Bytes left any out.
func TestPendingNotificationsLimits(t *testing.T) {
	eachInbox(t, func(t *testing.T, in inbox) {
		w, bob := in.msgWorld, in.bob
		// Sent in this order, each with 10 characters of content:
		// o0 n0 o1 n1 o2 n2 (o: the older room, n: the newer).
		ids := map[string]string{}
		for i := range 3 {
			for _, r := range []struct{ name, id string }{{"o", in.older}, {"n", in.newer}} {
				_, id := in.notify(t, r.id, "0123456789")
				ids[id] = fmt.Sprint(r.name, i)
			}
		}
		const each = store.MinNotificationBytes + 10
		for _, c := range []struct {
			lim  store.PendingLimits
			want []string
			cut  bool
		}{
			{store.PendingLimits{}, []string{"n0", "n1", "n2", "o0", "o1", "o2"}, false},
			{store.PendingLimits{PerRoom: 2}, []string{"n1", "n2", "o1", "o2"}, false},
			{store.PendingLimits{PerRoom: 5}, []string{"n0", "n1", "n2", "o0", "o1", "o2"}, false},
			// The newest two fit; the third crosses the bound and is read too.
			{store.PendingLimits{Bytes: 2*each + 1}, []string{"n1", "n2", "o2"}, true},
			{store.PendingLimits{Bytes: 2 * each}, []string{"n2", "o2"}, true},
			{store.PendingLimits{Bytes: 1}, []string{"n2"}, true},
			{store.PendingLimits{PerRoom: 1, Bytes: 1}, []string{"n2"}, true},
		} {
			w.exec(t, func(ctx context.Context, tx *store.Tx) error {
				p, err := tx.PendingNotifications(ctx, "t1", bob, c.lim)
				if err != nil {
					return err
				}
				var got []string
				for _, n := range p.Notifications {
					got = append(got, ids[n.ID])
				}
				if !slices.Equal(got, c.want) || p.Cut != c.cut {
					t.Errorf("%+v: %v, cut %v; want %v, %v", c.lim, got, p.Cut, c.want, c.cut)
				}
				return nil
			})
		}
	})
}

// inbox is ann and bob of tenant t1 and two rooms of theirs, older (created
// at 100) and newer (200): the pending notifications tests' world. implicit
// says how notify stores a notification: for the room (NotifyRoom, as
// message.send does) or for bob by name (CreateNotification, as a module).
type inbox struct {
	*msgWorld
	ann, bob     int64
	older, newer string
	implicit     bool
}

// eachInbox runs fn on each driver with an inbox of each kind.
func eachInbox(t *testing.T, fn func(t *testing.T, in inbox)) {
	for _, implicit := range []bool{false, true} {
		t.Run(map[bool]string{false: "explicit", true: "implicit"}[implicit], func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, st *store.Store) {
				in := newInbox(t, st)
				in.implicit = implicit
				fn(t, in)
			})
		})
	}
}

func newInbox(t *testing.T, st *store.Store) inbox {
	t.Helper()
	w := newMsgWorld(t, st, "t1", "ann", "bob")
	ann, bob := w.users[0], w.users[1]
	return inbox{msgWorld: w, ann: ann, bob: bob,
		older: w.room(t, "t1", 100, ann, bob), newer: w.room(t, "t1", 200, ann, bob)}
}

// notify sends content from ann to room and notifies bob of it; it returns
// the message's id and the notification's.
func (in inbox) notify(t *testing.T, room, content string) (msgID, notificationID string) {
	t.Helper()
	msgID = in.send(t, store.Message{RoomID: room, SenderID: in.ann, Content: content})
	in.exec(t, func(ctx context.Context, tx *store.Tx) error {
		var (
			n   store.Notification
			err error
		)
		if in.implicit {
			n, _, err = tx.NotifyRoom(ctx, room, msgID, store.NotifyNewMessage, in.ann)
		} else {
			n, err = tx.CreateNotification(ctx, msgID, store.NotifyNewMessage, []int64{in.bob})
		}
		notificationID = n.ID
		return err
	})
	return msgID, notificationID
}
