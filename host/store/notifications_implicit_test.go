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

// roomNotices is a room whose notifications NotifyRoom makes, as
// message.send does, with the msgWorld's users.
type roomNotices struct {
	*msgWorld
	room string
}

// notify sends a message from sender to the room, locking it as
// message.send does, and stores its notification for the room; it returns
// the message's id and the notification's ("" when none was stored).
func (r roomNotices) notify(t *testing.T, sender int64) (msgID, notificationID string) {
	t.Helper()
	r.exec(t, func(ctx context.Context, tx *store.Tx) error {
		m, n, err := sendAndNotify(ctx, tx, r.room, sender)
		msgID, notificationID = m, n
		return err
	})
	return msgID, notificationID
}

// sendAndNotify is what message.send stores: the room's last message (which
// locks the room), the message and its notification.
func sendAndNotify(ctx context.Context, tx *store.Tx, room string, sender int64) (msgID, notificationID string, err error) {
	id := store.NewID()
	if err := tx.SetLastMessage(ctx, room, id); err != nil {
		return "", "", err
	}
	m, err := tx.InsertMessage(ctx, store.Message{ID: id, RoomID: room, SenderID: sender, Content: "x"})
	if err != nil {
		return "", "", err
	}
	n, ok, err := tx.NotifyRoom(ctx, room, m.ID, store.NotifyNewMessage, sender)
	if !ok {
		return m.ID, "", err
	}
	return m.ID, n.ID, err
}

// leave ends users' membership, locking the room as room.leave does.
func (r roomNotices) leave(t *testing.T, users ...int64) {
	t.Helper()
	r.exec(t, func(ctx context.Context, tx *store.Tx) error {
		if err := tx.LockRoom(ctx, r.room); err != nil {
			return err
		}
		return tx.RemoveMembers(ctx, r.room, users)
	})
}

// join makes users members, locking the room as room.join does.
func (r roomNotices) join(t *testing.T, users ...int64) {
	t.Helper()
	r.exec(t, func(ctx context.Context, tx *store.Tx) error {
		if err := tx.LockRoom(ctx, r.room); err != nil {
			return err
		}
		return tx.AddMembers(ctx, r.room, users, false)
	})
}

func (r roomNotices) ack(t *testing.T, user int64, msgIDs ...string) {
	t.Helper()
	r.exec(t, func(ctx context.Context, tx *store.Tx) error { return tx.AckNotifications(ctx, msgIDs, user) })
}

// want checks that notification id's recipients are want, that its pending
// count agrees, and that each of users has it pending (connect) exactly
// when among want. An empty want means the notification is gone.
func (r roomNotices) want(t *testing.T, id string, users []int64, want ...int64) {
	t.Helper()
	r.exec(t, func(ctx context.Context, tx *store.Tx) error {
		got, err := tx.NotificationRecipients(ctx, id)
		if err != nil {
			return err
		}
		if !slices.Equal(got, want) {
			return fmt.Errorf("recipients %v, want %v", got, want)
		}
		pending, err := pendingCount(ctx, tx, id)
		if len(want) == 0 {
			if !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("notification left with no recipient: pending %d, %v", pending, err)
			}
		} else if err != nil || pending != int64(len(want)) {
			return fmt.Errorf("pending %d, %v; want %d", pending, err, len(want))
		}
		for _, u := range users {
			p, err := tx.PendingNotifications(ctx, "t1", u, store.PendingLimits{})
			if err != nil {
				return err
			}
			has := slices.ContainsFunc(p.Notifications, func(q store.QueuedNotification) bool { return q.ID == id })
			if has != slices.Contains(want, u) {
				return fmt.Errorf("user %d has it pending at connect: %v", u, has)
			}
		}
		return nil
	})
}

// pendingCount reads a notification's pending count; ErrNotFound if it is
// gone.
func pendingCount(ctx context.Context, tx *store.Tx, id string) (int64, error) {
	var rows, n int64
	err := tx.Executor().QueryRow(ctx, "SELECT COUNT(*), COALESCE(MAX(pending), 0) FROM notifications WHERE id = $1", id).Scan(&rows, &n)
	if err == nil && rows == 0 {
		err = store.ErrNotFound
	}
	return n, err
}

// rowCount counts the rows of table.
func rowCount(t *testing.T, w *msgWorld, table string) int64 {
	t.Helper()
	var n int64
	w.exec(t, func(ctx context.Context, tx *store.Tx) error {
		return tx.Executor().QueryRow(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n)
	})
	return n
}

