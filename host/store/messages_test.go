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

// msgWorld is a tenant with users and rooms inserted with plain SQL, so the
// message queries are tested independently of the room queries.
type msgWorld struct {
	st    *store.Store
	users []int64
}

// newMsgWorld creates users named after names in tenant.
func newMsgWorld(t *testing.T, st *store.Store, tenant string, names ...string) *msgWorld {
	t.Helper()
	w := &msgWorld{st: st}
	w.exec(t, func(ctx context.Context, tx *store.Tx) error {
		for _, n := range names {
			var id int64
			if err := tx.Executor().QueryRow(ctx, "INSERT INTO users (tenant, username) VALUES ($1, $2) RETURNING id",
				tenant, n).Scan(&id); err != nil {
				return err
			}
			w.users = append(w.users, id)
		}
		return nil
	})
	return w
}

// newRoomWorld creates users named after names in tenant t1 and a group
// room, created at 1, of which they are all members.
func newRoomWorld(t *testing.T, st *store.Store, names ...string) (*msgWorld, string) {
	t.Helper()
	w := newMsgWorld(t, st, "t1", names...)
	return w, w.room(t, "t1", 1, w.users...)
}

// room inserts a group room of tenant created at createdAt with members.
func (w *msgWorld) room(t *testing.T, tenant string, createdAt int64, members ...int64) string {
	t.Helper()
	id := store.NewID()
	w.exec(t, func(ctx context.Context, tx *store.Tx) error {
		if _, err := tx.Executor().Exec(ctx, `INSERT INTO rooms (id, tenant, kind, name, created_at, updated_at)
			VALUES ($1, $2, 'GroupChat', 'g', $3, $3)`, id, tenant, createdAt); err != nil {
			return err
		}
		for _, u := range members {
			if _, err := tx.Executor().Exec(ctx, "INSERT INTO room_members (room_id, user_id) VALUES ($1, $2)", id, u); err != nil {
				return err
			}
		}
		return nil
	})
	return id
}

func (w *msgWorld) exec(t *testing.T, fn func(ctx context.Context, tx *store.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := w.st.Write(ctx, func(tx *store.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

// send inserts a message and returns its id.
func (w *msgWorld) send(t *testing.T, m store.Message) string {
	t.Helper()
	var id string
	w.exec(t, func(ctx context.Context, tx *store.Tx) error {
		got, err := tx.InsertMessage(ctx, m)
		id = got.ID
		return err
	})
	return id
}

func TestMessageInsertGetAndHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w, room := newRoomWorld(t, st, "ann", "bob")
		var ids []string
		for i := range 7 {
			ids = append(ids, w.send(t, store.Message{RoomID: room, SenderID: w.users[i%2], Content: fmt.Sprint(i)}))
		}
		w.exec(t, func(ctx context.Context, tx *store.Tx) error {
			// Messages sent within one microsecond still get distinct,
			// increasing timestamps, so history order is insertion order.
			all, err := tx.MessagesByID(ctx, ids)
			if err != nil {
				return err
			}
			for i := 1; i < len(ids); i++ {
				if !all[ids[i]].CreatedAt.After(all[ids[i-1]].CreatedAt) {
					return fmt.Errorf("created_at not increasing at %d: %v, %v", i, all[ids[i-1]].CreatedAt, all[ids[i]].CreatedAt)
				}
			}
			m, err := tx.GetMessage(ctx, "t1", ids[3])
			if err != nil || m.Content != "3" || m.SenderID != w.users[1] || m.RoomID != room || m.IsDeleted || m.ParentMessageID != nil {
				return fmt.Errorf("get = %+v, %v", m, err)
			}
			if _, err := tx.GetMessage(ctx, "t2", ids[3]); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("other tenant: %v", err)
			}
			if _, err := tx.DeleteMessages(ctx, ids[5:6], true); err != nil {
				return err
			}
			n, err := tx.CountRoomMessages(ctx, room)
			if err != nil || n != 6 {
				return fmt.Errorf("count = %d, %v", n, err)
			}
			page, err := tx.RoomMessages(ctx, room, 3, 0)
			if err != nil {
				return err
			}
			if got := contents(page); !slices.Equal(got, []string{"6", "4", "3"}) {
				return fmt.Errorf("page 1 = %v", got)
			}
			page, err = tx.RoomMessages(ctx, room, 3, 3)
			if err != nil {
				return err
			}
			if got := contents(page); !slices.Equal(got, []string{"2", "1", "0"}) {
				return fmt.Errorf("page 2 = %v", got)
			}
			page, err = tx.RoomMessages(ctx, room, -1, 0)
			if err != nil || len(page) != 6 {
				return fmt.Errorf("all = %d, %v", len(page), err)
			}
			return nil
		})
	})
}

