package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/chatwasm/chatwasm/host/store"
	"github.com/chatwasm/chatwasm/host/store/storetest"
)

// pgRace is a PostgreSQL database with two stores on it, whose writes run
// at once, and the msgWorld of ann, bob, cat and dan in a room of ann, bob
// and cat.
type pgRace struct {
	roomNotices
	a, b               *store.Store
	ann, bob, cat, dan int64
}

func newPGRace(t *testing.T) pgRace {
	t.Helper()
	open := storetest.Empty(t, "postgres")
	a := open()
	if err := a.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	w := newMsgWorld(t, a, "t1", "ann", "bob", "cat", "dan")
	r := roomNotices{w, w.room(t, "t1", 1)}
	r.join(t, w.users[:3]...)
	return pgRace{roomNotices: r, a: a, b: open(), ann: w.users[0], bob: w.users[1], cat: w.users[2], dan: w.users[3]}
}

// interleave runs first in a transaction of store a and holds it open once
// first returned; meanwhile it runs second in a transaction of store b,
// waits until second is done or waits on a lock, and only then lets first
// commit. This is the interleaving where second reads before first
// commits: without the locks that order them, second misses first's writes.
func (p pgRace) interleave(t *testing.T, first, second func(ctx context.Context, tx *store.Tx) error) {
	t.Helper()
	ctx := context.Background()
	ran, release := make(chan struct{}), make(chan struct{})
	firstDone, secondDone := make(chan error, 1), make(chan error, 1)
	go func() {
		firstDone <- p.a.Write(ctx, func(tx *store.Tx) error {
			err := first(ctx, tx)
			close(ran)
			<-release
			return err
		})
	}()
	select {
	case <-ran:
	case err := <-firstDone:
		t.Fatalf("first: %v", err)
	}
	go func() { secondDone <- p.b.Write(ctx, func(tx *store.Tx) error { return second(ctx, tx) }) }()
	// Generous: a correct run waits for a lock within milliseconds.
	for deadline := time.Now().Add(time.Minute); ; {
		var waiting int
		if err := p.a.Read(ctx, func(tx *store.Tx) error {
			return tx.Executor().QueryRow(ctx, `SELECT COUNT(*) FROM pg_stat_activity
				WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting)
		}); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 || len(secondDone) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(release)
	if err := <-firstDone; err != nil {
		t.Fatalf("first: %v", err)
	}
	if err := <-secondDone; err != nil {
		t.Fatalf("second: %v", err)
	}
}

func (p pgRace) send(ctx context.Context, tx *store.Tx) (msgID, notificationID string, err error) {
	return sendAndNotify(ctx, tx, p.room, p.ann)
}

func (p pgRace) member(u int64, in bool) func(ctx context.Context, tx *store.Tx) error {
	return func(ctx context.Context, tx *store.Tx) error {
		if err := tx.LockRoom(ctx, p.room); err != nil {
			return err
		}
		if in {
			return tx.AddMembers(ctx, p.room, []int64{u}, false)
		}
		return tx.RemoveMembers(ctx, p.room, []int64{u})
	}
}

// TestNotifyRoomRacesPostgres: each race of a send, a join, a leave and an
// acknowledgement on PostgreSQL, in the order where the second reads while
// the first is uncommitted, ends as if they had run one after the other.
func TestNotifyRoomRacesPostgres(t *testing.T) {
	all := func(p pgRace) []int64 { return []int64{p.ann, p.bob, p.cat, p.dan} }
	t.Run("leave during a send keeps the notification", func(t *testing.T) {
		p := newPGRace(t)
		var n string
		p.interleave(t, func(ctx context.Context, tx *store.Tx) (err error) {
			_, n, err = p.send(ctx, tx)
			return err
		}, p.member(p.bob, false))
		p.want(t, n, all(p), p.bob, p.cat)
	})
	t.Run("send during a leave leaves the leaver out", func(t *testing.T) {
		p := newPGRace(t)
		var n string
		p.interleave(t, p.member(p.bob, false), func(ctx context.Context, tx *store.Tx) (err error) {
			_, n, err = p.send(ctx, tx)
			return err
		})
		p.want(t, n, all(p), p.cat)
	})
	t.Run("join during a send is not a recipient", func(t *testing.T) {
		p := newPGRace(t)
		var n string
		p.interleave(t, func(ctx context.Context, tx *store.Tx) (err error) {
			_, n, err = p.send(ctx, tx)
			return err
		}, p.member(p.dan, true))
		p.want(t, n, all(p), p.bob, p.cat)
	})
	t.Run("send during a join counts the joiner", func(t *testing.T) {
		p := newPGRace(t)
		var n string
		p.interleave(t, p.member(p.dan, true), func(ctx context.Context, tx *store.Tx) (err error) {
			_, n, err = p.send(ctx, tx)
			return err
		})
		p.want(t, n, all(p), p.bob, p.cat, p.dan)
	})
	t.Run("acknowledgement during a leave clears it", func(t *testing.T) {
		p := newPGRace(t)
		m, n := p.notify(t, p.ann)
		p.interleave(t, p.member(p.bob, false), func(ctx context.Context, tx *store.Tx) error {
			return tx.AckNotifications(ctx, []string{m}, p.bob)
		})
		p.want(t, n, all(p), p.cat)
	})
	t.Run("leave during an acknowledgement keeps it cleared", func(t *testing.T) {
		p := newPGRace(t)
		m, n := p.notify(t, p.ann)
		p.interleave(t, func(ctx context.Context, tx *store.Tx) error {
			return tx.AckNotifications(ctx, []string{m}, p.bob)
		}, p.member(p.bob, false))
		p.want(t, n, all(p), p.cat)
	})
	t.Run("acknowledgements of the last two recipients delete it", func(t *testing.T) {
		p := newPGRace(t)
		m, n := p.notify(t, p.ann)
		p.interleave(t, func(ctx context.Context, tx *store.Tx) error {
			return tx.AckNotifications(ctx, []string{m}, p.bob)
		}, func(ctx context.Context, tx *store.Tx) error {
			return tx.AckNotifications(ctx, []string{m}, p.cat)
		})
		p.want(t, n, all(p))
	})
}