// TestNotifyRoomRecipients: a room's notification is for its members but
// the sender, stored as one row; members who join later are recipients of
// none of the earlier ones; acknowledging takes one recipient off (again,
// or by the sender or a later member, changes nothing) and the last one
// deletes it; a sender alone stores nothing.
func TestNotifyRoomRecipients(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newMsgWorld(t, st, "t1", "ann", "bob", "cat", "dan")
		ann, bob, cat, dan := w.users[0], w.users[1], w.users[2], w.users[3]
		r := roomNotices{w, w.room(t, "t1", 1)}
		r.join(t, ann, bob, cat)
		all := w.users

		m1, n1 := r.notify(t, ann)
		r.want(t, n1, all, bob, cat)
		if rows := rowCount(t, w, "notification_recipients"); rows != 0 {
			t.Errorf("%d recipient rows for a room's notification", rows)
		}
		r.join(t, dan)
		r.want(t, n1, all, bob, cat)
		m2, n2 := r.notify(t, bob)
		r.want(t, n2, all, ann, cat, dan)

		r.ack(t, bob, m1, m2)
		r.want(t, n1, all, cat)
		r.ack(t, bob, m1)
		r.ack(t, ann, m1)
		r.ack(t, dan, m1)
		r.want(t, n1, all, cat)
		r.want(t, n2, all, ann, cat, dan)
		r.ack(t, cat, m1)
		r.want(t, n1, all)

		alone := roomNotices{w, w.room(t, "t1", 2, ann)}
		if _, n := alone.notify(t, ann); n != "" {
			t.Errorf("a notification stored for a sender alone")
		}
	})
}

// TestNotifyRoomLeave: a member who leaves stays a recipient of what they
// had not acknowledged (and not of what they had); back in the room they
// are a recipient of nothing sent while they were away, and of what is
// sent after; a removal of several members keeps each one's.
func TestNotifyRoomLeave(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newMsgWorld(t, st, "t1", "ann", "bob", "cat", "dan")
		ann, bob, cat, dan := w.users[0], w.users[1], w.users[2], w.users[3]
		r := roomNotices{w, w.room(t, "t1", 1)}
		r.join(t, ann, bob, cat, dan)
		all := w.users

		m1, n1 := r.notify(t, ann)
		m2, n2 := r.notify(t, ann)
		r.ack(t, bob, m1)
		r.leave(t, bob)
		r.want(t, n1, all, cat, dan)
		r.want(t, n2, all, bob, cat, dan)
		_, away := r.notify(t, ann)
		r.want(t, away, all, cat, dan)

		r.join(t, bob)
		_, back := r.notify(t, ann)
		r.want(t, back, all, bob, cat, dan)
		r.want(t, n2, all, bob, cat, dan)
		r.want(t, away, all, cat, dan)

		r.leave(t, cat, dan)
		r.want(t, n2, all, bob, cat, dan)
		r.want(t, back, all, bob, cat, dan)
		// Acknowledging after leaving clears the explicit rows as it
		// always did, and the last one deletes the notification.
		r.ack(t, cat, m2)
		r.ack(t, dan, m2)
		r.want(t, n2, all, bob)
		r.ack(t, bob, m2)
		r.want(t, n2, all)
		// The last member leaving: the room's notifications keep theirs.
		r.leave(t, ann, bob)
		r.want(t, back, all, bob, cat, dan)
	})
}

// TestNotifyRoomUserDeletion: a deleted user stops being a recipient, so
// the others' acknowledgements still delete the notification.
func TestNotifyRoomUserDeletion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w := newMsgWorld(t, st, "t1", "ann", "bob", "cat", "dan")
		ann, bob, cat, dan := w.users[0], w.users[1], w.users[2], w.users[3]
		r := roomNotices{w, w.room(t, "t1", 1)}
		r.join(t, ann, bob, cat, dan)
		m1, n1 := r.notify(t, ann)
		m2, n2 := r.notify(t, ann)
		r.leave(t, dan) // dan's are explicit rows now
		r.ack(t, cat, m2)
		for _, u := range []int64{cat, dan} {
			w.exec(t, func(ctx context.Context, tx *store.Tx) error { return tx.DeleteUser(ctx, u) })
		}
		left := []int64{ann, bob}
		r.want(t, n1, left, bob)
		r.want(t, n2, left, bob)
		r.ack(t, bob, m1, m2)
		r.want(t, n1, left)
		r.want(t, n2, left)
	})
}