// concurrently runs write n times at once and returns how many calls
// succeeded; an error other than store.ErrConflict fails the test.
func concurrently(t *testing.T, n int, write func() error) int {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = write() })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrConflict):
			t.Errorf("unexpected error: %v", err)
		}
	}
	return ok
}

func contents(ms []store.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Content
	}
	return out
}

func TestMessageForwardReplyConstraint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w, room := newRoomWorld(t, st, "ann")
		parent := w.send(t, store.Message{RoomID: room, SenderID: w.users[0], Content: "p"})
		ctx := context.Background()
		for name, m := range map[string]store.Message{
			"forward and reply": {RoomID: room, SenderID: w.users[0], Content: "x", IsForwarded: true, ParentMessageID: &parent, ForwardedFromID: &parent},
			"unknown parent":    {RoomID: room, SenderID: w.users[0], Content: "x", ParentMessageID: new(store.NewID())},
			"unknown room":      {RoomID: store.NewID(), SenderID: w.users[0], Content: "x"},
		} {
			err := st.Write(ctx, func(tx *store.Tx) error { _, err := tx.InsertMessage(ctx, m); return err })
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("%s: %v, want ErrConflict", name, err)
			}
		}
	})
}

func TestMessageDeleteEditAndLastMessage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w, room := newRoomWorld(t, st, "ann")
		a := w.send(t, store.Message{RoomID: room, SenderID: w.users[0], Content: "a"})
		b := w.send(t, store.Message{RoomID: room, SenderID: w.users[0], Content: "b", ParentMessageID: &a})
		c := w.send(t, store.Message{RoomID: room, SenderID: w.users[0], Content: "c"})
		lastOf := func(ctx context.Context, tx *store.Tx) *string {
			rm, err := tx.GetRoom(ctx, "t1", room, false)
			if err != nil {
				t.Fatal(err)
			}
			return rm.LastMessageID
		}
		// An unknown room is ErrNotFound: on PostgreSQL, where the UPDATE
		// is held back, from the next statement or the commit.
		for _, next := range []bool{true, false} {
			err := st.Write(context.Background(), func(tx *store.Tx) error {
				if err := tx.SetLastMessage(context.Background(), store.NewID(), c); err != nil || !next {
					return err
				}
				_, err := tx.GetRoom(context.Background(), "t1", room, false)
				return err
			})
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("set last of unknown room (a statement after it: %v): %v", next, err)
			}
		}
		w.exec(t, func(ctx context.Context, tx *store.Tx) error {
			if err := tx.SetLastMessage(ctx, room, c); err != nil {
				return err
			}
			if got := lastOf(ctx, tx); got == nil || *got != c {
				return fmt.Errorf("last = %v, want %s", got, c)
			}

			if n, err := tx.DeleteMessages(ctx, []string{c}, true); err != nil || n != 1 {
				return fmt.Errorf("soft delete: %d %v", n, err)
			}
			if n, err := tx.DeleteMessages(ctx, []string{c}, true); err != nil || n != 0 {
				return fmt.Errorf("soft delete again: %d %v", n, err)
			}
			if err := tx.RefreshLastMessage(ctx, room); err != nil {
				return err
			}
			if got := lastOf(ctx, tx); got == nil || *got != b {
				return fmt.Errorf("last after soft delete = %v, want %s", got, b)
			}

			if n, err := tx.DeleteMessages(ctx, []string{a}, false); err != nil || n != 1 {
				return fmt.Errorf("hard delete: %d %v", n, err)
			}
			got, err := tx.MessagesByID(ctx, []string{a, b, c})
			if err != nil {
				return err
			}
			if _, ok := got[a]; ok || got[b].ParentMessageID != nil || !got[c].IsDeleted {
				return fmt.Errorf("after deletes: %+v", got)
			}

			before := got[b].UpdatedAt
			time.Sleep(2 * time.Microsecond)
			if err := tx.EditMessage(ctx, b, "b2"); err != nil {
				return err
			}
			m, err := tx.GetMessage(ctx, "t1", b)
			if err != nil || m.Content != "b2" || !m.IsEdited || !m.UpdatedAt.After(before) {
				return fmt.Errorf("edited = %+v, %v", m, err)
			}
			if err := tx.EditMessage(ctx, a, "gone"); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("edit deleted: %v", err)
			}
			return nil
		})
	})
}

func TestMessageDeliveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w, room := newRoomWorld(t, st, "ann", "bob", "cat")
		m1 := w.send(t, store.Message{RoomID: room, SenderID: w.users[0], Content: "1"})
		m2 := w.send(t, store.Message{RoomID: room, SenderID: w.users[0], Content: "2"})
		w.exec(t, func(ctx context.Context, tx *store.Tx) error {
			for _, u := range []int64{w.users[2], w.users[1], w.users[2]} {
				if err := tx.AddDeliveries(ctx, []string{m1}, u); err != nil {
					return err
				}
			}
			got, err := tx.DeliveredUsernames(ctx, []string{m1, m2})
			if err != nil {
				return err
			}
			if !slices.Equal(got[m1], []string{"bob", "cat"}) || len(got[m2]) != 0 {
				return fmt.Errorf("delivered = %v", got)
			}
			users, err := tx.UsersIn(ctx, []int64{w.users[0], w.users[2], 9999})
			if err != nil || len(users) != 2 || users[w.users[2]].Username != "cat" {
				return fmt.Errorf("users in = %v, %v", users, err)
			}
			return nil
		})
	})
}

func TestMessagesWithReferences(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		w, room := newRoomWorld(t, st, "ann")
		a := w.send(t, store.Message{RoomID: room, SenderID: w.users[0], Content: "a"})
		b := w.send(t, store.Message{RoomID: room, SenderID: w.users[0], Content: "b", ParentMessageID: &a})
		c := w.send(t, store.Message{RoomID: room, SenderID: w.users[0], Content: "c", ParentMessageID: &b})
		d := w.send(t, store.Message{RoomID: room, SenderID: w.users[0], Content: "d", IsForwarded: true, ForwardedFromID: &c})
		lone := w.send(t, store.Message{RoomID: room, SenderID: w.users[0], Content: "lone"})
		w.exec(t, func(ctx context.Context, tx *store.Tx) error {
			got, err := tx.MessagesWithReferences(ctx, []string{d, lone, store.NewID()})
			if err != nil {
				return err
			}
			if len(got) != 5 || got[d].Content != "d" || got[a].Content != "a" {
				return fmt.Errorf("closure of d = %v", got)
			}
			// A reference cycle (impossible through the API, possible in
			// SQL) still terminates.
			if _, err := tx.Executor().Exec(ctx, "UPDATE messages SET parent_message_id = $1 WHERE id = $2", c, a); err != nil {
				return err
			}
			got, err = tx.MessagesWithReferences(ctx, []string{b})
			if err != nil || len(got) != 3 {
				return fmt.Errorf("closure with a cycle = %v, %v", got, err)
			}
			return nil
		})
	})
}

// TestInsertMessageCreatedAt pins how InsertMessage picks created_at: the
// clock, or one microsecond after the room's latest message when the clock
// is not ahead of it (same microsecond, or a clock that went back), per room.
func TestInsertMessageCreatedAt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		base := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
		now := base
		st = store.New(st.Driver(), store.WithClock(func() time.Time { return now }))
		w := newMsgWorld(t, st, "t1", "ann")
		room, other := w.room(t, "t1", 1, w.users...), w.room(t, "t1", 2, w.users...)
		for _, c := range []struct {
			clock time.Time
			room  string
			want  time.Time
		}{
			{base, room, base},
			{base, room, base.Add(time.Microsecond)},
			{base.Add(-time.Hour), room, base.Add(2 * time.Microsecond)},
			{base, other, base},
			{base.Add(time.Second), room, base.Add(time.Second)},
		} {
			now = c.clock
			var m store.Message
			w.exec(t, func(ctx context.Context, tx *store.Tx) error {
				var err error
				m, err = tx.InsertMessage(ctx, store.Message{RoomID: c.room, SenderID: w.users[0], Content: "x"})
				return err
			})
			var stored store.Message
			w.exec(t, func(ctx context.Context, tx *store.Tx) error {
				var err error
				stored, err = tx.GetMessage(ctx, "t1", m.ID)
				return err
			})
			if !m.CreatedAt.Equal(c.want) || !m.UpdatedAt.Equal(c.want) || !stored.CreatedAt.Equal(c.want) || !stored.UpdatedAt.Equal(c.want) {
				t.Fatalf("clock %v: returned %v/%v, stored %v/%v, want %v", c.clock, m.CreatedAt, m.UpdatedAt,
					stored.CreatedAt, stored.UpdatedAt, c.want)
			}
		}
	})
}