// TestNotifyRoomConcurrency races sends against joins, leaves and
// acknowledgements (a leaver acknowledging from another connection too),
// each in its own transaction, on as many connections. Whatever the
// interleaving, every notification's pending count is then the number of
// its recipients (none lost by a leave, none counted twice by an
// acknowledgement racing one), and once everyone acknowledged everything
// nothing is left. Each worker has a store of its own, so that on
// PostgreSQL their transactions run at once; on SQLite they take turns.
func TestNotifyRoomConcurrency(t *testing.T) {
	storetest.EachEmpty(t, func(t *testing.T, open func(...store.Option) *store.Store) {
		st := open()
		if err := st.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		w := newMsgWorld(t, st, "t1", "ann", "bob", "cat", "dan", "eve")
		ann, bob, cat, dan := w.users[0], w.users[1], w.users[2], w.users[3]
		r := roomNotices{w, w.room(t, "t1", 1)}
		r.join(t, w.users...)
		const rounds = 40
		ctx := context.Background()
		write := func(fn func(tx *store.Tx) error) error {
			return st.Write(ctx, func(tx *store.Tx) error { return fn(tx) })
		}
		// write on a store of the worker's own.
		writeOn := func(st *store.Store) func(fn func(tx *store.Tx) error) error {
			return func(fn func(tx *store.Tx) error) error {
				return st.Write(ctx, func(tx *store.Tx) error { return fn(tx) })
			}
		}
		msgs := func(tx *store.Tx) ([]string, error) {
			var ids []string
			rows, err := tx.Executor().Query(ctx, "SELECT id FROM messages")
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					return nil, err
				}
				ids = append(ids, id)
			}
			return ids, rows.Err()
		}
		ackAll := func(u int64) func(tx *store.Tx) error {
			return func(tx *store.Tx) error {
				ids, err := msgs(tx)
				if err != nil {
					return err
				}
				return tx.AckNotifications(ctx, ids, u)
			}
		}
		member := func(u int64, in bool) func(tx *store.Tx) error {
			return func(tx *store.Tx) error {
				if err := tx.LockRoom(ctx, r.room); err != nil {
					return err
				}
				if in {
					return tx.AddMembers(ctx, r.room, []int64{u}, false)
				}
				return tx.RemoveMembers(ctx, r.room, []int64{u})
			}
		}
		workers := []func(write func(fn func(tx *store.Tx) error) error, i int) error{
			func(write func(fn func(tx *store.Tx) error) error, _ int) error { // ann and eve send
				return write(func(tx *store.Tx) error { _, _, err := sendAndNotify(ctx, tx, r.room, ann); return err })
			},
			func(write func(fn func(tx *store.Tx) error) error, _ int) error {
				return write(func(tx *store.Tx) error { _, _, err := sendAndNotify(ctx, tx, r.room, w.users[4]); return err })
			},
			func(write func(fn func(tx *store.Tx) error) error, i int) error { return write(member(bob, i%2 == 1)) }, // bob leaves and comes back
			func(write func(fn func(tx *store.Tx) error) error, _ int) error { return write(ackAll(bob)) },           // ... and acknowledges meanwhile
			func(write func(fn func(tx *store.Tx) error) error, i int) error { return write(member(cat, i%2 == 1)) },
			func(write func(fn func(tx *store.Tx) error) error, _ int) error { return write(ackAll(dan)) },
		}
		errs := make(chan error, len(workers))
		for _, work := range workers {
			own := writeOn(open())
			go func() {
				var err error
				for i := 0; i < rounds && err == nil; i++ {
					err = work(own, i)
				}
				errs <- err
			}()
		}
		for range workers {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		check := func() int {
			var ids []string
			w.exec(t, func(ctx context.Context, tx *store.Tx) error {
				rows, err := tx.Executor().Query(ctx, "SELECT id FROM notifications ORDER BY id")
				if err != nil {
					return err
				}
				defer rows.Close()
				for rows.Next() {
					var id string
					if err := rows.Scan(&id); err != nil {
						return err
					}
					ids = append(ids, id)
				}
				return rows.Err()
			})
			for _, id := range ids {
				w.exec(t, func(ctx context.Context, tx *store.Tx) error {
					rs, err := tx.NotificationRecipients(ctx, id)
					if err != nil {
						return err
					}
					pending, err := pendingCount(ctx, tx, id)
					if err != nil || pending != int64(len(rs)) || len(rs) == 0 {
						return fmt.Errorf("notification %s: pending %d, %v; recipients %v", id, pending, err, rs)
					}
					return nil
				})
			}
			return len(ids)
		}
		if n := check(); n == 0 {
			t.Fatal("no notification left to check")
		}
		for _, u := range w.users {
			if err := write(ackAll(u)); err != nil {
				t.Fatal(err)
			}
		}
		if n := check(); n != 0 {
			t.Errorf("%d notifications left after everyone acknowledged everything", n)
		}
		for _, table := range []string{"notification_recipients", "notification_acks"} {
			if n := rowCount(t, w, table); n != 0 {
				t.Errorf("%d rows left in %s", n, table)
			}
		}
	})
}
